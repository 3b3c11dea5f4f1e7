"""Global settings scripts set: matmul precision, determinism, thread counts.

``set_float32_matmul_precision`` maps torch's levels onto JAX's default matmul precision
(``jax_default_matmul_precision``): "highest" -> "highest" (full float32), "high" -> "high"
(TF32 / 3-pass bf16 on accelerators), "medium" -> "default" (one bf16 pass). Nothing is changed at
import: ``get_float32_matmul_precision()`` reports torch's default, "highest", until set.
On CPU XLA computes float32 matmuls in float32 whatever the setting.

Determinism and thread counts are recorded and reported back; XLA fixes its thread pools when the
backend starts and its CPU/TPU kernels are deterministic.
"""
from __future__ import annotations

import os
import warnings

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode", "set_num_threads", "get_num_threads",
           "set_num_interop_threads", "get_num_interop_threads", "set_warn_always", "is_warn_always_enabled",
           "set_default_device", "get_default_device"]

_TO_JAX = {"highest": "highest", "high": "high", "medium": "default"}
_state = {"precision": "highest", "deterministic": False, "warn_only": False, "threads": None,
          "interop": None, "warn_always": False}


def set_float32_matmul_precision(precision: str) -> None:
    """torch.set_float32_matmul_precision('highest' | 'high' | 'medium')."""
    if precision not in _TO_JAX:
        raise RuntimeError(f"Invalid precision: {precision!r}; expected one of 'highest', 'high', 'medium'")
    import jax
    jax.config.update("jax_default_matmul_precision", _TO_JAX[precision])
    _state["precision"] = precision


def get_float32_matmul_precision() -> str:
    return _state["precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not {type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode) -> None:
    levels = {"default": 0, "warn": 1, "error": 2}
    level = levels[debug_mode] if isinstance(debug_mode, str) else int(debug_mode)
    if level not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of 0, 1, 2, but got {debug_mode}")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    return 0 if not _state["deterministic"] else 1 if _state["warn_only"] else 2


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Recorded for get_num_threads(); XLA sizes its CPU thread pool when it starts."""
    if int(n) <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["threads"] = int(n)


def get_num_threads() -> int:
    return _state["threads"] or _cpus()


def set_num_interop_threads(n: int) -> None:
    if int(n) <= 0:
        raise RuntimeError("Number of inter-op threads must be positive")
    if _state["interop"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _state["interop"] = int(n)


def get_num_interop_threads() -> int:
    return _state["interop"] or _cpus()


def set_warn_always(b: bool) -> None:
    _state["warn_always"] = bool(b)
    if b:
        warnings.simplefilter("always")


def is_warn_always_enabled() -> bool:
    return _state["warn_always"]


_base_device = [None]


def set_default_device(device) -> None:
    """torch.set_default_device: the device factory functions use when none is given (None: CPU).
    Inside a ``with torch.device(...)`` block that block's device still wins, as in torch."""
    from . import _device as _dev
    stack = _dev._default_device_stack
    if _base_device[0] is not None and stack and stack[0] is _base_device[0]:
        stack.pop(0)
    _base_device[0] = None
    if device is not None:
        d = _dev.device(device) if not isinstance(device, _dev.device) else _dev.device(device.type, device.index)
        if d.type not in ("cpu", "meta"):
            _dev.to_jax_device(d)  # raises for a device JAX does not have
        _base_device[0] = d
        stack.insert(0, d)


def get_default_device():
    from . import _device as _dev
    return _dev.default_device()
