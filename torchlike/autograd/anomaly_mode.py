"""torch.autograd.detect_anomaly / set_detect_anomaly: NaN produced in backward raises.

While enabled, the engine checks the gradients each backward node returns; a NaN raises
``RuntimeError("Function 'DivBackward0' returned nan values in its 1th output.")`` naming the node,
as torch does. (torch also prints the forward traceback of that op; here the node name says
which op it was.)
"""
from __future__ import annotations

import functools
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_state = {"enabled": False, "check_nan": True}
enabled = False  # read by the engine: one attribute load per node when off


def is_anomaly_enabled() -> bool:
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    return _state["check_nan"]


def _set(mode, check_nan):
    global enabled
    _state["enabled"], _state["check_nan"] = bool(mode), bool(check_nan)
    enabled = _state["enabled"] and _state["check_nan"]


def check(node, grads) -> None:
    """Raise if any gradient ``node`` returned contains NaN."""
    import jax.numpy as jnp
    from .._tensor import Tensor
    for i, g in enumerate(grads):
        if g is None:
            continue
        v = g._value if isinstance(g, Tensor) else g
        if jnp.issubdtype(v.dtype, jnp.inexact) and bool(jnp.isnan(v).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection for the autograd engine."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self._prev = (_state["enabled"], _state["check_nan"])
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """``set_detect_anomaly(mode, check_nan=True)``: sets the mode now; restores it when used with ``with``."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (_state["enabled"], _state["check_nan"])
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False
