"""torch.onnx.export for torchlike: trace with torchlike.fx while computing each value on the example
inputs (Python code on sizes takes the example's path), run the graph once on them, and write each
node as ONNX operators (see ``_ops``, ``_recurrent`` and ``_attention`` for what converts).

torchlike.nn layers are converted whole (a Linear becomes Gemm, a Conv2d Conv, an LSTM ONNX's LSTM,
...); other calls by their torch function or Tensor method name. Values the model derives from sizes
are constants of the example run, so ``dynamic_axes`` only frees dimensions the model never reads.
Anything without a conversion raises :class:`~torchlike.onnx.errors.UnsupportedOperatorError`
naming it. The model is exported in eval mode (torch's default ``TrainingMode.EVAL``).
"""
from __future__ import annotations

import contextlib
import operator

import numpy as np

from .._tensor import Tensor
from ..fx import Interpreter, Tracer
from ..fx._names import qualified_name
from ..nn import Module
from . import _attention, _ops, _recurrent  # noqa: F401  (_attention and _recurrent register their layers)
from ._builder import Builder, T
from .errors import UnsupportedOperatorError

DEFAULT_OPSET = 17
_in_export = False


def is_in_onnx_export() -> bool:
    """True while :func:`export` is running (torch.onnx.is_in_onnx_export)."""
    return _in_export


def _require_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError as e:
        raise ImportError("torchlike.onnx.export needs the 'onnx' package: pip install 'torchlike[onnx]'") from e


def _short_name(node) -> str:
    if node.op == "call_method":
        return node.target
    t = node.target
    if getattr(operator, getattr(t, "__name__", ""), None) is t:
        return t.__name__
    return getattr(t, "__name__", str(t))


def _display_name(node, module=None) -> str:
    if node.op == "call_module":
        return f"torch.nn.{type(module).__name__}"
    if node.op == "call_method":
        return f"torch.Tensor.{node.target}"
    if node._target_name:
        return node._target_name
    try:
        return qualified_name(node.target)
    except RuntimeError:
        return str(node.target)


class _Converter(Interpreter):
    """Runs the graph for real and, node by node, emits the ONNX operators for it."""

    def __init__(self, gm, builder: Builder, input_names):
        super().__init__(gm, garbage_collect_values=False)
        self.b = builder
        self.sym: dict = {}
        self.input_names = list(input_names)
        self.inputs: list = []

    def _graph_inputs(self, name, real):
        """Tensors become graph inputs; a tuple or list of them (an RNN's ``(h, c)``) becomes one input
        per tensor, named ``name_0``, ``name_1``, ... unless ``input_names`` says otherwise, as torch flattens
        them. Other values are constants of the example run."""
        if isinstance(real, Tensor):
            t = T(self.input_names.pop(0) if self.input_names else name, real)
            self.inputs.append(t)
            return t
        if isinstance(real, (tuple, list)) and _real_has_tensor(real):
            items = [self._graph_inputs(f"{name}_{i}", r) for i, r in enumerate(real)]
            return type(real)(*items) if hasattr(real, "_fields") else type(real)(items)
        return real

    def _sym(self, a):
        from ..fx.node import Node, map_aggregate
        return map_aggregate(a, lambda x: self.sym[x] if isinstance(x, Node) else x)

    def run_node(self, n):
        real = super().run_node(n)
        if n.op == "placeholder":
            self.sym[n] = self._graph_inputs(str(n.target).lstrip("*"), real)
            return real
        if n.op == "get_attr":
            self.sym[n] = T(self.b.weight(real, n.target), real) if isinstance(real, Tensor) else real
            return real
        if n.op == "output":
            self.sym[n] = self._sym(n.args[0])
            return real
        args, kwargs = self._sym(n.args), self._sym(dict(n.kwargs))
        if not _has_tensor((args, kwargs)) or not _real_has_tensor(real):
            self.sym[n] = real  # a Python value (a size, a shape): a constant of the example run
            return real
        if n.op == "call_module":
            mod = self.fetch_attr(n.target)
            conv = _ops.MODULES.get(type(mod).__name__)
            if conv is None:
                raise UnsupportedOperatorError(_display_name(n, mod))
            out = conv(self.b, mod, n.target, *args, **kwargs)
        else:
            short = _short_name(n)
            conv = _ops.FUNCTIONS.get(short)
            if conv is None:
                raise UnsupportedOperatorError(_display_name(n))
            try:
                out = conv(self.b, *args, **kwargs)
            except TypeError as e:
                raise UnsupportedOperatorError(_display_name(n), f"arguments not understood ({e})") from e
        self.sym[n] = _wrap(out, real)
        return real


class _ExampleTracer(Tracer):
    """An fx Tracer that also computes every value on the example inputs, so that Python code reading
    sizes or values (``len(src)``, ``if x.size(0) != n:``, ``for h in hidden:``) takes the example run's
    path and that path is exported, as torch.onnx.export (through torch.export) specialises such code."""

    def __init__(self, example_inputs):
        super().__init__()
        self._examples = list(example_inputs)
        self._values: dict = {}
        self._evaluating = 0  # > 0 while a node runs for real (module calls then run, not record)

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        if kind != "output":
            self._evaluating += 1
            try:
                self._values[node] = self._evaluate(node)
            finally:
                self._evaluating -= 1
        return node

    def call_module(self, m, forward, args, kwargs):
        if self._evaluating:
            return forward(*args, **kwargs)
        return super().call_module(m, forward, args, kwargs)

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        if self._evaluating:
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)

    def _evaluate(self, node):
        from ..fx.node import map_arg
        if node.op == "placeholder":
            if self._examples:
                return self._examples.pop(0)
            return node.args[0] if node.args else None
        if node.op == "get_attr":
            obj = self.root
            for part in node.target.split("."):
                obj = getattr(obj, part)
            return obj
        args = map_arg(node.args, self._values.__getitem__)
        kwargs = map_arg(node.kwargs, self._values.__getitem__)
        if node.op == "call_module":
            return self.root.get_submodule(node.target)(*args, **kwargs)
        if node.op == "call_method":
            return getattr(args[0], node.target)(*args[1:], **kwargs)
        return node.target(*args, **kwargs)

    def value(self, proxy):
        return self._values[proxy.node]

    def to_bool(self, obj) -> bool:
        return bool(self.value(obj))

    def iter(self, obj):
        return iter([obj[i] for i in range(len(self.value(obj)))])

    def _len(self, obj) -> int:
        return len(self.value(obj))

    def _index(self, obj) -> int:
        return operator.index(self.value(obj))


def _trace(model, inputs):
    """The model's graph; a torch.nn layer exported on its own becomes one call_module node."""
    from ..fx import Graph, GraphModule
    n_inputs = len(inputs)
    if isinstance(model, Module) and Tracer().is_leaf_module(model, ""):
        import inspect
        names = [p for p in inspect.signature(model.forward).parameters][:n_inputs]
        target = type(model).__name__.lower()
        root = Module()
        root.add_module(target, model)
        g = Graph()
        phs = tuple(g.placeholder(n) for n in names)
        g.output(g.call_module(target, phs))
        return GraphModule(root, g, type(model).__name__)
    tracer = _ExampleTracer(inputs)
    graph = tracer.trace(model)
    name = type(model).__name__ if isinstance(model, Module) else getattr(model, "__name__", "function")
    return GraphModule(tracer.root, graph, name)


def _has_tensor(x) -> bool:
    if isinstance(x, T):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_tensor(e) for e in x)
    if isinstance(x, dict):
        return any(_has_tensor(e) for e in x.values())
    return False


def _real_has_tensor(x) -> bool:
    if isinstance(x, Tensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_real_has_tensor(e) for e in x)
    return False


def _wrap(out, real):
    if isinstance(out, str):
        return T(out, real)
    if isinstance(out, (tuple, list)):
        return type(out)(_wrap(o, r) if o is not None else None for o, r in zip(out, real))
    return out


def _flatten_outputs(sym, real):
    if isinstance(sym, T):
        return [(sym, real)]
    if isinstance(sym, (tuple, list)):
        out = []
        for s, r in zip(sym, real):
            out.extend(_flatten_outputs(s, r))
        return out
    if sym is None:
        return []
    raise UnsupportedOperatorError("output", f"the model returns a {type(sym).__name__}, not tensors")


_ONNX_TYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3, np.dtype(np.int16): 5,
               np.dtype(np.int32): 6, np.dtype(np.int64): 7, np.dtype(np.bool_): 9, np.dtype(np.float16): 10,
               np.dtype(np.float64): 11}


def _value_info(helper, name, value, dyn: dict):
    arr = np.asarray(value.detach()._value)
    dims = [dyn.get(i, int(s)) for i, s in enumerate(arr.shape)]
    return helper.make_tensor_value_info(name, _ONNX_TYPES.get(arr.dtype, 1), dims)


def _dyn_for(name, dynamic_axes):
    spec = (dynamic_axes or {}).get(name)
    if spec is None:
        return {}
    if isinstance(spec, dict):
        return {int(k): str(v) for k, v in spec.items()}
    return {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(spec)}


@contextlib.contextmanager
def _eval_mode(model, training):
    from ._modes import TrainingMode
    if not isinstance(model, Module) or training == TrainingMode.TRAINING:
        yield
        return
    was = model.training
    model.train(False)
    try:
        yield
    finally:
        model.train(was)


def export(model, args=(), f=None, *, kwargs=None, export_params: bool = True, verbose=None, input_names=None,
           output_names=None, opset_version: int | None = None, dynamic_axes=None,
           keep_initializers_as_inputs: bool = False, dynamo: bool = True, external_data: bool = True,
           dynamic_shapes=None, training=None, do_constant_folding: bool = True, report: bool = False,
           optimize: bool = True, verify: bool = False, **unused):
    """Write ``model`` (a Module or function) as an ONNX file ``f`` and return an :class:`ONNXProgram`
    (torch.onnx.export). ``args`` are example inputs (a tuple, or one tensor)."""
    global _in_export
    _require_onnx()
    import onnx
    from onnx import helper
    from ._program import ONNXProgram
    if isinstance(args, Tensor):
        args = (args,)
    args = tuple(args)
    kwargs = dict(kwargs or {})
    opset = opset_version or DEFAULT_OPSET
    if opset < 17:
        raise ValueError(f"torchlike.onnx.export writes opset 17 or newer, got opset_version={opset}")
    b = Builder(opset)
    prev, _in_export = _in_export, True
    try:
        with _eval_mode(model, training):
            gm = _trace(model, list(args) + list(kwargs.values()))
            conv = _Converter(gm, b, input_names or [])
            result = conv.run(*args, *kwargs.values())
            outs = _flatten_outputs(conv.sym[next(n for n in gm.graph.nodes if n.op == "output")], result)
    finally:
        _in_export = prev
    out_names = list(output_names or [])
    graph_outputs, final_nodes = [], []
    input_set = {t.name for t in conv.inputs} | {i.name for i in b.initializers}
    for i, (t, real) in enumerate(outs):
        name = out_names[i] if i < len(out_names) else None
        if name is None and t.name in input_set:
            name = b.fresh(f"output_{i}")
        if name is not None and name != t.name:
            final_nodes.append(helper.make_node("Identity", [t.name], [name]))
            t = T(name, real)
        graph_outputs.append(_value_info(helper, t.name, real, _dyn_for(t.name, dynamic_axes)))
    graph_inputs = [_value_info(helper, t.name, t.value, _dyn_for(t.name, dynamic_axes)) for t in conv.inputs]
    if keep_initializers_as_inputs:
        graph_inputs += [helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in b.initializers]
    graph = helper.make_graph(b.nodes + final_nodes, type(model).__name__ if isinstance(model, Module)
                              else getattr(model, "__name__", "main_graph"), graph_inputs, graph_outputs,
                              initializer=b.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="torchlike")
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    program = ONNXProgram(proto)
    if f is not None:
        program.save(f)
    return program
