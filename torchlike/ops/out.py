"""``out=`` arguments: the result is written into the given tensor (resized if its shape differs,
cast to its dtype if that cast is allowed), and that tensor is returned. As in torch, resizing an out tensor
that has elements warns (resizing an empty one is the supported way), and a result dtype that cannot be
cast to out's raises "result type Float can't be cast to the desired output type Long"."""
from __future__ import annotations

import warnings

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
        if out.numel() != 0:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                          f"which does not match the required output shape {list(result.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                          "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                          "elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._value = jnp.zeros(result._value.shape, out._value.dtype)
    out._assign(result.detach() if not grad_mode.is_grad_enabled() else result)
    return out
