"""The error raised when traced (compiled) code does something that needs a concrete value (a low-level
module: Tensor, the ops and compile all raise it; ``torchlike.compile.UntraceableError`` re-exports it)."""
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
    """The innermost stack frame outside torchlike's and JAX's own packages: the user's line."""
    import os
    import jax
    import jaxlib
    libs = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep for m in (jax, jaxlib))
    pkg = os.path.dirname(os.path.abspath(__file__)) + os.sep
    for fr in reversed(traceback.extract_stack()[:-2]):
        path = os.path.abspath(fr.filename)
        if not path.startswith((pkg,) + libs):
            return fr
    return None
