"""Route torch and nn.functional functions to the nested implementations when an operand is nested.

As for sparse tensors (``torchlike.sparse._dispatch``): the functions transformer code calls with a
nested operand are wrapped once at import by an ``isinstance`` check of their first arguments;
NestedTensor methods and reflected dunders handle the method-call forms.
"""
from __future__ import annotations

from .._routes import route
from ._jagged import NestedTensor

_METHOD_FUNCTIONS = ("add", "sub", "mul", "div", "matmul", "chunk", "split", "transpose", "softmax", "log_softmax",
                     "unbind", "flatten", "unflatten", "sum", "mean", "abs", "exp", "log", "sin", "cos", "tanh",
                     "sigmoid", "relu", "sqrt", "rsqrt", "square", "neg", "clamp", "pow")
_ROWWISE_F = ("relu", "gelu", "silu", "tanh", "sigmoid", "leaky_relu", "elu", "dropout", "layer_norm", "rms_norm",
              "softplus", "mish", "hardtanh", "relu6", "glu")


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
            route(torch_ns, name, dense, _method_call(name), NestedTensor, (0, 1))
    for mod in functional_modules:
        for name in _ROWWISE_F:
            dense = getattr(mod, name, None)
            if dense is not None:
                route(mod, name, dense, NF.rowwise(getattr(dense, "__wrapped_dense__", dense)), NestedTensor, (0,))
        if hasattr(mod, "linear"):
            route(mod, "linear", mod.linear, NF.linear, NestedTensor, (0,))
        if hasattr(mod, "scaled_dot_product_attention"):
            route(mod, "scaled_dot_product_attention", mod.scaled_dot_product_attention,
                  NF.scaled_dot_product_attention, NestedTensor, (0, 1, 2))
        for name, log in (("softmax", False), ("log_softmax", True)):
            if hasattr(mod, name):
                route(mod, name, getattr(mod, name), _softmax_f(log), NestedTensor, (0,))


def functional_modules():
    """The nn.functional namespace and the modules nn layers call into (``Linear`` calls ``_functional.linear``)."""
    import importlib
    names = ("torchlike.nn.functional", "torchlike.nn._functional.linear", "torchlike.nn._functional.attention",
             "torchlike.nn._functional.activation", "torchlike.nn._functional.dropout",
             "torchlike.nn._functional.normalization")
    return [importlib.import_module(n) for n in names]
