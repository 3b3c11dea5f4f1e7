"""Matrix products: matmul/@, mm, bmm, mv, dot, einsum, addmm and friends, outer, inner, vdot,
kron, tensordot, trace, cdist, dist. matmul and friends do not promote: mixing dtypes raises
RuntimeError as torch does (e.g. an int64 input to nn.Linear)."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _intercept
from .._tensor import Tensor, _type_name, _wrap_dim
from .declare import public
from .linalg_solve import _check_same_dtype
from .out import write_out
from .reductions import vector_norm
from .registry import Op, apply


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


@public(method=True, inplace=True, torch_inplace=True)
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
        r = r if alpha else r.logical_and(r.new_zeros([]))  # torch.logical_* take tensors only
        if beta == 0:
            return write_out(r, out)
        return write_out(r.logical_or(input if beta else input.logical_and(input.new_zeros([]))), out)
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
            raise RuntimeError("both dimension lists should have same length")
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
        raise RuntimeError("cdist only supports non-negative p values")
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


def _same_dtype(name, *ts):
    if _intercept.autocast_casts(name):
        return  # autocast casts the inputs to one dtype
    d = ts[0].dtype
    for t in ts[1:]:
        if t.dtype is not d:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(d)} != {_cname(t.dtype)}"
                               if name == "matmul" else
                               f"{name}: expected all inputs to have the same dtype, but got {_type_name(d)} and "
                               f"{_type_name(t.dtype)}")


def _cname(d):
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "bool": "bool", "uint8": "unsigned char", "int8": "signed char",
            "int16": "short int"}.get(d.name, d.name)


_matmul = Op("matmul", jnp.matmul, backward_name="MmBackward0")


_mm = Op("mm", jnp.matmul)


_bmm = Op("bmm", jnp.matmul)


def _fmt(shape):
    return "x".join(map(str, shape))


@public(method=True, linalg=True)
def matmul(input, other, *, out=None):
    """Matrix product with torch's broadcasting rules (1-d operands are promoted and squeezed)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    _same_dtype("matmul", input, other)
    a, b = input._value.shape, other._value.shape
    if not a or not b:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {len(a)}D and {len(b)}D")
    if a[-1] != (b[0] if len(b) == 1 else b[-2]):
        if input.ndim == 1 and other.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the same "
                               f"number of elements, but got {a[0]} and {b[0]} elements respectively")
        lhs = (1, a[0]) if input.ndim == 1 else (_batch(a), a[-1])
        rhs = (b[0], 1) if other.ndim == 1 else (b[-2], b[-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(lhs)} and {_fmt(rhs)})")
    return write_out(apply(_matmul, input, other), out)


def _batch(shape):
    n = 1
    for s in shape[:-1]:
        n *= s
    return n


@public(method=True)
def mm(input, mat2, *, out=None):
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"{'self' if input.ndim != 2 else 'mat2'} must be a matrix")
    _same_dtype("matmul", input, mat2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(input.shape)} and {_fmt(mat2.shape)})")
    return write_out(apply(_mm, input, mat2), out)


def check_batch_shapes(batch1, batch2):
    """torch's errors for batched matrix products (bmm, baddbmm, addbmm): 3-D operands, matching batches."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch1.shape[0]}, "
                           f"{batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")


@public(method=True)
def bmm(input, mat2, *, out=None):
    if input.ndim != 3 or mat2.ndim != 3:  # torch reports a wrong rank before a dtype mismatch
        check_batch_shapes(input, mat2)
    _same_dtype("matmul", input, mat2)
    check_batch_shapes(input, mat2)
    return write_out(apply(_bmm, input, mat2), out)


@public(method=True)
def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}")
    if input.dtype is not vec.dtype or input.shape[1] != vec.shape[0]:
        return matmul(input, vec, out=out)  # raises torch's error
    return write_out(apply(_mv, input, vec), out)  # its own op: autocast's lists treat mv unlike matmul


_mv = Op("mv", jnp.matmul, backward_name="MvBackward0")


_dot = Op("dot", jnp.dot)


@public(method=True)
def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    _same_dtype("dot", input, other)
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                           f"to have the same number of elements, but got {input.shape[0]} and {other.shape[0]} "
                           "elements respectively")
    return write_out(apply(_dot, input, other), out)


_einsum = Op("einsum", lambda *ops, eq: jnp.einsum(eq, *ops), promote="same")


@public
def einsum(equation, *operands):
    """einsum over tensors (operands may also be given as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    try:
        return apply(_einsum, *operands, eq=equation.replace(" ", ""))
    except RuntimeError as e:
        raise RuntimeError(f"einsum(): {e}") from None
