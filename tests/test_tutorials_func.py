"""Names the torch.func tutorials (intermediate_source/ensembling, per_sample_grads) use, against torch."""
import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")


def test_top_level_vmap_is_func_vmap():
    """``from torch import vmap`` (ensembling tutorial): torch.vmap is torch.func.vmap."""
    from torchlike import vmap
    assert vmap is torchlike.func.vmap
    assert torch.vmap is torch.func.vmap


def test_vmap_over_stacked_module_state():
    """The ensembling tutorial's pattern: stack_module_state + functional_call on a meta copy, vmapped."""
    import copy
    outs = []
    x = np.random.RandomState(0).randn(3, 5, 4).astype(np.float32)
    for T in (torchlike, torch):
        T.manual_seed(0)
        models = [T.nn.Sequential(T.nn.Linear(4, 6), T.nn.ReLU(), T.nn.Linear(6, 2)) for _ in range(3)]
        params, buffers = T.func.stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta")

        def fmodel(p, b, inp):
            return T.func.functional_call(base, (p, b), (inp,))

        xs = T.tensor(x)
        outs.append((T.vmap(fmodel)(params, buffers, xs), T.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, xs[0])))
    assert_same(outs[0], outs[1], rtol=1e-5, atol=1e-5)


def test_vmap_output_is_recorded_by_autograd():
    """torch records the ops run under vmap: the ensembling tutorial's vmapped predictions have a
    grad_fn, and a loss on them backpropagates into the stacked parameters."""
    x = np.random.RandomState(1).randn(3, 5, 4).astype(np.float32)
    grads, flags = [], []
    for T in (torchlike, torch):
        T.manual_seed(0)
        models = [T.nn.Linear(4, 2) for _ in range(3)]
        params, buffers = T.func.stack_module_state(models)

        def fmodel(p, b, inp):
            return T.func.functional_call(models[0], (p, b), (inp,))

        y = T.vmap(fmodel)(params, buffers, T.tensor(x))
        flags.append((y.requires_grad, y.grad_fn is not None, y[1, :2].grad_fn is not None))
        (y ** 2).sum().backward()
        grads.append((params["weight"].grad, params["bias"].grad))
        with T.no_grad():
            flags.append(T.vmap(fmodel)(params, buffers, T.tensor(x)).requires_grad)
    assert flags[:2] == flags[2:]
    assert_same(grads[0], grads[1], rtol=1e-5, atol=1e-5)
