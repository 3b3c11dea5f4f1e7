"""Tensor methods on a tensor's storage and elements on the host: ``resize_``/``resize_as_``
and the elementwise Python callbacks ``apply_``/``map_``."""
from __future__ import annotations

import numpy as np

from ..autograd import grad_mode
from .declare import public
from .sampling import _fill_host


@public(function=False, method=True)
def apply_(self, callable):
    """Apply a Python function to every element, in place (host; CPU tensors only, as in torch)."""
    a = np.asarray(self._value)
    out = np.vectorize(callable, otypes=[self.dtype.np])(a) if a.size else a
    return _fill_host(self, out)


@public(function=False, method=True)
def map_(self, tensor, callable):
    """self[i] = callable(self[i], tensor[i]) with ``tensor`` broadcast to self's shape."""
    a = np.asarray(self._value)
    b = np.broadcast_to(np.asarray(tensor._value), a.shape)
    out = np.vectorize(callable, otypes=[self.dtype.np])(a, b) if a.size else a
    return _fill_host(self, out)


@public(function=False, method=True)
def resize_(self, *sizes, memory_format=None):
    """Give the tensor a new shape, keeping its first elements (new elements are zero here)."""
    import jax.numpy as jnp

    from .creation import _size
    shape = _size(sizes)
    if self.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError("cannot resize variables that require grad")
    if self._view is not None and tuple(shape) != tuple(self.shape):
        raise RuntimeError("Trying to resize storage that is not resizable")
    n = int(np.prod(shape, dtype=np.int64))
    flat = self._value.reshape(-1)
    if n > flat.size:
        flat = jnp.concatenate([flat, jnp.zeros(n - flat.size, flat.dtype)])
    self._write_value(flat[:n].reshape(shape))
    return self


@public(method=True)  # torch.resize_as_ too
def resize_as_(self, other, memory_format=None):
    return resize_(self, *other.shape)
