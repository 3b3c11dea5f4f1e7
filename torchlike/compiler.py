"""torch.compiler for torchlike.compile: ``reset``, ``disable``, ``is_compiling`` and the hints
libraries attach to functions.

torchlike.compile traces the Python step with JAX: any function a step calls is traced through, so
``allow_in_graph`` and ``assume_constant_result`` leave functions unchanged, and ``disable`` cannot
keep code out of a traced program (XLA programs cannot call back into eager Python).
"""
from __future__ import annotations

import functools

import jax

from . import _trace_hooks

__all__ = ["reset", "is_compiling", "is_dynamo_compiling", "is_exporting", "disable", "allow_in_graph",
           "assume_constant_result", "cudagraph_mark_step_begin"]


def reset() -> None:
    """Forget compiled programs: JAX's compilation caches and every op's jitted functions."""
    from .ops.registry import Op
    for op in list(Op.instances):
        op._cache.clear()
        op._dispatch.clear()
    jax.clear_caches()


def is_compiling() -> bool:
    """True while torchlike.compile is recording or tracing a step."""
    return _trace_hooks.rng is not None or _trace_hooks.recorder is not None


def is_dynamo_compiling() -> bool:
    """Same as :func:`is_compiling` (torchlike.compile is the only compiler)."""
    return is_compiling()


def is_exporting() -> bool:
    """False: torchlike has no ``torch.export`` tracing."""
    return False


def disable(fn=None, recursive=True, reason=None):
    """Mark a function as not to be compiled (it runs as written; inside a compiled step it is traced
    like any other code, since XLA programs cannot call back into eager Python)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)
    return fn


def allow_in_graph(fn):
    """Let the compiler put ``fn`` in the graph without tracing into it; torchlike traces it like
    any other Python function, so ``fn`` is returned unchanged."""
    return fn


def assume_constant_result(fn):
    """Dynamo treats ``fn``'s result as a constant; a torchlike trace runs ``fn`` once while tracing,
    so a non-Tensor result is a constant of the program already. ``fn`` is returned unchanged."""
    return fn


def cudagraph_mark_step_begin() -> None:
    """Start of an iteration for CUDA graph trees; torchlike records no CUDA graphs."""
