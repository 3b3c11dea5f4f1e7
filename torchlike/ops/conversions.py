"""Tensor conversions and fills: ``to``/``type``/``cpu``/``cuda``, the dtype casters (``x.float()``),
``new_*`` factories, ``fill_``/``zero_``/``copy_`` — Tensor-only methods declared with
:func:`~.declare.method`."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as _dev
from .. import _dtype as D
from .._tensor import Tensor
from . import creation, shape
from .declare import method, public
from .registry import Op, apply

# ------------------------------------------------------------------ conversions
def _astype(x, dtype):
    """``x.astype(dtype)`` with torch's casts into two float8 types where XLA's differ: into
    ``float8_e4m3fn`` (no infinities) out-of-range values and infinities saturate to +-448, and into the
    unsigned ``float8_e8m0fnu`` a negative value gives its magnitude's power of two (XLA: NaN)."""
    if x.dtype != dtype and jnp.issubdtype(x.dtype, jnp.floating):
        if dtype == _E4M3FN:
            big = float(jnp.finfo(dtype).max)
            x = jnp.clip(x, -big, big)
        elif dtype == _E8M0FNU:
            x = jnp.abs(x)
    return x.astype(dtype)


_E4M3FN, _E8M0FNU = np.dtype(jnp.float8_e4m3fn), np.dtype(jnp.float8_e8m0fnu)
_convert = Op("to", _astype, saves=False, backward_name="ToCopyBackward0")
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


@method
def to(self, *args, **kwargs):
    """``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``; returns self when nothing changes."""
    fmt = kwargs.get("memory_format")
    dtype, device, copy = _parse_to(args, dict(kwargs))
    if device is not None and device.type == "meta" or isinstance(self._value, jax.ShapeDtypeStruct):
        from .. import _meta
        return _meta.convert(self, dtype, device)
    out = self
    if device is not None and not isinstance(self._value, jax.core.Tracer):
        jd = _dev.cpu_jax_device() if device.type == "cpu" else _dev.to_jax_device(device)
        if device != self.device or copy:
            out = apply(_to_device, out, device=jd)
    if dtype is not None and (dtype is not out.dtype or copy and out is self):
        out = apply(_convert, out, dtype=dtype.np)
    elif copy and out is self:
        out = shape.clone(self)
    if fmt is not None and fmt.name != "preserve_format" and not out.is_contiguous(memory_format=fmt):
        out = shape.contiguous(out, fmt)  # torch's strides model (``_strides``); XLA keeps its own layout
    return out


def _caster(dt):
    def f(self, memory_format=None):
        return to(self, dt)
    return f


for _name, _dt in (("float", D.float32), ("double", D.float64), ("half", D.float16), ("bfloat16", D.bfloat16),
                   ("long", D.int64), ("int", D.int32), ("short", D.int16), ("char", D.int8), ("byte", D.uint8),
                   ("bool", D.bool), ("cfloat", D.complex64), ("cdouble", D.complex128)):
    method(_caster(_dt), name=_name)

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
               "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}
_NAME_TYPES = {v: k for k, v in _TYPE_NAMES.items()}


@method(name="type")
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


@method
def type_as(self, other):
    return to(self, other.dtype)


@method
def cpu(self, memory_format=None):
    return to(self, "cpu")


@method
def cuda(self, device=None, non_blocking=False, memory_format=None):
    d = _dev.device("cuda") if device is None else (_dev.device("cuda", device) if isinstance(device, int) else _dev.device(device))
    return to(self, d)


@method
def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_filled(factory):
    def f(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return factory(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad, **kw)
    return f


for _name, _factory in (("new_zeros", creation.zeros), ("new_ones", creation.ones), ("new_empty", creation.empty)):
    method(_new_filled(_factory), name=_name)


@method
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


_fill = Op("fill", lambda x, v: jnp.full(x.shape, v, x.dtype), saves=False)


@public(inplace=True, torch_inplace=True)  # torch.fill, x.fill_(), torch.fill_ (torch has no x.fill())
def fill(input, value):
    """A tensor like ``input`` with every element ``value`` (a number or a 0-dim tensor, cast to
    ``input``'s dtype); the gradient reaches ``value`` when it is a tensor."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    return apply(_fill, input, value)


@public(method=True)  # torch.zero_ and x.zero_()
def zero_(input):
    return input.fill_(0)


@method
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
