"""torch.fx for torchlike: symbolic tracing, graphs of Python operations, and code generation.

``symbolic_trace(module)`` records ``forward`` as a :class:`Graph` of placeholder / get_attr /
call_function / call_method / call_module / output nodes and returns a :class:`GraphModule`
whose generated ``forward`` computes the same values (with autograd, and under
``torchlike.compile``). The API, node lists, names and generated code follow torch 2.x's.
"""
from __future__ import annotations

from . import immutable_collections, node, graph, proxy
from .graph import Graph, CodeGen, PythonCode
from .graph_module import GraphModule
from .node import Node, map_arg, map_aggregate, has_side_effect
from .proxy import Proxy, Attribute, TraceError, GraphAppendingTracer, ParameterProxy
from ._symbolic_trace import PH, Tracer, symbolic_trace, wrap
from .interpreter import Interpreter, Transformer
from . import subgraph_rewriter, passes
from .subgraph_rewriter import replace_pattern

__all__ = ["symbolic_trace", "Tracer", "Graph", "GraphModule", "Node", "Proxy", "wrap", "Interpreter",
           "Transformer", "replace_pattern", "map_arg", "map_aggregate", "has_side_effect", "PH", "CodeGen",
           "PythonCode", "TraceError", "Attribute", "GraphAppendingTracer", "ParameterProxy"]
