"""torch.autograd: backward, grad, grad modes, Function, and graph nodes."""
from __future__ import annotations

from . import grad_mode
from .engine import backward, grad  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .graph import Node

__all__ = ["backward", "grad", "Function", "FunctionCtx", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled", "Variable", "once_differentiable"]


def Variable(data, requires_grad=False, volatile=False):
    """Deprecated torch.autograd.Variable: returns the tensor (with requires_grad set)."""
    if requires_grad:
        data.requires_grad_(True)
    return data

from . import anomaly_mode, forward_ad, functional  # noqa: E402
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402  (the functions shadow the submodule, as in torch)
from .._lazy import lazy_submodules as _lazy_submodules  # noqa: E402
__getattr__ = _lazy_submodules(__name__, ("profiler",))  # torch.autograd.profiler loads torch.profiler on use

from .._above import above as _above  # noqa: E402
_above.backward = backward  # Tensor.backward
