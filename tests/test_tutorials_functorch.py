"""``functorch`` (forward_ad_usage tutorial): ``import functorch`` under the alias gives torchlike's, whose
jvp, make_functional(_with_buffers) and combine_state_for_ensemble match torch's functorch."""
import os
import subprocess
import sys

import numpy as np
import pytest

import torchlike
from torchlike import _functorch as tl_ft
from conftest import assert_same

torch = pytest.importorskip("torch")
functorch = pytest.importorskip("functorch")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _linear_pair(T):
    T.manual_seed(0)
    return T.nn.Linear(5, 5)


def test_jvp_through_make_functional_with_buffers_matches_functorch():
    x = np.random.RandomState(0).randn(16, 5).astype(np.float32)
    out = []
    for T, ft in ((torchlike, tl_ft), (torch, functorch)):
        model = _linear_pair(T)
        tangents = tuple(T.ones_like(p) * (i + 1) for i, p in enumerate(model.parameters()))
        func, params, buffers = ft.make_functional_with_buffers(model)
        assert len(params) == 2 and len(buffers) == 0
        inp = T.tensor(x)
        out.append(ft.jvp(lambda p: func(p, buffers, inp), (params,), (tangents,)))
        fmodel, p2 = ft.make_functional(model)
        out.append(fmodel(p2, inp))
    assert_same(out[0], out[2], rtol=1e-5, atol=1e-5)
    assert_same(out[1], out[3], rtol=1e-5, atol=1e-5)


def test_make_functional_refuses_buffers_and_ensembles_stack():
    for T, ft in ((torchlike, tl_ft), (torch, functorch)):
        with pytest.raises(RuntimeError, match="has buffers"):
            ft.make_functional(T.nn.BatchNorm1d(3))
    x = np.random.RandomState(1).randn(4, 5).astype(np.float32)
    outs = []
    for T, ft in ((torchlike, tl_ft), (torch, functorch)):
        T.manual_seed(0)
        models = [T.nn.Linear(5, 2) for _ in range(3)]
        fmodel, params, buffers = ft.combine_state_for_ensemble(models)
        assert [tuple(p.shape) for p in params] == [(3, 2, 5), (3, 2)]
        outs.append(ft.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, T.tensor(x)))
    assert_same(outs[0], outs[1], rtol=1e-5, atol=1e-5)


def test_import_functorch_under_the_alias():
    code = "import functorch, torch; print(functorch.__name__, functorch.jvp is torch.func.jvp)"
    r = subprocess.run([sys.executable, "-m", "torchlike", "-c", code], env=dict(os.environ, PYTHONPATH=ROOT),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["torchlike._functorch", "True"]
