"""torch.export.Dim: names a dynamic dimension, optionally with a range."""
from __future__ import annotations

import math

__all__ = ["Dim", "dims"]


class _DimHint:
    """``Dim.AUTO`` / ``Dim.DYNAMIC`` / ``Dim.STATIC``: hints instead of a named dimension."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self):
        return f"Dim.{self.kind}"


class _Dim:
    """A dynamic dimension: inputs may have any size in ``[min, max]`` there."""

    def __init__(self, name: str, min: int | None = None, max: int | None = None):
        if min is not None and max is not None and min > max:
            raise ValueError(f"Cannot create Dim with inconsistent min={min}, max={max}")
        self.__name__ = name
        self.min = 0 if min is None else min
        self.max = math.inf if max is None else max

    def __repr__(self):
        return f"Dim('{self.__name__}', min={self.min}, max={self.max})" if self.max != math.inf else \
            f"Dim('{self.__name__}', min={self.min})"

    def __eq__(self, other):
        return isinstance(other, _Dim) and (self.__name__, self.min, self.max) == (other.__name__, other.min, other.max)

    def __hash__(self):
        return hash((self.__name__, self.min, self.max))


class _DimFactory:
    AUTO = _DimHint("AUTO")
    DYNAMIC = _DimHint("DYNAMIC")
    STATIC = _DimHint("STATIC")

    def __call__(self, name: str, *, min: int | None = None, max: int | None = None) -> _Dim:
        """``Dim("batch", min=1, max=64)``: a dynamic dimension named ``batch``."""
        return _Dim(name, min, max)

    def __repr__(self):
        return "Dim"


Dim = _DimFactory()


def dims(*names: str, min: int | None = None, max: int | None = None) -> tuple:
    """Several Dims with the same range: ``batch, seq = dims("batch", "seq", max=512)``."""
    return tuple(Dim(n, min=min, max=max) for n in names)
