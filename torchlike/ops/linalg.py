"""Linear algebra: the ``torch.linalg`` functions and their ``torch.*`` counterparts (det, inverse,
svd, qr, addmm, cdist, kron, ...). Each decomposition is one JAX function in one Op, so gradients
come from JAX's derived rules; results that are not unique (SVD signs, eigenvector phases) follow
whatever LAPACK returns, as torch's do.

Errors match torch's: a non-float input or non-square matrix raises RuntimeError, a singular or
non-positive-definite input raises :class:`LinAlgError` (a RuntimeError) when checked eagerly.
"""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from .linalg_basic import check_batch_shapes, matmul
from .out import write_out
from .reduction import _return_type, return_types, vector_norm
from .. import _intercept
from .registry import Op, apply
from .declare import public


class LinAlgError(RuntimeError):
    """Raised for singular / non-positive-definite inputs (torch.linalg.LinAlgError)."""


LinAlgError.__module__ = "torch.linalg"


def _rt(name, fields):
    cls = _return_type(name, fields)
    setattr(return_types, name, cls)
    return cls


_SlogdetRT = _rt("linalg_slogdet", ("sign", "logabsdet"))
_TSlogdetRT = _rt("slogdet", ("sign", "logabsdet"))
_InvExRT = _rt("linalg_inv_ex", ("inverse", "info"))
_CholExRT = _rt("linalg_cholesky_ex", ("L", "info"))
_QRRT = _rt("linalg_qr", ("Q", "R"))
_TQRRT = _rt("qr", ("Q", "R"))
_SVDRT = _rt("linalg_svd", ("U", "S", "Vh"))
_TSVDRT = _rt("svd", ("U", "S", "V"))
_EighRT = _rt("linalg_eigh", ("eigenvalues", "eigenvectors"))
_EigRT = _rt("linalg_eig", ("eigenvalues", "eigenvectors"))
_LstsqRT = _rt("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_LUFactorRT = _rt("linalg_lu_factor", ("LU", "pivots"))
_LUFactorExRT = _rt("linalg_lu_factor_ex", ("LU", "pivots", "info"))
_LURT = _rt("linalg_lu", ("P", "L", "U"))
_LUUnpackRT = _rt("lu_unpack", ("P", "L", "U"))
_SolveExRT = _rt("linalg_solve_ex", ("result", "info"))
_TriSolveRT = _rt("triangular_solve", ("solution", "cloned_coefficient"))


# ------------------------------------------------------------------------------ checks
def _check_float(name, *ts):
    for t in ts:
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                               f"{_type_name(t.dtype)}")


def _check_square(name, A, arg="A"):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _check_matrix(name, A, arg="A"):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")


def _check_same_dtype(name, A, B, a="A", b="B"):
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{name}: Expected {a} and {b} to have the same dtype, but found {a} of type "
                           f"{_type_name(A.dtype)} and {b} of type {_type_name(B.dtype)} instead")


def _sq(name, A):
    _check_square(name, A)
    _check_float(name, A)


def _eager(t):
    return not isinstance(t._value, jax.core.Tracer)


def _raise_info(name, info, msg):
    """Raise LinAlgError for the first nonzero entry of ``info`` (host check, eager only)."""
    if not _eager(info):
        return
    a = np.asarray(info._value)
    if not a.any():
        return
    if a.ndim == 0:
        raise LinAlgError(f"{name}: {msg(int(a))}")
    flat = a.reshape(-1)
    b = int(np.flatnonzero(flat)[0])
    raise LinAlgError(f"{name}: (Batch element {b}): {msg(int(flat[b]))}")


def _singular_msg(k):
    return (f"The diagonal element {k} is zero, the inversion could not be completed because the input matrix "
            "is singular.")


def _spd_msg(k):
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {k} is not positive-definite).")


def _mT(a):
    return jnp.swapaxes(a, -1, -2)


def _mH(a):
    return jnp.conj(_mT(a)) if jnp.iscomplexobj(a) else _mT(a)


# ------------------------------------------------------------------------------ LU-based
def _lu_info(lu):
    """LAPACK getrf's info: 1-based index of the first exactly-zero pivot of U, else 0."""
    if lu.shape[-1] == 0:
        return jnp.zeros(lu.shape[:-2], jnp.int32)
    d = jnp.diagonal(lu, axis1=-2, axis2=-1) == 0
    return jnp.where(d.any(-1), jnp.argmax(d, -1) + 1, 0).astype(jnp.int32)


def _inv_ex(a):
    lu, _ = jsl.lu_factor(lax.stop_gradient(a))
    return jnp.linalg.inv(a), _lu_info(lu)


_inv_op = Op("linalg_inv_ex", _inv_ex, backward_name="LinalgInvExBackward0")


def inv_ex(A, *, check_errors=False, out=None):
    _sq("linalg.inv", A)
    inv_, info = apply(_inv_op, A)
    if check_errors:
        _raise_info("linalg.inv", info, _singular_msg)
    return write_out(_InvExRT(inv_, info), out)


def inv(A, *, out=None):
    """torch.linalg.inv; a singular input raises LinAlgError."""
    r = inv_ex(A, check_errors=True)
    return write_out(r.inverse, out)


@public(method=True)
def inverse(input, *, out=None):
    return inv(input, out=out)


def _det(a):
    if a.shape[-1] == 0:
        return jnp.ones(a.shape[:-2], a.dtype)
    return jnp.linalg.det(a)


_det_op = Op("linalg_det", _det, backward_name="LinalgDetBackward0")


@public(method=True)
def det(A, *, out=None):
    _sq("linalg.det", A)
    return write_out(apply(_det_op, A), out)


def _slogdet(a):
    if a.shape[-1] == 0:
        return jnp.ones(a.shape[:-2], a.dtype), jnp.zeros(a.shape[:-2], jnp.real(a).dtype)
    s, l = jnp.linalg.slogdet(a)
    return s, l


_slogdet_op = Op("linalg_slogdet", _slogdet, backward_name="LinalgSlogdetBackward0")


def linalg_slogdet(A, *, out=None):
    _sq("linalg.slogdet", A)
    return write_out(_SlogdetRT(*apply(_slogdet_op, A)), out)


@public(method=True)
def slogdet(A, *, out=None):
    _sq("linalg.slogdet", A)
    return write_out(_TSlogdetRT(*apply(_slogdet_op, A)), out)


def _logdet(a):
    s, l = jnp.linalg.slogdet(a)
    return jnp.where(s < 0, jnp.nan, jnp.where(s == 0, -jnp.inf, l)).astype(l.dtype)


_logdet_op = Op("logdet", _logdet)


@public(method=True)
def logdet(input):
    _sq("logdet", input)
    return apply(_logdet_op, input)


def _solve_vector_case(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def _solve(a, b, vec, left):
    if not left:
        # X A = B  <=>  A^T X^T = B^T
        return _mT(_solve(_mT(a), _mT(b), vec, True))
    if vec:
        return jnp.linalg.solve(a, b[..., None])[..., 0]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    return jnp.linalg.solve(a, b)


def _solve_ex(a, b, vec, left):
    lu, _ = jsl.lu_factor(lax.stop_gradient(a))
    return _solve(a, b, vec, left), _lu_info(lu)


_solve_op = Op("linalg_solve_ex", _solve_ex, backward_name="LinalgSolveExBackward0")


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    name = "linalg.solve"
    _sq(name, A)
    _check_float(name, B)
    _check_same_dtype(name, A, B)
    vec = left and _solve_vector_case(A, B)
    n = A.shape[-1]
    if vec:
        if B.shape[-1] != n:
            raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation AX = B "
                               f"({n}x{n} and {B.shape[-1]}x1)")
        try:
            np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-1]))
        except ValueError:
            raise RuntimeError(f"{name}: Incompatible batch shapes of A and B") from None
    else:
        if B.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
        k = B.shape[-2] if left else B.shape[-1]
        if k != n:
            eq = "AX = B" if left else "XA = B"
            raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                               f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
        try:
            np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
        except ValueError:
            raise RuntimeError(f"{name}: The size of tensor a ({A.shape[0]}) must match the size of tensor b "
                               f"({B.shape[0]}) at non-singleton dimension 0") from None
    res, info = apply(_solve_op, A, B, vec=vec, left=left)
    if check_errors:
        _raise_info(name, info, lambda k: "The solver failed because the input matrix is singular.")
    return write_out(_SolveExRT(res, info), out)


def solve(A, B, *, left=True, out=None):
    """torch.linalg.solve: AX = B (or XA = B with left=False); B may be a (batch of) vector(s)."""
    return write_out(solve_ex(A, B, left=left, check_errors=True).result, out)


def _lu_factor(a):
    lu, piv, _ = lax.linalg.lu(a)
    return lu, (piv + 1).astype(jnp.int32), _lu_info(lax.stop_gradient(lu))


_lu_factor_op = Op("linalg_lu_factor_ex", _lu_factor, backward_name="LinalgLuFactorExBackward0")


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    _check_matrix("linalg.lu_factor", A)
    _check_float("linalg.lu_factor", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    r = _LUFactorExRT(*apply(_lu_factor_op, A))
    if check_errors:
        _raise_info("linalg.lu_factor", r.info, lambda k: f"U[{k},{k}] is zero and using it on lu_solve would "
                    "result in a division by zero. If you still want to perform the factorization, consider "
                    "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return write_out(r, out)


def lu_factor(A, *, pivot=True, out=None):
    r = lu_factor_ex(A, pivot=pivot, check_errors=True)
    return write_out(_LUFactorRT(r.LU, r.pivots), out)


def _plu(a):
    lu, _, perm = lax.linalg.lu(a)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=a.dtype)
    U = jnp.triu(lu[..., :k, :])
    P = jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=a.dtype), -1, -2)  # A = P L U
    return P, L, U


_lu_op = Op("linalg_lu", _plu, backward_name="LinalgLuBackward0")


def linalg_lu(A, *, pivot=True, out=None):
    """torch.linalg.lu: A = P L U (P a permutation matrix of A's dtype)."""
    _check_matrix("linalg.lu", A)
    _check_float("linalg.lu", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    return write_out(_LURT(*apply(_lu_op, A)), out)


def _perm_from_pivots(piv, m):
    """Permutation (as row order) produced by applying LAPACK row swaps ``piv`` (0-based)."""
    perm = jnp.broadcast_to(jnp.arange(m), piv.shape[:-1] + (m,))

    def body(i, p):
        j = piv[..., i]
        pi = jnp.take_along_axis(p, jnp.full(p.shape[:-1] + (1,), i), -1)
        pj = jnp.take_along_axis(p, j[..., None], -1)
        p = jnp.where(jnp.arange(m) == i, pj, p)
        return jnp.where(jnp.arange(m) == j[..., None], pi, p)

    return lax.fori_loop(0, piv.shape[-1], body, perm)


def _lu_unpack(lu, piv, unpack_data, unpack_pivots):
    m, n = lu.shape[-2], lu.shape[-1]
    k = min(m, n)
    if unpack_data:
        L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=lu.dtype)
        U = jnp.triu(lu[..., :k, :])
    else:
        L = jnp.zeros((0,), lu.dtype)
        U = jnp.zeros((0,), lu.dtype)
    if unpack_pivots:
        perm = _perm_from_pivots(piv.astype(jnp.int32) - 1, m)
        # P such that A = P L U: P[perm[i], i] = 1
        P = jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=lu.dtype), -1, -2)
    else:
        P = jnp.zeros((0,), lu.dtype)
    return P, L, U


_lu_unpack_op = Op("lu_unpack", _lu_unpack)


@public
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    return write_out(_LUUnpackRT(*apply(_lu_unpack_op, LU_data, LU_pivots, unpack_data=unpack_data,
                                        unpack_pivots=unpack_pivots)), out)


def _lu_solve(lu, piv, b, left, adjoint):
    m = lu.shape[-1]
    perm = _perm_from_pivots(piv.astype(jnp.int32) - 1, m)
    batch = jnp.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    lu = jnp.broadcast_to(lu, batch + lu.shape[-2:])
    perm = jnp.broadcast_to(perm, batch + (m,))
    if not left:
        b = _mH(b)
        adjoint = not adjoint
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    tri = lax.linalg.triangular_solve
    if not adjoint:
        pb = jnp.take_along_axis(b, perm[..., :, None], -2)
        y = tri(lu, pb, left_side=True, lower=True, unit_diagonal=True)
        x = tri(lu, y, left_side=True, lower=False)
    else:
        y = tri(lu, b, left_side=True, lower=False, transpose_a=True, conjugate_a=True)
        z = tri(lu, y, left_side=True, lower=True, unit_diagonal=True, transpose_a=True, conjugate_a=True)
        inv_perm = jnp.argsort(perm, -1)
        x = jnp.take_along_axis(z, inv_perm[..., :, None], -2)
    return _mH(x) if not left else x


_lu_solve_op = Op("linalg_lu_solve", _lu_solve)


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    _check_same_dtype("linalg.lu_solve", LU, B, "LU", "B")
    return write_out(apply(_lu_solve_op, LU, pivots, B, left=left, adjoint=adjoint), out)


@public(method=True)
def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve(b, LU_data, LU_pivots)."""
    return linalg_lu_solve(LU_data, LU_pivots, b, out=out)


@public(method=True)
def lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu: (A_LU, pivots[, infos]) with 1-based int32 pivots."""
    r = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    res = (r.LU, r.pivots, r.info) if get_infos else (r.LU, r.pivots)
    return write_out(res, out)


# ------------------------------------------------------------------------------ Cholesky
def _cholesky_ex(a, upper):
    # the value reads only the lower triangle (as LAPACK); the gradient is the symmetric one torch gives
    L = lax.linalg.cholesky(_from_triangle(a, False), symmetrize_input=True)
    bad = jnp.isnan(jnp.real(jnp.diagonal(L, axis1=-2, axis2=-1)))
    info = jnp.where(bad.any(-1), jnp.argmax(bad, -1) + 1, 0).astype(jnp.int32)
    return (_mH(L) if upper else L), info


_chol_op = Op("linalg_cholesky_ex", _cholesky_ex, backward_name="LinalgCholeskyExBackward0")


def _upper_input(A, upper):
    # LAPACK reads one triangle; with upper=True torch reads the upper one: use its mirror
    return A.mH if upper else A


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    _sq("linalg.cholesky", A)
    L, info = apply(_chol_op, _upper_input(A, upper), upper=upper)
    if check_errors:
        _raise_info("linalg.cholesky", info, _spd_msg)
    return write_out(_CholExRT(L, info), out)


def linalg_cholesky(A, *, upper=False, out=None):
    """torch.linalg.cholesky: lower L with A = L L^H (reads only A's lower triangle)."""
    return write_out(cholesky_ex(A, upper=upper, check_errors=True).L, out)


@public(method=True)
def cholesky(input, upper=False, *, out=None):
    """torch.cholesky (deprecated form of linalg.cholesky)."""
    return linalg_cholesky(input, upper=upper, out=out)


def _cholesky_solve(b, L, upper):
    batch = jnp.broadcast_shapes(L.shape[:-2], b.shape[:-2])
    L = jnp.broadcast_to(L, batch + L.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    tri = lax.linalg.triangular_solve
    if upper:
        y = tri(L, b, left_side=True, lower=False, transpose_a=True, conjugate_a=True)
        return tri(L, y, left_side=True, lower=False)
    y = tri(L, b, left_side=True, lower=True)
    return tri(L, y, left_side=True, lower=True, transpose_a=True, conjugate_a=True)


def _cholesky_solve_res(b, L, upper):
    x = _cholesky_solve(b, L, upper)
    return x, (x, L, b.shape, L.shape)


def _unbroadcast(g, shape):
    lead = g.ndim - len(shape)
    g = jnp.sum(g, axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return jnp.sum(g, axis=axes, keepdims=True) if axes else g


def _cholesky_solve_bwd(res, g, upper):
    # torch's rule: the gradient of (L L^H)^-1 B with respect to the full matrix L
    x, L, bshape, lshape = res
    gb = _cholesky_solve(g, L, upper)
    common = gb @ _mH(x)
    common = common + _mH(common)
    Lb = jnp.broadcast_to(L, common.shape[:-2] + L.shape[-2:])
    gL = -(Lb @ common) if upper else -(common @ Lb)
    return _unbroadcast(gb, bshape), _unbroadcast(gL, lshape)


_chol_solve_op = Op("cholesky_solve", _cholesky_solve, vjp=(_cholesky_solve_res, _cholesky_solve_bwd))


@public(method=True)
def cholesky_solve(B, L, upper=False, *, out=None):
    _check_same_dtype("cholesky_solve", B, L, "b", "A")
    if B.ndim < 2 or L.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    return write_out(apply(_chol_solve_op, B, L, upper=upper), out)


def _cholesky_inverse(L, upper):
    eye = jnp.broadcast_to(jnp.eye(L.shape[-1], dtype=L.dtype), L.shape)
    return _chol_solve_op.fwd(eye, L, upper=upper)


_chol_inv_op = Op("cholesky_inverse", _cholesky_inverse)


@public(method=True)
def cholesky_inverse(L, upper=False, *, out=None):
    _sq("cholesky_inverse", L)
    return write_out(apply(_chol_inv_op, L, upper=upper), out)


# ------------------------------------------------------------------------------ triangular
def _solve_triangular(a, b, upper, left, unitriangular):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    a = jnp.triu(a) if upper else jnp.tril(a)
    return lax.linalg.triangular_solve(a, b, left_side=left, lower=not upper, unit_diagonal=unitriangular)


_solve_tri_op = Op("linalg_solve_triangular", _solve_triangular)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    name = "linalg.solve_triangular"
    _check_matrix(name, A)
    _check_matrix(name, B, "B")
    _check_square(name, A)
    _check_float(name, A, B)
    _check_same_dtype(name, A, B)
    k = B.shape[-2] if left else B.shape[-1]
    if k != A.shape[-1]:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    return write_out(apply(_solve_tri_op, A, B, upper=upper, left=left, unitriangular=unitriangular), out)


@public(method=True)
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """torch.triangular_solve: (solution of op(A) X = b, clone of A)."""
    At = A.mT if transpose else A
    X = solve_triangular(At, b, upper=upper != transpose, unitriangular=unitriangular)
    return write_out(_TriSolveRT(X, A.clone()), out)


# ------------------------------------------------------------------------------ QR / SVD / eig
def _qr(a, mode):
    if mode == "r":
        return jnp.zeros((0,), a.dtype), jnp.linalg.qr(a, mode="r")
    return tuple(jnp.linalg.qr(a, mode=mode))


_qr_op = Op("linalg_qr", _qr, backward_name="LinalgQrBackward0")


def linalg_qr(A, mode="reduced", *, out=None):
    """torch.linalg.qr with mode 'reduced' | 'complete' | 'r' (Q empty for 'r')."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _check_matrix("linalg.qr", A)
    _check_float("linalg.qr", A)
    return write_out(_QRRT(*apply(_qr_op, A, mode=mode)), out)


@public(method=True)
def qr(input, some=True, *, out=None):
    r = linalg_qr(input, "reduced" if some else "complete")
    return write_out(_TQRRT(r.Q, r.R), out)


def _svd(a, full_matrices):
    m, n = a.shape[-2], a.shape[-1]
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    if full_matrices and m != n:
        # JAX has no derivative for the full decomposition; the extra columns/rows only complete an
        # orthonormal basis, so they come from a non-differentiated full SVD.
        uf, _, vhf = jnp.linalg.svd(lax.stop_gradient(a), full_matrices=True)
        k = min(m, n)
        u = jnp.concatenate([u, uf[..., :, k:]], -1)
        vh = jnp.concatenate([vh, vhf[..., k:, :]], -2)
    return u, s, vh


_svd_op = Op("linalg_svd", _svd, backward_name="LinalgSvdBackward0")


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """torch.linalg.svd: (U, S, Vh) with A = U diag(S) Vh."""
    _check_matrix("linalg.svd", A)
    _check_float("linalg.svd", A)
    return write_out(_SVDRT(*apply(_svd_op, A, full_matrices=full_matrices)), out)


_svdvals_op = Op("linalg_svdvals", lambda a: jnp.linalg.svd(a, full_matrices=False)[1])


def svdvals(A, *, driver=None, out=None):
    _check_matrix("linalg.svdvals", A)
    _check_float("linalg.svdvals", A)
    return write_out(apply(_svdvals_op, A), out)


@public(method=True)
def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with A = U diag(S) V^H; without compute_uv, U and V are zero-filled."""
    _check_matrix("svd", input)
    _check_float("svd", input)
    if not compute_uv:
        S = svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        from .creation import zeros
        z = lambda r, c: zeros(*input.shape[:-2], r, c, dtype=input.dtype, device=input.device)
        return write_out(_TSVDRT(z(m, m), S, z(n, n)), out)
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return write_out(_TSVDRT(U, S, Vh.mH), out)


def _from_triangle(a, upper):
    """The Hermitian matrix LAPACK sees when it reads one triangle of ``a``; the gradient still flows
    to all of ``a`` (torch's eigh/cholesky backward return full matrices)."""
    if upper:
        herm = jnp.triu(a) + _mH(jnp.triu(a, 1))
    else:
        herm = jnp.tril(a) + _mH(jnp.tril(a, -1))
    return a + lax.stop_gradient(herm - a)


def _eigh(a, upper):
    v, w = lax.linalg.eigh(_from_triangle(a, upper), symmetrize_input=True)
    return w, v


_eigh_op = Op("linalg_eigh", _eigh, backward_name="LinalgEighBackward0")


def _uplo(UPLO):
    u = str(UPLO).upper()
    if u not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return u == "U"


def eigh(A, UPLO="L", *, out=None):
    """torch.linalg.eigh: ascending eigenvalues and orthonormal eigenvectors, reading one triangle."""
    _sq("linalg.eigh", A)
    return write_out(_EighRT(*apply(_eigh_op, A, upper=_uplo(UPLO))), out)


def eigvalsh(A, UPLO="L", *, out=None):
    return write_out(eigh(A, UPLO).eigenvalues, out)


def _complex_of(dt):
    return jnp.complex128 if dt == jnp.float64 or dt == jnp.complex128 else jnp.complex64


def _eig(a):
    w, v = jnp.linalg.eig(a)
    ct = _complex_of(a.dtype)
    return w.astype(ct), v.astype(ct)


_eig_op = Op("linalg_eig", _eig, differentiable=False)


def eig(A, *, out=None):
    """torch.linalg.eig (complex results; no gradient here)."""
    _sq("linalg.eig", A)
    return write_out(_EigRT(*apply(_eig_op, A)), out)


def eigvals(A, *, out=None):
    return write_out(eig(A).eigenvalues, out)


# ------------------------------------------------------------------------------ norms / ranks
def _default_rtol(A, atol, rtol):
    eps = float(np.finfo(np.dtype(A.dtype.np) if not A.dtype.is_complex else
                          np.real(np.zeros((), A.dtype.np)).dtype).eps)
    m, n = A.shape[-2], A.shape[-1]
    if rtol is None:
        rtol = eps * max(m, n) if (atol is None or (not isinstance(atol, Tensor) and atol <= 0)) else 0.0
    return rtol


def _tol_args(atol, rtol):
    return (0.0 if atol is None else atol), rtol


def _pinv(a, atol, rtol, hermitian):
    if hermitian:
        v, w = lax.linalg.eigh(_from_triangle(a, False), symmetrize_input=True)
        s = jnp.abs(w)
        smax = jnp.max(s, -1, keepdims=True) if s.shape[-1] else jnp.zeros(s.shape[:-1] + (1,), s.dtype)
        cut = jnp.maximum(jnp.asarray(atol, s.dtype)[..., None], jnp.asarray(rtol, s.dtype)[..., None] * smax)
        winv = jnp.where(s > cut, 1 / jnp.where(s > cut, w, 1), 0).astype(a.dtype)
        return (v * winv[..., None, :]) @ _mH(v)
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    smax = jnp.max(s, -1, keepdims=True) if s.shape[-1] else jnp.zeros(s.shape[:-1] + (1,), s.dtype)
    cut = jnp.maximum(jnp.asarray(atol, s.dtype)[..., None], jnp.asarray(rtol, s.dtype)[..., None] * smax)
    sinv = jnp.where(s > cut, 1 / jnp.where(s > cut, s, 1), 0).astype(a.dtype)
    return (_mH(vh) * sinv[..., None, :]) @ _mH(u)


_pinv_op = Op("linalg_pinv", _pinv)


def pinv(A, *, atol=None, rtol=None, hermitian=False, rcond=None, out=None):
    """torch.linalg.pinv via SVD (or eigh when hermitian), singular values <= max(atol, rtol*smax) dropped."""
    _check_matrix("linalg.pinv", A)
    _check_float("linalg.pinv", A)
    if rcond is not None:
        rtol = rcond
    rtol = _default_rtol(A, atol, rtol)
    atol = 0.0 if atol is None else atol
    return write_out(apply(_pinv_op, A, atol, rtol, hermitian=hermitian), out)


@public(method=True)
def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


def _rank(a, atol, rtol, hermitian):
    s = jnp.abs(jnp.linalg.eigvalsh(a, symmetrize_input=False)) if hermitian else \
        jnp.linalg.svd(a, compute_uv=False)
    smax = jnp.max(s, -1, keepdims=True) if s.shape[-1] else jnp.zeros(s.shape[:-1] + (1,), s.dtype)
    cut = jnp.maximum(jnp.asarray(atol, s.dtype)[..., None], jnp.asarray(rtol, s.dtype)[..., None] * smax)
    return jnp.sum(s > cut, -1).astype(jnp.int64)


_rank_op = Op("linalg_matrix_rank", _rank, differentiable=False)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    _check_matrix("linalg.matrix_rank", A)
    _check_float("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    rtol = _default_rtol(A, atol, rtol)
    atol = 0.0 if atol is None else atol
    return write_out(apply(_rank_op, A, atol, rtol, hermitian=hermitian), out)


def _matrix_norm(a, ord, dims, keepdim):
    d0, d1 = dims
    if ord == "fro":
        r = jnp.sqrt(jnp.sum(jnp.real(a * jnp.conj(a)), axis=dims, keepdims=keepdim))
        return r
    if ord in ("nuc", 2.0, -2.0):
        moved = jnp.moveaxis(a, (d0, d1), (-2, -1))
        s = jnp.linalg.svd(moved, compute_uv=False)
        r = jnp.sum(s, -1) if ord == "nuc" else (jnp.max(s, -1) if ord == 2.0 else jnp.min(s, -1))
        if keepdim:
            for d in sorted((d0, d1)):
                r = jnp.expand_dims(r, d)
        return r
    ab = jnp.abs(a)
    if ord in (1.0, -1.0):
        red, other = d0, d1
    else:  # inf / -inf: max row sum
        red, other = d1, d0
    sums = jnp.sum(ab, axis=red, keepdims=True)
    f = jnp.max if ord > 0 else jnp.min
    r = f(sums, axis=other, keepdims=True)
    if not keepdim:
        r = jnp.squeeze(r, axis=dims)
    return r


_matrix_norm_op = Op("linalg_matrix_norm", _matrix_norm)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """torch.linalg.matrix_norm: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 over the two ``dim``s."""
    _check_float("linalg.matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    dims = tuple(_wrap_dim(d, A.ndim) for d in dim)
    if len(dims) != 2 or dims[0] == dims[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    else:
        ord = float(ord)
        if ord not in (1.0, -1.0, 2.0, -2.0, math.inf, -math.inf):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    return write_out(apply(_matrix_norm_op, A, ord=ord, dims=dims, keepdim=keepdim), out)


def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    return write_out(vector_norm(x, ord, dim, keepdim, dtype=dtype), out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.norm: a vector norm for 1-d / int ``dim``, a matrix norm for 2-d / 2-tuple ``dim``."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim,
                           dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """torch.linalg.cond: smax/smin for p in (None, 2), smin/smax for -2, else norm(A) * norm(inv(A))."""
    _check_matrix("linalg.cond", A)
    _check_float("linalg.cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        r = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
        return write_out(r, out)
    _check_square("linalg.cond", A)
    return write_out(matrix_norm(A, p) * matrix_norm(inv_ex(A).inverse, p), out)


# ------------------------------------------------------------------------------ matrix functions
def _matrix_power(a, n):
    if n == 0:
        return jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a, n = jnp.linalg.inv(a), -n
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


_matrix_power_op = Op("linalg_matrix_power", _matrix_power)


@public(method=True)
def matrix_power(A, n, *, out=None):
    _check_square("linalg.matrix_power", A)
    if n < 0:
        _check_float("linalg.matrix_power", A)
        inv_ex(A, check_errors=True)
    return write_out(apply(_matrix_power_op, A, n=int(n)), out)


def _expm(a):
    if a.shape[-1] == 0:
        return a
    return jsl.expm(a)


_matrix_exp_op = Op("linalg_matrix_exp", _expm)


@public(method=True)
def matrix_exp(A, *, out=None):
    _sq("linalg.matrix_exp", A)
    return write_out(apply(_matrix_exp_op, A), out)


def _cross(a, b, dim):
    return jnp.cross(a, b, axisa=dim, axisb=dim, axisc=dim)


_cross_op = Op("linalg_cross", _cross, promote="same")


def linalg_cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: broadcasting cross product along ``dim`` (size 3)."""
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    a, b = input.expand(*shape), other.expand(*shape)
    return write_out(apply(_cross_op, a, b, dim=d - len(shape)), out)


@public(method=True)
def cross(input, other, dim=None, *, out=None):
    """torch.cross: without ``dim``, the first dimension of size 3 (deprecated default, with its warning)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim, out=out)


def multi_dot(tensors, *, out=None):
    """torch.linalg.multi_dot: first/last may be 1-d; the product is evaluated in the cheapest order."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(tensors) - 1))
        if not ok:
            where = "first and last tensors" if i in (0, len(tensors) - 1) else f"tensor {i}"
            raise RuntimeError(f"multi_dot(): {where} must be 2D but got {t.ndim}D" if i not in (0, len(tensors) - 1)
                               else f"multi_dot(): the first and last tensors must be 1D or 2D but got {t.ndim}D")
    d = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not d:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is {d} and "
                               f"tensor {tensors.index(t)} {t.dtype}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    r = apply(_multi_dot_op, *mats)
    if first_vec and last_vec:
        r = r.reshape(())
    elif first_vec:
        r = r.squeeze(0)
    elif last_vec:
        r = r.squeeze(1)
    return write_out(r, out)


_multi_dot_op = Op("linalg_multi_dot", lambda *ms: jnp.linalg.multi_dot(ms))


@public
def chain_matmul(*matrices, out=None):
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if len(matrices) == 1:
        return write_out(matrices[0].clone(), out)
    for t in matrices:
        if t.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t.ndim}, expected 2 instead.")
    return multi_dot(matrices, out=out)


_vecdot_op = Op("linalg_vecdot", lambda x, y, dim: jnp.sum(jnp.conj(x) * y, axis=dim), promote="same")


def vecdot(x, y, *, dim=-1, out=None):
    """torch.linalg.vecdot: sum(conj(x) * y, dim) with broadcasting."""
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_type_name(x.dtype)} and y of type {_type_name(y.dtype)} instead")
    n = max(x.ndim, y.ndim)
    return write_out(apply(_vecdot_op, x, y, dim=_wrap_dim(dim, n) - n), out)


_diagonal_op = Op("diagonal", lambda x, offset, dim1, dim2: jnp.diagonal(x, offset, dim1, dim2), saves=False)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: a view of the diagonal (defaults to the last two dims)."""
    from .shape import view_op
    d1, d2 = _wrap_dim(dim1, A.ndim), _wrap_dim(dim2, A.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_op(_diagonal_op, A, offset=int(offset), dim1=d1, dim2=d2)


def _lstsq(a, b, rcond, vec):
    if vec:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    smax = jnp.max(s, -1, keepdims=True) if s.shape[-1] else jnp.zeros(s.shape[:-1] + (1,), s.dtype)
    keep = s > rcond * smax
    sinv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0).astype(a.dtype)
    x = _mH(vh) @ (sinv[..., :, None] * (_mH(u) @ b))
    res = jnp.sum(jnp.abs(a @ x - b) ** 2, -2)
    rank = jnp.sum(keep, -1).astype(jnp.int64)
    if vec:
        x = x[..., 0]
        res = res[..., 0]
    return x, res, rank, s


_lstsq_op = Op("linalg_lstsq", _lstsq)


def lstsq(A, B, rcond=None, *, driver=None):
    """torch.linalg.lstsq (minimum-norm solution via SVD). Which of residuals / rank / singular_values
    are filled follows torch's CPU drivers: default 'gelsy' gives rank only."""
    name = "torch.linalg.lstsq"
    _check_matrix(name, A)
    _check_float(name, A, B)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got input's dtype "
                           f"{A.dtype} and other's dtype {B.dtype}")
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vec = B.ndim == A.ndim - 1
    m, n = A.shape[-2], A.shape[-1]
    if (B.shape[-1] if vec else B.shape[-2]) != m:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-{1 if vec else 2})")
    if rcond is None:
        rcond = float(np.finfo(A.dtype.np if not A.dtype.is_complex else np.float64).eps) * max(m, n)
    x, res, rank, s = apply(_lstsq_op, A, B, rcond=float(rcond), vec=vec)
    from .creation import empty
    full_rank = m > n and (not _eager(rank) or bool(np.all(np.asarray(rank._value) == n)))
    empty_f = empty(0, dtype=s.dtype, device=A.device)
    residuals = res if driver != "gelsy" and full_rank else empty_f
    rank_out = rank if driver != "gels" else empty(0, dtype=D.int64, device=A.device)
    sv = s if driver in ("gelsd", "gelss") else empty_f
    return _LstsqRT(x, residuals, rank_out, sv)


def vander(x, *, N=None):
    """torch.linalg.vander: columns x^0, x^1, ..., x^(N-1)."""
    n = x.shape[-1] if N is None else N
    if n < 1 and N is not None:
        raise RuntimeError("N must be greater than 1.")
    return apply(_vander_op, x, n=int(n))


_vander_op = Op("linalg_vander", lambda x, n: x[..., None] ** jnp.arange(n).astype(x.dtype) if n else
                jnp.zeros(x.shape + (0,), x.dtype))


def tensorinv(A, ind=2, *, out=None):
    shape = tuple(A.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return write_out(inv(A.reshape(rows, cols)).reshape(*(shape[ind:] + shape[:ind])), out)


def tensorsolve(A, B, dims=None, *, out=None):
    if dims is not None:
        dims = [_wrap_dim(d, A.ndim) for d in dims]
        rest = [d for d in range(A.ndim) if d not in dims]
        A = A.permute(*(rest + dims))
    nb = B.numel()
    rest_shape = tuple(A.shape[B.ndim:])
    X = solve(A.reshape(nb, -1), B.reshape(nb))
    return write_out(X.reshape(*rest_shape), out)


# ------------------------------------------------------------------------------ products
def _same_dtype(name, *ts):
    if _intercept.autocast_casts({"addmm": "mm", "baddbmm": "bmm", "addmv": "mv", "addr": "addr"}.get(name, name)):
        return  # autocast casts the inputs to one dtype
    d = ts[0].dtype
    for t in ts[1:]:
        if t.dtype is not d:
            raise RuntimeError(f"{name}: expected all inputs to have the same dtype, but got {_type_name(d)} and "
                               f"{_type_name(t.dtype)}")


def _scaled_sum(inp, prod, beta, alpha, beta_zero):
    r = prod if alpha is None else alpha * prod
    if beta_zero:
        return jnp.broadcast_to(r, r.shape).astype(prod.dtype)
    b = inp if beta is None else beta * inp
    return (b + r).astype(prod.dtype)


def _coef(v):
    return None if (v == 1 and not isinstance(v, bool)) else v


def _add_prod(kind):
    def fwd(inp, a, b, beta, alpha, beta_zero):
        if kind == "mm":
            p = a @ b
        elif kind == "bmm":
            p = a @ b
        elif kind == "addbmm":
            p = jnp.sum(a @ b, 0)
        elif kind == "mv":
            p = a @ b
        else:  # outer
            p = jnp.outer(a, b)
        return _scaled_sum(inp, p, beta, alpha, beta_zero)
    return Op(kind if kind != "outer" else "addr", fwd)


_addmm_op, _baddbmm_op, _addbmm_op, _addmv_op, _addr_op = (
    _add_prod("mm"), _add_prod("bmm"), _add_prod("addbmm"), _add_prod("mv"), _add_prod("outer"))


def _check_coef(t, beta, alpha):
    if not (t.dtype.is_floating_point or t.dtype.is_complex):
        for nm, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float):
                raise RuntimeError(f"For integral input tensors, argument {nm} must not be a floating point number.")


def _expect_bcast(inp, shape, name):
    try:
        np.broadcast_to(np.empty(tuple(inp.shape), np.int8), shape)
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the existing size "
                           f"({inp.shape[-1]}) at non-singleton dimension {len(shape) - 1}.  Target sizes: "
                           f"{list(shape)}.  Tensor sizes: {list(inp.shape)}") from None


@public(method=True, inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2); with beta=0, input is ignored (NaNs in it do not propagate)."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"{'mat1' if mat1.ndim != 2 else 'mat2'} must be a matrix, got {mat1.ndim if mat1.ndim != 2 else mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype("addmm", mat1, mat2, input)
    _check_coef(mat1, beta, alpha)
    _expect_bcast(input, (mat1.shape[0], mat2.shape[1]), "addmm")
    return write_out(apply(_addmm_op, input, mat1, mat2, _coef(beta), _coef(alpha), beta_zero=beta == 0), out)


@public(method=True, inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    check_batch_shapes(batch1, batch2)
    _same_dtype("baddbmm", batch1, batch2, input)
    _check_coef(batch1, beta, alpha)
    _expect_bcast(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]), "baddbmm")
    return write_out(apply(_baddbmm_op, input, batch1, batch2, _coef(beta), _coef(alpha), beta_zero=beta == 0), out)


@public(method=True, inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    check_batch_shapes(batch1, batch2)
    _same_dtype("addbmm", batch1, batch2, input)
    _check_coef(batch1, beta, alpha)
    _expect_bcast(input, (batch1.shape[1], batch2.shape[2]), "addbmm")
    return write_out(apply(_addbmm_op, input, batch1, batch2, _coef(beta), _coef(alpha), beta_zero=beta == 0), out)


@public(method=True, inplace=True)
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), mat "
                           f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype("addmv", mat, vec, input)
    _check_coef(mat, beta, alpha)
    _expect_bcast(input, (mat.shape[0],), "addmv")
    return write_out(apply(_addmv_op, input, mat, vec, _coef(beta), _coef(alpha), beta_zero=beta == 0), out)


@public(method=True, inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D" if vec1.ndim != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    _same_dtype("addr", vec1, vec2, input)
    if input.dtype is D.bool:
        if beta is not False and beta not in (0, 1) or alpha not in (0, 1, True, False):
            raise RuntimeError("Boolean beta only supported for Boolean results.")
    _check_coef(vec1, beta, alpha)
    _expect_bcast(input, (vec1.shape[0], vec2.shape[0]), "addr")
    if input.dtype is D.bool:
        r = apply(_outer_op, vec1, vec2)
        r = r.logical_and(bool(alpha))
        return write_out(r if beta == 0 else r.logical_or(input.logical_and(bool(beta))), out)
    return write_out(apply(_addr_op, input, vec1, vec2, _coef(beta), _coef(alpha), beta_zero=beta == 0), out)


_outer_op = Op("outer", lambda a, b: (a[:, None] * b[None, :]), promote="same")


@public(method=True, aliases=('ger',))
def outer(input, vec2, *, out=None):
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D" if input.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return write_out(apply(_outer_op, input, vec2), out)


_inner_op = Op("inner", lambda a, b: a * b if a.ndim == 0 or b.ndim == 0 else jnp.inner(a, b), promote="same")


@public(method=True)
def inner(input, other, *, out=None):
    if input.ndim and other.ndim and input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("inner(): argument 'other' must be Tensor")
    _same_dtype("inner", input, other)
    return write_out(apply(_inner_op, input, other), out)


_vdot_op = Op("vdot", lambda a, b: jnp.vdot(a, b))


@public(method=True)
def vdot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"vdot : expected both vectors to have same dtype, but found {_type_name(input.dtype)} "
                           f"and {_type_name(other.dtype)}")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} and "
                           f"{other.shape[0]} elements respectively")
    return write_out(apply(_vdot_op, input, other), out)


_kron_op = Op("kron", lambda a, b: jnp.kron(a, b), promote="same")


@public(method=True)
def kron(input, other, *, out=None):
    return write_out(apply(_kron_op, input, other), out)


_tensordot_op = Op("tensordot", lambda a, b, axes: jnp.tensordot(a, b, axes))


@public
def tensordot(a, b, dims=2, out=None):
    """torch.tensordot: ``dims`` an int, a pair of index lists, or a (2, k) tensor."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
        if isinstance(dims, int):
            pass
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da = tuple(range(a.ndim - dims, a.ndim))
        db = tuple(range(dims))
    else:
        da, db = dims
        da = (da,) if isinstance(da, int) else tuple(da)
        db = (db,) if isinstance(db, int) else tuple(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length")
        da = tuple(_wrap_dim(d, a.ndim) for d in da)
        db = tuple(_wrap_dim(d, b.ndim) for d in db)
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} "
                               f"and second has size {b.shape[y]} in dim {y}")
    if a.dtype is not b.dtype and not _intercept.autocast_casts("tensordot"):
        raise RuntimeError(f"expected scalar type {_type_name(a.dtype)} but found {_type_name(b.dtype)}")
    return write_out(apply(_tensordot_op, a, b, axes=(da, db)), out)


_trace_op = Op("trace", lambda x: jnp.trace(x).astype(jnp.int64 if jnp.issubdtype(x.dtype, jnp.integer) or
                                                       x.dtype == jnp.bool_ else x.dtype))


@public(method=True)
def trace(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return apply(_trace_op, input)


def _cdist(x1, x2, p, mm):
    if mm:  # torch's matrix-multiply form of Euclidean distances: |a|^2 + |b|^2 - 2 a.b, one GEMM
        sq = (jnp.sum(x1 * x1, -1)[..., :, None] + jnp.sum(x2 * x2, -1)[..., None, :]
              - 2 * jnp.einsum("...pm,...rm->...pr", x1, x2, precision=jax.lax.Precision.HIGHEST))
        sq = jnp.maximum(sq, 0)
        safe = jnp.where(sq == 0, 1, sq)
        return jnp.where(sq == 0, 0, jnp.sqrt(safe))
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    # |d| with a zero derivative at d = 0, as torch's cdist backward
    ad = jnp.where(diff == 0, 0, jnp.abs(diff))
    if p == 0:
        return jnp.sum((ad != 0).astype(x1.dtype), -1)
    if p == math.inf:
        return jnp.max(ad, -1) if ad.shape[-1] else jnp.zeros(ad.shape[:-1], x1.dtype)
    if p == 1:
        return jnp.sum(ad, -1)
    if p == 2:
        sq = jnp.sum(ad * ad, -1)
        safe = jnp.where(sq == 0, 1, sq)
        return jnp.where(sq == 0, 0, jnp.sqrt(safe))
    s = jnp.sum(jnp.where(ad == 0, 0, jnp.where(ad == 0, 1, ad) ** p), -1)
    safe = jnp.where(s == 0, 1, s)
    return jnp.where(s == 0, 0, safe ** (1.0 / p))


_cdist_op = Op("cdist", _cdist, backward_name="CdistBackward0")


@public
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 [.., P, M] and x2 [.., R, M].

    As torch, Euclidean distances (p=2) use one matrix multiply when ``compute_mode`` says so
    (``'use_mm_for_euclid_dist'``, or the default when either side has more than 25 rows): fast,
    slightly less exact for nearly equal rows; otherwise every difference is formed."""
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: "
                           f"{x1.ndim if x1.ndim < 2 else x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if not x1.dtype.is_floating_point or not x2.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X{1 if not x1.dtype.is_floating_point else 2} "
                           f"got: {x1.dtype if not x1.dtype.is_floating_point else x2.dtype}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values")
    _check_same_dtype("cdist", x1, x2, "X1", "X2")
    batch = np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    a = x1.expand(*batch, *x1.shape[-2:])
    b = x2.expand(*batch, *x2.shape[-2:])
    mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == modes[0] and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    return apply(_cdist_op, a, b, p=float(p), mm=mm)


@public(method=True)
def dist(input, other, p=2):
    """torch.dist: the p-norm of input - other."""
    return vector_norm(input - other, p)
