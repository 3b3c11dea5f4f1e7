"""View semantics against torch 2.13: views share data with their base in both directions, reads of a
view see later changes of its base, autograd is correct through in-place ops on views, and a tensor
saved for backward that is modified in place makes backward raise."""
import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")
TL = torchlike

A = np.arange(12, dtype=np.float32).reshape(3, 4)


def both(fn, a=A):
    """Run ``fn(lib, x)`` on fresh copies in both libraries; compare x and what fn returns."""
    x, xr = TL.tensor(a.copy()), torch.tensor(a.copy())
    r, rr = fn(TL, x), fn(torch, xr)
    assert_same(x, xr)
    if rr is not None:
        assert_same(r, rr)
    return x, xr


# ------------------------------------------------------------------- writes through views reach the base
@pytest.mark.parametrize("write", [
    lambda L, x: x.data.zero_(),
    lambda L, x: x[0].fill_(1),
    lambda L, x: x[:, 1:3].mul_(-1),
    lambda L, x: x[1, ::2].add_(100),
    lambda L, x: x.view(-1).add_(1),
    lambda L, x: x.view(2, 6)[1].zero_(),
    lambda L, x: x.reshape(4, 3).sub_(1),
    lambda L, x: x.t().mul_(2),
    lambda L, x: x.T[0].fill_(-5),
    lambda L, x: x.transpose(0, 1)[2].add_(7),
    lambda L, x: x.permute(1, 0)[3, 1:].fill_(9),
    lambda L, x: x.detach().copy_(L.ones(3, 4)),
    lambda L, x: x.detach()[2].copy_(L.arange(4.0)),
    lambda L, x: x.narrow(1, 1, 2).fill_(3),
    lambda L, x: x.select(1, -1).fill_(8),
    lambda L, x: x.unbind(0)[1].mul_(10),
    lambda L, x: x.unbind(1)[2].zero_(),
    lambda L, x: x.split(1)[2].fill_(4),
    lambda L, x: x.split([1, 3], dim=1)[1].mul_(3),
    lambda L, x: x.chunk(2, dim=1)[1].zero_(),
    lambda L, x: x.unsqueeze(0)[0, 1].fill_(6),
    lambda L, x: x.unsqueeze(1).squeeze(1)[2].add_(1),
    lambda L, x: x.view(1, 3, 4).squeeze()[0, 0].fill_(-1),
    lambda L, x: x.movedim(0, 1)[0].fill_(11),
    lambda L, x: x.flatten()[5:].zero_(),
    lambda L, x: x.unflatten(1, (2, 2))[:, 1].fill_(2),
    lambda L, x: x.diagonal().fill_(-2),
    lambda L, x: x.diagonal(1).add_(50),
    lambda L, x: x[0][1:][::2].fill_(0.5),
    lambda L, x: x.view(-1).view(4, 3).t()[1].fill_(12),
])
def test_write_through_view(write):
    both(lambda L, x: (write(L, x), None)[1])


def test_setitem_on_view():
    def f(L, x):
        v = x[1:]
        v[:, 0] = 42
        v[0, L.tensor([1, 3])] = L.tensor([-1.0, -2.0])
        x.t()[1][x.t()[1] > 5] = 0
    both(f)


def test_data_assignment_and_write():
    x, xr = TL.tensor(A.copy()), torch.tensor(A.copy())
    for lib, t in ((TL, x), (torch, xr)):
        d = t.data
        d.mul_(2)
        t.data = lib.zeros(2, 2)
    assert_same(x, xr)


# ------------------------------------------------------------------- base writes are seen by existing views
@pytest.mark.parametrize("make", [
    lambda x: x[0],
    lambda x: x.view(-1),
    lambda x: x.t(),
    lambda x: x.detach(),
    lambda x: x.data,
    lambda x: x.narrow(0, 1, 2),
    lambda x: x.unbind(1)[3],
    lambda x: x.split(2, dim=1)[1],
    lambda x: x.chunk(3)[2],
    lambda x: x.unsqueeze(-1),
    lambda x: x.expand(2, 3, 4),
    lambda x: x.movedim(1, 0),
    lambda x: x.diagonal(),
    lambda x: x[1:].view(-1)[2:5],
])
def test_view_sees_base_change(make):
    x, xr = TL.tensor(A.copy()), torch.tensor(A.copy())
    v, vr = make(x), make(xr)
    x.add_(1).mul_(2)
    xr.add_(1).mul_(2)
    x[1, 2] = -7
    xr[1, 2] = -7
    assert_same(v, vr)
    # and a write through one view is seen by a sibling view
    s, sr = x.view(-1), xr.view(-1)
    s[::3].fill_(0)
    sr[::3].fill_(0)
    assert_same(v, vr)


def test_expand_read_only_use():
    x, xr = TL.tensor(A[0].copy()), torch.tensor(A[0].copy())
    e, er = x.expand(3, 4), xr.expand(3, 4)
    assert_same(e.sum(0), er.sum(0))
    x.add_(1)
    xr.add_(1)
    assert_same(e, er)
    assert_same(e * 2, er * 2)


def test_view_of_view_chain_and_versions():
    x = TL.tensor(A.copy())
    v = x[1:].t()[2]
    w = x.view(-1)
    assert x._version == v._version == w._version
    v.fill_(0)
    assert x._version == v._version == w._version == 1
    xr = torch.tensor(A.copy())
    xr[1:].t()[2].fill_(0)
    assert_same(x, xr)
    assert_same(w, xr.view(-1))


def test_out_of_place_ops_do_not_alias():
    x = TL.tensor(A.copy())
    y = x + 0
    c = x.clone()
    y.zero_()
    c.fill_(3)
    assert_same(x, torch.tensor(A))


# ------------------------------------------------------------------- autograd through in-place on views
def _grads(fn, *arrays):
    ts = [TL.tensor(a, requires_grad=True) for a in arrays]
    trs = [torch.tensor(a, requires_grad=True) for a in arrays]
    o, orr = fn(TL, *ts), fn(torch, *trs)
    assert_same(o, orr)
    w = np.linspace(-1, 2, int(np.prod(orr.shape))).reshape(tuple(orr.shape)).astype(np.float32)
    (o * TL.tensor(w)).sum().backward()
    (orr * torch.tensor(w)).sum().backward()
    for t, tr in zip(ts, trs):
        assert_same(t.grad, tr.grad)


def test_grad_mul_on_row_view():
    def f(L, x):
        y = x * 1
        y[0].mul_(2)
        return y
    _grads(f, A.copy())


def test_grad_add_on_view_of_view():
    def f(L, x, w):
        y = x * 1
        y.view(-1)[1:3].add_(w)
        return y
    _grads(f, A.copy(), np.array([0.5, -1.5], np.float32))


def test_grad_inplace_uses_view_value():
    def f(L, x, w):
        y = x + 1
        r = y[:, 1]
        r.mul_(w)          # gradient of the multiply needs the old view value and w
        y.t()[2].pow_(2)   # and a second in-place through a different view
        return y * r.sum()
    _grads(f, A.copy() / 10, np.linspace(1, 2, 3).astype(np.float32))


def test_grad_through_setitem_and_transpose():
    def f(L, x, w):
        y = x.clone()
        y.t()[1:3, 0] = w * 3
        z = y.view(4, 3)
        z[0].sin_()
        return y
    _grads(f, A.copy() / 5, np.array([1.0, 2.0], np.float32))


def test_grad_views_read_after_inplace():
    def f(L, x):
        y = x * 2
        v = y[1]            # created before the in-place change
        y.mul_(3)           # base changes; v must see it (and its graph)
        return v * 3 + y.sum()
    _grads(f, A.copy() / 10)


@pytest.mark.parametrize("write", [
    lambda x: x.unbind(0)[1].add_(1),
    lambda x: x.split(2, dim=1)[1].mul_(2),
    lambda x: x.split([1, 2])[1][0].zero_(),
    lambda x: x.chunk(3)[0].fill_(1),
])
def test_inplace_on_multi_output_views(write):
    """torch forbids in-place on unbind/split/chunk outputs that require grad (allowed otherwise)."""
    for lib in (torch, TL):
        y = lib.tensor(A.copy(), requires_grad=True) * 1
        with pytest.raises(RuntimeError, match="multiple views"):
            write(y)
        with lib.no_grad():
            write(y)
        write(y.detach())
    both(lambda L, x: (write(x), None)[1])


def test_grad_through_split_outputs_out_of_place():
    def f(L, x, w):
        y = x + 0
        a, b, c = y.unbind(0)
        return L.stack([a, b * w, c.exp()]) + y.split(2, dim=1)[1].sum()
    _grads(f, A.copy() / 10, np.arange(4, dtype=np.float32))


def test_leaf_view_inplace_errors():
    x = TL.tensor(A.copy(), requires_grad=True)
    xr = torch.tensor(A.copy(), requires_grad=True)
    with pytest.raises(RuntimeError):
        xr[0].fill_(1)
    with pytest.raises(RuntimeError, match="leaf"):
        x[0].fill_(1)
    with pytest.raises(RuntimeError):
        x.add_(1)
    # through .data / detach / no_grad it is allowed, and seen by the leaf
    x.data[0].fill_(1)
    xr.data[0].fill_(1)
    x.detach()[1].zero_()
    xr.detach()[1].zero_()
    with TL.no_grad():
        x[2].mul_(2)
    with torch.no_grad():
        xr[2].mul_(2)
    assert_same(x, xr)
    assert x.requires_grad and x.is_leaf


# ------------------------------------------------------------------- version counter errors
def test_saved_tensor_modified_inplace_raises():
    x = TL.tensor(A.copy(), requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    xr = torch.tensor(A.copy(), requires_grad=True)
    yr = xr * 1
    zr = yr * yr
    yr.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        zr.sum().backward()


def test_saved_tensor_modified_through_view_raises():
    x = TL.tensor(A.copy(), requires_grad=True)
    y = x.exp()
    z = y.sin()          # saves y
    y[0].zero_()         # a write through a view bumps the shared version
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    x = TL.tensor(A.copy(), requires_grad=True)
    y = x.exp()
    v = y.view(-1)
    z = v.sin()          # saves the view
    y.mul_(2)            # a write into the base
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_unsaved_tensor_inplace_is_fine():
    def f(L, x):
        y = x * 2
        z = y + 1        # add does not save its inputs
        y.add_(1)
        return z + y
    _grads(f, A.copy())
