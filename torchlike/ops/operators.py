"""Python's operators on Tensor (``a + b``, ``a[i] = v``, ``a @ b``, ``a << 1``, ...): each dunder is
the declared op (``__iadd__`` its in-place twin ``add_``); a non-tensor, non-number operand gives
NotImplemented so Python tries the other side, as torch does."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import arithmetic, indexing, products
from . import pointwise as P


# torch writes these dunders in Python (torch/_tensor.py); the rest are C descriptors, which refuse an
# unbound call on a non-Tensor (``Tensor.__radd__(2, x)``) with a TypeError
_PYTHON_LEVEL = {"__rsub__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__rmod__", "__pow__", "__rpow__",
                 "__rlshift__", "__rrshift__", "__rmatmul__"}


def _operand(fn, swap=False, name=None):
    """A binary dunder: NotImplemented for operands that are neither tensors nor numbers; ``name``: the
    dunder, refusing a non-Tensor ``self`` as torch's C descriptor does (unless torch's is Python-level)."""
    check_self = name is not None and name not in _PYTHON_LEVEL

    def f(self, other):
        if check_self and not isinstance(self, Tensor):
            raise TypeError(f"descriptor '{name}' for 'torch._C.TensorBase' objects doesn't apply to a "
                            f"'{type(self).__name__}' object")
        if not isinstance(other, (Tensor, bool, int, float, complex)):
            if isinstance(other, np.generic) or (isinstance(other, np.ndarray) and other.ndim == 0):
                other = other.item()
            else:
                return NotImplemented
        return fn(other, self) if swap else fn(self, other)
    return f


def _swap(fn, name=None):
    return _operand(fn, swap=True, name=name)


def _getitem(self, idx):
    return indexing.getitem(self, idx)


def _setitem(self, idx, value):
    indexing.setitem(self, idx, value)


def _binary(name, fn, reflected=None, inplace=None):
    """``__name__``, ``__rname__`` (``fn`` with operands swapped unless given) and ``__iname__``."""
    setattr(Tensor, f"__{name}__", _operand(fn, name=f"__{name}__"))
    setattr(Tensor, f"__r{name}__", _swap(fn, f"__r{name}__") if reflected is None else reflected)
    if inplace is not None:
        setattr(Tensor, f"__i{name}__", getattr(Tensor, inplace))


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
_binary("add", P.add, inplace="add_")
_binary("sub", P.sub, reflected=_operand(P.rsub, name="__rsub__"), inplace="sub_")
_binary("mul", P.mul, inplace="mul_")
_binary("truediv", P.div, inplace="div_")
_binary("floordiv", P.floor_divide, inplace="floor_divide_")
_binary("mod", P.remainder, inplace="remainder_")
_binary("pow", P.pow, inplace="pow_")
_binary("and", P.bitwise_and, inplace="bitwise_and_")
_binary("or", P.bitwise_or, inplace="bitwise_or_")
_binary("xor", P.bitwise_xor, inplace="bitwise_xor_")
_binary("lshift", arithmetic.bitwise_left_shift, inplace="bitwise_left_shift_")
_binary("rshift", arithmetic.bitwise_right_shift, inplace="bitwise_right_shift_")
Tensor.__matmul__ = products.matmul
Tensor.__rmatmul__ = _swap(products.matmul, "__rmatmul__")
Tensor.__neg__ = P.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = P.abs
Tensor.__invert__ = P.bitwise_not
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(Tensor, f"__{_name}__", _operand(getattr(P, _name), name=f"__{_name}__"))
Tensor.__hash__ = object.__hash__
# torch keeps Python 2's names for true division too (torch's OpInfo tests call Tensor.__rdiv__)
Tensor.__div__, Tensor.__rdiv__, Tensor.__idiv__ = Tensor.__truediv__, Tensor.__rtruediv__, Tensor.__itruediv__
