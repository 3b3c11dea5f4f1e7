"""Strides, storage offsets, contiguity, memory formats, view errors, reshape copies and storage identity
against torch 2.13 — the memory model torch code observes (physical layout stays XLA's)."""
import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")

# every view op, as (name, f(module, x)) over x = arange(24).reshape(2, 3, 4)
VIEWS = [
    ("t_of_2d", lambda m, x: x[0].t()),
    ("transpose", lambda m, x: x.transpose(0, 2)),
    ("permute", lambda m, x: x.permute(2, 0, 1)),
    ("movedim", lambda m, x: m.movedim(x, 0, -1)),
    ("mT", lambda m, x: x.mT),
    ("narrow", lambda m, x: x.narrow(2, 1, 2)),
    ("select", lambda m, x: x.select(1, 2)),
    ("slice_step", lambda m, x: x[:, ::2, 1:]),
    ("index_mix", lambda m, x: x[1, None, :, 2]),
    ("ellipsis", lambda m, x: x[..., 1]),
    ("unsqueeze", lambda m, x: x.unsqueeze(1)),
    ("squeeze", lambda m, x: x[:, :1].squeeze(1)),
    ("expand", lambda m, x: x[:, :1].expand(5, 2, 3, 4)),
    ("view", lambda m, x: x.view(6, 4)),
    ("view_of_permuted", lambda m, x: x.permute(1, 0, 2).view(3, 2, 2, 2)),
    ("flatten", lambda m, x: x.flatten(1)),
    ("unflatten", lambda m, x: x.unflatten(2, (2, 2))),
    ("diagonal", lambda m, x: x.diagonal(0, 1, 2)),
    ("diagonal_offset", lambda m, x: x.diagonal(1, 1, 2)),
    ("unfold", lambda m, x: x.unfold(2, 2, 1)),
    ("split", lambda m, x: x.split(2, dim=2)[1]),
    ("chunk", lambda m, x: x.chunk(3, dim=1)[2]),
    ("unbind", lambda m, x: x.unbind(1)[1]),
    ("view_chain", lambda m, x: x.transpose(0, 1)[1:].unsqueeze(0).expand(2, 2, 2, 4)),
    ("detach", lambda m, x: x.transpose(0, 2).detach()),
    ("real_view", lambda m, x: x.view(-1)[3:9:2]),
]


def _x(m):
    return m.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("name,f", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_strides_offset_and_contiguity(name, f):
    o, t = f(torchlike, _x(torchlike)), f(torch, _x(torch))
    assert tuple(o.shape) == tuple(t.shape)
    assert o.stride() == t.stride(), (o.stride(), t.stride())
    assert o.storage_offset() == t.storage_offset()
    assert o.is_contiguous() == t.is_contiguous()
    np.testing.assert_array_equal(o.numpy(), t.numpy())
    base_o, base_t = _x(torchlike), _x(torch)
    assert (f(torchlike, base_o).untyped_storage().data_ptr() == base_o.untyped_storage().data_ptr())
    assert (f(torch, base_t).untyped_storage().data_ptr() == base_t.untyped_storage().data_ptr())


@pytest.mark.parametrize("shape_fn", [lambda x: x.t(), lambda x: x[::2, 1:], lambda x: x.t()[1:]])
def test_view_raises_where_torch_cannot_view(shape_fn):
    xo, xt = torchlike.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
    vt = shape_fn(xt)
    with pytest.raises(RuntimeError, match="view size is not compatible") as ref:
        vt.view(-1)
    with pytest.raises(type(ref.value), match="view size is not compatible"):
        shape_fn(xo).view(-1)


@pytest.mark.parametrize("make,shape", [
    (lambda x: x, (4, 3)), (lambda x: x.t(), (12,)), (lambda x: x.t(), (2, 2, 3)), (lambda x: x[:, :2], (6,)),
    (lambda x: x.unsqueeze(0).expand(2, 3, 4), (2, 12)), (lambda x: x[1:], (8,)),
])
def test_reshape_copies_exactly_where_torch_copies(make, shape):
    res = []
    for m in (torchlike, torch):
        x = m.arange(12.0).reshape(3, 4)
        r = make(x).reshape(*shape)
        shares = r.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        r.fill_(100.0)
        res.append((shares, r.stride(), x.numpy().copy()))
    assert res[0][0] == res[1][0]
    assert res[0][1] == res[1][1]
    np.testing.assert_array_equal(res[0][2], res[1][2])  # writes through the result reach x iff torch's do


@pytest.mark.parametrize("fmt", ["channels_last", "contiguous_format", "preserve_format"])
def test_memory_formats(fmt):
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    o, t = torchlike.tensor(a), torch.tensor(a)
    fo, ft = getattr(torchlike, fmt), getattr(torch, fmt)
    assert repr(fo) == repr(ft)
    if fmt != "preserve_format":
        co, ct = o.contiguous(memory_format=fo), t.contiguous(memory_format=ft)
        assert co.stride() == ct.stride()
        for name in ("contiguous_format", "channels_last"):
            assert co.is_contiguous(memory_format=getattr(torchlike, name)) == \
                ct.is_contiguous(memory_format=getattr(torch, name))
        assert (co is o) == (ct is t)
    cl_o, cl_t = o.to(memory_format=torchlike.channels_last), t.to(memory_format=torch.channels_last)
    assert cl_o.stride() == cl_t.stride()
    assert cl_o.clone(memory_format=fo).stride() == cl_t.clone(memory_format=ft).stride()
    assert cl_o.to(memory_format=fo).stride() == cl_t.to(memory_format=ft).stride()
    assert cl_o.contiguous().stride() == cl_t.contiguous().stride()
    np.testing.assert_array_equal(cl_o.numpy(), cl_t.numpy())
    o5, t5 = torchlike.zeros(1, 2, 3, 4, 5), torch.zeros(1, 2, 3, 4, 5)
    assert o5.contiguous(memory_format=torchlike.channels_last_3d).stride() == \
        t5.contiguous(memory_format=torch.channels_last_3d).stride()


def test_contiguous_copies_only_when_needed():
    for m in (torchlike, torch):
        x = m.arange(12.0).reshape(3, 4)
        assert x.contiguous() is x
        c = x.t().contiguous()
        assert c.stride() == (3, 1) and c.is_contiguous()
        assert c.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()


def test_empty_strided_and_as_strided():
    eo, et = torchlike.empty_strided((2, 3), (1, 2)), torch.empty_strided((2, 3), (1, 2))
    assert eo.stride() == et.stride() and eo.is_contiguous() == et.is_contiguous()
    xo, xt = torchlike.arange(12.0), torch.arange(12.0)
    ao, at = xo.as_strided((2, 2), (1, 4), 1), xt.as_strided((2, 2), (1, 4), 1)
    assert ao.stride() == at.stride() and ao.storage_offset() == at.storage_offset()
    np.testing.assert_array_equal(ao.numpy(), at.numpy())
    ao, at = torchlike.as_strided(xo, (3, 2), (2, 1)), torch.as_strided(xt, (3, 2), (2, 1))
    assert ao.stride() == at.stride() and ao.is_contiguous() == at.is_contiguous()


def test_data_ptr_and_storage_identity():
    for m in (torchlike, torch):
        x = m.arange(12.0).reshape(3, 4)
        assert x[1].data_ptr() - x.data_ptr() == 4 * x.element_size()
        assert x.t().data_ptr() == x.data_ptr() and x.detach().data_ptr() == x.data_ptr()
        assert x.data.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        assert x.clone().data_ptr() != x.data_ptr()
        assert m.arange(12.0).data_ptr() != x.data_ptr()
        assert x.untyped_storage().nbytes() == 48


def test_pin_memory():
    x = torchlike.ones(3)
    assert not x.is_pinned()
    p = x.pin_memory()
    assert p.is_pinned() and not x.is_pinned()
    np.testing.assert_array_equal(p.numpy(), x.numpy())


# as_strided views: (name, f(module, base) -> the view) over base = arange(12.)
AS_STRIDED = [
    ("of_root", lambda m, b: b.as_strided((3, 2), (1, 3), 2)),
    ("overlapping", lambda m, b: b.as_strided((4, 3), (2, 1))),
    ("of_slice_default_offset", lambda m, b: b[3:].as_strided((2, 2), (1, 2))),
    ("of_slice_outside_it", lambda m, b: b[6:].as_strided((2, 3), (3, 1), 0)),
    ("of_transpose", lambda m, b: b.view(3, 4).t().as_strided((2, 3), (1, 4))),
    ("of_as_strided", lambda m, b: b.as_strided((3, 4), (4, 1)).as_strided((2, 2), (5, 1), 1)),
    ("of_channels_last", lambda m, b: b.view(1, 3, 2, 2).contiguous(memory_format=m.channels_last)
     .as_strided((4,), (3,), 0)),
    ("function", lambda m, b: m.as_strided(b.view(3, 4), (2, 2), (4, 1), 5)),
]


@pytest.mark.parametrize("name,make", AS_STRIDED, ids=[n for n, _ in AS_STRIDED])
def test_as_strided_is_a_view(name, make):
    """Values, strides, offset and data_ptr of an as_strided view; a write through it reaches the base
    (and other views), and a later write to the base is seen by it."""
    res = []
    for m in (torchlike, torch):
        b = m.arange(12.0)
        other = b.view(3, 4)
        v = make(m, b)
        first = (v.numpy().copy(), v.stride(), v.storage_offset(), v.data_ptr() - v.untyped_storage().data_ptr(),
                 v.is_contiguous())
        v.mul_(-1) if name != "overlapping" else v[0].fill_(-5)
        after_write = (b.numpy().copy(), other.numpy().copy(), v.numpy().copy())
        b.add_(100)
        res.append((first, after_write, v.numpy().copy()))
    (fo, wo, lo), (ft, wt, lt) = res
    np.testing.assert_array_equal(fo[0], ft[0])
    assert fo[1:] == ft[1:]
    for a, b in zip(wo, wt):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(lo, lt)


def test_as_strided_gradient_and_errors():
    xs = np.random.default_rng(0).standard_normal(10)
    grads, outs = [], []
    for m in (torchlike, torch):
        x = m.tensor(xs, requires_grad=True)
        y = x * 1
        v = y[2:].as_strided((3, 3), (2, 1), 0)  # overlapping, partly before y[2:]
        (v * m.arange(9.0, dtype=m.float64).view(3, 3)).sum().backward()
        grads.append(x.grad.numpy())
        outs.append(type(v.grad_fn).__name__)
    np.testing.assert_allclose(grads[0], grads[1])
    errors = [lambda m, b: b[2:].as_strided((3,), (3,), 4), lambda m, b: b.as_strided((2,), (-1,)),
              lambda m, b: b.as_strided((2, 2), (1,)), lambda m, b: b.as_strided((2,), (1,), -1)]
    for f in errors:
        got = []
        for m in (torchlike, torch):
            with pytest.raises(RuntimeError) as e:
                f(m, m.arange(6.0))
            got.append(str(e.value))
        assert got[0] == got[1]


def test_as_strided_in_place():
    """x.as_strided_ restrides x over its storage; x's other views still see the storage."""
    res = []
    for m in (torchlike, torch):
        b = m.arange(6.0)
        c = b.view(2, 3)
        r = b.as_strided_((2, 2), (1, 2), 1)
        assert r is b
        geom = (tuple(b.shape), b.stride(), b.storage_offset(), b.numpy().copy())
        c.add_(10)
        b.mul_(2)
        res.append((geom, b.numpy().copy(), c.numpy().copy()))
        leaf = m.zeros(6, requires_grad=True)
        with pytest.raises(RuntimeError):
            leaf.as_strided_((2,), (2,))
        w = leaf * 1
        w.as_strided_((2,), (3,))
        w.sum().backward()
        res.append(leaf.grad.numpy())
    (go, bo, co), lo, (gt, bt, ct), lt = res
    assert go[:3] == gt[:3]
    for a, b in ((go[3], gt[3]), (bo, bt), (co, ct), (lo, lt)):
        np.testing.assert_array_equal(a, b)


def test_as_strided_scatter_matches_torch():
    for m in (torchlike, torch):
        x = m.arange(12.0).view(3, 4).t()
        out = m.as_strided_scatter(x, m.ones(2, 2), (2, 2), (1, 4), 1)
        res = (out.numpy().copy(), out.stride())
        if m is torchlike:
            mine = res
    np.testing.assert_array_equal(mine[0], res[0])
    assert mine[1] == res[1]


@pytest.mark.parametrize("op", ["t_", "transpose_", "unsqueeze_", "squeeze_"])
def test_in_place_view_ops_keep_other_views_on_the_storage(op):
    """x.t_() etc. restride x: its strides follow torch, and views taken before still read the storage."""
    args = {"t_": (), "transpose_": (0, 1), "unsqueeze_": (1,), "squeeze_": ()}[op]
    res = []
    for m in (torchlike, torch):
        a = m.arange(6.0).reshape(2, 3).clone()
        flat, row = a.view(6), a[1]
        getattr(a, op)(*args)
        a.mul_(2)
        res.append((a.stride(), a.is_contiguous(), a.numpy().copy(), flat.numpy().copy(), row.numpy().copy()))
    assert res[0][:2] == res[1][:2]
    for x, y in zip(res[0][2:], res[1][2:]):
        np.testing.assert_array_equal(x, y)


def test_data_ptr_of_a_tensor_with_no_elements_is_zero():
    """torch: ``data_ptr()`` is 0 for any tensor with no elements (a fresh empty one, an empty slice of
    a tensor with storage, an empty view of a 2-D one); tensors with elements keep a nonzero address."""
    for m in (torchlike, torch):
        full = m.ones(3, 2)
        assert [m.empty(0).data_ptr(), full[3:].data_ptr(), full[:, :0].data_ptr(), m.zeros(2, 0).data_ptr()] == [0] * 4
        assert full.data_ptr() != 0 and full[1:].data_ptr() - full.data_ptr() == 2 * full.element_size()
