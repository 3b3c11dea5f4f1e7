"""torch.cond: data-dependent branching that compiles (``jax.lax.cond``), differentiable."""
from __future__ import annotations

import jax

from ._tensor import Tensor
from .ops.registry import Op, apply

__all__ = ["cond"]


def _cond_fwd(pred, *operands, true_fn, false_fn):
    from .func import _array_fn
    return jax.lax.cond(pred, _array_fn(true_fn), _array_fn(false_fn), *operands)


_cond_op = Op("cond", _cond_fwd, backward_name="CondBackward")


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``; both branches must return
    tensors of the same shapes and dtypes. ``pred`` may be a bool or a one-element bool tensor."""
    operands = tuple(operands)
    if not all(isinstance(o, Tensor) for o in operands):
        raise RuntimeError("torch.cond: operands must be a tuple of tensors")
    if isinstance(pred, Tensor) and pred.numel() != 1:
        raise RuntimeError(f"torch.cond: expected pred to have a single element, got shape {list(pred.shape)}")
    p = pred.reshape(()) if isinstance(pred, Tensor) else bool(pred)
    return apply(_cond_op, p, *operands, true_fn=true_fn, false_fn=false_fn)
