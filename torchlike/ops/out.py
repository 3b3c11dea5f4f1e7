"""``out=`` arguments: the result is written into the given tensor (resized if its shape differs,
cast to its dtype if that cast is allowed), and that tensor is returned."""
from __future__ import annotations

import jax.numpy as jnp

from .. import _dtype as D


def write_out(result, out):
    if out is None:
        return result
    if isinstance(result, tuple):
        for r, o in zip(result, out):
            write_out(r, o)
        return out
    from ..autograd import grad_mode
    if grad_mode.is_grad_enabled() and out.requires_grad and (result.requires_grad or out.is_leaf):
        raise RuntimeError(f"{'out=...'} arguments don't support automatic differentiation, but one of the "
                           "arguments requires grad.")
    if not D.can_cast(result.dtype, out.dtype):
        from .._tensor import _type_name
        raise RuntimeError(f"result type {_type_name(result.dtype)} can't be cast to the desired output type "
                           f"{_type_name(out.dtype)}")
    if tuple(out.shape) != tuple(result.shape):
        out._value = jnp.zeros(result._value.shape, out._value.dtype)
    out._assign(result.detach() if not grad_mode.is_grad_enabled() else result)
    return out
