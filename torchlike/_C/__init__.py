"""torch._C: the few private entry points that libraries built on torch call, with torchlike's answers.

torch._C is torch's C++ extension; libraries probe a handful of its functions (torchmetrics logs
usage with ``_log_api_usage_once``, kornia asks whether functorch transforms are active, transformers
asks for the accelerator, timm toggles TorchScript fusers). Each answer here is the true one for
torchlike:

- usage logging does nothing (as in torch, unless a logging hook is installed there);
- ``_are_functorch_transforms_active()`` is True while a ``torchlike.func`` transform (grad, vmap,
  jvp ... which are JAX transformations) traces the calling code;
- no ``TorchDispatchMode`` or TorchScript tracer exists, so the dispatch stack is empty and the
  tracing state is None;
- the TorchScript fuser switches are remembered and reported back with torch's defaults and
  return values, but change nothing: torchlike runs no TorchScript (XLA fuses every program).
"""
from __future__ import annotations

from . import _functorch  # noqa: F401

__all__ = ["_log_api_usage_once", "_log_api_usage_metadata", "_get_accelerator", "_get_privateuse1_backend_name",
           "_are_functorch_transforms_active", "_len_torch_dispatch_stack", "_get_tracing_state", "Graph", "Value",
           "_jit_set_profiling_mode", "_jit_set_profiling_executor", "_jit_set_texpr_fuser_enabled",
           "_jit_texpr_fuser_enabled", "_jit_override_can_fuse_on_cpu", "_jit_override_can_fuse_on_gpu",
           "_jit_can_fuse_on_cpu", "_jit_can_fuse_on_gpu", "_jit_set_nvfuser_enabled", "_functorch",
           "_set_grad_enabled", "_get_cudnn_enabled", "_get_mkldnn_enabled"]


def _log_api_usage_once(event: str) -> None:
    """Record that an API was used; torch forwards this to a logger that is off by default."""


def _log_api_usage_metadata(event: str, metadata: dict) -> None:
    """Like ``_log_api_usage_once``, with a metadata dict: nothing is recorded."""


def _get_accelerator(check_available: bool = False):
    """The current accelerator device (``cuda`` for a GPU, ``tpu`` ...), else ``device('cpu')`` as torch."""
    from .. import accelerator
    from .._device import device
    return accelerator.current_accelerator() or device("cpu")


def _get_privateuse1_backend_name() -> str:
    """torch's name for the out-of-tree backend slot; torchlike registers none, so the default."""
    return "privateuseone"


def _are_functorch_transforms_active() -> bool:
    """True while a torchlike.func transform traces the caller (a JAX trace that is not compile's)."""
    from jax._src import core
    from ..compiler import is_compiling
    return not core.trace_state_clean() and not is_compiling()


def _len_torch_dispatch_stack() -> int:
    """Number of active TorchDispatchModes: torchlike has no dispatch modes, so 0."""
    return 0


def _get_tracing_state():
    """The TorchScript tracer's state: torchlike never traces TorchScript, so None (as torch outside jit.trace)."""
    return None


def _set_grad_enabled(mode: bool) -> None:
    """Switch gradient recording on or off (the function ``torch.set_grad_enabled`` calls)."""
    from ..autograd import grad_mode
    grad_mode.set_grad_enabled(mode)


def _get_cudnn_enabled() -> bool:
    from ..backends import cudnn
    return bool(cudnn.enabled)


def _get_mkldnn_enabled() -> bool:
    from ..backends import mkldnn
    return bool(mkldnn.enabled)


class Graph:
    """TorchScript's IR graph type. torchlike builds no TorchScript graphs; the name exists for
    annotations such as ONNX ``symbolic(g: torch._C.Graph, ...)`` methods."""

    def __init__(self):
        raise RuntimeError("torchlike builds no TorchScript graphs (torch._C.Graph)")


class Value:
    """A value in a TorchScript graph (see Graph): for annotations only."""

    def __init__(self):
        raise RuntimeError("torchlike builds no TorchScript graphs (torch._C.Value)")


# TorchScript fuser switches: torch's defaults on a CPU build; setters return what torch returns.
_jit_flags = {"profiling_mode": True, "profiling_executor": True, "texpr_fuser": True,
              "fuse_on_cpu": False, "fuse_on_gpu": False}


def _swap(key, value):
    old, _jit_flags[key] = _jit_flags[key], bool(value)
    return old


def _jit_set_profiling_mode(enabled: bool) -> bool:
    """Set TorchScript's profiling mode; returns the previous setting (no effect in torchlike)."""
    return _swap("profiling_mode", enabled)


def _jit_set_profiling_executor(enabled: bool) -> bool:
    """Set TorchScript's profiling executor; returns the previous setting (no effect in torchlike)."""
    return _swap("profiling_executor", enabled)


def _jit_set_texpr_fuser_enabled(enabled: bool) -> None:
    _swap("texpr_fuser", enabled)


def _jit_texpr_fuser_enabled() -> bool:
    return _jit_flags["texpr_fuser"]


def _jit_override_can_fuse_on_cpu(enabled: bool) -> None:
    _swap("fuse_on_cpu", enabled)


def _jit_override_can_fuse_on_gpu(enabled: bool) -> None:
    _swap("fuse_on_gpu", enabled)


def _jit_can_fuse_on_cpu() -> bool:
    return _jit_flags["fuse_on_cpu"]


def _jit_can_fuse_on_gpu() -> bool:
    return _jit_flags["fuse_on_gpu"]


def _jit_set_nvfuser_enabled(enabled: bool) -> bool:
    """Deprecated in torch (a no-op that returns False); the same here."""
    return False
