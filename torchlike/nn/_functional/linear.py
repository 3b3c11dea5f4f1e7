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
from ...autograd.graph import Node

__all__ = ["linear", "bilinear"]


def _linear(x, w, b):
    y = jnp.matmul(x, w.T)
    return y if b is None else y + b


_linear_op = Op("linear", _linear, backward_name="AddmmBackward0")


class _TBackward(Node):
    """The ``TBackward0`` node torch puts between a 2-D linear's ``AddmmBackward0`` and its weight
    (torch computes ``addmm(bias, input, weight.t())``): passes the gradient on, transposed."""

    def __init__(self, edge):
        super().__init__([edge], None)

    def name(self):
        return "TBackward0"

    def apply(self, grads, create_graph):
        g = grads[0]
        return [None if g is None else g.mT]


class _LinearBackward(_linear_op.node_class):
    """``next_functions`` in torch's order for a 2-D input: ``AddmmBackward0`` lists (bias, input,
    ``TBackward0`` -> weight), with ``(None, 0)`` for an input that does not require grad, so code
    that walks ``loss.grad_fn.next_functions`` (the blitz neural-network tutorial) sees torch's graph.
    The backward itself stays the one fused VJP of ``x @ W.T + b``."""

    __slots__ = ()

    def name(self):
        s = self.saved
        if s is not None and s[0] is not None and getattr(s[0], "ndim", 0) == 2 and (len(s) < 3 or s[2] is None):
            return "MmBackward0"
        return super().name()

    @property
    def next_functions(self):
        by_pos = dict(zip(self.diff_idx, self.edges))
        if self.saved is None or self.saved[0] is None or getattr(self.saved[0], "ndim", 0) != 2:
            return super().next_functions
        fn = self.__dict__.get("_next")
        if fn is None:
            def edge(i):
                e = by_pos.get(i)
                return (e[0], e[1]) if e is not None else (None, 0)
            w = by_pos.get(1)
            w_edge = ((_TBackward(w), 0) if w is not None else (None, 0))
            fn = ((edge(2),) if len(self.saved) > 2 and self.saved[2] is not None else ()) + (edge(0), w_edge)
            self.__dict__["_next"] = fn
        return fn


_linear_op.node_class = _LinearBackward


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
