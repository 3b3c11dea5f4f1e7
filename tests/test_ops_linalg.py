"""torch.linalg and the torch.* matrix functions against torch 2.13: values, dtypes, shapes, gradients,
and exception types. Non-unique decompositions (SVD, QR, eigh) are checked by invariants."""
import numpy as np
import pytest

import torchlike
from conftest import assert_same, to_np

torch = pytest.importorskip("torch")
TL = torchlike


def _pair(a, grad=False):
    return TL.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def _well(rng, *shape, dtype=np.float64):
    """Well-conditioned square matrices: random + n * I."""
    n = shape[-1]
    return (rng.standard_normal(shape) + n * np.eye(n)).astype(dtype)


def _spd(rng, *shape, dtype=np.float64):
    a = rng.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _check_fn(fn_ours, fn_ref, arrays, rtol=1e-5, atol=1e-6, grad=True, loss=None):
    """Same outputs and same input gradients of sum(loss(outputs))."""
    ours = [TL.tensor(a, requires_grad=grad) for a in arrays]
    refs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    o, r = fn_ours(*ours), fn_ref(*refs)
    assert_same(o, r, rtol, atol)
    if grad:
        lo = loss(o) if loss else o
        lr = loss(r) if loss else r
        lo = sum(x.sum() for x in lo) if isinstance(lo, (tuple, list)) else lo.sum()
        lr = sum(x.sum() for x in lr) if isinstance(lr, (tuple, list)) else lr.sum()
        lo.backward()
        lr.backward()
        for a, b in zip(ours, refs):
            assert_same(a.grad, b.grad, rtol * 10, atol * 10)


# ------------------------------------------------------------------------- inverse / det / solve
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inv_det_slogdet(rng, dtype):
    a = _well(rng, 2, 3, 3, dtype=dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else {}
    _check_fn(TL.linalg.inv, torch.linalg.inv, [a], **tol)
    _check_fn(TL.linalg.det, torch.linalg.det, [a], **tol)
    _check_fn(lambda x: TL.linalg.slogdet(x).logabsdet, lambda x: torch.linalg.slogdet(x).logabsdet, [a], **tol)
    _check_fn(TL.inverse, torch.inverse, [a[0]], **tol)
    _check_fn(TL.det, torch.det, [a[0]], **tol)
    _check_fn(lambda x: x.logdet(), lambda x: x.logdet(), [a[0] @ a[0].T], **tol)
    s1, s2 = TL.linalg.slogdet(TL.tensor(-a)), torch.linalg.slogdet(torch.tensor(-a))
    assert_same(s1.sign, s2.sign)
    assert type(TL.slogdet(TL.tensor(a))).__name__ == "slogdet"


def test_inv_ex_and_singular_errors():
    z = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)
    r1, r2 = TL.linalg.inv_ex(TL.tensor(z)), torch.linalg.inv_ex(torch.tensor(z))
    assert_same(r1.info, r2.info)
    assert issubclass(TL.linalg.LinAlgError, RuntimeError)
    with pytest.raises(TL.linalg.LinAlgError, match="singular"):
        TL.linalg.inv(TL.tensor(z))
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.tensor(z))
    with pytest.raises(TL.linalg.LinAlgError, match="Batch element 1"):
        TL.linalg.inv(TL.tensor(np.stack([np.eye(2, dtype=np.float32), z])))
    with pytest.raises(TL.linalg.LinAlgError):
        TL.linalg.solve(TL.tensor(z), TL.ones(2))
    with pytest.raises(TL.linalg.LinAlgError, match="positive-definite"):
        TL.linalg.cholesky(-TL.eye(3))
    assert_same(TL.linalg.cholesky_ex(-TL.eye(3)).info, torch.linalg.cholesky_ex(-torch.eye(3)).info)


@pytest.mark.parametrize("call", [
    lambda L: L.linalg.inv(L.zeros(2, 3)),
    lambda L: L.linalg.inv(L.zeros(3)),
    lambda L: L.linalg.inv(L.zeros(3, 3, dtype=L.int64)),
    lambda L: L.linalg.det(L.zeros(2, 3)),
    lambda L: L.linalg.cholesky(L.zeros(2, 3)),
    lambda L: L.linalg.solve(L.eye(3), L.ones(4, 2)),
    lambda L: L.linalg.solve(L.eye(3), L.ones(3, 2, dtype=L.float64)),
    lambda L: L.linalg.eigh(L.zeros(2, 3)),
    lambda L: L.linalg.qr(L.zeros(2, 3), mode="bad"),
    lambda L: L.linalg.cross(L.zeros(2, 4), L.zeros(2, 4)),
    lambda L: L.linalg.matrix_norm(L.zeros(3)),
    lambda L: L.addmm(L.zeros(2, 2), L.zeros(2, 3), L.zeros(2, 2)),
    lambda L: L.outer(L.zeros(2, 2), L.zeros(2)),
    lambda L: L.cdist(L.zeros(2, 3), L.zeros(2, 4)),
    lambda L: L.trace(L.zeros(3)),
    lambda L: L.linalg.multi_dot([L.zeros(2, 3), L.zeros(2, 3)]),
    lambda L: L.tensordot(L.zeros(2, 3), L.zeros(2, 3), dims=([1], [0])),
])
def test_error_types(call):
    with pytest.raises(Exception) as ref:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(TL)
    assert isinstance(ours.value, type(ref.value)) or type(ours.value).__name__ == type(ref.value).__name__, (
        ours.value, ref.value)


def test_solve(rng):
    a = _well(rng, 2, 3, 3)
    b = rng.standard_normal((2, 3, 2))
    _check_fn(TL.linalg.solve, torch.linalg.solve, [a, b])
    assert_same(TL.linalg.solve(TL.tensor(a), TL.tensor(b[:, :, 0])),  # batch of vectors
                torch.linalg.solve(torch.tensor(a), torch.tensor(b[:, :, 0])))
    _check_fn(TL.linalg.solve, torch.linalg.solve, [a[0], b[0, :, 0]])  # vector
    assert_same(TL.linalg.solve(TL.tensor(a[0]), TL.tensor(b)), torch.linalg.solve(torch.tensor(a[0]), torch.tensor(b)))
    bl = rng.standard_normal((2, 4, 3))
    _check_fn(lambda x, y: TL.linalg.solve(x, y, left=False), lambda x, y: torch.linalg.solve(x, y, left=False),
              [a, bl])


def test_solve_triangular_and_friends(rng):
    a = np.triu(_well(rng, 3, 3))
    b = rng.standard_normal((3, 2))
    for upper, left, unit in ((True, True, False), (False, True, False), (True, False, True)):
        A = a if upper else a.T
        B = b if left else b.T
        _check_fn(lambda x, y: TL.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
                  lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
                  [A, B])
    for upper, transpose in ((True, False), (False, True)):
        A = a if upper else a.T
        _check_fn(lambda y, x: TL.triangular_solve(y, x, upper=upper, transpose=transpose).solution,
                  lambda y, x: torch.triangular_solve(y, x, upper=upper, transpose=transpose).solution, [b, A])


def test_cholesky_family(rng):
    s = _spd(rng, 2, 3, 3)
    _check_fn(TL.linalg.cholesky, torch.linalg.cholesky, [s])
    _check_fn(lambda x: TL.linalg.cholesky(x, upper=True), lambda x: torch.linalg.cholesky(x, upper=True), [s])
    _check_fn(TL.cholesky, torch.cholesky, [s[0]])
    # only the lower triangle is read
    junk = s[0] + np.triu(np.ones((3, 3)), 1) * 5
    assert_same(TL.linalg.cholesky(TL.tensor(junk)), torch.linalg.cholesky(torch.tensor(junk)))
    L = np.linalg.cholesky(s)
    b = rng.standard_normal((2, 3, 2))
    _check_fn(TL.cholesky_solve, torch.cholesky_solve, [b, L])
    _check_fn(lambda y, x: TL.cholesky_solve(y, x, upper=True), lambda y, x: torch.cholesky_solve(y, x, upper=True),
              [b, np.swapaxes(L, -1, -2)])
    _check_fn(TL.cholesky_inverse, torch.cholesky_inverse, [L[0]])


def test_lu_family(rng):
    a = rng.standard_normal((2, 4, 4))
    lu1, lu2 = TL.linalg.lu_factor(TL.tensor(a)), torch.linalg.lu_factor(torch.tensor(a))
    assert_same(lu1.LU, lu2.LU)
    assert_same(lu1.pivots, lu2.pivots)
    _check_fn(lambda x: TL.linalg.lu(x), lambda x: torch.linalg.lu(x), [a])
    P1 = TL.lu_unpack(lu1.LU, lu1.pivots)
    P2 = torch.lu_unpack(lu2.LU, lu2.pivots)
    assert_same(P1, P2)
    b = rng.standard_normal((2, 4, 3))
    assert_same(TL.lu_solve(TL.tensor(b), lu1.LU, lu1.pivots), torch.lu_solve(torch.tensor(b), lu2.LU, lu2.pivots))
    bt = rng.standard_normal((2, 3, 4))
    for left, adj in ((True, True), (False, False), (False, True)):
        B = b if left else bt
        assert_same(TL.linalg.lu_solve(lu1.LU, lu1.pivots, TL.tensor(B), left=left, adjoint=adj),
                    torch.linalg.lu_solve(lu2.LU, lu2.pivots, torch.tensor(B), left=left, adjoint=adj))
    # torch.lu's deprecation warning is emitted once per process (another test may have had it), so it
    # is not checked here
    r1, r2 = TL.lu(TL.tensor(a)), torch.lu(torch.tensor(a))
    assert_same(r1, r2)


# ------------------------------------------------------------------------- decompositions (invariants)
@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 5), True), ((2, 3, 3), True)])
def test_svd_invariants(rng, shape, full):
    a = rng.standard_normal(shape)
    x = TL.tensor(a, requires_grad=True)
    U, S, Vh = TL.linalg.svd(x, full_matrices=full)
    Ur, Sr, Vhr = torch.linalg.svd(torch.tensor(a), full_matrices=full)
    assert U.shape == Ur.shape and Vh.shape == Vhr.shape
    assert_same(S, Sr)
    k = S.shape[-1]
    rec = (U[..., :, :k] * S.unsqueeze(-2)) @ Vh[..., :k, :]
    np.testing.assert_allclose(to_np(rec), a, atol=1e-10)
    np.testing.assert_allclose(to_np(U.mT @ U), np.broadcast_to(np.eye(U.shape[-1]), U.shape[:-2] + (U.shape[-1],) * 2), atol=1e-10)
    # gradient of an invariant: sum of singular values (nuclear norm)
    S.sum().backward()
    xr = torch.tensor(a, requires_grad=True)
    torch.linalg.svdvals(xr).sum().backward()
    assert_same(x.grad, xr.grad, atol=1e-8)
    assert_same(TL.linalg.svdvals(TL.tensor(a)), torch.linalg.svdvals(torch.tensor(a)))


def test_torch_svd_convention(rng):
    a = rng.standard_normal((4, 3))
    U, S, V = TL.svd(TL.tensor(a))
    Ur, Sr, Vr = torch.svd(torch.tensor(a))
    assert type(TL.svd(TL.tensor(a))).__name__ == "svd" and TL.svd(TL.tensor(a))._fields == ("U", "S", "V")
    assert U.shape == Ur.shape and V.shape == Vr.shape
    np.testing.assert_allclose(to_np(U @ TL.diag_embed(S) @ V.T) if hasattr(TL, "diag_embed") else
                               to_np((U * S) @ V.T), a, atol=1e-10)
    U, S, V = TL.svd(TL.tensor(a), some=False)
    assert U.shape == (4, 4) and V.shape == (3, 3)
    assert_same(TL.svd(TL.tensor(a), compute_uv=False), torch.svd(torch.tensor(a), compute_uv=False))


@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((4, 3), "complete"), ((3, 3), "r"), ((2, 3, 3), "reduced")])
def test_qr_invariants(rng, shape, mode):
    a = rng.standard_normal(shape)
    Q, R = TL.linalg.qr(TL.tensor(a), mode=mode)
    Qr, Rr = torch.linalg.qr(torch.tensor(a), mode=mode)
    assert Q.shape == Qr.shape and R.shape == Rr.shape
    np.testing.assert_allclose(np.abs(to_np(R)), np.abs(to_np(Rr)), atol=1e-10)
    if mode != "r":
        np.testing.assert_allclose(to_np(Q @ R), a, atol=1e-10)
        np.testing.assert_allclose(to_np(R), np.triu(to_np(R)), atol=0)
    Q2, R2 = TL.qr(TL.tensor(a))
    assert Q2.shape == torch.qr(torch.tensor(a))[0].shape


def test_qr_grad_of_invariant(rng):
    a = rng.standard_normal((4, 3))
    # |diag(R)| is sign-invariant
    _check_fn(lambda x: TL.linalg.qr(x).R.diagonal().abs() if hasattr(TL.Tensor, "diagonal") else
              TL.linalg.diagonal(TL.linalg.qr(x).R).abs(),
              lambda x: torch.linalg.qr(x).R.diagonal().abs(), [a])


def test_eigh(rng):
    s = _spd(rng, 2, 3, 3)
    _check_fn(TL.linalg.eigvalsh, torch.linalg.eigvalsh, [s])
    _check_fn(lambda x: TL.linalg.eigvalsh(x, UPLO="U"), lambda x: torch.linalg.eigvalsh(x, UPLO="U"),
              [s + np.triu(np.ones((3, 3)), 1)])
    w, v = TL.linalg.eigh(TL.tensor(s))
    np.testing.assert_allclose(to_np(v @ TL.diag_embed(w) @ v.mT) if hasattr(TL, "diag_embed") else
                               to_np((v * w.unsqueeze(-2)) @ v.mT), s, atol=1e-10)
    assert_same(w, torch.linalg.eigh(torch.tensor(s)).eigenvalues)


def test_eig(rng):
    a = rng.standard_normal((3, 3)).astype(np.float32)
    w, v = TL.linalg.eig(TL.tensor(a))
    wr = torch.linalg.eigvals(torch.tensor(a))
    assert str(w.dtype) == str(wr.dtype) == "torch.complex64" and v.dtype == TL.complex64
    key = lambda z: np.lexsort((np.round(z.imag, 4), np.round(z.real, 4)))
    wn, wrn = to_np(w), wr.numpy()
    np.testing.assert_allclose(wn[key(wn)], wrn[key(wrn)], rtol=1e-4, atol=1e-5)
    vn = to_np(v)
    np.testing.assert_allclose(a @ vn, vn * wn[None, :], atol=1e-4)
    assert TL.linalg.eigvals(TL.tensor(a.astype(np.float64))).dtype == TL.complex128


# ------------------------------------------------------------------------- norms, ranks, pinv
@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")])
def test_matrix_norm(rng, ord):
    a = rng.standard_normal((2, 3, 4))
    _check_fn(lambda x: TL.linalg.matrix_norm(x, ord), lambda x: torch.linalg.matrix_norm(x, ord), [a])
    _check_fn(lambda x: TL.linalg.matrix_norm(x, ord, dim=(0, 2), keepdim=True),
              lambda x: torch.linalg.matrix_norm(x, ord, dim=(0, 2), keepdim=True), [a], grad=False)


def test_linalg_norm_dispatch(rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    v = rng.standard_normal(5).astype(np.float32)
    for args in ((), (None, 1), ("fro",), (2,), (None, (0, 1))):
        assert_same(TL.linalg.norm(TL.tensor(a), *args), torch.linalg.norm(torch.tensor(a), *args), 1e-5)
    for o in (None, 1, 3, float("inf"), 0):
        assert_same(TL.linalg.norm(TL.tensor(v), o), torch.linalg.norm(torch.tensor(v), o))
    assert_same(TL.linalg.vector_norm(TL.tensor(a), 3, dim=1, keepdim=True),
                torch.linalg.vector_norm(torch.tensor(a), 3, dim=1, keepdim=True))
    assert_same(TL.norm(TL.tensor(a), "nuc"), torch.norm(torch.tensor(a), "nuc"), 1e-5)
    assert_same(TL.linalg.cond(TL.tensor(a)), torch.linalg.cond(torch.tensor(a)), 1e-4)
    sq = _well(np.random.default_rng(1), 3, 3)
    assert_same(TL.linalg.cond(TL.tensor(sq), "fro"), torch.linalg.cond(torch.tensor(sq), "fro"))


def test_pinv_rank_lstsq(rng):
    a = rng.standard_normal((5, 3))
    low = a[:, :2] @ rng.standard_normal((2, 4))  # rank 2
    _check_fn(TL.linalg.pinv, torch.linalg.pinv, [a])
    _check_fn(TL.pinverse, torch.pinverse, [a.T])
    assert_same(TL.linalg.pinv(TL.tensor(low)), torch.linalg.pinv(torch.tensor(low)), atol=1e-8)
    s = _spd(rng, 3, 3)
    assert_same(TL.linalg.pinv(TL.tensor(s), hermitian=True), torch.linalg.pinv(torch.tensor(s), hermitian=True))
    for kw in ({}, {"hermitian": True}, {"atol": 1.0}, {"rtol": 0.5}):
        m = s if kw.get("hermitian") else low
        assert_same(TL.linalg.matrix_rank(TL.tensor(m), **kw), torch.linalg.matrix_rank(torch.tensor(m), **kw))
    b = rng.standard_normal((5, 2))
    for driver in (None, "gelsd", "gels"):
        r1, r2 = TL.linalg.lstsq(TL.tensor(a), TL.tensor(b), driver=driver), \
            torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        assert_same(r1, r2, atol=1e-8)
    _check_fn(lambda x, y: TL.linalg.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, [a, b])


# ------------------------------------------------------------------------- matrix functions
def test_matrix_power_exp(rng):
    a = _well(rng, 2, 3, 3) / 3
    for n in (0, 3, -2):
        _check_fn(lambda x: TL.linalg.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), [a],
                  grad=n == 3)
    ai = np.arange(9).reshape(3, 3)
    assert_same(TL.matrix_power(TL.tensor(ai), 2), torch.matrix_power(torch.tensor(ai), 2))
    _check_fn(TL.linalg.matrix_exp, torch.linalg.matrix_exp, [a])
    _check_fn(TL.matrix_exp, torch.matrix_exp, [a[0].astype(np.float32)], rtol=1e-4, atol=1e-5)


def test_cross_multidot_vecdot_diagonal(rng):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((1, 3))
    _check_fn(TL.linalg.cross, torch.linalg.cross, [a, b])
    _check_fn(lambda x, y: TL.cross(x, y, dim=1), lambda x, y: torch.cross(x, y, dim=1), [a, a[::-1].copy()])
    with pytest.warns(UserWarning):
        TL.cross(TL.tensor(a.T.copy()), TL.tensor(a.T.copy() * 2))
    ms = [rng.standard_normal(s) for s in ((3,), (3, 4), (4, 5), (5, 2))]
    _check_fn(lambda *x: TL.linalg.multi_dot(list(x)), lambda *x: torch.linalg.multi_dot(list(x)), ms)
    _check_fn(lambda *x: TL.linalg.multi_dot(list(x)), lambda *x: torch.linalg.multi_dot(list(x)),
              [ms[0], ms[1], rng.standard_normal(4)])
    _check_fn(lambda *x: TL.chain_matmul(*x), lambda *x: torch.chain_matmul(*x), ms[1:])
    _check_fn(lambda x, y: TL.linalg.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
              [a, rng.standard_normal((4, 1))])
    m = rng.standard_normal((2, 3, 4))
    _check_fn(lambda x: TL.linalg.diagonal(x, offset=1), lambda x: torch.linalg.diagonal(x, offset=1), [m])
    _check_fn(lambda x: TL.linalg.vander(x, N=4), lambda x: torch.linalg.vander(x, N=4), [rng.standard_normal(3)])


def test_tensorinv_tensorsolve(rng):
    a = _well(rng, 6, 6).reshape(6, 2, 3)
    assert_same(TL.linalg.tensorinv(TL.tensor(a), ind=1), torch.linalg.tensorinv(torch.tensor(a), ind=1))
    a2 = _well(rng, 6, 6).reshape(2, 3, 6)
    b = rng.standard_normal((2, 3))
    assert_same(TL.linalg.tensorsolve(TL.tensor(a2), TL.tensor(b)), torch.linalg.tensorsolve(torch.tensor(a2), torch.tensor(b)))


# ------------------------------------------------------------------------- torch.* products
def test_add_products(rng):
    m, a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 5)), rng.standard_normal((5, 4))
    _check_fn(TL.addmm, torch.addmm, [m, a, b])
    _check_fn(lambda *x: TL.addmm(*x, beta=0.5, alpha=2), lambda *x: torch.addmm(*x, beta=0.5, alpha=2),
              [m[0], a, b])
    nan = np.full((3, 4), np.nan)
    assert_same(TL.addmm(TL.tensor(nan), TL.tensor(a), TL.tensor(b), beta=0),
                torch.addmm(torch.tensor(nan), torch.tensor(a), torch.tensor(b), beta=0))
    b1, b2 = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 5, 4))
    _check_fn(lambda *x: TL.baddbmm(*x, alpha=0.3), lambda *x: torch.baddbmm(*x, alpha=0.3), [rng.standard_normal((2, 3, 4)), b1, b2])
    _check_fn(TL.addbmm, torch.addbmm, [m, b1, b2])
    _check_fn(lambda *x: TL.addmv(*x, beta=2), lambda *x: torch.addmv(*x, beta=2), [m[:, 0].copy(), a, b[:, 0].copy()])
    _check_fn(TL.addr, torch.addr, [m, m[:, 0].copy(), b[0]])
    ai = np.arange(12).reshape(3, 4)
    assert_same(TL.addmm(TL.tensor(ai), TL.tensor(ai[:, :3]), TL.tensor(ai[:3]), alpha=2),
                torch.addmm(torch.tensor(ai), torch.tensor(ai[:, :3]), torch.tensor(ai[:3]), alpha=2))
    x = TL.tensor(m.copy())
    x.addmm_(TL.tensor(a), TL.tensor(b))
    assert_same(x, torch.tensor(m).addmm_(torch.tensor(a), torch.tensor(b)))
    with pytest.raises(RuntimeError):
        TL.addmm(TL.tensor(ai), TL.tensor(ai[:, :3]), TL.tensor(ai[:3]), alpha=0.5)


def test_vector_products(rng):
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    _check_fn(TL.outer, torch.outer, [u, v])
    _check_fn(TL.ger, torch.ger, [u, v])
    _check_fn(TL.vdot, torch.vdot, [u, v[:3]])
    _check_fn(TL.inner, torch.inner, [rng.standard_normal((2, 3)), rng.standard_normal((4, 3))])
    _check_fn(TL.inner, torch.inner, [u, np.array(2.0)])
    _check_fn(TL.kron, torch.kron, [rng.standard_normal((2, 3)), rng.standard_normal((2, 1, 2))])
    ui, vi = np.arange(3), np.arange(4)
    assert_same(TL.outer(TL.tensor(ui), TL.tensor(vi)), torch.outer(torch.tensor(ui), torch.tensor(vi)))
    assert_same(TL.kron(TL.tensor(ui), TL.tensor(vi)), torch.kron(torch.tensor(ui), torch.tensor(vi)))


def test_tensordot_trace(rng):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 5))
    _check_fn(TL.tensordot, torch.tensordot, [a, b])
    _check_fn(lambda x, y: TL.tensordot(x, y, dims=([1, 0], [0, 2])),
              lambda x, y: torch.tensordot(x, y, dims=([1, 0], [0, 2])), [a, rng.standard_normal((3, 5, 2))])
    _check_fn(lambda x, y: TL.tensordot(x, y, dims=0), lambda x, y: torch.tensordot(x, y, dims=0),
              [a[0, 0], b[0, 0]])
    _check_fn(TL.trace, torch.trace, [rng.standard_normal((3, 4))])
    ai = np.arange(9, dtype=np.int32).reshape(3, 3)
    assert_same(TL.trace(TL.tensor(ai)), torch.trace(torch.tensor(ai)))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, float("inf"), 0.0])
def test_cdist(rng, p):
    x1, x2 = rng.standard_normal((2, 4, 3)), rng.standard_normal((5, 3))
    x2[0] = x1[0, 1]  # a zero distance: gradient must stay finite as torch's
    _check_fn(lambda a, b: TL.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), [x1, x2], grad=p != 0.0)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist"])
def test_cdist_matmul_form(rng, mode):
    """p=2 with more than 25 rows (or mode 'use_mm_for_euclid_dist'): torch's one-GEMM form; values and
    gradients as torch, including a zero distance."""
    x1, x2 = rng.standard_normal((2, 30, 8)), rng.standard_normal((27, 8))
    x2[3] = x1[1, 4]
    _check_fn(lambda a, b: TL.cdist(a, b, compute_mode=mode), lambda a, b: torch.cdist(a, b, compute_mode=mode),
              [x1, x2], grad=True)
    with pytest.raises(ValueError, match="not a valid value for compute_mode"):
        TL.cdist(TL.zeros(2, 3), TL.zeros(2, 3), compute_mode="fast")


def test_methods_bound(rng):
    a = _well(rng, 3, 3)
    x, y = TL.tensor(a), torch.tensor(a)
    assert_same(x.det(), y.det())
    assert_same(x.inverse(), y.inverse())
    assert_same(x.trace(), y.trace())
    assert_same(x.matrix_power(2), y.matrix_power(2))
    assert_same(x[0].outer(x[1]), y[0].outer(y[1]))
    assert_same(x.pinverse(), y.pinverse())
    assert_same(x.kron(x), y.kron(y))
    assert_same(x.slogdet().logabsdet, y.slogdet().logabsdet)
