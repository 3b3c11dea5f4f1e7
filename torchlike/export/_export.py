"""torch.export.export over torchlike.fx: capture a module's forward as one flat graph.

The graph is captured by symbolic tracing through every submodule (torchlike.nn layers included),
so it holds ``torch.*`` / ``torch.nn.functional.*`` calls rather than ATen operators; parameters,
buffers and tensor constants are lifted to graph inputs as in torch (``p_``/``b_``/``c_`` names).
A submodule whose forward cannot be traced (Python control flow on its input) stays one
``call_module`` node, and its parameters stay inside it. Non-tensor arguments are specialised to
their example values. Dynamic dimensions (``Dim``) are range checks on ``ep.module()``'s inputs;
every other dimension must equal the example's, as torch's guards require. The captured graph
itself is shape-generic.
"""
from __future__ import annotations

import inspect

from .._tensor import Tensor
from ..fx import GraphModule, Tracer
from ..fx.proxy import TraceError
from ..nn import Module, Parameter, Sequential
from ._dims import _Dim, _DimHint
from ._program import ExportedProgram, _Guards
from .graph_signature import (ConstantArgument, ExportGraphSignature, InputKind, InputSpec, OutputKind, OutputSpec,
                              TensorArgument)

__all__ = ["export"]


class _FlatTracer(Tracer):
    """Traces through every module (torch.export inlines submodules), except those listed as leaves."""

    def __init__(self, constants: dict, leaves: set):
        super().__init__()
        self._constants = constants
        self._leaves = leaves

    def is_leaf_module(self, m, qualname: str) -> bool:
        return qualname in self._leaves and not isinstance(m, Sequential)

    def _proxy_placeholder(self, name, concrete_args, sig, fn_for_analysis):
        if name in self._constants:
            return self._constants[name]
        return super()._proxy_placeholder(name, None, sig, fn_for_analysis)


def _trace(mod: Module, constants: dict):
    leaves: set = set()
    while True:
        tracer = _FlatTracer(constants, leaves)
        try:
            graph = tracer.trace(mod)
            return tracer, graph
        except (TraceError, RuntimeError, TypeError, NotImplementedError) as e:
            # the innermost module being traced through when it failed becomes a leaf
            failed = _failing_module(mod, e)
            if failed is None or failed in leaves:
                raise
            leaves.add(failed)


def _failing_module(root: Module, err: BaseException):
    """The qualified name of the deepest submodule whose forward is on the traceback of ``err``."""
    names = {id(m): n for n, m in root.named_modules() if n}
    found = None
    tb = err.__traceback__
    while tb is not None:
        self_obj = tb.tb_frame.f_locals.get("self")
        if self_obj is not None and id(self_obj) in names and tb.tb_frame.f_code.co_name == "forward":
            found = names[id(self_obj)]
        tb = tb.tb_next
    return found


def export(mod: Module, args: tuple, kwargs: dict | None = None, *, dynamic_shapes=None, strict: bool = False,
           preserve_module_call_signature: tuple = ()) -> ExportedProgram:
    """Capture ``mod.forward`` on example inputs as an :class:`ExportedProgram` (torch.export.export).

    ``dynamic_shapes`` maps each input (by parameter name, or positionally as a tuple) to
    ``{dim: Dim(...)}`` or a list/tuple of per-dimension ``Dim``/None."""
    if not isinstance(mod, Module):
        raise ValueError(f"Expected `mod` to be an instance of `torch.nn.Module`, got {type(mod)}.")
    if not isinstance(args, tuple):
        raise ValueError(f"Expecting `args` to be a tuple of example positional inputs, got {type(args)}")
    kwargs = dict(kwargs or {})
    sig = inspect.signature(mod.forward)
    bound = sig.bind(*args, **kwargs)
    constants: dict = {}
    tensor_inputs: list = []
    for name, param in sig.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise NotImplementedError("torchlike.export: *args/**kwargs in forward are not supported")
        if name in bound.arguments:
            value = bound.arguments[name]
            if isinstance(value, Tensor):
                tensor_inputs.append((name, value))
            else:
                constants[name] = value
        elif param.default is not inspect.Parameter.empty:
            constants[name] = param.default
    tracer, graph = _trace(mod, constants)
    unlifted = GraphModule(tracer.root, graph, "GraphModule")
    guards = _Guards(_guards_for(tensor_inputs, dynamic_shapes, sig), [n for n, _ in tensor_inputs])
    signature, lifted = _lift(unlifted, mod)
    state_dict = {}
    for spec in signature.input_specs:
        if spec.kind in (InputKind.PARAMETER, InputKind.BUFFER) and spec.persistent is not False:
            state_dict[spec.target] = unlifted.get_parameter(spec.target) if spec.kind is InputKind.PARAMETER \
                else unlifted.get_buffer(spec.target)
    for name, p in unlifted.named_parameters():
        state_dict.setdefault(name, p)
    constants_out = {s.target: unlifted.get_buffer(s.target) for s in signature.input_specs
                     if s.kind is InputKind.CONSTANT_TENSOR}
    ep = ExportedProgram(lifted, unlifted, signature, state_dict, guards, constants_out,
                         example_inputs=(args, kwargs))
    ep.module()(*args, **kwargs)  # the captured program must run on its own example inputs
    return ep


def _guards_for(tensor_inputs, dynamic_shapes, sig):
    """Per tensor input, its expected rank and, per dimension, the exact size or a Dim range."""
    if dynamic_shapes is not None:
        if isinstance(dynamic_shapes, (tuple, list)):
            names = [n for n in sig.parameters][:len(dynamic_shapes)]
            dynamic_shapes = dict(zip(names, dynamic_shapes))
        if not isinstance(dynamic_shapes, dict):
            raise ValueError(f"dynamic_shapes must be a dict, tuple or list, got {type(dynamic_shapes).__name__}")
        known = {n for n, _ in tensor_inputs}
        for name in dynamic_shapes:
            if name not in known:
                raise ValueError(f"dynamic_shapes names '{name}', which is not a tensor input of forward "
                                 f"(tensor inputs: {sorted(known)})")
    guards = {}
    for name, t in tensor_inputs:
        per_dim = {i: int(s) for i, s in enumerate(t.shape)}
        spec = (dynamic_shapes or {}).get(name)
        if isinstance(spec, (list, tuple)):
            spec = dict(enumerate(spec))
        for dim, d in (spec or {}).items():
            if d is None or (isinstance(d, _DimHint) and d.kind == "STATIC"):
                continue
            if not 0 <= dim < t.ndim:
                raise ValueError(f"dynamic_shapes['{name}'] names dimension {dim}, but the input has {t.ndim}")
            if isinstance(d, _DimHint):
                d = _Dim(f"{name}_dim{dim}")
            if not isinstance(d, _Dim):
                raise ValueError(f"dynamic_shapes['{name}'][{dim}] must be a Dim, got {type(d).__name__}")
            if not d.min <= t.shape[dim] <= d.max:
                raise ValueError(f"Example input {name}.shape[{dim}] = {t.shape[dim]} is outside the range "
                                 f"[{d.min}, {d.max}] of {d!r}")
            per_dim[dim] = d
        guards[name] = (t.ndim, per_dim)
    return guards


def _lift(unlifted: GraphModule, mod: Module):
    """A copy of the graph whose parameters, buffers and tensor constants are inputs, and its signature."""
    import copy
    graph = copy.deepcopy(unlifted.graph)
    params = {id(p): n for n, p in unlifted.named_parameters()}
    persistent_buffers = set(unlifted.state_dict().keys())
    buffers = {id(b): n for n, b in unlifted.named_buffers()}
    original_buffers = {n for n, _ in mod.named_buffers()}
    gets = [n for n in graph.nodes if n.op == "get_attr"]
    first_user = next((n for n in graph.nodes if n.op == "placeholder"), None)
    kinds = {InputKind.PARAMETER: [], InputKind.BUFFER: [], InputKind.CONSTANT_TENSOR: []}
    for node in gets:
        obj = unlifted
        for atom in node.target.split("."):
            obj = getattr(obj, atom)
        if isinstance(obj, Parameter) and id(obj) in params:
            kinds[InputKind.PARAMETER].append(node)
        elif isinstance(obj, Tensor) and id(obj) in buffers and node.target in original_buffers:
            kinds[InputKind.BUFFER].append(node)
        elif isinstance(obj, Tensor):
            kinds[InputKind.CONSTANT_TENSOR].append(node)
    specs = []
    prefix = {InputKind.PARAMETER: "p_", InputKind.BUFFER: "b_", InputKind.CONSTANT_TENSOR: "c_"}
    order = {n: i for i, (n, _) in enumerate(list(unlifted.named_parameters()) + list(unlifted.named_buffers()))}
    for kind in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
        for node in sorted(kinds[kind], key=lambda n: order.get(n.target, len(order))):
            with (graph.inserting_before(first_user) if first_user is not None else graph.inserting_before(None)):
                ph = graph.placeholder(prefix[kind] + node.target.replace(".", "_").lower())
            node.replace_all_uses_with(ph)
            graph.erase_node(node)
            persistent = (node.target in persistent_buffers) if kind is InputKind.BUFFER else None
            specs.append(InputSpec(kind, TensorArgument(ph.name), node.target, persistent))
    for node in graph.nodes:
        if node.op == "placeholder" and not any(s.arg.name == node.name for s in specs):
            specs.append(InputSpec(InputKind.USER_INPUT, TensorArgument(node.name), None))
    out = next(n for n in graph.nodes if n.op == "output")
    outs = out.args[0]
    flat = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    out_specs = []
    for o in flat:
        arg = TensorArgument(o.name) if hasattr(o, "op") else ConstantArgument("", o)
        out_specs.append(OutputSpec(OutputKind.USER_OUTPUT, arg, None))
    lifted = GraphModule(unlifted, graph, "GraphModule")
    return ExportGraphSignature(specs, out_specs), lifted
