"""torch._dynamo: the entry points compile tutorials and libraries call, answered for torchlike.compile.

torchlike.compile traces a whole step with JAX instead of rewriting bytecode, so several of Dynamo's
hints have nothing to steer: every Tensor a step reads is already a program input
(``mark_static_address``), a new shape simply compiles again (``mark_dynamic``), and any Python
function called inside a step is traced through (``allow_in_graph``). Those hints are accepted and
change nothing; what can be answered truthfully (``is_compiling``) is.
"""
from __future__ import annotations

from ..compiler import allow_in_graph, assume_constant_result, disable, is_compiling, reset
from . import config, exc  # noqa: F401
from . import _trace_wrapped_higher_order_op  # noqa: F401

__all__ = ["reset", "is_compiling", "disable", "allow_in_graph", "assume_constant_result", "mark_static_address",
           "mark_dynamic", "maybe_mark_dynamic", "mark_static", "config", "exc"]


def mark_static_address(t, guard: bool = True) -> None:
    """Tell Dynamo a tensor keeps its memory address across calls (for CUDA graphs). A torchlike
    compiled step takes every tensor it reads as an input, so there is nothing to mark."""


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None) -> None:
    """Declare dimension(s) ``index`` of ``t`` dynamic. XLA programs have static shapes: torchlike
    compiles again for a new size, so there is nothing to record (torch checks the index only when
    it compiles, so nothing is checked here either)."""


def maybe_mark_dynamic(t, index) -> None:
    """As :func:`mark_dynamic`, a hint Dynamo may ignore; torchlike compiles per shape."""
    mark_dynamic(t, index)


def mark_static(t, index=None) -> None:
    """Declare dimensions static: every dimension of a torchlike compiled program already is."""
