"""torch.cuda graph capture names: ``CUDAGraph``, ``graph``, ``is_current_stream_capturing``...

torchlike does not capture CUDA graphs (XLA compiles whole programs instead: ``torchlike.compile``).
The names exist so code can refer to them (type annotations, capability checks):
``is_current_stream_capturing()`` is False, and building a ``CUDAGraph`` or entering ``graph``
raises RuntimeError, as a torch build without CUDA does.
"""
from __future__ import annotations

__all__ = ["CUDAGraph", "graph", "graphs", "is_current_stream_capturing", "graph_pool_handle",
           "make_graphed_callables"]

_NO_GRAPHS = "CUDA graphs are not supported by torchlike (use torchlike.compile: XLA compiles the whole program)"


class CUDAGraph:
    """A captured CUDA graph (cannot be built in torchlike)."""

    def __init__(self, keep_graph=False):
        raise RuntimeError(_NO_GRAPHS)


class graph:  # noqa: N801  (torch spells it this way)
    """Context manager capturing work into a CUDAGraph (cannot be entered in torchlike)."""

    def __init__(self, cuda_graph, pool=None, stream=None, capture_error_mode="global"):
        raise RuntimeError(_NO_GRAPHS)


def is_current_stream_capturing():
    """False: nothing is ever being captured."""
    return False


def graph_pool_handle():
    raise RuntimeError(_NO_GRAPHS)


def make_graphed_callables(callables, sample_args, num_warmup_iters=3, allow_unused_input=False, pool=None):
    raise RuntimeError(_NO_GRAPHS)


class graphs:  # noqa: N801  (torch.cuda.graphs is a module; this namespace holds the same names)
    CUDAGraph = CUDAGraph
    graph = graph
    is_current_stream_capturing = staticmethod(is_current_stream_capturing)
    graph_pool_handle = staticmethod(graph_pool_handle)
    make_graphed_callables = staticmethod(make_graphed_callables)
