"""torch.library.custom_op: define an operator from a Python function of tensors.

``@custom_op("mylib::name", mutates_args=())`` returns a callable op. ``register_autograd(backward,
setup_context=...)`` gives it a backward (run through ``autograd.Function``); ``register_fake``
records a shape function (used only for documentation here: torchlike traces the real function).
Without a registered backward, gradients come from the function's own torchlike ops.
"""
from __future__ import annotations

from .autograd.function import Function

_OPS: dict = {}


class CustomOpDef:
    def __init__(self, name, fn, mutates_args):
        self._name, self._fn, self._mutates = name, fn, mutates_args
        self._backward = self._setup = self._fake = None
        self.__name__ = name.split("::")[-1]
        self.__doc__ = fn.__doc__

    def register_fake(self, fn):
        self._fake = fn
        return fn

    def register_kernel(self, device_types, fn=None):
        return fn if fn is not None else (lambda f: f)

    def register_autograd(self, backward, *, setup_context=None):
        self._backward, self._setup = backward, setup_context

    def __call__(self, *args, **kwargs):
        if self._backward is None:
            return self._fn(*args, **kwargs)
        op = self

        class _Fn(Function):
            @staticmethod
            def forward(ctx, *a):
                out = op._fn(*a, **kwargs)
                if op._setup is not None:
                    op._setup(ctx, a, out)
                return out

            @staticmethod
            def backward(ctx, *grads):
                return op._backward(ctx, *grads)

        _Fn.__name__ = self.__name__
        return _Fn.apply(*args)

    def __repr__(self):
        return f"<CustomOpDef({self._name})>"


def custom_op(name, fn=None, /, *, mutates_args, device_types=None, schema=None):
    """Decorator (or direct call) creating a :class:`CustomOpDef` named ``namespace::name``."""
    if "::" not in name:
        raise ValueError(f"expected a qualified name 'namespace::name', got '{name}'")

    def wrap(f):
        op = CustomOpDef(name, f, mutates_args)
        _OPS[name] = op
        return op
    return wrap(fn) if fn is not None else wrap


def register_fake(name_or_op, fn=None):
    op = _OPS[name_or_op] if isinstance(name_or_op, str) else name_or_op
    return op.register_fake(fn) if fn is not None else op.register_fake


def register_autograd(name_or_op, backward, /, *, setup_context=None, lib=None):
    """Give an op made with :func:`custom_op` (by object or by ``"namespace::name"``) a backward."""
    op = _OPS[name_or_op] if isinstance(name_or_op, str) else name_or_op
    op.register_autograd(backward, setup_context=setup_context)


def register_kernel(name_or_op, device_types, fn=None, /, *, lib=None):
    """Per-device kernels: torchlike runs one implementation everywhere (XLA), so the op keeps its function."""
    op = _OPS[name_or_op] if isinstance(name_or_op, str) else name_or_op
    return op.register_kernel(device_types, fn)
