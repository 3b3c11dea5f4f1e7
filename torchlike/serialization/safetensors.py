"""safetensors files with torch's naming (``safetensors.torch.save_file``/``load_file``), via numpy.

The ``safetensors`` package's numpy API writes the same header dtype codes (F32, BF16, I64, ...)
that its torch API writes, so files are interchangeable with ``safetensors.torch``.
"""
from __future__ import annotations

import numpy as np


def _np(t):
    return np.ascontiguousarray(np.asarray(t.detach()._value))


def save(tensors, metadata=None) -> bytes:
    from safetensors.numpy import save as _save
    _check(tensors)
    return _save({k: _np(v) for k, v in tensors.items()}, metadata=metadata)


def save_file(tensors, filename, metadata=None):
    """Write a dict of tensors to ``filename`` (torch naming: ``safetensors.torch.save_file``)."""
    from safetensors.numpy import save_file as _save_file
    _check(tensors)
    _save_file({k: _np(v) for k, v in tensors.items()}, str(filename), metadata=metadata)


def _to_tensors(arrays, device):
    from ..ops.creation import _place
    from .._tensor import Tensor
    return {k: Tensor._wrap(_place(v, device)) for k, v in arrays.items()}


def load_file(filename, device="cpu"):
    """Read a safetensors file into a dict of tensors on ``device``."""
    from safetensors.numpy import load_file as _load_file
    return _to_tensors(_load_file(str(filename)), device)


def load(data: bytes):
    from safetensors.numpy import load as _load
    return _to_tensors(_load(data), "cpu")


def _check(tensors):
    from .._tensor import Tensor
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    bad = [k for k, v in tensors.items() if not isinstance(k, str) or not isinstance(v, Tensor)]
    if bad:
        raise ValueError(f"Key `{bad[0]}` is invalid, expected str to torch.Tensor mapping")
