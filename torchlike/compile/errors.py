"""The error raised when traced (compiled) code does something that needs a concrete value."""
from __future__ import annotations

import traceback


class UntraceableError(RuntimeError):
    """Raised inside compiled/traced code for operations that need concrete tensor values."""


def raise_untraceable(what: str):
    frame = _user_frame()
    where = f" at {frame.filename}:{frame.lineno} ({frame.line})" if frame else ""
    raise UntraceableError(
        f"{what} needs a concrete value, but this code is being traced for compilation{where}. "
        "Return the tensor from the compiled function and convert it outside, replace Python control "
        "flow on tensor values by torch.where, or compile with fullgraph=False to run this call eagerly.")


def _user_frame():
    import os
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for fr in reversed(traceback.extract_stack()[:-2]):
        if not fr.filename.startswith(pkg) and "jax" not in fr.filename:
            return fr
    return None
