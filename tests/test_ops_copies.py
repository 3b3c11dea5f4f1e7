"""torch.*_copy variants, as_strided, cov/corrcoef, gradient, complex helpers and friends vs torch 2.13."""
import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)


def both(a=A):
    return torchlike.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("name,args", [
    ("alias_copy", ()), ("view_copy", ((4, 3),)), ("expand_copy", ((2, 3, 4),)), ("permute_copy", ((1, 0),)),
    ("t_copy", ()), ("transpose_copy", (0, 1)), ("squeeze_copy", ()), ("unsqueeze_copy", (1,)),
    ("diagonal_copy", (1,)), ("unfold_copy", (1, 2, 1)), ("narrow_copy", (1, 1, 2)), ("slice_copy", (1, 1, 10, 2)),
    ("unbind_copy", (1,)), ("split_with_sizes_copy", ([1, 3], 1)), ("split_with_sizes", ([2, 1],)),
    ("unsafe_split", (2, 1)), ("unsafe_chunk", (2,)), ("constant_pad_nd", ([1, -1, 2, 0], 1.5)),
    ("as_strided", ((2, 2), (1, 3), 1)), ("as_strided_copy", ((3, 2), (2, 1))), ("isreal", ()),
    ("renorm", (2, 0, 2.0)), ("renorm", (1, 1, 1.0)), ("cov", ()), ("corrcoef", ()),
])
def test_against_torch(name, args):
    x, tx = both()
    x.requires_grad_(True)
    tx.requires_grad_(True)
    got, ref = getattr(torchlike, name)(x, *args), getattr(torch, name)(tx, *args)
    assert_same(got, ref, rtol=1e-5, atol=1e-6)
    if name != "isreal":
        outs = got if isinstance(got, tuple) else (got,)
        routs = ref if isinstance(ref, tuple) else (ref,)
        sum(o.sum() * (i + 1) for i, o in enumerate(outs)).backward()
        sum(o.sum() * (i + 1) for i, o in enumerate(routs)).backward()
        assert_same(x.grad, tx.grad, rtol=1e-5, atol=1e-5)


def test_methods_and_in_place():
    x, tx = both()
    assert_same(x.sum_to_size(1, 4), tx.sum_to_size(1, 4))
    assert_same(x.sum_to_size(4), tx.sum_to_size(4))
    assert_same(x.renorm_(2, 1, 1.0), tx.renorm_(2, 1, 1.0))
    assert_same(x.new_empty_strided((2, 3), (3, 1)).shape, tx.new_empty_strided((2, 3), (3, 1)).shape)
    with pytest.raises(RuntimeError):
        x.sum_to_size(2, 4)
    assert_same(x.as_strided((2, 2), (4, 1)), tx.as_strided((2, 2), (4, 1)))
    with pytest.raises(RuntimeError):
        torchlike.as_strided(x, (4, 4), (4, 1))
    with pytest.raises(RuntimeError):
        torch.as_strided(tx, (4, 4), (4, 1))


def test_as_strided_scatter_grad():
    x, tx = both()
    s, ts = both(np.arange(4, dtype=np.float32).reshape(2, 2))
    for t in (x, tx, s, ts):
        t.requires_grad_(True)
    got = torchlike.as_strided_scatter(x, s, (2, 2), (4, 2), 1)
    ref = torch.as_strided_scatter(tx, ts, (2, 2), (4, 2), 1)
    assert_same(got, ref)
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    (got * torchlike.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    assert_same(s.grad, ts.grad)
    # torch 2.13 returns the window's gradient for ``input`` (the complement of the true one); we give
    # d(out)/d(input): the upstream gradient with the overwritten window zeroed.
    expect = w.reshape(-1).copy()
    expect[[1, 3, 5, 7]] = 0
    np.testing.assert_allclose(np.asarray(x.grad._value), expect.reshape(3, 4))


def test_creation_and_index_helpers():
    assert_same(torchlike.scalar_tensor(3), torch.scalar_tensor(3))
    assert_same(torchlike.scalar_tensor(2, dtype=torchlike.int64), torch.scalar_tensor(2, dtype=torch.int64))
    for f in ("empty_strided",):
        assert getattr(torchlike, f)((2, 3), (1, 2)).shape == getattr(torch, f)((2, 3), (1, 2)).shape
    e, te = torchlike.empty_permuted((2, 3, 4), (0, 2, 1)), torch.empty_permuted((2, 3, 4), (0, 2, 1))
    assert e.shape == te.shape and str(e.dtype) == str(te.dtype)
    idx = np.array([[0, 5], [11, 7]])
    assert_same(torchlike.unravel_index(torchlike.tensor(idx), (3, 4)), torch.unravel_index(torch.tensor(idx), (3, 4)))
    assert_same(torchlike.unravel_index(torchlike.tensor(7), (2, 2, 2)), torch.unravel_index(torch.tensor(7), (2, 2, 2)))
    m = np.array([[0, 1, 0], [2, 0, 3]])
    for size in (2, 5):
        assert_same(torchlike.nonzero_static(torchlike.tensor(m), size=size),
                    torch.nonzero_static(torch.tensor(m), size=size))
    assert_same(torchlike.tensor(m).nonzero_static(size=4, fill_value=9), torch.tensor(m).nonzero_static(size=4, fill_value=9))


def test_cov_weights_and_ints():
    x, tx = both()
    fw = np.array([1, 2, 1, 3])
    aw = np.array([0.5, 1.0, 2.0, 1.0], dtype=np.float32)
    kw = dict(correction=0, fweights=torchlike.tensor(fw), aweights=torchlike.tensor(aw))
    tkw = dict(correction=0, fweights=torch.tensor(fw), aweights=torch.tensor(aw))
    assert_same(torchlike.cov(x, **kw), torch.cov(tx, **tkw), rtol=1e-5)
    assert_same(torchlike.cov(x, correction=1, aweights=torchlike.tensor(aw)),
                torch.cov(tx, correction=1, aweights=torch.tensor(aw)), rtol=1e-5)
    i = np.array([[1, 4, 2], [3, 3, 9]])
    assert_same(torchlike.cov(torchlike.tensor(i)), torch.cov(torch.tensor(i)))
    assert_same(torchlike.corrcoef(torchlike.tensor(i)), torch.corrcoef(torch.tensor(i)))
    assert_same(torchlike.cov(torchlike.tensor(A[0])), torch.cov(torch.tensor(A[0])))


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"spacing": 2.0, "edge_order": 2}, {"spacing": [0.5, 3.0]},
                                {"spacing": "coords", "dim": 1, "edge_order": 2}, {"spacing": "coords", "dim": 1}])
def test_gradient(kw):
    x, tx = both()
    kw, tkw = dict(kw), dict(kw)
    if kw.get("spacing") == "coords":
        c = np.array([0.0, 0.5, 1.7, 2.0], dtype=np.float32)
        kw["spacing"], tkw["spacing"] = (torchlike.tensor(c),), (torch.tensor(c),)
    x.requires_grad_(True)
    tx.requires_grad_(True)
    got, ref = torchlike.gradient(x, **kw), torch.gradient(tx, **tkw)
    assert_same(got, ref, rtol=1e-5, atol=1e-5)
    sum(g.sum() * (i + 2) for i, g in enumerate(got)).backward()
    sum(g.sum() * (i + 2) for i, g in enumerate(ref)).backward()
    assert_same(x.grad, tx.grad, rtol=1e-5, atol=1e-5)


def test_gradient_int_input():
    i = np.array([[1, 4, 2], [3, 3, 9]])
    assert_same(torchlike.gradient(torchlike.tensor(i)), torch.gradient(torch.tensor(i)))


def assert_complex(ours, ref):
    assert str(ours.dtype) == str(ref.dtype) and tuple(ours.shape) == tuple(ref.shape)
    np.testing.assert_allclose(np.asarray(ours._value), ref.numpy(), rtol=1e-6, atol=1e-6)


def test_complex_helpers():
    x, tx = both()
    y, ty = both(A[::-1].copy())
    assert_complex(torchlike.complex(x, y), torch.complex(tx, ty))
    assert_complex(torchlike.complex(x.double(), y[0].double()), torch.complex(tx.double(), ty[0].double()))
    assert_complex(torchlike.polar(x.abs(), y), torch.polar(tx.abs(), ty))
    z, tz = torchlike.view_as_complex(x.reshape(3, 2, 2)), torch.view_as_complex(tx.reshape(3, 2, 2))
    assert_complex(z, tz)
    assert_same(torchlike.view_as_real(z), torch.view_as_real(tz))
    assert_same(torchlike.isreal(z), torch.isreal(tz))
    with pytest.raises(RuntimeError):
        torchlike.complex(x, y.double())
    with pytest.raises(RuntimeError):
        torch.complex(tx, ty.double())
    with pytest.raises(RuntimeError):
        torchlike.view_as_complex(x)
