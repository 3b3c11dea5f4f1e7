"""Linear algebra, matrix functions: matrix_power, matrix_exp, cross, multi_dot, vecdot, lstsq,
vander, tensorinv, tensorsolve.

 Each decomposition is one JAX function in one Op, so gradients come from JAX's derived rules;
results that are not unique (SVD signs, eigenvector phases) follow whatever LAPACK returns, as
torch's do. A non-float input or non-square matrix raises RuntimeError, a singular or
non-positive-definite input raises :class:`LinAlgError` (a RuntimeError) when checked eagerly."""
from __future__ import annotations

import math
import warnings

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np

from .. import _dtype as D
from .._tensor import _type_name, _wrap_dim
from .declare import public
from .linalg_solve import _check_float, _check_matrix, _check_square, _eager, _mH, _rt, _sq, inv, inv_ex, solve
from .out import write_out
from .registry import Op, apply

_LstsqRT = _rt("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


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


@public(method=True, linalg=True)
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


@public(method=True, linalg=True)
def matrix_exp(A, *, out=None):
    _sq("linalg.matrix_exp", A)
    return write_out(apply(_matrix_exp_op, A), out)


def _cross(a, b, dim):
    return jnp.cross(a, b, axisa=dim, axisb=dim, axisc=dim)


_cross_op = Op("linalg_cross", _cross, promote="same")


@public(function=False, linalg="cross")
def linalg_cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: broadcasting cross product along ``dim`` (size 3)."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
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


@public(function=False, linalg=True)
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


@public(function=False, linalg=True)
def vecdot(x, y, *, dim=-1, out=None):
    """torch.linalg.vecdot: sum(conj(x) * y, dim) with broadcasting."""
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_type_name(x.dtype)} and y of type {_type_name(y.dtype)} instead")
    n = max(x.ndim, y.ndim)
    return write_out(apply(_vecdot_op, x, y, dim=_wrap_dim(dim, n) - n), out)


_diagonal_op = Op("diagonal", lambda x, offset, dim1, dim2: jnp.diagonal(x, offset, dim1, dim2), saves=False)


@public(function=False, linalg="diagonal")
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


@public(function=False, linalg=True)
def lstsq(A, B, rcond=None, *, driver=None, out=None):
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
    # torch's empty residuals are still an output of the differentiable op (they require grad)
    residuals = res if driver != "gelsy" and full_rank else res.reshape(-1)[:0]
    rank_out = rank if driver != "gels" else empty(0, dtype=D.int64, device=A.device)
    sv = s.detach() if driver in ("gelsd", "gelss") else empty_f  # torch does not differentiate them
    return write_out(_LstsqRT(x, residuals, rank_out, sv), out)


@public(function=False, linalg=True)
def vander(x, *, N=None):
    """torch.linalg.vander: columns x^0, x^1, ..., x^(N-1)."""
    if x.ndim == 0:  # torch reads a 0-d x as one point
        x = x.reshape(1)
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    return apply(_vander_op, x, n=int(n))


_vander_op = Op("linalg_vander", lambda x, n: x[..., None] ** jnp.arange(n).astype(x.dtype) if n else
                jnp.zeros(x.shape + (0,), x.dtype))


@public(function=False, linalg=True)
def tensorinv(A, ind=2, *, out=None):
    shape = tuple(A.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return write_out(inv(A.reshape(rows, cols)).reshape(*(shape[ind:] + shape[:ind])), out)


@public(function=False, linalg=True)
def tensorsolve(A, B, dims=None, *, out=None):
    if dims is not None:
        dims = [_wrap_dim(d, A.ndim) for d in dims]
        rest = [d for d in range(A.ndim) if d not in dims]
        A = A.permute(*(rest + dims))
    nb = B.numel()
    rest_shape = tuple(A.shape[B.ndim:])
    X = solve(A.reshape(nb, -1), B.reshape(nb))
    return write_out(X.reshape(*rest_shape), out)
