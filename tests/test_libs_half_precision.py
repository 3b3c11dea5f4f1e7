"""float16/bfloat16 softmax, layer_norm and gelu computed in float32 and rounded once, as torch's kernels do
(a bfloat16 transformers model then matches torch's hidden states), against torch 2.13."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

X = (np.random.default_rng(0).standard_normal((4, 64)) * 3).astype(np.float32)


def _run(fn, dtype):
    return [fn(m, m.tensor(X).to(getattr(m, dtype))) for m in (torchlike, torch)]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name,fn", [
    ("softmax", lambda m, x: m.softmax(x, -1)),
    ("F.softmax", lambda m, x: m.nn.functional.softmax(x, dim=0)),
    ("softmin", lambda m, x: m.nn.functional.softmin(x, dim=-1)),
    ("layer_norm", lambda m, x: m.nn.functional.layer_norm(x, (64,), m.full((64,), 1.5, dtype=x.dtype),
                                                           m.full((64,), 0.1, dtype=x.dtype))),
    ("layer_norm_plain", lambda m, x: m.nn.functional.layer_norm(x, (64,))),
])
def test_rounded_once_equals_torch(dtype, name, fn):
    ours, ref = _run(fn, dtype)
    assert str(ours.dtype) == str(ref.dtype)
    np.testing.assert_array_equal(ours.float().numpy(), ref.float().numpy())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_within_one_rounding(dtype, approximate):
    ours, ref = _run(lambda m, x: m.nn.functional.gelu(x, approximate=approximate), dtype)
    assert str(ours.dtype) == str(ref.dtype)
    step = float(torch.finfo(getattr(torch, dtype)).eps)
    np.testing.assert_allclose(ours.float().numpy(), ref.float().numpy(), rtol=step, atol=1e-5)


def test_dtype_argument_still_decides_the_result():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    for fn in (lambda m, t: m.softmax(t, 0, dtype=m.float32), lambda m, t: m.nn.functional.log_softmax(t, 0, dtype=m.float64)):
        ours, ref = fn(torchlike, torchlike.tensor(x).bfloat16()), fn(torch, torch.tensor(x).bfloat16())
        assert_same(ours, ref, rtol=1e-6)


def test_half_layer_norm_gradients_match_torch_closely():
    res = []
    for m in (torchlike, torch):
        x = m.tensor(X).bfloat16().requires_grad_(True)
        m.nn.functional.layer_norm(x, (64,)).float().square().sum().backward()
        res.append(x.grad.float().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=2e-2, atol=2e-2)
