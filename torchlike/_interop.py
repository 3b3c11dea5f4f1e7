"""Moving tensors between torch and torchlike: ``from_torch``, ``Tensor.to_torch``, DLPack.

torch is imported lazily, only inside ``to_torch``; ``from_torch`` just reads the object it is
given. CPU tensors cross through DLPack without a copy where both sides allow it. JAX arrays
are immutable: do not modify a ``to_torch()`` result in place (``.clone()`` it first).
"""
from __future__ import annotations

import numpy as np


def _wrap_array(arr, requires_grad=False, cls=None):
    from ._tensor import Tensor
    t = Tensor._wrap(arr)
    if cls is not None:
        t = cls(t, requires_grad)
    elif requires_grad:
        t.requires_grad_(True)
    return t


def from_torch(t):
    """A torchlike Tensor with a torch tensor's values, dtype, shape and ``requires_grad``.

    A ``torch.nn.Parameter`` becomes a ``torchlike.nn.Parameter``. Nested lists/tuples/dicts
    (e.g. a torch ``state_dict()``) are converted element-wise.
    """
    if isinstance(t, dict):
        return type(t)((k, from_torch(v)) for k, v in t.items()) if not hasattr(t, "_metadata") else \
            _with_meta(t)
    if isinstance(t, (list, tuple)):
        return type(t)(from_torch(v) for v in t)
    if not (type(t).__module__ or "").startswith("torch") or not hasattr(t, "detach"):
        return t
    import jax
    from .ops.creation import _place
    src = t.detach()
    if src.device.type != "cpu":
        src = src.cpu()
    name = str(src.dtype).replace("torch.", "")
    try:
        arr = jax.dlpack.from_dlpack(src.contiguous())
        arr = _place(arr, None)
    except Exception:  # noqa: BLE001 - dtypes/layouts DLPack refuses: go through numpy bytes
        from . import _dtype as D
        raw = src.contiguous().view(-1).view(__import__("torch").uint8).numpy().tobytes()
        arr = _place(np.frombuffer(raw, D._BY_NAME[name].np).reshape(tuple(src.shape)).copy(), None)
    cls = None
    if type(t).__name__ == "Parameter":
        from .nn.parameter import Parameter as cls
    return _wrap_array(arr, t.requires_grad and t.is_leaf, cls)


def _with_meta(d):
    out = type(d)((k, from_torch(v)) for k, v in d.items())
    out._metadata = d._metadata
    return out


def to_torch(self):
    """``Tensor.to_torch()``: a torch tensor with this tensor's values (imports torch)."""
    import torch
    arr = self.detach()._value
    try:
        out = torch.from_dlpack(arr)
    except Exception:  # noqa: BLE001
        host = np.asarray(arr)
        if host.dtype.name == "bfloat16":
            out = torch.from_numpy(host.view(np.int16).copy()).view(torch.bfloat16)
        else:
            out = torch.from_numpy(np.array(host))
    if self.requires_grad and self.is_leaf:
        out = out.clone().requires_grad_(True)
    return out


def _dlpack(self, *args, **kwargs):
    return self.detach()._value.__dlpack__(*args, **kwargs)


def _dlpack_device(self):
    return self._value.__dlpack_device__()


def _install():
    from ._tensor import Tensor
    from .ops.declare import method
    method(to_torch)  # x.to_torch(), a torchlike extension (no torch.to_torch)
    Tensor.__dlpack__ = _dlpack
    Tensor.__dlpack_device__ = _dlpack_device


_install()
