"""Host views: ``x[i]``, ``unbind``/iteration and ``split``/``chunk`` of a CPU tensor outside autograd are
numpy views of their base (no XLA program per piece), and still behave as torch's views: values,
strides, storage offsets, writes in both directions, autograd where a grad is needed, DataLoader
batches. Each check runs the same numpy data through torch and torchlike."""
import numpy as np
import pytest
import torch

import torchlike
from torchlike import _tensor

SHAPES = [(5,), (6, 3), (4, 0, 3), (3, 4, 2)]


def _geom(t):
    return tuple(t.shape), tuple(t.stride()), t.storage_offset(), t.is_contiguous()


def _pair(shape, dtype=np.float32):
    a = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return torch.tensor(a), torchlike.tensor(a)


@pytest.mark.parametrize("shape", SHAPES)
def test_int_index_matches_torch_values_and_geometry(shape):
    t, x = _pair(shape)
    for i in list(range(shape[0])) + [-1, -shape[0]]:
        r, q = t[i], x[i]
        assert _geom(q) == _geom(r), (shape, i)
        np.testing.assert_array_equal(q.numpy(), r.numpy())
        assert q.dtype == torchlike.float32 and not q.requires_grad
        assert r.numel() == 0 or q.data_ptr() - x.data_ptr() == (r.data_ptr() - t.data_ptr()) // 4 * q.element_size()
    for bad in (shape[0], -shape[0] - 1):
        with pytest.raises(IndexError):
            t[bad]
        with pytest.raises(IndexError):
            x[bad]


def test_view_of_view_and_offsets():
    t, x = _pair((3, 4, 2))
    for r, q in ((t[2][1], x[2][1]), (t[1][3][0], x[1][3][0]), (t[2][:, 1], x[2][:, 1]), (t[1].t()[0], x[1].t()[0])):
        assert _geom(q) == _geom(r)
        np.testing.assert_array_equal(q.numpy(), r.numpy())


def test_writes_flow_both_ways():
    t, x = _pair((4, 3))
    rt, rx = t[2], x[2]
    t.mul_(2), x.mul_(2)               # base written: the view sees it
    np.testing.assert_array_equal(rx.numpy(), rt.numpy())
    rt.fill_(-1), rx.fill_(-1)         # view written: the base sees it
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    t[1][0] = 7.0
    x[1][0] = 7.0
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    assert x._version == t._version and rx._version == rt._version
    rows_t, rows_x = list(t), list(x)
    rows_t[3].add_(10), rows_x[3].add_(10)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    parts_t, parts_x = t.split(2, dim=1), x.split(2, dim=1)
    parts_t[1].zero_(), parts_x[1].zero_()
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    np.testing.assert_array_equal(rows_x[0].numpy(), rows_t[0].numpy())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_split_chunk_match_torch(dim):
    t, x = _pair((4, 5, 3))
    for fn in (lambda a: a.unbind(dim), lambda a: a.split(2, dim), lambda a: a.split([1, 2, a.shape[dim] - 3], dim),
               lambda a: a.chunk(3, dim)):
        ps_t, ps_x = fn(t), fn(x)
        assert len(ps_t) == len(ps_x)
        for r, q in zip(ps_t, ps_x):
            assert _geom(q) == _geom(r)
            np.testing.assert_array_equal(q.numpy(), r.numpy())
    for r, q in zip(t, x):  # iteration
        assert _geom(q) == _geom(r)
        np.testing.assert_array_equal((q * 2 + 1).numpy(), (r * 2 + 1).numpy())


def test_pieces_compile_no_program(xla_compiles):
    """Host views cost no XLA program, whatever the shape (a fresh shape each time here)."""
    for n in (37, 41):
        x = torchlike.tensor(np.ones((n, 3), np.float32))
        del xla_compiles[:]
        pieces = [x[i] for i in range(n)] + list(x) + list(x.split(5)) + list(x.unbind(1))
        assert len(xla_compiles) == 0, n
        assert len(pieces) == 2 * n + -(-n // 5) + 3


def test_grad_paths_keep_autograd():
    a = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    t, x = torch.tensor(a, requires_grad=True), torchlike.tensor(a, requires_grad=True)
    for lib, w in ((torch, t), (torchlike, x)):
        rows = list(w)
        parts = w.split(2, dim=1)
        loss = (w[1] * 3).sum() + lib.stack(rows).pow(2).sum() + parts[1].exp().sum()
        loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    assert x[0].grad_fn is not None and x[0].requires_grad and not x[0].is_leaf
    with torch.no_grad(), torchlike.no_grad():  # no grad needed: host views, torch's flags
        r, q = t[2], x[2]
        assert (q.is_leaf, q.grad_fn, r.grad_fn) == (True, None, None)
        np.testing.assert_array_equal(q.numpy(), r.numpy())
    with torch.inference_mode(), torchlike.inference_mode():
        u, v = torch.ones(3, 2)[1], torchlike.ones(3, 2)[1]
        assert v.is_inference() == u.is_inference()


def test_large_pieces_stay_device_arrays(monkeypatch):
    monkeypatch.setattr(_tensor, "HOST_VIEW_MAX_ELEMENTS", 4)
    t, x = _pair((6, 5))
    q = x[3]
    assert not isinstance(q._value, np.ndarray)
    assert _geom(q) == _geom(t[3])
    np.testing.assert_array_equal(q.numpy(), t[3].numpy())
    monkeypatch.setattr(_tensor, "HOST_VIEW_MAX_ELEMENTS", 1 << 16)
    assert isinstance(x[3]._value, np.ndarray)


def test_dataset_indexing_through_dataloader():
    rng = np.random.default_rng(1)
    data, labels = rng.standard_normal((50, 4)).astype(np.float32), rng.integers(0, 3, 50)
    batches = {}
    for lib in (torch, torchlike):
        class DS(lib.utils.data.Dataset):
            def __init__(self):
                self.data, self.labels = lib.tensor(data), lib.tensor(labels)

            def __len__(self):
                return len(self.data)

            def __getitem__(self, i):
                return self.data[i], self.labels[i]

        batches[lib] = list(lib.utils.data.DataLoader(DS(), batch_size=8))
    assert len(batches[torch]) == len(batches[torchlike]) == 7
    for (xt, yt), (xl, yl) in zip(batches[torch], batches[torchlike]):
        assert tuple(xl.shape) == tuple(xt.shape) and str(yl.dtype) == str(yt.dtype)
        np.testing.assert_array_equal(xl.numpy(), xt.numpy())
        np.testing.assert_array_equal(yl.numpy(), yt.numpy())
        assert _geom(xl) == _geom(xt)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack_of_host_pieces_matches_torch(dim, xla_compiles):
    t, x = _pair((6, 4))
    ti, xi = _pair((6, 4), np.int64)
    for tt, xx in ((t, x), (ti, xi)):
        r, q = torch.stack(list(tt), dim), torchlike.stack(list(xx), dim)
        assert str(q.dtype) == str(r.dtype) and _geom(q) == _geom(r)
        np.testing.assert_array_equal(q.numpy(), r.numpy())
    del xla_compiles[:]
    torchlike.stack([x[i] for i in range(6)] + [x[0]], dim)  # host pieces: numpy stacks them, no program
    assert len(xla_compiles) == 0
    mixed_t, mixed_x = torch.stack([t[0], ti[0].float()]), torchlike.stack([x[0], xi[0].float()])
    np.testing.assert_array_equal(mixed_x.numpy(), mixed_t.numpy())
    w_t, w_x = t.clone().requires_grad_(), x.clone().requires_grad_()
    for lib, w in ((torch, w_t), (torchlike, w_x)):
        (lib.stack([w[1], w[3]], dim) * lib.arange(2.0).reshape((2, 1) if dim == 0 else (1, 2))).sum().backward()
    np.testing.assert_array_equal(w_x.grad.numpy(), w_t.grad.numpy())


def test_host_views_survive_a_meta_tensor_and_func_transforms_take_them(xla_compiles):
    """A meta tensor installs the dispatch hook for good; host views stay on all the same. A host view
    passed through a transform untouched (``vmap``'s ``in_dims=None``) comes back as a Tensor."""
    torchlike.empty(2, 3, device="meta")
    t, x = _pair((3, 4))
    x[1]  # warm: the row op's first use
    del xla_compiles[:]
    row = x[0]
    assert len(xla_compiles) == 0 and isinstance(row._value, np.ndarray)
    r = torch.vmap(lambda a, b: a * b + 1, in_dims=(0, None))(t, t[0])
    q = torchlike.vmap(lambda a, b: a * b + 1, in_dims=(0, None))(x, row)
    np.testing.assert_array_equal(q.numpy(), r.numpy())
    r2 = torch.vmap(lambda a, b: b, in_dims=(0, None))(t, t[0])
    q2 = torchlike.vmap(lambda a, b: b, in_dims=(0, None))(x, row)
    assert isinstance(q2, torchlike.Tensor) and q2.shape == r2.shape
    np.testing.assert_array_equal(q2.numpy(), r2.numpy())
