"""Linear algebra, norms and ranks: pinv, matrix_rank, matrix/vector norms, cond.

 Each decomposition is one JAX function in one Op, so gradients come from JAX's derived rules;
results that are not unique (SVD signs, eigenvector phases) follow whatever LAPACK returns, as
torch's do. A non-float input or non-square matrix raises RuntimeError, a singular or
non-positive-definite input raises :class:`LinAlgError` (a RuntimeError) when checked eagerly."""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import Tensor, _wrap_dim
from .declare import public
from .linalg_decomp import svdvals
from .linalg_solve import _check_float, _check_matrix, _check_square, _from_triangle, _mH, inv_ex
from .out import write_out
from .reductions import vector_norm
from .registry import Op, apply


def _default_rtol(A, atol, rtol):
    eps = float(np.finfo(np.dtype(A.dtype.np) if not A.dtype.is_complex else
                          np.real(np.zeros((), A.dtype.np)).dtype).eps)
    m, n = A.shape[-2], A.shape[-1]
    if rtol is None:
        rtol = eps * max(m, n) if (atol is None or (not isinstance(atol, Tensor) and atol <= 0)) else 0.0
    return rtol


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


def _pinv_herm_res(a, atol, rtol):
    p = _pinv(a, atol, rtol, True)
    return p, (a, p)


def _pinv_bwd(res, g, atol, rtol):
    """torch's pinv_backward(grad, pinvA, A), which torch uses with hermitian=True too (evaluated at the
    full input A, whose lower triangle alone gave pinvA). JAX's cotangents of complex values are the
    conjugates of torch's gradients."""
    a, p = res
    g = jnp.conj(g)
    ph, gh = _mH(p), _mH(g)
    if a.shape[-2] <= a.shape[-1]:
        k = gh @ p
        kph = k @ ph
        ga = -_mH(p @ k) + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a)
    else:
        k = p @ gh
        phk = ph @ k
        ga = -_mH(k @ p) + (gh - a @ k) @ p @ ph + phk - phk @ p @ a
    return (jnp.conj(ga).astype(a.dtype) if jnp.iscomplexobj(a) else ga.astype(a.dtype),)


# hermitian=True with scalar tolerances: the eigh value, torch's (general) gradient
_pinv_herm_op = Op("linalg_pinv", lambda a, atol, rtol: _pinv(a, atol, rtol, True), vjp=(_pinv_herm_res, _pinv_bwd))


@public(function=False, linalg=True)
def pinv(A, *, atol=None, rtol=None, hermitian=False, rcond=None, out=None):
    """torch.linalg.pinv via SVD (or eigh when hermitian), singular values <= max(atol, rtol*smax) dropped."""
    _check_matrix("linalg.pinv", A)
    _check_float("linalg.pinv", A)
    if rcond is not None:
        rtol = rcond
    rtol = _default_rtol(A, atol, rtol)
    atol = 0.0 if atol is None else atol
    if hermitian and not isinstance(atol, Tensor) and not isinstance(rtol, Tensor):
        return write_out(apply(_pinv_herm_op, A, atol=float(atol), rtol=float(rtol)), out)
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


@public(function=False, linalg=True)
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


@public(name="norm", method=True)
def torch_norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm (``torch_norm`` here, beside ``linalg.norm``): 'fro' / numbers are vector norms over
    ``dim`` (all dims by default); 'nuc' is the nuclear norm of a matrix."""
    if p == "nuc":
        return write_out(matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim), out)
    if p == "fro" or p is None:
        p = 2
    return write_out(vector_norm(input, p, dim, keepdim, dtype=dtype), out)


torch_norm.__name__ = "norm"


@public(function=False, linalg=True)
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """torch.linalg.matrix_norm: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 over the two ``dim``s."""
    _check_float("linalg.matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
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


@public(function=False, linalg="vector_norm")
def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    return write_out(vector_norm(x, ord, dim, keepdim, dtype=dtype), out)


@public(function=False, linalg=True)
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


@public(function=False, linalg=True)
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
