"""Binds the op functions onto Tensor as methods, operators and in-place ``_`` variants.

A method is the function with ``self`` as its first argument; ``x.op_(...)`` computes ``op`` and
writes the result into ``x`` (``Tensor._assign``), which checks dtype castability, bumps the
version counter and writes through views. Other modules register more with :func:`bind`.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _device as _dev
from .. import _dtype as D
from .._tensor import Tensor, _type_name
from . import creation, indexing, linalg_basic, pointwise, reduction, shape
from .registry import Op, apply


def bind(name, fn, inplace=True):
    """Make ``fn(self, ...)`` the method ``Tensor.name`` (and ``name_`` in place unless told not to)."""
    setattr(Tensor, name, fn)
    if inplace:
        def method_(self, *args, **kwargs):
            return self._assign(fn(self, *args, **kwargs))
        method_.__name__ = name + "_"
        setattr(Tensor, name + "_", method_)


def _operand(fn, swap=False):
    """A binary dunder: NotImplemented for operands that are neither tensors nor numbers."""
    def f(self, other):
        if not isinstance(other, (Tensor, bool, int, float, complex)):
            import numpy as np
            if isinstance(other, np.generic) or (isinstance(other, np.ndarray) and other.ndim == 0):
                other = other.item()
            else:
                return NotImplemented
        return fn(other, self) if swap else fn(self, other)
    return f


def _swap(fn):
    return _operand(fn, swap=True)


# ------------------------------------------------------------------ conversions
_convert = Op("to", lambda x, dtype: x.astype(dtype), saves=False, backward_name="ToCopyBackward0")
_to_device = Op("to_device", lambda x, device: jax.device_put(x, device), saves=False,
                backward_name="ToCopyBackward0")


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, D.dtype) or a in (float, int, bool):
            dtype = a
        elif isinstance(a, (str, _dev.device, int)):
            device = a
        elif isinstance(a, bool):
            pass
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected keyword "
                        f"{', '.join(kwargs)}")
    return (None if dtype is None else D.to_dtype(dtype)), (None if device is None else _dev.device(device)), copy


def to(self, *args, **kwargs):
    """``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``; returns self when nothing changes."""
    dtype, device, copy = _parse_to(args, dict(kwargs))
    out = self
    if device is not None and not isinstance(self._value, jax.core.Tracer):
        jd = _dev.cpu_jax_device() if device.type == "cpu" else _dev.to_jax_device(device)
        if device != self.device or copy:
            out = apply(_to_device, out, device=jd)
    if dtype is not None and (dtype is not out.dtype or copy and out is self):
        out = apply(_convert, out, dtype=dtype.np)
    elif copy and out is self:
        out = shape.clone(self)
    return out


def _caster(dt):
    def f(self, memory_format=None):
        return to(self, dt)
    return f


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
               "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}
_NAME_TYPES = {v: k for k, v in _TYPE_NAMES.items()}


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """``x.type()`` -> 'torch.FloatTensor'; ``x.type(torch.float64)`` or ``x.type('torch.DoubleTensor')`` converts."""
    if dtype is None:
        prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
        return prefix + _TYPE_NAMES.get(self.dtype.name, self.dtype.name)
    if isinstance(dtype, str):
        key = dtype.split(".")[-1]
        if key not in _NAME_TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = getattr(D, _NAME_TYPES[key])
    return to(self, dtype)


def type_as(self, other):
    return to(self, other.dtype)


def cpu(self, memory_format=None):
    return to(self, "cpu")


def cuda(self, device=None, non_blocking=False, memory_format=None):
    d = _dev.device("cuda") if device is None else (_dev.device("cuda", device) if isinstance(device, int) else _dev.device(device))
    return to(self, d)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_filled(factory):
    def f(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return factory(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad, **kw)
    return f


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


def fill_(self, value):
    with_value = value._value if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    new = apply(_fill, self, value) if isinstance(value, Tensor) else apply(_fill, self, with_value)
    return self._assign(new)


_fill = Op("fill", lambda x, v: jnp.full(x.shape, v, x.dtype), saves=False)


def zero_(self):
    return fill_(self, 0)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcastable, any dtype/device) into this tensor, in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    v = src
    if tuple(src.shape) != tuple(self.shape):
        v = shape.expand(src, *self.shape)
    if v.dtype is not self.dtype:
        v = to(v, self.dtype)
    if not isinstance(self._value, jax.core.Tracer) and v.device != self.device:
        v = to(v, self.device)
    return self._assign(apply(_copy, v))


_copy = Op("copy", lambda x: x, saves=False, backward_name="CopyBackwards")


def _getitem(self, idx):
    return indexing.getitem(self, idx)


def _setitem(self, idx, value):
    indexing.setitem(self, idx, value)


def _unsupported_inplace(name):
    def f(self, *a, **k):
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")
    return f


def _install():
    P, R, S = pointwise, reduction, shape
    for name in ("add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
                 "float_power", "neg", "abs", "sign", "sgn", "exp", "exp2", "expm1", "log", "log1p", "log2",
                 "log10", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan",
                 "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh",
                 "arccosh", "arctanh", "sigmoid", "floor", "ceil", "trunc", "fix", "frac", "relu", "round",
                 "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt", "le",
                 "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "logical_and",
                 "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
                 "bitwise_not", "subtract", "multiply", "divide", "negative", "absolute"):
        bind(name, getattr(P, name))
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "positive"):
        bind(name, getattr(P, name), inplace=False)
    bind("where", lambda self, condition, other: P.where(condition, self, other), inplace=False)
    for name in ("sum", "nansum", "mean", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax",
                 "argmin", "std", "var", "all", "any", "logsumexp", "norm"):
        bind(name, getattr(R, name), inplace=False)
    for name in ("view", "reshape", "view_as", "reshape_as", "permute", "transpose", "swapaxes", "swapdims", "t",
                 "squeeze", "unsqueeze", "flatten", "unflatten", "ravel", "expand", "expand_as", "broadcast_to",
                 "repeat", "tile", "narrow", "select", "split", "chunk", "unbind", "movedim", "moveaxis",
                 "contiguous", "clone"):
        bind(name, getattr(S, name), inplace=name in ("t", "transpose", "squeeze", "unsqueeze", "swapaxes", "swapdims"))
    for name in ("matmul", "mm", "bmm", "mv", "dot"):
        bind(name, getattr(linalg_basic, name), inplace=False)
    for name in ("masked_fill", "gather", "index_select", "nonzero", "argwhere"):
        bind(name, getattr(indexing, name), inplace=name == "masked_fill")
    Tensor.T = property(S.T_prop)
    Tensor.mT = property(S.mT_prop)
    Tensor.H = property(lambda self: S.T_prop(self).conj() if self.is_complex() else S.T_prop(self))
    Tensor.mH = property(lambda self: S.mT_prop(self))

    # conversions and fills
    Tensor.to = to
    Tensor.type = type_
    Tensor.type_as = type_as
    Tensor.cpu = cpu
    Tensor.cuda = cuda
    for name, dt in (("float", D.float32), ("double", D.float64), ("half", D.float16), ("bfloat16", D.bfloat16),
                     ("long", D.int64), ("int", D.int32), ("short", D.int16), ("char", D.int8), ("byte", D.uint8),
                     ("bool", D.bool), ("cfloat", D.complex64), ("cdouble", D.complex128)):
        setattr(Tensor, name, _caster(dt))
    Tensor.new_tensor = new_tensor
    Tensor.new_zeros = _new_filled(creation.zeros)
    Tensor.new_ones = _new_filled(creation.ones)
    Tensor.new_empty = _new_filled(creation.empty)
    Tensor.new_full = new_full
    Tensor.fill_ = fill_
    Tensor.zero_ = zero_
    Tensor.copy_ = copy_

    # operators
    Tensor.__getitem__ = _getitem
    Tensor.__setitem__ = _setitem
    Tensor.__add__ = _operand(P.add)
    Tensor.__radd__ = _swap(P.add)
    Tensor.__iadd__ = Tensor.add_
    Tensor.__sub__ = _operand(P.sub)
    Tensor.__rsub__ = _operand(P.rsub)
    Tensor.__isub__ = Tensor.sub_
    Tensor.__mul__ = _operand(P.mul)
    Tensor.__rmul__ = _swap(P.mul)
    Tensor.__imul__ = Tensor.mul_
    Tensor.__truediv__ = _operand(P.div)
    Tensor.__rtruediv__ = _swap(P.div)
    Tensor.__itruediv__ = Tensor.div_
    Tensor.__floordiv__ = _operand(P.floor_divide)
    Tensor.__rfloordiv__ = _swap(P.floor_divide)
    Tensor.__ifloordiv__ = Tensor.floor_divide_
    Tensor.__mod__ = _operand(P.remainder)
    Tensor.__rmod__ = _swap(P.remainder)
    Tensor.__imod__ = Tensor.remainder_
    Tensor.__pow__ = _operand(P.pow)
    Tensor.__rpow__ = _swap(P.pow)
    Tensor.__ipow__ = Tensor.pow_
    Tensor.__matmul__ = linalg_basic.matmul
    Tensor.__rmatmul__ = _swap(linalg_basic.matmul)
    Tensor.__neg__ = P.neg
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = P.abs
    Tensor.__invert__ = P.bitwise_not
    Tensor.__and__ = _operand(P.bitwise_and)
    Tensor.__rand__ = _swap(P.bitwise_and)
    Tensor.__iand__ = Tensor.bitwise_and_
    Tensor.__or__ = _operand(P.bitwise_or)
    Tensor.__ror__ = _swap(P.bitwise_or)
    Tensor.__ior__ = Tensor.bitwise_or_
    Tensor.__xor__ = _operand(P.bitwise_xor)
    Tensor.__rxor__ = _swap(P.bitwise_xor)
    Tensor.__ixor__ = Tensor.bitwise_xor_
    Tensor.__eq__ = _operand(P.eq)
    Tensor.__ne__ = _operand(P.ne)
    Tensor.__lt__ = _operand(P.lt)
    Tensor.__le__ = _operand(P.le)
    Tensor.__gt__ = _operand(P.gt)
    Tensor.__ge__ = _operand(P.ge)
    Tensor.__hash__ = object.__hash__


_install()
