"""torch.fx.Proxy: the stand-in value that records what a traced program does with it.

Operators on a Proxy record ``call_function`` nodes with the ``operator`` function
(``x + y`` -> ``operator.add``); attribute reads record ``getattr`` when used as a value and
``call_method`` when called; ``torch.*`` functions called on a Proxy are recorded by the tracer
(see ``_patching``), as torch's ``__torch_function__`` does. Control flow on a Proxy raises
:class:`TraceError` with torch's wording.
"""
from __future__ import annotations

import dis
import inspect
import operator

from bisect import bisect_left

from .graph import Graph, magic_methods
from .node import Node

__all__ = ["TraceError", "TracerBase", "GraphAppendingTracer", "Proxy", "Attribute", "ParameterProxy"]


class TraceError(ValueError):
    """Raised when a traced program does something a Proxy cannot record (torch.fx.proxy.TraceError)."""


def _calling_instruction(frame):
    insts = list(dis.get_instructions(frame.f_code))
    idx = bisect_left(insts, frame.f_lasti, key=lambda x: x.offset)
    return insts, idx


class TracerBase:
    """What a Proxy needs from its tracer: a graph and ``create_proxy`` (torch.fx.proxy.TracerBase)."""

    graph: Graph
    record_stack_traces = False
    check_mutable_operations = False
    trace_asserts = False
    proxy_buffer_attributes = False
    traced_func_name = "forward"
    scope = None
    module_stack = None
    node_name_to_scope = None

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None) -> Node:
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node: Node) -> "Proxy":
        return Proxy(node, self)

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None, proxy_factory_fn=None):
        """Record one operation: turn ``args``/``kwargs`` into graph arguments, add a node, return its Proxy."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        assert isinstance(args_, tuple) and isinstance(kwargs_, dict)
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return self.proxy(node) if proxy_factory_fn is None else proxy_factory_fn(node)

    def create_arg(self, a):
        """Turn a Python value into something a Node may hold (torch's TracerBase.create_arg)."""
        if isinstance(a, Proxy):
            return a.node
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            return type(a)(*(self.create_arg(e) for e in a))
        if isinstance(a, (tuple, list)):
            return type(a)(self.create_arg(e) for e in a)
        if isinstance(a, dict):
            out = {}
            for k, v in a.items():
                k = self.create_arg(k)
                if isinstance(k, Node):
                    raise RuntimeError(f"Keys for dictionaries used as an argument cannot contain a Node. Got key: {k}")
                out[k] = self.create_arg(v)
            return out
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, (str, int, float, bool, complex, type(None), type(...))) or a is None:
            return a
        import torchlike
        if isinstance(a, (torchlike.dtype, torchlike.device, torchlike.Size)) or isinstance(a, type):
            return a
        if isinstance(a, Node):
            return a
        import enum
        if isinstance(a, enum.Enum):
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    def to_bool(self, obj: "Proxy") -> bool:
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj: "Proxy"):
        raise TraceError("Proxy object cannot be iterated. This can be attempted when the Proxy is used in a loop or"
                         " as a *args or **kwargs function argument. See the torch.fx docs on pytorch.org for a "
                         "more detailed explanation of what types of control flow can be traced, and check out the"
                         " Proxy docstring for help troubleshooting Proxy iteration errors")

    def keys(self, obj: "Proxy"):
        return Attribute(obj, "keys")()

    # torchlike hooks (torch's Proxy raises in __len__ and has no __index__): a tracer that knows
    # example values (torchlike.onnx's) answers them instead
    def _len(self, obj: "Proxy") -> int:
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you want "
                           "this call to be recorded, please call torch.fx.wrap('len') at module scope")

    def _index(self, obj: "Proxy") -> int:
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")


class GraphAppendingTracer(TracerBase):
    """A tracer that only appends to an existing graph (for building graphs with Proxies by hand)."""

    def __init__(self, graph: Graph):
        super().__init__()
        self.graph = graph
        self.scope = None
        self.module_stack = {}
        self.node_name_to_scope = {}


class Proxy:
    """A value inside a traced program (torch.fx.Proxy): ``proxy.node`` is the Node that made it."""

    def __init__(self, node: Node, tracer: TracerBase | None = None):
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node
        from . import _patching
        if not _patching.trace_depth:  # built by hand or by a Transformer: torch.* must see it
            _patching.install_permanently()

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    def __getattr__(self, k: str) -> "Attribute":
        if k.startswith("__") and k.endswith("__"):  # copy/pickle probes: not traced attributes
            raise AttributeError(k)
        return Attribute(self, k)

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, d):
        self.__dict__ = d

    def __deepcopy__(self, memo):
        import copy
        new = Proxy.__new__(Proxy)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            new.__dict__[k] = v if k in ("node", "tracer") else copy.deepcopy(v, memo)
        return new

    def __call__(self, *args, **kwargs) -> "Proxy":
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self):
        frame = inspect.currentframe().f_back
        insts, idx = _calling_instruction(frame)
        inst = insts[idx] if idx < len(insts) else None
        if inst is not None and inst.opname == "UNPACK_SEQUENCE":
            return (self[i] for i in range(inst.argval))
        return self.tracer.iter(self)

    def __abs__(self) -> "Proxy":
        return self.tracer.create_proxy("call_function", operator.abs, (self,), {})

    def __bool__(self) -> bool:
        return self.tracer.to_bool(self)

    def keys(self):
        return self.tracer.keys(self)

    def __len__(self) -> int:
        return self.tracer._len(self)

    def __index__(self):
        return self.tracer._index(self)

    def __hash__(self):
        return id(self)

    # torch's Proxy also has __torch_function__; torchlike records torch.* calls via _patching.


class Attribute(Proxy):
    """``proxy.attr``: becomes a ``getattr`` node when used as a value, a ``call_method`` node when called."""

    def __init__(self, root: Proxy, attr: str):
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self) -> Node:
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", getattr, (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs) -> Proxy:
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)


class ParameterProxy(Proxy):
    """A Proxy for a parameter: ``shape``, ``size()``, ``dim()``, ``ndim``, ``numel()`` read the real
    parameter instead of being recorded (torch.fx.proxy.ParameterProxy)."""

    def __init__(self, tracer, node, name, param):
        super().__init__(node, tracer)
        self.param = param
        self.name = name

    def __repr__(self):
        return f"ParameterProxy({self.name})"

    @property
    def shape(self):
        return self.param.shape

    def size(self, dim=None):
        return self.param.size() if dim is None else self.param.size(dim)

    def dim(self):
        return self.param.dim()

    @property
    def ndim(self):
        return self.param.ndim

    def numel(self):
        return self.param.numel()

    def nelement(self):
        return self.param.nelement()


def _method(name, template):
    target = getattr(operator, name)

    def impl(*args, **kwargs):
        tracer = args[0].tracer
        return tracer.create_proxy("call_function", target, args, kwargs)

    impl.__name__ = f"__{name.strip('_')}__"
    return impl


for _name, _tmpl in magic_methods.items():
    if _name == "div":
        continue
    _dunder = f"__{_name.strip('_')}__"
    setattr(Proxy, _dunder, _method(_name, _tmpl))

_reflectable = ("add", "sub", "mul", "floordiv", "truediv", "mod", "pow", "lshift", "rshift", "and_", "or_",
                "xor", "matmul")


def _reflected(name):
    target = getattr(operator, name)

    def impl(self, rhs):
        return self.tracer.create_proxy("call_function", target, (rhs, self), {})

    impl.__name__ = f"__r{name.strip('_')}__"
    return impl


for _name in _reflectable:
    setattr(Proxy, f"__r{_name.strip('_')}__", _reflected(_name))

# Proxy defines __eq__, so it must restate its hash (identity, as in torch)
Proxy.__hash__ = lambda self: id(self)
