"""Linear algebra, solving: input checks, LU (det, inv, solve, lu_*), Cholesky and triangular solves.

 Each decomposition is one JAX function in one Op, so gradients come from JAX's derived rules;
results that are not unique (SVD signs, eigenvector phases) follow whatever LAPACK returns, as
torch's do. A non-float input or non-square matrix raises RuntimeError, a singular or
non-positive-definite input raises :class:`LinAlgError` (a RuntimeError) when checked eagerly."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from .._tensor import _type_name
from .declare import public
from .out import write_out
from .reductions import _return_type, return_types
from .registry import Op, apply


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


_LUFactorRT = _rt("linalg_lu_factor", ("LU", "pivots"))


_LUFactorExRT = _rt("linalg_lu_factor_ex", ("LU", "pivots", "info"))


_LURT = _rt("linalg_lu", ("P", "L", "U"))


_LUUnpackRT = _rt("lu_unpack", ("P", "L", "U"))


_SolveExRT = _rt("linalg_solve_ex", ("result", "info"))


_TriSolveRT = _rt("triangular_solve", ("solution", "cloned_coefficient"))


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


def _from_triangle(a, upper):
    """The Hermitian matrix LAPACK sees when it reads one triangle of ``a``; the gradient still flows
    to all of ``a`` (torch's eigh/cholesky backward return full matrices)."""
    if upper:
        herm = jnp.triu(a) + _mH(jnp.triu(a, 1))
    else:
        herm = jnp.tril(a) + _mH(jnp.tril(a, -1))
    return a + lax.stop_gradient(herm - a)


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


@public(function=False, linalg=True)
def inv_ex(A, *, check_errors=False, out=None):
    _sq("linalg.inv", A)
    inv_, info = apply(_inv_op, A)
    if check_errors:
        _raise_info("linalg.inv", info, _singular_msg)
    return write_out(_InvExRT(inv_, info), out)


@public(function=False, linalg=True)
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


@public(method=True, linalg=True)
def det(A, *, out=None):
    _sq("linalg.det", A)
    return write_out(apply(_det_op, A), out)


def _slogdet(a):
    if a.shape[-1] == 0:
        return jnp.ones(a.shape[:-2], a.dtype), jnp.zeros(a.shape[:-2], jnp.real(a).dtype)
    s, l = jnp.linalg.slogdet(a)
    return s, l


_slogdet_op = Op("linalg_slogdet", _slogdet, backward_name="LinalgSlogdetBackward0")


@public(function=False, linalg="slogdet")
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


@public(function=False, linalg=True)
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


@public(function=False, linalg=True)
def solve(A, B, *, left=True, out=None):
    """torch.linalg.solve: AX = B (or XA = B with left=False); B may be a (batch of) vector(s)."""
    return write_out(solve_ex(A, B, left=left, check_errors=True).result, out)


def _lu_factor(a):
    lu, piv, _ = lax.linalg.lu(a)
    return lu, (piv + 1).astype(jnp.int32), _lu_info(lax.stop_gradient(lu))


_lu_factor_op = Op("linalg_lu_factor_ex", _lu_factor, backward_name="LinalgLuFactorExBackward0")


@public(function=False, linalg=True)
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


@public(function=False, linalg=True)
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


@public(function=False, linalg="lu")
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


@public(function=False, linalg="lu_solve")
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


@public(function=False, linalg=True)
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    _sq("linalg.cholesky", A)
    L, info = apply(_chol_op, _upper_input(A, upper), upper=upper)
    if check_errors:
        _raise_info("linalg.cholesky", info, _spd_msg)
    return write_out(_CholExRT(L, info), out)


@public(function=False, linalg="cholesky")
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


def _solve_triangular(a, b, upper, left, unitriangular):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    a = jnp.triu(a) if upper else jnp.tril(a)
    return lax.linalg.triangular_solve(a, b, left_side=left, lower=not upper, unit_diagonal=unitriangular)


_solve_tri_op = Op("linalg_solve_triangular", _solve_triangular)


@public(function=False, linalg=True)
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
