"""torch.autograd: backward, grad, grad modes, Function, and graph nodes."""
from __future__ import annotations

from . import grad_mode
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .graph import Node, accumulate_grad

__all__ = ["backward", "grad", "Function", "FunctionCtx", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled", "Variable", "once_differentiable"]


def _seq(x):
    from .._tensor import Tensor
    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward)."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True,
                           accumulate=False)
        for t, g in zip(inputs, res):
            if g is not None:
                accumulate_grad(t, g, create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    from .._tensor import Tensor
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    # sparse inputs carry their autograd in their values tensor; their gradients come back in their layout
    through = [hasattr(i, "_grad_of_values") for i in inputs]
    targets = [i._vals if t else i for i, t in zip(inputs, through)]
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=targets, allow_unused=allow_unused,
                       accumulate=False)
    res = tuple(i._grad_of_values(g) if t and g is not None else g for i, t, g in zip(inputs, through, res))
    if materialize_grads:
        from ..ops.creation import zeros_like
        res = tuple(zeros_like(i) if g is None else g for i, g in zip(inputs, res))
    return res


def Variable(data, requires_grad=False, volatile=False):
    """Deprecated torch.autograd.Variable: returns the tensor (with requires_grad set)."""
    if requires_grad:
        data.requires_grad_(True)
    return data

from . import anomaly_mode, forward_ad, functional  # noqa: E402
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402  (the functions shadow the submodule, as in torch)
from . import profiler  # noqa: E402

from .._above import above as _above  # noqa: E402
_above.backward = backward  # Tensor.backward
