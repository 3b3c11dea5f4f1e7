"""indexing_more and the non-op Tensor methods against torch: scatter family, index_*, masks,
triangles/diagonals, flips, splits, grids, combinatorics, random fills, apply_/map_/resize_."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

R = np.random.default_rng(0)
A = R.standard_normal((3, 4)).astype(np.float32)
A3 = R.standard_normal((2, 3, 4)).astype(np.float32)
IDX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]], np.int64)  # repeated targets along dim 0
PERM = np.array([[2, 0, 1, 0], [1, 2, 0, 2]], np.int64)


def _both(fn, *arrays, grad=True, rtol=1e-5, atol=1e-6):
    ours_in = [torchlike.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ours, ref = fn(torchlike, *ours_in), fn(torch, *ref_in)
    assert_same(tuple(ours) if isinstance(ours, (tuple, list)) else ours,
                tuple(ref) if isinstance(ref, (tuple, list)) else ref, rtol=rtol, atol=atol)
    o, r = (ours[0], ref[0]) if isinstance(ref, (tuple, list)) else (ours, ref)
    if grad and r.requires_grad:
        w = np.random.default_rng(1).standard_normal(tuple(r.shape)).astype(np.float32)
        (o * torchlike.tensor(w)).sum().backward()
        (r * torch.tensor(w)).sum().backward()
        for a, b in zip(ours_in, ref_in):
            if b.grad is not None:
                assert_same(a.grad, b.grad, rtol=1e-4, atol=1e-5)


def test_scatter_unique_indices():
    src = R.standard_normal((2, 4)).astype(np.float32)
    first = np.array([[2, 0, 1, 0]], np.int64)
    _both(lambda m, x, s, i: m.scatter(x, 0, i, s), A, src[:1], first)
    _both(lambda m, x, s, i: m.scatter(x, 0, i, s), A, src, first, grad=False)  # src larger than index
    _both(lambda m, x, i: x.scatter(1, i, 2.5), A, np.array([[3], [0], [1]], np.int64))
    # torch has no derivative for scatter(reduce=...)
    _both(lambda m, x, s, i: m.scatter(x, -1, i, s, reduce="add"), A, src, np.array([[3, 3], [0, 1]], np.int64),
          grad=False)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    src = np.round(R.standard_normal((2, 4)), 1).astype(np.float32)
    x = np.round(A, 1)
    x[0, 0] = src[0, 0]  # a tie between self and src for amax/amin
    _both(lambda m, a, s, i: m.scatter_reduce(a, 0, i, s, reduce, include_self=include_self), x, src, IDX)


def test_scatter_add_and_int():
    src = R.standard_normal((2, 4)).astype(np.float32)
    _both(lambda m, x, s, i: (m.scatter_add(x, 0, i, s), x.scatter_add(0, i, s)), A, src, IDX)
    xi = np.arange(12, dtype=np.int64).reshape(3, 4)
    _both(lambda m, x, i: (m.scatter_reduce(x, 0, i, x[:2], "mean"), m.scatter_reduce(x, 0, i, x[:2], "amax",
                                                                                       include_self=False)), xi, IDX)


def test_scatter_errors():
    x = torchlike.zeros(3, 4)
    with pytest.raises(RuntimeError):
        torchlike.scatter(x, 0, torchlike.tensor([[5]]), torchlike.ones(1, 1))
    with pytest.raises(RuntimeError):
        torchlike.scatter(x, 0, torchlike.tensor([[0]], dtype=torchlike.int16), torchlike.ones(1, 1))
    with pytest.raises(RuntimeError):
        torchlike.scatter_reduce(x, 0, torchlike.tensor([[0]]), torchlike.ones(1, 1), "max")


def test_index_ops():
    idx = np.array([2, 0, 2], np.int64)
    src = R.standard_normal((3, 3)).astype(np.float32)
    _both(lambda m, x, s, i: m.index_add(x, 1, i, s, alpha=2.0), A[:, :3].copy(), src, idx)
    _both(lambda m, x, s, i: x.index_copy(0, i[:2].flip(0) * 0 + m.tensor([1, 0]), s[:2]), A[:3, :3].copy(), src, idx)
    _both(lambda m, x, i: (m.index_fill(x, 1, i, -1.0), x.index_fill(-1, i, m.tensor(2.0))), A, idx)
    _both(lambda m, x, s, i: m.index_reduce(x, 0, i, s, "amax"), A[:3, :3].copy(), src, idx)
    _both(lambda m, x, s, i: x.index_reduce(0, i, s, "mean", include_self=False), A[:3, :3].copy(), src, idx)
    with pytest.raises(IndexError):
        torchlike.index_add(torchlike.zeros(3), 0, torchlike.tensor([3]), torchlike.ones(1))


def test_index_put():
    v = np.array([1.0, 2.0], np.float32)
    _both(lambda m, x, val: m.index_put(x, (m.tensor([0, 2]), m.tensor([1, 3])), val), A, v)
    _both(lambda m, x, val: x.index_put((m.tensor([0, 0]), m.tensor([1, 1])), val, accumulate=True), A, v)
    _both(lambda m, x: m.index_put(x, (x > 0,), m.tensor(0.0)), A)
    a, b = torchlike.tensor(A), torch.tensor(A)
    a.index_put_((torchlike.tensor([1]),), torchlike.tensor(9.0))
    b.index_put_((torch.tensor([1]),), torch.tensor(9.0))
    assert_same(a, b)


def test_masked_select_scatter():
    _both(lambda m, x: m.masked_select(x, x > 0), A)
    _both(lambda m, x, y: m.masked_select(x, y > 0), A, A[0])  # broadcast mask
    _both(lambda m, x, s: m.masked_scatter(x, x > 0, s), A, R.standard_normal(12).astype(np.float32))
    _both(lambda m, x: m.masked_select(x, x > 5), np.float32(3.0).reshape(()))
    with pytest.raises(RuntimeError):
        torchlike.masked_scatter(torchlike.zeros(3), torchlike.ones(3, dtype=torchlike.bool), torchlike.ones(2))


def test_take_put():
    _both(lambda m, x: (m.take(x, m.tensor([[0, 11], [-1, 5]])), m.take_along_dim(x, m.tensor([[1], [0], [3]]), 1),
                        m.take_along_dim(x, m.tensor([2, 0]))), A)
    _both(lambda m, x: m.take_along_dim(x, m.tensor([[0, 2, 1, 0]]), dim=0), A)  # broadcast indices
    _both(lambda m, x, s: (m.put(x, m.tensor([1, 5]), s), x.put(m.tensor([1, 1]), s, accumulate=True)), A,
          np.array([7.0, 8.0], np.float32))
    with pytest.raises(IndexError):
        torchlike.take(torchlike.zeros(2, 2), torchlike.tensor([4]))


def test_triangles_diagonals():
    _both(lambda m, x: (m.tril(x), m.triu(x, 1), x.tril(-1), m.triu(x, -5)), A3)
    _both(lambda m, x: (m.diag(x), m.diag(x, 1), m.diag(x[0], -2), m.diagflat(x[:2, :2], 1)), A)
    _both(lambda m, x: (m.diagonal(x, 1, 0, 2), x.diagonal(-1, dim1=-1, dim2=-2)), A3)
    _both(lambda m, x: (m.diag_embed(x), m.diag_embed(x, 1, 0, 2), m.diag_embed(x, -1, dim1=-1, dim2=0)), A3[0])
    assert_same(torchlike.tril_indices(4, 3, 1), torch.tril_indices(4, 3, 1))
    assert_same(torchlike.triu_indices(3, 5, -1), torch.triu_indices(3, 5, -1))
    with pytest.raises(RuntimeError):
        torchlike.tril(torchlike.zeros(3))


def test_diagonal_is_view():
    a, b = torchlike.tensor(A), torch.tensor(A)
    a.diagonal().mul_(10)
    b.diagonal().mul_(10)
    assert_same(a, b)
    a[0, 0] = 5.0
    b[0, 0] = 5.0
    x = torchlike.tensor(A, requires_grad=True)
    y = torch.tensor(A, requires_grad=True)
    xa, ya = x * 1, y * 1
    xa.diagonal().zero_()
    ya.diagonal().zero_()
    (xa * 2).sum().backward()
    (ya * 2).sum().backward()
    assert_same(x.grad, y.grad)


def test_diagonal_scatter_family():
    _both(lambda m, x, s: m.diagonal_scatter(x, s, 1), A, np.ones(3, np.float32))
    _both(lambda m, x, s: m.select_scatter(x, s, 1, -1), A, np.ones(3, np.float32))
    _both(lambda m, x, s: m.slice_scatter(x, s, 1, 0, 4, 2), A, np.ones((3, 2), np.float32))


def test_flip_roll_rot90():
    _both(lambda m, x: (m.flip(x, (0, 2)), x.flip(-1), m.fliplr(x), m.flipud(x)), A3)
    _both(lambda m, x: (m.roll(x, 1), m.roll(x, (1, -2), (0, 2)), x.roll(5, -1)), A3)
    _both(lambda m, x: (m.rot90(x), m.rot90(x, 2, (1, 2)), m.rot90(x, -1, [2, 0])), A3)
    with pytest.raises(RuntimeError):
        torchlike.rot90(torchlike.zeros(3))
    with pytest.raises(RuntimeError):
        torchlike.flip(torchlike.zeros(3, 3), (0, 0))


def test_repeat_interleave():
    _both(lambda m, x: (m.repeat_interleave(x, 2), x.repeat_interleave(3, dim=0), x.repeat_interleave(
        m.tensor([1, 0, 2, 1]), dim=1)), A)
    _both(lambda m, x: m.repeat_interleave(x, 2), np.float32(1.5).reshape(()))
    assert_same(torchlike.repeat_interleave(torchlike.tensor([2, 0, 1])), torch.repeat_interleave(torch.tensor([2, 0, 1])))


def test_unfold_view():
    _both(lambda m, x: (x.unfold(1, 2, 1), x.unfold(-1, 3, 2), x.unfold(0, 2, 1)), A3)
    a, b = torchlike.tensor(A), torch.tensor(A)
    a.unfold(1, 2, 2)[0].zero_()
    b.unfold(1, 2, 2)[0].zero_()
    assert_same(a, b)
    with pytest.raises(RuntimeError):
        torchlike.zeros(3).unfold(0, 4, 1)


def test_meshgrid_broadcast():
    x, y, z = np.arange(2.0, dtype=np.float32), np.arange(3.0, dtype=np.float32), np.float32(5.0).reshape(())
    _both(lambda m, a, b, c: m.meshgrid(a, b, c, indexing="ij"), x, y, z)
    _both(lambda m, a, b: m.meshgrid([a, b], indexing="xy"), x, y)
    _both(lambda m, a, b: m.broadcast_tensors(a[:, None], b), x, y)
    assert torchlike.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    with pytest.raises(RuntimeError):
        torchlike.broadcast_shapes((2,), (3,))
    with pytest.warns(UserWarning):
        torchlike.meshgrid(torchlike.tensor(x), torchlike.tensor(y))
    xs = torchlike.tensor(x)
    torchlike.meshgrid(xs, xs, indexing="ij")[0]  # a view: writes reach xs's base in torch too


def test_splits():
    v = np.arange(7.0, dtype=np.float32)
    _both(lambda m, a: m.tensor_split(a, 3), v)
    _both(lambda m, a: m.tensor_split(a, (1, 5, 9)), v)
    _both(lambda m, a: m.tensor_split(a, m.tensor([2, -2])), v)
    _both(lambda m, a: (m.hsplit(a, 3), m.vsplit(a, [1]), m.dsplit(a, 4)), A3, grad=False)
    _both(lambda m, a: m.hsplit(a, [2, 3]), v)
    with pytest.raises(RuntimeError):
        torchlike.hsplit(torchlike.zeros(2, 3), 2)
    with pytest.raises(RuntimeError):
        torchlike.vsplit(torchlike.zeros(3), 1)
    a, b = torchlike.tensor(v), torch.tensor(v)
    a.tensor_split(2)[1].fill_(0)
    b.tensor_split(2)[1].fill_(0)
    assert_same(a, b)


def test_combinatorics():
    v = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    _both(lambda m, a: (m.combinations(a), m.combinations(a, 3), m.combinations(a, 2, with_replacement=True)), v)
    _both(lambda m, a: (m.combinations(a, 0), m.combinations(a[:1], 2)), v, grad=False)
    _both(lambda m, a, b: (m.cartesian_prod(a, b), m.cartesian_prod(a)), v, v[:2])
    _both(lambda m, a, b: m.block_diag(a, b, m.tensor(7.0), a[0]), A, v)
    _both(lambda m, a: m.block_diag(a, m.tensor([[1, 2]])), A)  # int block promotes


# ---------------------------------------------------------------- non-op Tensor methods
def test_uniform_normal_random_match_torch_stream():
    for dt in ("float32", "float64"):
        torchlike.manual_seed(3)
        torch.manual_seed(3)
        a = torchlike.empty(5, dtype=getattr(torchlike, dt))
        b = torch.empty(5, dtype=getattr(torch, dt))
        assert_same(a.uniform_(-2, 3), b.uniform_(-2, 3))
        assert_same(a.normal_(1.0, 0.5), b.normal_(1.0, 0.5))
        assert_same(a.random_(10), b.random_(10))
        assert_same(a.random_(3, 8), b.random_(3, 8))
        assert_same(a.exponential_(2.0), b.exponential_(2.0), rtol=1e-6)
        assert_same(a.cauchy_(1.0, 2.0), b.cauchy_(1.0, 2.0), rtol=1e-5)
        assert_same(a.log_normal_(0.5, 0.3), b.log_normal_(0.5, 0.3), rtol=1e-5)
        assert_same(a.geometric_(0.3), b.geometric_(0.3))


def test_other_random_fills_distribution():
    torchlike.manual_seed(0)
    x = torchlike.empty(4000)
    assert abs(float(x.geometric_(0.25).mean()) - 4.0) < 0.3 and float(x.min()) >= 1
    assert abs(float(x.cauchy_(1.0, 2.0).median()) - 1.0) < 0.3
    assert abs(float(x.log_normal_(0.0, 0.5).log().mean())) < 0.05
    b = x.bernoulli_(0.3)
    assert set(np.unique(b.numpy()).tolist()) <= {0.0, 1.0} and abs(float(b.mean()) - 0.3) < 0.05
    b.bernoulli_(torchlike.zeros(4000))
    assert float(b.sum()) == 0
    i = torchlike.zeros(100, dtype=torchlike.int64).random_()
    assert int(i.min()) >= 0
    with pytest.raises(RuntimeError):
        torchlike.zeros(3).uniform_(2, 1)
    with pytest.raises(RuntimeError):
        torchlike.zeros(3, requires_grad=True).normal_()


def test_apply_map_resize():
    a, b = torchlike.tensor(A), torch.tensor(A)
    assert_same(a.apply_(lambda v: v * 2 + 1), b.apply_(lambda v: v * 2 + 1))
    assert_same(a.map_(torchlike.tensor(A[0]), lambda p, q: p - q), b.map_(torch.tensor(A[0]), lambda p, q: p - q))
    r = torchlike.tensor(A).resize_(2, 3)
    assert_same(r, torch.tensor(A).resize_(2, 3))
    g = torchlike.tensor(A).resize_(4, 4)
    assert tuple(g.shape) == (4, 4) and np.allclose(g.numpy().reshape(-1)[:12], A.reshape(-1))
    assert tuple(torchlike.zeros(2).resize_as_(torchlike.zeros(3, 1)).shape) == (3, 1)
    with pytest.raises(RuntimeError):
        torchlike.zeros(3, requires_grad=True).resize_(4)


def test_inplace_method_variants():
    a, b = torchlike.tensor(A), torch.tensor(A)
    i = [[0, 1, 2, 0]]
    a.scatter_(0, torchlike.tensor(i), 1.0).index_fill_(1, torchlike.tensor([0]), 3.0).tril_().masked_fill_(
        a > 2, 0.5).clamp_(-1, 1)
    b.scatter_(0, torch.tensor(i), 1.0).index_fill_(1, torch.tensor([0]), 3.0).tril_().masked_fill_(
        b > 2, 0.5).clamp_(-1, 1)
    assert_same(a, b)
    a.put_(torchlike.tensor([0]), torchlike.tensor([9.0])).index_add_(0, torchlike.tensor([1]), torchlike.ones(1, 4))
    b.put_(torch.tensor([0]), torch.tensor([9.0])).index_add_(0, torch.tensor([1]), torch.ones(1, 4))
    assert_same(a, b)


def test_zero_dim_boolean_mask_index_as_torch():
    """``x[mask]`` with a 0-d mask (torchmetrics' R2Score does it) and ``x[True]``: a new leading dim of
    size 1 or 0, holding a copy."""
    for flag in (True, False):
        a = np.arange(6, dtype=np.float32).reshape(2, 3)
        for m in (torch, torchlike):
            x, s = m.tensor(a), m.tensor(3.0)
            r = x[m.tensor(flag)]
            assert tuple(r.shape) == ((1, 2, 3) if flag else (0, 2, 3))
            assert s[m.tensor(flag)].tolist() == ([3.0] if flag else [])
            assert tuple(x[flag].shape) == tuple(r.shape)
            if flag:
                r[0, 0, 0] = 100.0
                assert x[0, 0].item() == 0.0


def test_zero_dim_boolean_mask_assignment_as_torch():
    """``x[mask] = v`` with a 0-d mask (torchmetrics' R2Score writes ``raw_scores[cond] = ...`` on a 0-d score):
    True writes ``v`` broadcast through a leading dim of size 1, False writes nothing; shapes are checked as
    torch does and gradients flow to ``v``."""
    def run(m):
        out = []
        c, d = m.tensor(True), m.tensor(False)
        y = m.tensor(3.0)
        y[c] = m.tensor([0.5])
        y[d] = m.tensor([7.0])
        z = m.zeros(2, 3)
        z[True] = m.ones(3)
        z[c] = 2.0
        b = m.zeros(4)
        b[1:3][c] = m.tensor(9.0)  # through a view
        v = m.tensor([5.0, 6.0], requires_grad=True)
        w = m.ones(2) * 1
        w[c] = v * 2
        w.sum().backward()
        out += [y, z, b, w.detach(), v.grad]
        for bad in (lambda: z.__setitem__(c, m.ones(4)), lambda: y.__setitem__(d, m.ones(2))):
            with pytest.raises(RuntimeError) as e:
                bad()
            out.append(str(e.value))
        return out
    ours, ref = run(torchlike), run(torch)
    assert_same(ours[:5], ref[:5])
    assert ours[5:] == ref[5:]
