"""Sparse COO/CSR tensors against torch 2.13: construction, layout, printing, products, sums, softmax,
arithmetic and gradients to the values and the dense operand."""
import warnings

import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", "Sparse invariant checks")

IDX = np.array([[0, 1, 1, 2, 0], [2, 0, 1, 2, 2]])  # (0, 2) repeats: uncoalesced
VAL = np.array([1.0, -2.0, 3.0, 4.0, 0.5], np.float32)


def pair(idx=IDX, val=VAL, size=(3, 4), grad=False):
    tv, ov = torch.tensor(val, requires_grad=grad), torchlike.tensor(val, requires_grad=grad)
    return (torchlike.sparse_coo_tensor(idx, ov, size), torch.sparse_coo_tensor(torch.tensor(idx), tv, size),
            ov, tv)


def same_sparse(ours, ref):
    assert ours.layout is getattr(torchlike, str(ref.layout).split(".")[1])
    assert ours.is_sparse == ref.is_sparse and tuple(ours.shape) == tuple(ref.shape)
    assert ours.is_coalesced() == ref.is_coalesced()
    assert ours.sparse_dim() == ref.sparse_dim() and ours.dense_dim() == ref.dense_dim()
    assert_same(ours._indices(), ref._indices())
    assert_same(ours._values(), ref._values())
    assert_same(ours.to_dense(), ref.to_dense())


def test_construction_coalesce_and_accessors():
    o, t, _, _ = pair()
    same_sparse(o, t)
    same_sparse(o.coalesce(), t.coalesce())
    assert_same(o.coalesce().indices(), t.coalesce().indices())
    assert_same(o.coalesce().values(), t.coalesce().values())
    assert o._nnz() == t._nnz() and o.coalesce()._nnz() == t.coalesce()._nnz()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        o.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        t.indices()
    # int32 numpy indices, dtype conversion of the values, inferred size, hybrid (dense-dim) values
    o2 = torchlike.sparse_coo_tensor(IDX.astype(np.int32), torchlike.ones(5), (3, 3), dtype=torchlike.int64)
    t2 = torch.sparse_coo_tensor(IDX.astype(np.int32), torch.ones(5), (3, 3), dtype=torch.int64)
    same_sparse(o2, t2)
    same_sparse(torchlike.sparse_coo_tensor(IDX, VAL), torch.sparse_coo_tensor(torch.tensor(IDX), torch.tensor(VAL)))
    hv = np.arange(10, dtype=np.float32).reshape(5, 2)
    same_sparse(torchlike.sparse_coo_tensor(IDX[:1], hv, (3, 2)).coalesce(),
                torch.sparse_coo_tensor(torch.tensor(IDX[:1]), torch.tensor(hv), (3, 2)).coalesce())


@pytest.mark.parametrize("bad", [dict(size=(2, 4)), dict(idx=IDX[:, :4])])
def test_construction_errors(bad):
    idx, size = bad.get("idx", IDX), bad.get("size", (3, 4))
    with pytest.raises(RuntimeError) as ref:
        torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(VAL), size, check_invariants=True)
    with pytest.raises(type(ref.value)):
        torchlike.sparse_coo_tensor(idx, VAL, size)


def test_to_sparse_and_layouts():
    a = np.array([[0, 1.5, 0], [2, 0, 0], [0, 0, -3]], np.float32)
    o, t = torchlike.tensor(a).to_sparse(), torch.tensor(a).to_sparse()
    same_sparse(o, t)
    assert repr(torchlike.strided) == "torch.strided" and torchlike.tensor(a).layout is torchlike.strided
    same_sparse(torchlike.tensor(a).to_sparse(1), torch.tensor(a).to_sparse(1))
    oc, tc = torchlike.tensor(a).to_sparse_csr(), torch.tensor(a).to_sparse_csr()
    assert oc.layout is torchlike.sparse_csr and not oc.is_sparse and not tc.is_sparse
    assert_same(oc.crow_indices(), tc.crow_indices())
    assert_same(oc.col_indices(), tc.col_indices())
    assert_same(oc.values(), tc.values())
    assert_same(oc.to_dense(), tc.to_dense())
    assert repr(oc) == repr(tc)
    assert_same(oc @ torchlike.tensor(a), tc @ torch.tensor(a))
    oc2 = torchlike.sparse_csr_tensor([0, 1, 3, 3], [1, 0, 2], [1.0, 2.0, 3.0], (3, 3))
    tc2 = torch.sparse_csr_tensor([0, 1, 3, 3], [1, 0, 2], [1.0, 2.0, 3.0], (3, 3))
    assert_same(oc2.to_dense(), tc2.to_dense())
    same_sparse(oc2.to_sparse(), tc2.to_sparse())


def test_printing_matches_torch():
    o, t, _, _ = pair(grad=True)
    assert repr(o.detach()) == repr(t.detach())
    assert repr(o.coalesce().detach()) == repr(t.coalesce().detach())
    ol = torchlike.sparse_coo_tensor(IDX, VAL.astype(np.float64), (3, 4), requires_grad=True)
    tl = torch.sparse_coo_tensor(torch.tensor(IDX), torch.tensor(VAL, dtype=torch.float64), (3, 4),
                                 requires_grad=True)
    assert repr(ol) == repr(tl)
    e = (torchlike.sparse_coo_tensor(torchlike.zeros(2, 0, dtype=torchlike.int64), torchlike.zeros(0), (2, 2)),
         torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (2, 2)))
    assert repr(e[0]) == repr(e[1])
    assert str(torchlike.sparse_coo) == "torch.sparse_coo"


@pytest.mark.parametrize("fn", ["mm", "matmul", "spmm", "sparse.mm", "at"])
def test_sparse_times_dense_values_and_grads(fn):
    o, t, ov, tv = pair(grad=True)
    d = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    od, td = torchlike.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    call = {"mm": lambda m, s, x: m.mm(s, x), "matmul": lambda m, s, x: m.matmul(s, x),
            "spmm": lambda m, s, x: m.spmm(s, x), "sparse.mm": lambda m, s, x: m.sparse.mm(s, x),
            "at": lambda m, s, x: s @ x}[fn]
    ro, rt = call(torchlike, o, od), call(torch, t, td)
    assert ro.layout is torchlike.strided
    assert_same(ro, rt, rtol=1e-4)
    g = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    ro.backward(torchlike.tensor(g))
    rt.backward(torch.tensor(g))
    assert_same(ov.grad, tv.grad, rtol=1e-4, atol=1e-5)
    assert_same(od.grad, td.grad, rtol=1e-4, atol=1e-5)


def test_dense_times_sparse_and_addmm():
    o, t, ov, tv = pair(grad=True)
    d = np.random.default_rng(2).standard_normal((2, 3)).astype(np.float32)
    od, td = torchlike.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    ro, rt = torchlike.mm(od, o), torch.mm(td, t)
    assert_same(ro, rt, rtol=1e-4)
    assert_same(od @ o, td @ t, rtol=1e-4)
    ro.sum().backward(), rt.sum().backward()
    assert_same(ov.grad, tv.grad, rtol=1e-4)
    assert_same(od.grad, td.grad, rtol=1e-4)
    c = np.ones((3, 3), np.float32)
    m2 = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    for name in ("addmm", "sparse.addmm"):
        fo = torchlike.sparse.addmm if name == "sparse.addmm" else torchlike.addmm
        ft = torch.sparse.addmm if name == "sparse.addmm" else torch.addmm
        assert_same(fo(torchlike.tensor(c), o, torchlike.tensor(m2), beta=0.5, alpha=2),
                    ft(torch.tensor(c), t, torch.tensor(m2), beta=0.5, alpha=2), rtol=1e-4)
    with pytest.raises(RuntimeError):
        torch.mm(t, torch.ones(3, 2))
    with pytest.raises(RuntimeError, match="3x4 and 3x2"):
        torchlike.mm(o, torchlike.ones(3, 2))


def test_sparse_leaf_gets_sparse_grad():
    ol = torchlike.sparse_coo_tensor(IDX, VAL, (3, 4), requires_grad=True)
    tl = torch.sparse_coo_tensor(torch.tensor(IDX), torch.tensor(VAL), (3, 4), requires_grad=True)
    d = np.arange(8, dtype=np.float32).reshape(4, 2)
    torchlike.sparse.mm(ol, torchlike.tensor(d)).sum().backward()
    torch.sparse.mm(tl, torch.tensor(d)).sum().backward()
    assert ol.grad.is_sparse and tl.grad.is_sparse
    assert_same(ol.grad.to_dense(), tl.grad.to_dense())


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
def test_sum(dim):
    o, t, ov, tv = pair(grad=True)
    ro = torchlike.sparse.sum(o) if dim is None else torchlike.sparse.sum(o, dim)
    rt = torch.sparse.sum(t) if dim is None else torch.sparse.sum(t, dim)
    if rt.is_sparse:
        same_sparse(ro, rt)
        ro, rt = ro.to_dense(), rt.to_dense()
    else:
        assert_same(ro, rt)
    (ro * torchlike.arange(ro.numel()).reshape(ro.shape)).sum().backward()
    (rt * torch.arange(rt.numel()).reshape(rt.shape)).sum().backward()
    assert_same(ov.grad, tv.grad)
    if dim is not None:
        assert_same(torchlike.sum(o, dim).to_dense() if rt.dim() else torchlike.sum(o, dim),
                    torch.sum(t.detach(), dim).to_dense() if rt.dim() else torch.sum(t.detach(), dim))


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax(log, dim):
    o, t, ov, tv = pair(grad=True)
    ro = (torchlike.sparse.log_softmax if log else torchlike.sparse.softmax)(o, dim)
    rt = (torch.sparse.log_softmax if log else torch.sparse.softmax)(t, dim)
    same_sparse(ro, rt)
    w = np.arange(1, ro._nnz() + 1, dtype=np.float32)
    (ro.values() * torchlike.tensor(w)).sum().backward()
    (rt.values() * torch.tensor(w)).sum().backward()
    assert_same(ov.grad, tv.grad, rtol=1e-5, atol=1e-6)


def test_elementwise():
    o, t, _, _ = pair()
    oc, tc = o.coalesce(), t.coalesce()
    same_sparse(o * 2, t * 2)
    same_sparse(3 * o, 3 * t)
    same_sparse(o / 4, t / 4)
    same_sparse(-o, -t)
    same_sparse(oc + oc, tc + tc)
    # uncoalesced operands: torch merges them entry by entry; the sum they represent is what must agree
    same_sparse((o + o).coalesce(), (t + t).coalesce())
    same_sparse(oc - oc * 2, tc - tc * 2)
    same_sparse(oc.abs(), tc.abs())
    same_sparse(o.sqrt(), t.sqrt())
    same_sparse(oc * oc, tc * tc)
    d = np.arange(12, dtype=np.float32).reshape(3, 4)
    same_sparse(o * torchlike.tensor(d), t * torch.tensor(d))
    assert_same(torchlike.eye(3, 4) + o, torch.eye(3, 4) + t)
    assert_same(torchlike.add(torchlike.eye(3, 4), o), torch.add(torch.eye(3, 4), t))
    assert_same(torchlike.eye(3, 4) - o, torch.eye(3, 4) - t)
    same_sparse(o.t(), t.t())
    same_sparse(o.to(torchlike.float64), t.to(torch.float64))
    with pytest.raises(RuntimeError, match="add\\(sparse, dense\\) is not supported"):
        o + torchlike.eye(3, 4)
    with pytest.raises(RuntimeError, match="add\\(sparse, dense\\) is not supported"):
        t + torch.eye(3, 4)
    with pytest.raises(TypeError):
        t.numpy()
    with pytest.raises(TypeError):
        o.numpy()


def test_gcn_style_normalisation():
    """The GCN example's preprocessing: int64 adjacency, eye + sparse, degree scaling with sparse diagonals."""
    rng = np.random.default_rng(0)
    edges = rng.integers(0, 6, (2, 10)).astype(np.int32)
    res = []
    for m in (torchlike, torch):
        adj = m.sparse_coo_tensor(edges, m.ones(10), (6, 6), dtype=m.int64)
        adj = m.eye(6) + adj
        deg = m.sqrt(1 / m.sum(adj, dim=1))
        deg = m.diag(deg).to_sparse()
        res.append((deg @ adj @ deg).to_sparse())
    same_sparse(*res)


def test_sparse_mm_under_compile_matches_torch():
    """A sparse COO argument of a compiled function travels as its indices and values (traced): one
    trace serves repeated calls; values and gradients (dense operand, a Linear's weight) are torch's."""
    dense = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    res = []
    for m in (torchlike, torch):
        m.manual_seed(0)
        lin = m.nn.Linear(3, 2)
        so, _, _, _ = pair() if m is torchlike else (None,) * 4
        s = so if m is torchlike else pair()[1]
        b = m.tensor(dense, requires_grad=True)

        def step(a, x):
            return lin(m.sparse.mm(a, x).relu()).sum()
        f = torchlike.compile(step) if m is torchlike else step
        for _ in range(3):
            lin.weight.grad, b.grad = None, None
            out = f(s, b)
            out.backward()
        res.append((out.item(), b.grad.numpy(), lin.weight.grad.numpy()))
        if m is torchlike:
            assert f.trace_count == 1
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-5)
    for a, b in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_host_index_op_under_compile_names_the_limitation():
    """coalesce (indices grouped on the host) cannot be traced: fullgraph=True raises an error naming it;
    the default falls back to eager with a warning and gives torch's numbers."""
    so, st, _, _ = pair()
    dense = np.ones((4, 2), np.float32)
    f = torchlike.compile(lambda a, x: torchlike.sparse.mm(a.coalesce(), x), fullgraph=True)
    with pytest.raises(Exception, match="reads the indices on the host"):
        f(so, torchlike.tensor(dense))
        f(so, torchlike.tensor(dense))
    g = torchlike.compile(lambda a, x: torchlike.sparse.mm(a.coalesce(), x))
    with pytest.warns(UserWarning, match="falling back to eager"):
        for _ in range(2):
            out = g(so, torchlike.tensor(dense))
    assert_same(out, torch.sparse.mm(st.coalesce(), torch.tensor(dense)))
