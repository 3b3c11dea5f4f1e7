"""Matrix products: matmul/@, mm, bmm, mv, dot, einsum. Unlike pointwise ops these do not promote:
mixing dtypes raises RuntimeError as torch does (e.g. an int64 input to nn.Linear)."""
from __future__ import annotations

import jax.numpy as jnp

from .._tensor import Tensor, _type_name
from .. import _intercept
from .out import write_out
from .registry import Op, apply
from .declare import public


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


@public(method=True)
def matmul(input, other, *, out=None):
    """Matrix product with torch's broadcasting rules (1-d operands are promoted and squeezed)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    _same_dtype("matmul", input, other)
    a, b = input.shape, other.shape
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and {other.ndim}D")
    ka = a[-1]
    kb = b[0] if other.ndim == 1 else b[-2]
    if ka != kb:
        if input.ndim == 1 and other.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the same "
                               "number of elements, but got {a[0]} and {b[0]} elements respectively")
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
