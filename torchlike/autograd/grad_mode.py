"""Grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode.

Each works as a context manager and as a decorator, like torch's. The flag is thread-local, as
torch's is.
"""
from __future__ import annotations

import functools
import threading

INFERENCE_SCOPES = [0]  # inference_mode(True) blocks open in any thread: tensors made then are inference tensors

class _Flags(threading.local):
    # class-level defaults: every thread starts with grad on, and reading a flag never raises
    # (``getattr(local, name, default)`` on an unset attribute costs ~1 us per op)
    enabled = True
    inference = False


_local = _Flags()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded for backward."""
    return _local.enabled


def _set(flag: bool) -> None:
    _local.enabled = bool(flag)


def is_inference_mode_enabled() -> bool:
    return _local.inference


class _Mode:
    _flag = True

    def _target(self):
        return self._flag

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self._target())
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__.__new__(self.__class__)._clone_from(self):
                return fn(*args, **kwargs)
        return wrapper

    def _clone_from(self, other):
        self.__dict__.update(other.__dict__)
        return self

    def clone(self):
        return self.__class__.__new__(self.__class__)._clone_from(self)


class _NoParamMode(_Mode):
    # torch allows both @no_grad() and bare @no_grad
    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        return self(orig_func) if callable(orig_func) else self

    def __init__(self, orig_func=None):
        pass


class no_grad(_NoParamMode):
    """Disable gradient recording: results of operations inside do not require grad."""
    _flag = False


class enable_grad(_NoParamMode):
    """Enable gradient recording inside a ``no_grad`` region."""
    _flag = True


class set_grad_enabled(_Mode):
    """``set_grad_enabled(mode)``: sets grad mode immediately (like torch) and restores it on exit
    when used as a context manager."""

    def __init__(self, mode: bool):
        self._prev = is_grad_enabled()
        self._flag = bool(mode)
        _set(self._flag)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _set(self._prev)  # used as a decorator: torch does not change the mode at construction
        mode = self._flag

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(_Mode):
    """Like no_grad (``inference_mode(False)`` is a no-op region)."""

    def __init__(self, mode: bool = True):
        if callable(mode) and not isinstance(mode, bool):  # used as @inference_mode without ()
            raise TypeError("use @torch.inference_mode() with parentheses")
        self.mode = bool(mode)

    def _target(self):
        return is_grad_enabled() and not self.mode

    def __enter__(self):
        self._prev_inf = is_inference_mode_enabled()
        _local.inference = self.mode
        INFERENCE_SCOPES[0] += 1  # tensors made while it is on are inference tensors (Tensor.is_inference)
        return super().__enter__()

    def __exit__(self, *exc):
        _local.inference = self._prev_inf
        INFERENCE_SCOPES[0] -= 1
        return super().__exit__(*exc)
