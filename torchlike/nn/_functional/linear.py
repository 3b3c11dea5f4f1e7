"""``F.linear`` and ``F.bilinear``: each one Op (``x @ W.T + b`` in one XLA program).

Like torch, the input and weight must share a dtype (an int64 input to ``nn.Linear`` raises
RuntimeError) and mismatched shapes name the flattened matrix shapes.
"""
from __future__ import annotations

import jax.numpy as jnp

from ..._tensor import Tensor, _type_name
from ... import _intercept
from ...ops.out import write_out
from ...ops.registry import Op, apply

__all__ = ["linear", "bilinear"]


def _linear(x, w, b):
    y = jnp.matmul(x, w.T)
    return y if b is None else y + b


_linear_op = Op("linear", _linear, backward_name="AddmmBackward0")


def _fmt(*dims):
    return "x".join(map(str, dims))


def linear(input, weight, bias=None, *, out=None):
    """y = input @ weight.T + bias, for input of shape (*, in_features)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype is not weight.dtype and not _intercept.autocast_casts("linear"):
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_type_name(input.dtype)} and "
                           f"{_type_name(weight.dtype)}")
    if bias is not None and bias.dtype is not weight.dtype and not _intercept.autocast_casts("linear"):
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_type_name(input.dtype)} and "
                           f"{_type_name(bias.dtype)}")
    ishape, wshape = tuple(input.shape), tuple(weight.shape)
    if input.ndim == 0 or weight.ndim not in (1, 2) or ishape[-1] != wshape[-1]:
        rows = 1
        for s in ishape[:-1]:
            rows *= s
        wt = wshape[::-1]
        if len(wt) == 1:
            wt = wt + (1,)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(rows, ishape[-1] if ishape else 1)} "
                           f"and {_fmt(*wt)})")
    if bias is not None:
        out_f = wshape[0] if weight.ndim == 2 else 1
        if bias.ndim > 1 or (bias.ndim == 1 and bias.shape[0] not in (1, out_f)):
            target = list(ishape[:-1]) + ([out_f] if weight.ndim == 2 else [])
            raise RuntimeError(f"The expanded size of the tensor ({out_f}) must match the existing size "
                               f"({bias.shape[-1]}) at non-singleton dimension {len(target) - 1}.  Target sizes: "
                               f"{target}.  Tensor sizes: {list(bias.shape)}")
    r = apply(_linear_op, input, weight, bias)
    return r if out is None else write_out(r, out)


def _bilinear(x1, x2, w, b):
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


_bilinear_op = Op("bilinear", _bilinear, backward_name="ViewBackward0")


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b with weight A of shape (out, in1, in2)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected "
                           f"{weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected "
                           f"{weight.shape[2]}")
    return apply(_bilinear_op, input1, input2, weight, bias)
