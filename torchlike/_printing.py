"""Tensor repr/str in torch's format. Replaced by the full formatter in _tensor_str.py."""
from __future__ import annotations

from ._above import above as _above


def tensor_repr(t):
    from ._tensor_str import format_tensor
    return format_tensor(t)


_above.repr = tensor_repr
