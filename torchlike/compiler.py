"""torch.compiler: ``reset``, ``disable``, ``is_compiling`` for torchlike.compile."""
from __future__ import annotations

import functools

import jax

from . import _trace_hooks


def reset() -> None:
    """Forget compiled programs: JAX's compilation caches and every op's jitted functions."""
    from .ops.registry import Op
    for op in list(Op.instances):
        op._cache.clear()
    jax.clear_caches()


def is_compiling() -> bool:
    """True while torchlike.compile is recording or tracing a step."""
    return _trace_hooks.rng is not None or _trace_hooks.recorder is not None


def disable(fn=None, recursive=True):
    """Mark a function as not to be compiled (it runs as written; inside a compiled step it is traced
    like any other code, since XLA programs cannot call back into eager Python)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive)
    return fn
