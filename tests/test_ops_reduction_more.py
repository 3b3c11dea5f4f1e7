"""median / nanmedian / mode / kthvalue / quantile / counting ops against torch."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

R = np.random.default_rng(0)
A = R.standard_normal((3, 5)).astype(np.float32)  # no ties
A64 = R.standard_normal((4, 3)).astype(np.float64)
I = R.integers(0, 4, (3, 7)).astype(np.int64)


def _both(fn, *arrays, grad=False, rtol=1e-5, atol=1e-6):
    ours_in = [torchlike.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ours, ref = fn(torchlike, *ours_in), fn(torch, *ref_in)
    assert_same(tuple(ours) if isinstance(ours, tuple) else ours, tuple(ref) if isinstance(ref, tuple) else ref,
                rtol=rtol, atol=atol)
    if grad:
        o, r = (ours[0], ref[0]) if isinstance(ref, tuple) else (ours, ref)
        w = np.random.default_rng(1).standard_normal(tuple(r.shape)).astype(r.detach().numpy().dtype)
        (o * torchlike.tensor(w)).sum().backward()
        (r * torch.tensor(w)).sum().backward()
        assert_same(ours_in[0].grad, ref_in[0].grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.median(x), lambda m, x: m.median(x, 1), lambda m, x: x.median(dim=0, keepdim=True),
    lambda m, x: m.nanmedian(x), lambda m, x: m.nanmedian(x, -1),
    lambda m, x: m.kthvalue(x, 2), lambda m, x: x.kthvalue(3, dim=0, keepdim=True),
    lambda m, x: m.mode(x, 1), lambda m, x: m.quantile(x, 0.3), lambda m, x: m.quantile(x, 0.5, dim=1),
])
def test_order_stats_values_and_grad(fn):
    _both(fn, A, grad=True)


def test_median_ties_spread_gradient():
    # median() with no dim shares the gradient among equal elements (torch's evenly_distribute_backward)
    x = np.array([[1.0, 2.0, 2.0], [2.0, 5.0, 0.0]], np.float32)
    _both(lambda m, t: m.median(t), x, grad=True)
    _both(lambda m, t: m.nanmedian(t), x, grad=True)


def test_median_nan_int_empty():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]], np.float32)
    _both(lambda m, t: (m.median(t), m.median(t, 1), m.nanmedian(t), m.nanmedian(t, 1)), x)
    _both(lambda m, t: (m.median(t), m.median(t, 0)), I)
    _both(lambda m, t: m.median(t), np.zeros((0,), np.float32))
    _both(lambda m, t: (m.median(t, 0), m.kthvalue(t, 1, 0), m.mode(t, 0)), np.float32(3.0).reshape(()))
    with pytest.raises(IndexError):
        torchlike.median(torchlike.zeros(0, 3), 0)
    with pytest.raises(RuntimeError):  # torch: RuntimeError for k out of range, IndexError for an empty dim
        torchlike.kthvalue(torchlike.zeros(3), 4)
    with pytest.raises(IndexError):
        torchlike.kthvalue(torchlike.zeros(0), 1)


def test_mode_ties():
    # the smallest most-frequent value, at its last occurrence (torch CPU)
    _both(lambda m, t: (m.mode(t), m.mode(t, 0, keepdim=True)), I)
    _both(lambda m, t: m.mode(t), np.array([1, 2, 2, 1, 3, 1, 2], np.int64))
    _both(lambda m, t: m.mode(t), np.array([[0.5, 0.5, 1.0, 1.0, -2.0]], np.float32))


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolation(interp):
    q = np.array([0.0, 0.25, 0.5, 0.9, 1.0], np.float64)
    _both(lambda m, x, qq: (m.quantile(x, qq, dim=0, interpolation=interp),
                            m.quantile(x, qq, dim=1, keepdim=True, interpolation=interp),
                            m.quantile(x, 0.4, interpolation=interp)), A64, q, grad=interp == "linear")


def test_quantile_nan_and_errors():
    x = np.array([[1.0, np.nan, 3.0, 4.0], [np.nan] * 4, [1.0, 2.0, 3.0, 4.0]], np.float32)
    q = np.array([0.2, 0.7], np.float32)
    _both(lambda m, t, qq: (m.quantile(t, qq, dim=1), m.nanquantile(t, qq, dim=1), m.nanquantile(t, 0.5),
                            m.quantile(t, 0.5, dim=1, keepdim=True)), x, q)
    with pytest.raises(RuntimeError):
        torchlike.quantile(torchlike.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError):
        torchlike.quantile(torchlike.tensor([1.0, 2.0]), 1.5)
    with pytest.raises(RuntimeError):
        torchlike.quantile(torchlike.tensor([1.0, 2.0]), torchlike.tensor(0.5, dtype=torchlike.float64))
    with pytest.raises(RuntimeError):
        torchlike.quantile(torchlike.tensor([]), 0.5)


def test_count_nonzero():
    _both(lambda m, t: (m.count_nonzero(t), m.count_nonzero(t, dim=1), t.count_nonzero(dim=(0, -1))), I)
    _both(lambda m, t: m.count_nonzero(t), np.float32(0.0).reshape(()))


def test_unique():
    x = np.array([[3, 1, 3], [2, 1, 3]], np.int64)
    _both(lambda m, t: m.unique(t), x)
    _both(lambda m, t: m.unique(t, return_inverse=True, return_counts=True), x)
    _both(lambda m, t: t.unique(dim=0, return_inverse=True, return_counts=True), np.array([[1, 2], [0, 5], [1, 2]]))
    _both(lambda m, t: m.unique(t), np.array([2.5, -1.0, 2.5], np.float32))
    _both(lambda m, t: m.unique(t, return_counts=True), np.zeros((0,), np.int64))


def test_unique_consecutive():
    x = np.array([1, 1, 2, 2, 3, 1, 1, 2], np.int64)
    _both(lambda m, t: (m.unique_consecutive(t), m.unique_consecutive(t, return_inverse=True, return_counts=True)), x)
    y = np.array([[1, 1], [1, 1], [2, 0], [1, 1]], np.int64)
    _both(lambda m, t: m.unique_consecutive(t, return_counts=True, return_inverse=True, dim=0), y)


def test_bincount():
    x = np.array([0, 3, 1, 3, 3], np.int64)
    _both(lambda m, t: (m.bincount(t), m.bincount(t, minlength=7), t.bincount()), x)
    _both(lambda m, t, w: m.bincount(t, weights=w), x, np.arange(5, dtype=np.float32))
    _both(lambda m, t, w: m.bincount(t, weights=w), x, np.arange(5, dtype=np.int64))
    _both(lambda m, t: m.bincount(t), np.zeros((0,), np.int64))
    with pytest.raises(RuntimeError):
        torchlike.bincount(torchlike.tensor([-1, 2]))
    with pytest.raises(RuntimeError):
        torchlike.bincount(torchlike.tensor([[1]]))


def test_histc_histogram():
    x = R.standard_normal(50).astype(np.float32)
    _both(lambda m, t: (m.histc(t, bins=7), m.histc(t, bins=4, min=-1, max=1), t.histc(3, 0, 0)), x)
    _both(lambda m, t: m.histc(t, bins=4), np.array([1.0, 1.0, 1.0], np.float32))
    _both(lambda m, t: m.histc(t, bins=4), np.array([0.0, 1.0, 2.0], np.float64))
    _both(lambda m, t: tuple(m.histogram(t, bins=5)), x)
    _both(lambda m, t: tuple(m.histogram(t, 4, range=(-1.0, 1.0), density=True)), x)
    _both(lambda m, t, e: tuple(m.histogram(t, e)), x, np.array([-2.0, 0.0, 0.5, 3.0], np.float32))
    with pytest.raises(RuntimeError):
        torchlike.histc(torchlike.tensor([1, 2]))


def test_numpy_spellings_axis_and_keepdims_as_torch():
    """torch's argument parser takes numpy's ``axis=``/``keepdims=`` for ``dim=``/``keepdim=`` (torchmetrics'
    KLDivergence calls ``p.sum(axis=-1, keepdim=True)``); giving both spellings is a TypeError in both."""
    x0 = np.arange(12, dtype=np.float32).reshape(3, 4) / 7

    def run(m):
        x = m.tensor(x0)
        return [x.sum(axis=-1, keepdim=True), m.sum(x, axis=0), x.mean(axis=1, keepdims=True), x.amax(axis=0),
                x.softmax(axis=1), x.argmax(axis=1), m.cat([x, x], axis=0), x.std(axis=1), m.logsumexp(x, axis=1),
                x.max(axis=1).values, x.cumsum(axis=0)]
    ours, ref = run(torchlike), run(torch)
    assert_same(ours, ref, rtol=1e-6, atol=1e-6)
    for m in (torch, torchlike):
        with pytest.raises(TypeError):
            m.tensor(x0).sum(dim=0, axis=1)
