"""Legacy typed constructors tutorials still use: ``torch.FloatTensor([..])``, ``torch.LongTensor(3)``.

Each is a class whose call builds a Tensor of its dtype (data if given a sequence, zeros of that
shape if given sizes) and which ``isinstance(x, torch.FloatTensor)`` checks by dtype.
"""
from __future__ import annotations

from . import _dtype as D
from ._tensor import Tensor


class _LegacyMeta(type):
    def __call__(cls, *args, device=None):
        from .ops import creation
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, Tensor):
                return data.to(cls._dtype)
            return creation.tensor(data, dtype=cls._dtype, device=device)
        return creation.zeros(*args, dtype=cls._dtype, device=device)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype


def _legacy(name, dt):
    return _LegacyMeta(name, (), {"_dtype": dt, "dtype": dt})


FloatTensor = _legacy("FloatTensor", D.float32)
DoubleTensor = _legacy("DoubleTensor", D.float64)
HalfTensor = _legacy("HalfTensor", D.float16)
BFloat16Tensor = _legacy("BFloat16Tensor", D.bfloat16)
LongTensor = _legacy("LongTensor", D.int64)
IntTensor = _legacy("IntTensor", D.int32)
ShortTensor = _legacy("ShortTensor", D.int16)
CharTensor = _legacy("CharTensor", D.int8)
ByteTensor = _legacy("ByteTensor", D.uint8)
BoolTensor = _legacy("BoolTensor", D.bool)
