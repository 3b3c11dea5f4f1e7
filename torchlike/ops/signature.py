"""The Tensor-argument checks of torch's argument parser, for ops whose torch signature takes Tensors.

torch's C++ argument parser refuses a Python number where an op's every overload wants a Tensor. How
it words the refusal depends on the overloads (``torch.atan2(x, 2)`` has one, ``torch.eq(2, x)``
several)::

    atan2(): argument 'other' (position 2) must be Tensor, not int
    eq() received an invalid combination of arguments - got (int, Tensor), but expected one of: ...

An op declares which of its two operands torch lets be a number (``binary(..., args=KIND)`` in
``pointwise.py``, or a call to :func:`binary_args` at the top of its function):

``"tensors"``  both must be Tensors (atan2, maximum, logical_and, igamma, ...);
``"other"``    ``other`` may be a number, ``input`` may not (eq, fmod, copysign, clamp_min, ...);
``"either"``   one of the two may be a number, not both (pow, remainder, bitwise_and, xlogy, ...).

Only Python numbers are refused: torchlike accepts other array-likes where it always has, and the
caller runs the check only when an operand is not exactly a Tensor, so the eager path of
``op(tensor, tensor)`` pays one class comparison.
"""
from __future__ import annotations

from .._tensor import Tensor

_NUMBERS = (bool, int, float, complex)
_KINDS = ("tensors", "other", "either")


def _type_name(v):
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def invalid_combination(name, got, expected):
    """torch's TypeError for arguments that match none of an op's overloads."""
    lines = "\n".join(f" * ({e})" for e in expected)
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({', '.join(_type_name(g) for g in got)}), but expected one of:\n{lines}\n")


def must_be_tensor(name, arg, position, value):
    """torch's TypeError for a non-Tensor where the op's only overload takes a Tensor."""
    return TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not "
                     f"{type(value).__name__}")


def binary_args(name, kind, input, other, names=("input", "other")):
    """Raise torch's TypeError when ``input``/``other`` are numbers where ``kind`` (see the module
    docstring) wants Tensors; return None otherwise."""
    a = isinstance(input, _NUMBERS)
    b = isinstance(other, _NUMBERS)
    if not (a or b):
        return
    n0, n1 = names
    if kind == "tensors":
        if a:
            raise must_be_tensor(name, n0, 1, input)
        raise must_be_tensor(name, n1, 2, other)
    if kind == "other" and a:
        raise invalid_combination(name, (input, other), (f"Tensor {n0}, Tensor {n1}", f"Tensor {n0}, Number {n1}"))
    if kind == "either" and a and b:
        raise invalid_combination(name, (input, other), (f"Tensor {n0}, Tensor {n1}", f"Number {n0}, Tensor {n1}",
                                                         f"Tensor {n0}, Number {n1}"))


def check_kind(kind):
    if kind is not None and kind not in _KINDS:
        raise ValueError(f"args= must be one of {_KINDS}, not {kind!r}")
    return kind


_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def c_type_name(dtype):
    """The C++ name torch's kernels print for a dtype ("float", "long int", "c10::complex<double>")."""
    return _C_TYPES.get(dtype.name if hasattr(dtype, "name") else str(dtype), str(dtype))


def _root(t):
    return t._view[0] if t._view is not None else t


def check_out_overlap(out, *inputs):
    """torch's memory-overlap checks for an ``out=`` that index/selection kernels write element by element
    (take, index_select, masked_select, kthvalue, cat, bernoulli): ``out`` may not hold one memory location
    twice (an expanded tensor), nor share memory with an input."""
    from .._tensor import Tensor
    for o in out if isinstance(out, (tuple, list)) else (out,):
        if not isinstance(o, Tensor):
            continue
        if o.__dict__.get("_strides") is not None and any(st == 0 and n > 1 for st, n in zip(o.stride(), o.shape)):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        root = _root(o)
        for t in inputs:
            if isinstance(t, Tensor) and _root(t) is root:
                raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to "
                                   "tensor refer to a single memory location. Please clone() the tensor before "
                                   "performing the operation.")
