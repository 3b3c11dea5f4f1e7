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

    # torch allows increasing linear functions of a Dim with integer coefficients: 2*b, b + 1, 2*b - 1
    root, coeff, offset = property(lambda self: self), 1, 0

    def _derive(self, coeff: int, offset: int) -> "_DerivedDim":
        return _DerivedDim(self.root, self.coeff * coeff, self.offset * coeff + offset)

    def __add__(self, other):
        if type(other) is not int:
            raise NotImplementedError(f"Attempted to add {other!r} to {self.__name__}, where an integer was expected. "
                                      f"{_ONLY_LINEAR}")
        return self._derive(1, other)

    __radd__ = __add__

    def __sub__(self, other):
        if type(other) is not int:
            raise NotImplementedError(f"Attempted to subtract {other!r} from {self.__name__}, where an integer was "
                                      f"expected. {_ONLY_LINEAR}")
        return self._derive(1, -other)

    def __rsub__(self, other):
        raise NotImplementedError(f"Attempted to negate {self.__name__}. {_ONLY_LINEAR}")

    def __mul__(self, other):
        if type(other) is not int or other <= 0:
            raise NotImplementedError(f"Attempted to multiply {other!r} with {self.__name__}, where a positive "
                                      f"integer was expected. {_ONLY_LINEAR}")
        return self._derive(other, 0)

    __rmul__ = __mul__


_ONLY_LINEAR = "(Only increasing linear operations with integer coefficients are supported.)"


def linear_expr(coeff: int, symbol: str, offset: int) -> str:
    """``coeff*symbol + offset`` written as sympy (and torch) prints it: ``2*b + 1``, ``b - 1``."""
    s = symbol if coeff == 1 else f"{coeff}*{symbol}"
    return s if offset == 0 else f"{s} {'+' if offset > 0 else '-'} {abs(offset)}"


class _DerivedDim(_Dim):
    """``coeff * root + offset`` for a Dim ``root`` (torch's _DerivedDim): sizes there follow the root's."""

    def __init__(self, root: _Dim, coeff: int, offset: int):
        lo = coeff * root.min + offset
        hi = math.inf if root.max == math.inf else coeff * root.max + offset
        super().__init__(linear_expr(coeff, root.__name__, offset), lo, hi)
        self._root, self.coeff, self.offset = root, coeff, offset

    root = property(lambda self: self._root)

    def __repr__(self):
        return self.__name__

    def __eq__(self, other):
        return isinstance(other, _DerivedDim) and (self.root, self.coeff, self.offset) == \
            (other.root, other.coeff, other.offset)

    def __hash__(self):
        return hash((self.root, self.coeff, self.offset))


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
