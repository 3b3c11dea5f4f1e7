"""Type queries: finfo, iinfo, is_tensor, result_type, typename, numel."""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._tensor import Tensor


# where torch's c10 numeric limits report another epsilon than the format's (ml_dtypes') 2**-mantissa
_TORCH_EPS = {"float8_e5m2fnuz": 0.125}


class finfo:
    """torch.finfo: machine limits of a floating dtype (bits, eps, max, min, tiny, resolution)."""

    def __init__(self, type=None):
        d = D.get_default_dtype() if type is None else D.to_dtype(type)
        if not (d.is_floating_point or d.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle '{d}'")
        import jax.numpy as jnp
        fi = jnp.finfo(d.to_real().np)
        self.dtype = d.to_real().name
        self.bits = int(fi.bits)
        self.eps = _TORCH_EPS.get(d.name, float(fi.eps))
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = self.smallest_normal = float(fi.tiny)
        self.resolution = 10.0 ** -int(np.floor(-np.log10(self.eps)))  # torch: 10**-precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    def __init__(self, type):
        d = D.to_dtype(type)
        if d.is_floating_point or d.is_complex:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{d}'")
        if d is D.bool:
            self.bits, self.min, self.max, self.dtype = 8, 0, 1, "bool"
            return
        ii = np.iinfo(d.np)
        self.bits, self.min, self.max, self.dtype = int(ii.bits), int(ii.min), int(ii.max), d.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_storage(obj) -> bool:
    return False


def is_floating_point(input) -> bool:
    return input.dtype.is_floating_point


def is_complex(input) -> bool:
    return input.dtype.is_complex


def is_nonzero(input) -> bool:
    return bool(input)


def numel(input) -> int:
    return input.numel()


def result_type(tensor1, tensor2) -> D.dtype:
    """torch.result_type over tensors and Python scalars."""
    dims, zeros, scalars = [], [], []
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            (zeros if x.ndim == 0 else dims).append(x.dtype)
        else:
            scalars.append(D.scalar_dtype(x))
    return D.result_type_of(dims, zeros, scalars)


def typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(type(obj), "__module__", "")
    return f"{module}.{type(obj).__qualname__}" if module not in ("", "builtins") else type(obj).__qualname__
