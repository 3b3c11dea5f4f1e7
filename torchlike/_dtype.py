"""torch dtypes and torch's type-promotion rules, mapped onto JAX/numpy dtypes.

A :class:`dtype` is a singleton per torch dtype (``torchlike.float32 is torchlike.float``).
Promotion follows torch's ``result_type``: tensors with dimensions outrank zero-dim tensors, which
outrank Python scalars, and a lower-priority operand only matters when its *category*
(bool < integer < floating < complex) is higher.
"""
from __future__ import annotations

import builtins

import jax.numpy as jnp
import numpy as np


class dtype:
    """A torch dtype. Compare with ``is`` or ``==``; ``repr`` is ``torch.float32`` like torch."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_rank")

    def __init__(self, name, np_dtype, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        kind = self.np.kind
        self.is_floating_point = kind == "f" or name == "bfloat16" or name.startswith("float8")
        self.is_complex = kind == "c"
        self.is_signed = kind in "ifc" or name == "bfloat16" or name.startswith("float8") and name != "float8_e8m0fnu"
        self.itemsize = self.np.itemsize
        self._rank = rank

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_lookup, (self.name,))

    def to_real(self):
        return {"complex32": float16, "complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self):
        return {"float64": complex128, "float16": complex64}.get(self.name, complex64 if self.is_floating_point else self)


def _lookup(name):
    return _BY_NAME[name]


bool = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 2)
int16 = dtype("int16", np.int16, 3)
uint16 = dtype("uint16", np.uint16, 3)
int32 = dtype("int32", np.int32, 4)
uint32 = dtype("uint32", np.uint32, 4)
int64 = dtype("int64", np.int64, 5)
uint64 = dtype("uint64", np.uint64, 5)
float16 = dtype("float16", jnp.float16, 10)
bfloat16 = dtype("bfloat16", jnp.bfloat16, 10)
float32 = dtype("float32", np.float32, 11)
float64 = dtype("float64", np.float64, 12)
complex64 = dtype("complex64", np.complex64, 21)
complex128 = dtype("complex128", np.complex128, 22)



class _ComplexHalf(dtype):
    """torch.complex32 (``torch.chalf``): a dtype that can be named, compared, promoted and given to
    ``finfo`` (libraries such as kornia list it among the dtypes they accept). JAX has no 32-bit complex
    type, so no torchlike tensor can hold it: creating or casting a tensor to it (anything that needs its
    array dtype) raises TypeError."""
    __slots__ = ()

    def __init__(self):
        self.name, self.itemsize, self._rank = "complex32", 4, 20
        self.is_floating_point, self.is_complex, self.is_signed = False, True, True

    @property
    def np(self):
        raise TypeError("torch.complex32 (ComplexHalf) tensors are not supported by torchlike: JAX has no 32-bit "
                        "complex dtype. Use torch.complex64.")


complex32 = _ComplexHalf()

ALL = (bool, uint8, int8, int16, uint16, int32, uint32, int64, uint64,
       float16, bfloat16, float32, float64, complex64, complex128)
# 8-bit floats (ml_dtypes' types, which JAX computes with); torch promotes them with nothing else
FLOAT8 = tuple(dtype(n, getattr(jnp, n), 9) for n in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                                                      "float8_e5m2fnuz", "float8_e8m0fnu"))
float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu = FLOAT8
ALL = ALL + FLOAT8
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}
_BY_NAME["complex32"] = complex32  # not in ALL/_BY_NP: it has no array dtype
_BY_NAME.update(chalf=complex32, half=float16, float=float32, double=float64, short=int16, int=int32, long=int64,
                cfloat=complex64, cdouble=complex128)

# name -> dtype for the module-level aliases re-exported by torchlike/__init__.py
ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16, "int": int32,
           "long": int64, "cfloat": complex64, "cdouble": complex128, "chalf": complex32}

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating results built from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    d = to_dtype(d)
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def default_complex() -> dtype:
    return complex128 if _default[0] is float64 else complex64


def to_dtype(d) -> dtype:
    """Accept a torch dtype, a numpy/jax dtype, a Python type or a name; return a torch dtype."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return get_default_dtype()
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if d is builtins.complex:
        return default_complex()
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return _BY_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"cannot interpret {d!r} as a torch dtype") from None


def from_np(np_dtype) -> dtype:
    return _BY_NP[np.dtype(np_dtype)]


def category(d: dtype) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex."""
    if d is bool:
        return 0
    if d.is_complex:
        return 3
    if d.is_floating_point:
        return 2
    return 1


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both can be cast to without losing category."""
    if a is b:
        return a
    if a in FLOAT8 or b in FLOAT8:
        raise RuntimeError(f"Promotion for Float8 Types is not supported, attempted to promote {c10_name(a)} "
                           f"and {c10_name(b)}")
    ca, cb = category(a), category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if category(hi) == 3 and lo is float64:
            return complex128
        if hi is complex32 and lo in (float32, bfloat16):  # torch widens ComplexHalf to fit the real part
            return complex64
        return hi
    if ca == 2 and {a, b} == {float16, bfloat16}:
        return float32
    if ca == 1 and a.is_signed != b.is_signed:
        u, s = (a, b) if not a.is_signed else (b, a)
        if u is uint64 or s is int64 and u.itemsize >= 8:
            raise RuntimeError(f"Promotion for uint64 and {s} types is not supported")
        for cand in (int16, int32, int64):
            if cand.itemsize > u.itemsize and cand.itemsize >= s.itemsize:
                return cand
        return int64
    return a if a._rank >= b._rank else b


_C10 = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
        "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
        "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def c10_name(d: dtype) -> str:
    """The name torch's C++ messages give a dtype (``Float``, ``Float8_e4m3fn``)."""
    return _C10.get(d.name, d.name[0].upper() + d.name[1:])


def scalar_dtype(x) -> dtype:
    """dtype a Python scalar gets when it stands alone (torch.tensor(x))."""
    if isinstance(x, builtins.bool):
        return bool
    if isinstance(x, builtins.int):
        return int64
    if isinstance(x, builtins.float):
        return get_default_dtype()
    if isinstance(x, builtins.complex):
        return default_complex()
    raise TypeError(f"not a Python scalar: {type(x).__name__}")


def _combine(higher, lower):
    # torch's combine_categories: a lower-priority group wins only through a higher category
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type_of(dims, zeros, scalars) -> dtype:
    """Promote three groups as torch does: dtypes of dimensioned tensors, dtypes of zero-dim
    tensors, and the dtypes Python scalars stand for (already mapped by scalar_dtype)."""
    def fold(ds):
        r = None
        for d in ds:
            r = d if r is None else promote_types(r, d)
        return r
    return _combine(fold(dims), _combine(fold(zeros), fold(scalars)))


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """torch.can_cast: casting is allowed unless it lowers the category."""
    return category(from_) <= category(to)
