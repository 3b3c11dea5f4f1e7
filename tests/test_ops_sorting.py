"""sort / argsort / msort / topk / searchsorted / bucketize against torch."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

R = np.random.default_rng(0)
A = R.standard_normal((3, 5)).astype(np.float32)  # no ties: indices are unique
A3 = R.standard_normal((2, 3, 4)).astype(np.float64)
I = R.integers(-5, 5, (3, 6)).astype(np.int64)


def _both(fn, *arrays, grad=False):
    ours_in = [torchlike.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ours, ref = fn(torchlike, *ours_in), fn(torch, *ref_in)
    assert_same(tuple(ours) if isinstance(ours, tuple) else ours, tuple(ref) if isinstance(ref, tuple) else ref)
    if grad:
        o, r = (ours[0], ref[0]) if isinstance(ref, tuple) else (ours, ref)
        w = np.random.default_rng(1).standard_normal(tuple(r.shape)).astype(np.float32)
        (o * torchlike.tensor(w)).sum().backward()
        (r * torch.tensor(w)).sum().backward()
        assert_same(ours_in[0].grad, ref_in[0].grad)


@pytest.mark.parametrize("kw", [dict(), dict(dim=0), dict(dim=-1, descending=True), dict(dim=1, stable=True)])
def test_sort_values_indices_grad(kw):
    _both(lambda m, x: m.sort(x, **kw), A, grad=True)
    _both(lambda m, x: x.sort(**kw), A3.copy())


def test_sort_stable_ties_int_and_bool():
    # stable=True fixes the order of equal elements: both libraries must agree exactly
    _both(lambda m, x: m.sort(x, dim=1, stable=True), I)
    _both(lambda m, x: m.sort(x, dim=1, stable=True, descending=True), I)
    _both(lambda m, x: m.argsort(x, dim=0, stable=True), I)
    _both(lambda m, x: m.sort(x > 0, stable=True), I)


def test_sort_nan_largest_and_edge_shapes():
    x = np.array([3.0, np.nan, -1.0, np.inf, 0.5], np.float32)
    _both(lambda m, t: m.sort(t), x)
    _both(lambda m, t: m.sort(t, descending=True), x)
    _both(lambda m, t: m.sort(t), np.float32(2.0).reshape(()))
    _both(lambda m, t: m.sort(t, 0), np.zeros((0, 3), np.float32))
    _both(lambda m, t: m.argsort(t, descending=True), A)
    _both(lambda m, t: m.msort(t), A)


@pytest.mark.parametrize("k,kw", [(2, {}), (3, dict(dim=0)), (1, dict(largest=False)), (0, {}),
                                  (5, dict(dim=-1, largest=False))])
def test_topk(k, kw):
    _both(lambda m, x: m.topk(x, k, **kw), A, grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.uint8, np.int16])
def test_sort_topk_packed_keys(dtype):
    """The packed-key sort (ties in position order) and the TopK path: NaNs (either sign bit) largest,
    +-0 equal, integer extremes, descending and smallest-k, against torch."""
    x = R.integers(-3, 4, (4, 37)).astype(np.float64)
    if np.dtype(dtype).kind == "f":
        x[0, 5], x[1, 7], x[2, 0], x[2, 1], x[3, 3] = np.nan, -np.nan, -0.0, 0.0, np.inf
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is not None:
        x = np.clip(x, info.min, info.max)
        x[3, :2] = info.min, info.max
    x = x.astype(dtype)
    for desc in (False, True):
        _both(lambda m, t: m.sort(t, dim=1, descending=desc, stable=True), x)
        _both(lambda m, t: m.argsort(t, dim=0, descending=desc, stable=True), x)
    for largest in (True, False):  # torch's topk puts tied elements in no fixed order: compare values
        ours = torchlike.topk(torchlike.tensor(x), 6, 1, largest=largest)
        assert_same(ours.values, torch.topk(torch.tensor(x), 6, 1, largest=largest).values)
        assert_same(ours.values, np.take_along_axis(x, ours.indices.numpy(), 1))


def test_topk_errors_and_0d():
    _both(lambda m, x: m.topk(x, 1), np.float32(2.0).reshape(()))
    with pytest.raises(RuntimeError):
        torchlike.topk(torchlike.tensor([1.0, 2.0]), 3)


def test_searchsorted_bucketize():
    seq = np.array([1.0, 2.0, 2.0, 4.0, 7.0], np.float32)
    vals = np.array([[0.0, 2.0, 3.0], [7.0, 8.0, 2.0]], np.float32)
    _both(lambda m, s, v: (m.searchsorted(s, v), m.searchsorted(s, v, right=True),
                           m.searchsorted(s, v, side="right", out_int32=True)), seq, vals)
    _both(lambda m, s, v: (m.bucketize(v, s), m.bucketize(v, s, right=True)), seq, vals)
    seq2 = np.sort(R.standard_normal((2, 5)), 1).astype(np.float32)
    _both(lambda m, s, v: m.searchsorted(s, v), seq2, vals)
    unsorted = np.array([4.0, 1.0, 2.0], np.float32)
    _both(lambda m, s, v: m.searchsorted(s, v, sorter=m.argsort(s)), unsorted, vals[0])
    _both(lambda m, s: (m.searchsorted(s, 3.0), m.bucketize(2, s)), seq)
    _both(lambda m, s, v: m.searchsorted(s, v), np.array([1, 3, 5], np.int64), np.array([2, 3], np.int64))
    with pytest.raises(RuntimeError):
        torchlike.searchsorted(torchlike.zeros(2, 3), torchlike.zeros(3, 3))
    with pytest.raises(RuntimeError):
        torchlike.bucketize(torchlike.zeros(3), torchlike.zeros(2, 2))
