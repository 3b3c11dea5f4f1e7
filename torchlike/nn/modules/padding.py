"""Padding layers: Constant/Zero/Reflection/Replication/Circular Pad 1d/2d/3d over ``F.pad``."""
from __future__ import annotations

from .._functional.misc import pad as _pad
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _padding_sizes(padding, n):
    """(left, right, top, bottom, ...) from an int or a 2*n sequence (not a kernel-size tuple)."""
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"Padding length must be {2 * n}, got {len(padding)}")  # torch asserts the same
    return padding


class _PadNd(Module):
    _n = 1
    _mode = "constant"
    _dims = (2, 3)

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding_sizes(padding, self._n)

    def forward(self, input):
        if self._mode != "constant" and input.dim() not in self._dims:
            raise ValueError(f"expected {self._dims[0]}D or {self._dims[1]}D input (got {input.dim()}D input)")
        return _pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(Module):
    _n = 1

    def __init__(self, padding, value):
        super().__init__()
        self.padding = _padding_sizes(padding, self._n)
        self.value = value

    def forward(self, input):
        return _pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    _n = 3


class _ZeroPadNd(ConstantPad1d):
    def __init__(self, padding):
        _ConstantPadNd.__init__(self, padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    _n = 1


class ZeroPad2d(_ZeroPadNd):
    _n = 2


class ZeroPad3d(_ZeroPadNd):
    _n = 3


class ReflectionPad1d(_PadNd):
    _n, _mode, _dims = 1, "reflect", (2, 3)


class ReflectionPad2d(_PadNd):
    _n, _mode, _dims = 2, "reflect", (3, 4)


class ReflectionPad3d(_PadNd):
    _n, _mode, _dims = 3, "reflect", (4, 5)


class ReplicationPad1d(_PadNd):
    _n, _mode, _dims = 1, "replicate", (2, 3)


class ReplicationPad2d(_PadNd):
    _n, _mode, _dims = 2, "replicate", (3, 4)


class ReplicationPad3d(_PadNd):
    _n, _mode, _dims = 3, "replicate", (4, 5)


class CircularPad1d(_PadNd):
    _n, _mode, _dims = 1, "circular", (2, 3)


class CircularPad2d(_PadNd):
    _n, _mode, _dims = 2, "circular", (3, 4)


class CircularPad3d(_PadNd):
    _n, _mode, _dims = 3, "circular", (4, 5)
