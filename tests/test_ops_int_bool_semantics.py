"""Integer and bool semantics as torch: bool arithmetic errors, sum of bool, integer division and
remainder rules, int64 overflow wrap-around, first-index tie-breaking and stable sort."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

I = np.array([7, -7, 6, -6, 0, 5], np.int64)
D = np.array([2, 2, -4, -4, 3, -3], np.int64)


def test_negating_or_subtracting_bool_raises():
    b = torchlike.tensor([True, False])
    with pytest.raises(RuntimeError):
        -b
    with pytest.raises(RuntimeError):
        torchlike.neg(b)
    with pytest.raises(RuntimeError):
        b - b
    assert (~b).tolist() == [False, True]


def test_bool_reductions_and_arithmetic_dtypes():
    b, tb = torchlike.tensor([True, True, False]), torch.tensor([True, True, False])
    for f in (lambda m, x: x.sum(), lambda m, x: m.sum(x, 0), lambda m, x: x + x, lambda m, x: x * 2,
              lambda m, x: x + 1.5, lambda m, x: x.prod(), lambda m, x: m.cumsum(x, 0), lambda m, x: x & x,
              lambda m, x: x / 2):
        assert_same(f(torchlike, b), f(torch, tb))
    assert torchlike.tensor([True]).sum().dtype is torchlike.int64


def test_integer_division_rules():
    a, d = torchlike.tensor(I), torchlike.tensor(D)
    ta, td = torch.tensor(I), torch.tensor(D)
    assert_same(a / d, ta / td)  # true division gives the default float
    assert_same(a // d, ta // td)  # floor
    assert_same(torchlike.div(a, d, rounding_mode="trunc"), torch.div(ta, td, rounding_mode="trunc"))
    assert_same(a % d, ta % td)  # sign of the divisor
    assert_same(torchlike.fmod(a, d), torch.fmod(ta, td))  # sign of the dividend
    assert_same(a // 2, ta // 2)
    assert_same(a.to(torchlike.int32) / 2, ta.to(torch.int32) / 2)
    with pytest.raises(RuntimeError):
        a // torchlike.tensor(0)
    with pytest.raises(RuntimeError):
        torchlike.tensor([2]) ** -1


def test_int64_overflow_wraps():
    big = torchlike.tensor([2 ** 63 - 1])
    assert (big + 1).tolist() == (torch.tensor([2 ** 63 - 1]) + 1).tolist()
    assert (torchlike.tensor([200], dtype=torchlike.uint8) + torchlike.tensor([100], dtype=torchlike.uint8)).tolist() \
        == [44]


def test_argmax_max_first_index_on_ties():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0]], np.float32)
    t, r = torchlike.tensor(x), torch.tensor(x)
    assert_same(t.argmax(1), r.argmax(1))
    assert_same(t.argmin(1), r.argmin(1))
    assert_same(tuple(t.max(1)), tuple(r.max(1)))
    assert_same(tuple(t.min(0)), tuple(r.min(0)))
    assert int(t.argmax()) == int(r.argmax()) == 1
    n = np.array([1.0, np.nan, 5.0, np.nan], np.float32)
    assert int(torchlike.tensor(n).argmax()) == int(torch.tensor(n).argmax())


def test_sort_stable_keeps_order_of_equals():
    x = np.array([3, 1, 2, 1, 3, 2, 1], np.int64)
    for desc in (False, True):
        ours = torchlike.sort(torchlike.tensor(x), stable=True, descending=desc)
        ref = torch.sort(torch.tensor(x), stable=True, descending=desc)
        assert_same(tuple(ours), tuple(ref))
    f = np.array([0.5, -0.5, 0.5, 0.5], np.float32)
    assert torchlike.argsort(torchlike.tensor(f), stable=True).tolist() == \
        torch.argsort(torch.tensor(f), stable=True).tolist()
