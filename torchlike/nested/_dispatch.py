"""Route torch and nn.functional functions to the nested implementations when an operand is nested.

As for sparse tensors (``torchlike.sparse._dispatch``): the functions transformer code calls with a
nested operand are wrapped once at import by an ``isinstance`` check of their first arguments;
NestedTensor methods and reflected dunders handle the method-call forms.
"""
from __future__ import annotations

import functools

from .._tensor import Tensor
from ._jagged import NestedTensor

_METHOD_FUNCTIONS = ("add", "sub", "mul", "div", "matmul", "chunk", "split", "transpose", "softmax", "log_softmax",
                     "unbind", "flatten", "unflatten", "sum", "mean", "abs", "exp", "log", "sin", "cos", "tanh",
                     "sigmoid", "relu", "sqrt", "rsqrt", "square", "neg", "clamp", "pow")
_ROWWISE_F = ("relu", "gelu", "silu", "tanh", "sigmoid", "leaky_relu", "elu", "dropout", "layer_norm", "rms_norm",
              "softplus", "mish", "hardtanh", "relu6", "glu")


def _route(dense_fn, nested_fn, positions=(0, 1)):
    @functools.wraps(dense_fn)
    def f(*args, **kwargs):
        for i in positions:
            if len(args) > i and isinstance(args[i], NestedTensor):
                return nested_fn(*args, **kwargs)
        return dense_fn(*args, **kwargs)
    f.__wrapped_dense__ = dense_fn
    return f


def _method_call(name):
    def call(a, *args, **kwargs):
        if isinstance(a, NestedTensor):
            return getattr(a, name)(*args, **kwargs)
        if name in ("add", "sub", "mul", "div", "pow"):
            return getattr(args[0], f"__r{'truediv' if name == 'div' else name}__")(a)
        raise RuntimeError(f"{name}(): a nested tensor is only supported as the first operand")
    return call


def _softmax_f(log):
    def f(input, dim=None, _stacklevel=3, dtype=None):
        return input._softmax(dim, log, dtype)
    return f


def install(torch_ns, functional_modules):
    from . import _functional as NF
    for name in _METHOD_FUNCTIONS:
        dense = getattr(torch_ns, name, None)
        if dense is not None:
            setattr(torch_ns, name, _route(dense, _method_call(name)))
    for mod in functional_modules:
        for name in _ROWWISE_F:
            dense = getattr(mod, name, None)
            if dense is not None:
                setattr(mod, name, _route(dense, NF.rowwise(getattr(dense, "__wrapped_dense__", dense)), (0,)))
        if hasattr(mod, "linear"):
            mod.linear = _route(mod.linear, NF.linear, (0,))
        if hasattr(mod, "scaled_dot_product_attention"):
            mod.scaled_dot_product_attention = _route(mod.scaled_dot_product_attention,
                                                      NF.scaled_dot_product_attention, (0, 1, 2))
        for name, log in (("softmax", False), ("log_softmax", True)):
            if hasattr(mod, name):
                setattr(mod, name, _route(getattr(mod, name), _softmax_f(log), (0,)))
    Tensor.is_nested = False


def functional_modules():
    """The nn.functional namespace and the modules nn layers call into (``Linear`` calls ``_functional.linear``)."""
    import importlib
    names = ("torchlike.nn.functional", "torchlike.nn._functional.linear", "torchlike.nn._functional.attention",
             "torchlike.nn._functional.activation", "torchlike.nn._functional.dropout",
             "torchlike.nn._functional.normalization")
    return [importlib.import_module(n) for n in names]
