"""torch.fx.GraphModule: a Module whose ``forward`` is Python code generated from a Graph.

As in torch, each GraphModule gets its own class (so ``forward`` can be regenerated per
instance) named after the traced module; only the submodules, parameters and buffers the graph
reads are copied from the root; ``recompile()`` regenerates ``code`` after graph edits; pickling
and ``copy.deepcopy`` rebuild the module from its graph.
"""
from __future__ import annotations

import copy
import itertools
import linecache

from ..nn import Module, Parameter
from .graph import Graph

__all__ = ["GraphModule"]

_next_id = itertools.count()


def _exec_forward(src: str, globals_: dict):
    """Compile the generated source with a linecache entry, so tracebacks show the generated lines."""
    key = f"<eval_with_key>.{next(_next_id)}"
    linecache.cache[key] = (len(src), None, src.splitlines(True), key)
    g = dict(globals_)
    exec(compile(src, key, "exec"), g)
    return g["forward"]


def _copy_attr(from_module, to_module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            return  # this subtree is already shared
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    from .._tensor import Tensor
    if isinstance(orig, Tensor) and not isinstance(orig, Parameter):
        to_module.register_buffer(field, orig)
    else:
        setattr(to_module, field, orig)


def _assign_attr(from_obj, to_module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        to_module = t
    from .._tensor import Tensor
    if isinstance(from_obj, Tensor) and not isinstance(from_obj, Parameter):
        to_module.register_buffer(field, from_obj)
    else:
        setattr(to_module, field, from_obj)


def _addindent(s: str, num_spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line for line in lines)


class GraphModule(Module):
    """A Module generated from a :class:`Graph` (torch.fx.GraphModule).

    ``root`` is the module the graph's ``get_attr``/``call_module`` targets are copied from, or a
    dict mapping those targets to objects."""

    def __new__(cls, *args, **kwargs):
        # a class per instance, so each can carry its own generated forward
        for t in cls.__mro__:
            if t.__qualname__.split(".")[-1] != "GraphModuleImpl":
                cls = t
                break

        class GraphModuleImpl(cls):
            pass

        return super().__new__(GraphModuleImpl)

    def __init__(self, root, graph: Graph, class_name: str = "GraphModule"):
        super().__init__()
        self.__class__.__name__ = class_name
        if isinstance(root, Module):
            if hasattr(root, "training"):
                self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError(f"Node {node} referenced target {node.target} but that target was not "
                                           "provided in ``root``!")
                    _assign_attr(root[node.target], self, node.target)
        else:
            raise RuntimeError("Unsupported type " + str(root) + " passed for root!")
        self.graph = graph
        self._tracer_cls = getattr(graph, "_tracer_cls", None)
        self.meta: dict = {}

    @property
    def graph(self) -> Graph:
        return self._graph

    @graph.setter
    def graph(self, g: Graph) -> None:
        if not isinstance(g, Graph):
            raise AssertionError(f"Expected a torch.fx.Graph, got {type(g).__name__}")
        self.__dict__["_graph"] = g
        g.owning_module = self
        self.recompile()

    @property
    def code(self) -> str:
        """The Python source of the generated ``forward``."""
        if "_code" not in self.__dict__:
            raise RuntimeError("Code has not been generated! Please report a bug to PyTorch")
        return self._code

    def recompile(self):
        """Regenerate ``forward`` from ``self.graph`` (call after editing the graph)."""
        python_code = self._graph.python_code(root_module="self")
        self.__dict__["_code"] = python_code.src
        cls = type(self)
        cls.forward = _exec_forward(self._code, python_code.globals)
        return python_code

    # -------------------------------------------------------------- submodules
    def add_submodule(self, target: str, m: Module) -> bool:
        """Install ``m`` at dotted path ``target``, creating empty parent Modules; False if a
        non-Module attribute is in the way."""
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            submod = getattr(mod, item, None)
            if submod is None:
                submod = Module()
                setattr(mod, item, submod)
            if not isinstance(submod, Module):
                return False
            mod = submod
        mod.add_module(field, m)
        return True

    def delete_submodule(self, target: str) -> bool:
        """Remove the submodule at ``target``; False if there is none."""
        atoms = target.split(".")
        path, target_submod = atoms[:-1], atoms[-1]
        mod = self
        for item in path:
            if not hasattr(mod, item):
                return False
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                return False
        if not hasattr(mod, target_submod) or not isinstance(getattr(mod, target_submod), Module):
            return False
        delattr(mod, target_submod)
        return True

    def delete_all_unused_submodules(self) -> None:
        """Delete submodules that no call_module or get_attr node reaches."""
        used: set = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                fullpath = node.target.split(".")
                for i in range(1, len(fullpath) + 1):
                    used.add(".".join(fullpath[:i]))
                if node.op == "call_module":
                    try:
                        submod = self.get_submodule(node.target)
                    except AttributeError:
                        continue
                    for name, _ in submod.named_modules():
                        if name:
                            used.add(node.target + "." + name)
        to_delete = [name for name, _ in self.named_modules() if name and name not in used]
        for name in to_delete:
            self.delete_submodule(name)

    # -------------------------------------------------------------- printing
    def print_readable(self, print_output: bool = True, include_stride: bool = False,
                       include_device: bool = False, colored: bool = False, **_ignored) -> str:
        """The generated code of this module and its GraphModule children, as class definitions."""
        out = _print_readable(self, self._get_name())
        if print_output:
            print(out)
        return out

    def __str__(self) -> str:
        orig = super().__str__()
        return "\n".join([orig, self._code, "# To see more debug info, please use `graph_module.print_readable()`"])

    # -------------------------------------------------------------- copying and pickling
    def __reduce__(self):
        body = dict(self.__dict__)
        graph = body.pop("_graph")
        body.pop("_code", None)
        return (_rebuild_graph_module, (body, graph, self.__class__.__name__))

    def __deepcopy__(self, memo):
        res = GraphModule.__new__(GraphModule)
        memo[id(self)] = res
        fake = Module()
        fake.__dict__ = copy.deepcopy(self.__dict__, memo)
        GraphModule.__init__(res, fake, fake.__dict__["_graph"], self.__class__.__name__)
        for k, v in fake.__dict__.items():
            if k not in res.__dict__:
                res.__dict__[k] = v
        res.meta = copy.deepcopy(getattr(self, "meta", {}), memo)
        return res

    def __copy__(self):
        res = GraphModule(self, self.graph, self.__class__.__name__)
        res.meta = getattr(self, "meta", {})
        return res


def _print_readable(module, module_name: str) -> str:
    src = module.graph.python_code(root_module="self", verbose=True).src.lstrip("\n")
    code = _addindent(f"class {module_name}(torch.nn.Module):\n" + src, 4)
    parts = [code]
    for name, sub in module.named_children():
        if isinstance(sub, GraphModule):
            parts.append(_print_readable(sub, name))
    return "\n".join(parts)


def _rebuild_graph_module(body: dict, graph: Graph, class_name: str) -> GraphModule:
    gm = GraphModule.__new__(GraphModule)
    gm.__dict__.update(body)
    gm.__class__.__name__ = class_name
    gm.graph = graph
    return gm
