"""nn.Parameter, nn.Buffer and the lazy-module placeholders, as torch defines them.

A Parameter is a Tensor subclass that a Module registers as a parameter when assigned as an
attribute; it requires grad by default and prints as ``Parameter containing:`` followed by the
tensor. Unlike torch, ``Parameter(t)`` copies ``t``'s value (JAX arrays are immutable), so later
in-place changes to ``t`` are not seen by the parameter.
"""
from __future__ import annotations

import copy

from .._tensor import Tensor


def _rebuild_parameter(data, requires_grad, state=None):
    p = Parameter(data, requires_grad)
    if state:
        p.__dict__.update(state)
    return p


class Parameter(Tensor):
    """torch.nn.Parameter(data=None, requires_grad=True)."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter.__new__ expected a Tensor as 'data', got {type(data).__name__}")
        p = cls._wrap(data._value)
        if requires_grad:
            if not (data.dtype.is_floating_point or data.dtype.is_complex):
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            p._requires_grad = True
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = type(self)(Tensor._wrap(self._value), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._wrap(self._grad._value)
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        """Pickles the value, ``requires_grad`` and user-set attributes; like torch's, not ``.grad`` nor the
        autograd bookkeeping (which holds weak references and cannot be pickled)."""
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        return (_rebuild_parameter, (Tensor._wrap(self._value), self._requires_grad, state or None))


class _BufferMeta(type):
    def __instancecheck__(cls, obj):
        if type(obj) is cls:
            return True
        return isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False)


class Buffer(Tensor, metaclass=_BufferMeta):
    """torch.nn.Buffer(data, persistent=True): a marker that makes attribute assignment register a buffer."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = Tensor._wrap(data._value, data._requires_grad)
        t._is_buffer = True
        t.persistent = persistent
        return t


class UninitializedTensorMixin:
    _allowed_methods = ("__hash__", "size", "copy_", "is_floating_point", "__class__", "requires_grad_",
                        "requires_grad", "data", "device", "dtype", "materialize", "share_memory_")

    def materialize(self, shape, device=None, dtype=None):
        """Give this placeholder its shape and become a real Parameter/Tensor (torch's materialize)."""
        from ..ops.creation import empty
        if device is None:
            device = self._lazy_device
        if dtype is None:
            dtype = self._lazy_dtype
        t = empty(*shape, device=device, dtype=dtype)
        self._value = t._value
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def __repr__(self):
        return f"<{self.__class__.__name__}>"


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not yet known (``LazyLinear``'s weight before the first call)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ..ops.creation import empty
        p = Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)
        p._lazy_device, p._lazy_dtype = device, dtype
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        return type(self)(self._requires_grad, self._lazy_device, self._lazy_dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from ..ops.creation import empty
        t = cls._wrap(empty(0, device=device, dtype=dtype)._value, requires_grad)
        t._lazy_device, t._lazy_dtype = device, dtype
        t.persistent = persistent
        return t

    def __init__(self, *a, **k):
        pass
