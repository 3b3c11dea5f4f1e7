"""torch.fx.Graph: a doubly linked list of Nodes, and the Python code generated from it.

Node naming, ``str(graph)`` and the generated ``forward`` follow torch's formats line for line
(snake-cased targets, ``_1`` suffixes, ``;  x = None`` after a value's last use), so graphs and
``GraphModule.code`` read the same as torch's. Functions print with torch's spelling
(``torch.relu``): the generated code runs with ``torch`` bound to ``torchlike``.
"""
from __future__ import annotations

import builtins
import inspect
import keyword
import math
import operator
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from . import _names
from .node import Node, _format_arg, _type_repr, map_arg

__all__ = ["Graph", "PythonCode", "CodeGen"]

_illegal_names = {k: object() for k in keyword.kwlist}
_illegal_names.update(builtins.__dict__)  # a generated name must not shadow a builtin


def _custom_builtins():
    """Globals every generated forward has (torch's ``_custom_builtins``; ``torch`` is torchlike)."""
    import torchlike
    found = {"inf": math.inf, "nan": math.nan, "NoneType": type(None), "torch": torchlike,
             "device": torchlike.device}
    _illegal_names.update(found)
    return found

_snake_case_sub = re.compile(r"(?<=[a-z])([A-Z])").sub
_illegal_char_regex = re.compile("[^0-9a-zA-Z_]+")
_name_regex = re.compile(r"^([a-zA-Z_][0-9a-zA-Z_]*?)(?:_(\d+))?$")

magic_methods = dict(
    add="{} + {}", sub="{} - {}", mul="{} * {}", floordiv="{} // {}", truediv="{} / {}", div="{} / {}",
    mod="{} % {}", pow="{} ** {}", lshift="{} << {}", rshift="{} >> {}", and_="{} & {}", or_="{} | {}",
    xor="{} ^ {}", getitem="{}[{}]", matmul="{} @ {}",
    eq="{} == {}", ne="{} != {}", lt="{} < {}", gt="{} > {}", le="{} <= {}", ge="{} >= {}",
    pos="+{}", neg="-{}", invert="~{}")
inplace_methods = dict(
    iadd="{} += {}", iand="{} &= {}", ifloordiv="{} //= {}", ilshift="{} <<= {}", imod="{} %= {}",
    imul="{} *= {}", imatmul="{} @= {}", ior="{} |= {}", ipow="{} **= {}", irshift="{} >>= {}",
    isub="{} -= {}", itruediv="{} /= {}", ixor="{} ^= {}", setitem="{}[{}] = {}")


def _snake_case(s: str) -> str:
    return _snake_case_sub(r"_\1", s).lower()


def _is_magic(x: str) -> bool:
    return x.startswith("__") and x.endswith("__")


def _format_target(base: str, target: str) -> str:
    r = base
    for e in target.split("."):
        r = f'getattr({r}, "{e}")' if not e.isidentifier() else f"{r}.{e}"
    return r


class _Namespace:
    """Unique names for values and globals: one name per object, none shadowing a builtin."""

    def __init__(self):
        self._obj_to_name: dict = {}
        self._used_names: set = set()
        self._base_count: dict = {}

    def create_name(self, candidate: str, obj) -> str:
        if obj is not None and obj in self._obj_to_name:
            return self._obj_to_name[obj]
        match = _name_regex.match(candidate)
        if match is None:
            candidate = _illegal_char_regex.sub("_", candidate) or "_unnamed"
            if candidate[0].isdigit():
                candidate = f"_{candidate}"
            match = _name_regex.match(candidate)
        base, num = match.group(1, 2)
        if num is None or candidate in self._used_names:
            num = self._base_count.get(base, 0)
            if _illegal_names.get(candidate, obj) is not obj:
                num += 1
                candidate = f"{base}_{num}"
        else:
            num = int(num)
        while candidate in self._used_names:
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[obj] = candidate
        return candidate

    def associate_name_with_obj(self, name: str, obj) -> None:
        self._obj_to_name.setdefault(obj, name)

    def _rename_object(self, obj, name: str) -> None:
        self._obj_to_name[obj] = name
        self._used_names.add(name)


@dataclass
class PythonCode:
    """Source of a generated ``forward`` and the globals it runs with (torch.fx.graph.PythonCode)."""
    src: str
    globals: dict
    _lineno_map: dict | None = None


class _NodeList:
    """The live view ``graph.nodes``: iterable (forwards or ``reversed``), sized, safe to erase while iterating."""

    def __init__(self, graph: "Graph", direction: str = "_next"):
        self._graph = graph
        self._direction = direction

    def __len__(self):
        return self._graph._len

    def __iter__(self):
        root = self._graph._root
        d = self._direction
        cur = getattr(root, d)
        while cur is not root:
            nxt = getattr(cur, d)
            if not cur._erased:
                yield cur
            cur = nxt

    def __reversed__(self):
        return iter(_NodeList(self._graph, "_prev" if self._direction == "_next" else "_next"))

    def __getitem__(self, i):
        return list(self)[i]


class _InsertPoint:
    def __init__(self, graph, new_insert):
        self.graph = graph
        self.orig_insert, graph._insert = graph._insert, new_insert

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.graph._insert = self.orig_insert


class CodeGen:
    """Turns a Graph into the source of a ``forward`` function (torch.fx.graph.CodeGen)."""

    def __init__(self):
        self._func_name = "forward"

    def gen_fn_def(self, free_vars: list, maybe_return_annotation: str) -> str:
        if not free_vars or free_vars[0] != "self":
            free_vars.insert(0, "self")
        return f"def {self._func_name}({', '.join(free_vars)}){maybe_return_annotation}:"

    def generate_output(self, output_args, repr_fn=repr) -> str:
        return f"return {repr_fn(output_args)}"

    def process_inputs(self, *args):
        return args

    def process_outputs(self, outputs):
        return outputs

    def _gen_python_code(self, nodes, root_module: str, namespace: _Namespace, verbose: bool = False) -> PythonCode:
        free_vars: list = []
        body: list = []
        globals_: dict = {}
        wrapped_fns: dict = {}
        maybe_return_annotation = [""]

        def add_global(name_hint: str, obj) -> str:
            tn = _names.torch_name(obj) if callable(obj) else None
            if tn is not None:
                return tn
            mod = getattr(obj, "__module__", None) or ""
            if (mod == "torchlike" or mod.startswith("torchlike.")) and obj is not _custom_builtins()["device"]:
                return _names.qualified_name(obj)  # reachable as torch.<path> since torch is torchlike
            global_name = namespace.create_name(name_hint, obj)
            if global_name in globals_ and globals_[global_name] is not obj:
                raise AssertionError(f"Global name {global_name} already assigned to different object")
            globals_[global_name] = obj
            return global_name

        for name, obj in _custom_builtins().items():
            add_global(name, obj)

        def type_repr(o) -> str:
            if isinstance(o, type) and o.__module__ == "builtins":
                return add_global(o.__name__, o)
            return add_global(_type_repr(o), o)

        def _get_repr(arg) -> str:
            if isinstance(arg, Node):
                return repr(arg)
            if isinstance(arg, tuple) and hasattr(arg, "_fields"):
                gname = add_global(_names.qualified_name(type(arg)), type(arg))
                return f"{gname}{repr(tuple(arg))}"
            from .._tensor import Tensor
            if isinstance(arg, Tensor):
                return f"torch.Tensor(size={list(arg.size())}, dtype={str(arg.dtype).split('.')[-1]})"
            if isinstance(arg, tuple):
                if len(arg) == 1:
                    return f"({_get_repr(arg[0])},)"
                return "(" + ", ".join(_get_repr(a) for a in arg) + ")"
            if isinstance(arg, list):
                return "[" + ", ".join(_get_repr(a) for a in arg) + "]"
            if isinstance(arg, dict):
                return "{" + ", ".join(f"{_get_repr(k)}: {_get_repr(v)}" for k, v in arg.items()) + "}"
            if isinstance(arg, slice):
                return f"slice({_get_repr(arg.start)}, {_get_repr(arg.stop)}, {_get_repr(arg.step)})"
            if isinstance(arg, type):
                return add_global(arg.__name__, arg)
            return repr(arg)

        def _format_args(args, kwargs) -> str:
            res = [_get_repr(a) for a in args]
            res.extend(f"{k} = {_get_repr(v)}" for k, v in kwargs.items())
            return ", ".join(res)

        node_to_last_use: dict = {}
        user_to_last_uses: dict = {}
        for node in reversed(nodes):
            for inp in node._input_nodes:
                if inp not in node_to_last_use:
                    node_to_last_use[inp] = node
                    user_to_last_uses.setdefault(node, []).append(inp)

        def delete_unused_values(user: Node) -> None:
            if user.op == "placeholder":
                return
            if user.op == "output":
                body.append("\n")
                return
            to_delete = list(user_to_last_uses.get(user, []))
            if len(user.users) == 0:
                to_delete.append(user)
            if to_delete:
                body.append(";  " + " = ".join([repr(n) for n in to_delete] + ["None"]) + "\n")
            else:
                body.append("\n")

        def fn_name(node) -> str:
            if node._target_name is not None and node._target_name.startswith("torch."):
                return node._target_name
            return add_global(_names.qualified_name(node.target), node.target)

        def emit_node(node: Node) -> None:
            ann = "" if node.type is None else f" : {type_repr(node.type)}"
            if node.op == "placeholder":
                default = "" if not node.args else f" = {_get_repr(node.args[0])}"
                free_vars.append(f"{node.target}{ann}{default}")
                raw = node.target.replace("*", "")
                if raw != repr(node):
                    body.append(f"{repr(node)} = {raw}\n")
                return
            if node.op == "call_method":
                body.append(f"{repr(node)}{ann} = {_format_target(_get_repr(node.args[0]), node.target)}"
                            f"({_format_args(node.args[1:], node.kwargs)})")
                return
            if node.op == "call_function":
                mod = getattr(node.target, "__module__", "")
                name = getattr(node.target, "__name__", "")
                if mod == "_operator" and name in magic_methods and getattr(operator, name, None) is node.target:
                    body.append(f"{repr(node)}{ann} = "
                                f"{magic_methods[name].format(*(_get_repr(a) for a in node.args))}")
                    return
                if mod == "_operator" and name in inplace_methods and getattr(operator, name, None) is node.target:
                    body.append(f"{inplace_methods[name].format(*(_get_repr(a) for a in node.args))};  "
                                f"{repr(node)}{ann} = {_get_repr(node.args[0])}")
                    return
                gname = fn_name(node)
                if (gname == "getattr" and len(node.args) == 2 and isinstance(node.args[1], str)
                        and node.args[1].isidentifier()):
                    body.append(f"{repr(node)}{ann} = {_format_target(_get_repr(node.args[0]), node.args[1])}")
                    return
                body.append(f"{repr(node)}{ann} = {gname}({_format_args(node.args, node.kwargs)})")
                if node.meta.get("is_wrapped", False):
                    wrapped_fns.setdefault(gname)
                return
            if node.op == "call_module":
                body.append(f"{repr(node)}{ann} = "
                            f"{_format_target(root_module, node.target)}({_format_args(node.args, node.kwargs)})")
                return
            if node.op == "get_attr":
                body.append(f"{repr(node)}{ann} = {_format_target(root_module, node.target)}")
                return
            if node.op == "output":
                if node.type is not None:
                    maybe_return_annotation[0] = f" -> {type_repr(node.type)}"
                body.append(self.generate_output(node.args[0], repr_fn=_get_repr))
                return
            raise NotImplementedError(f"node: {node.op} {node.target}")

        prev_summary = None
        for node in nodes:
            if verbose and node.op not in ("placeholder", "output"):
                summary = node.stack_trace.strip().splitlines()[-1] if node.stack_trace else \
                    "No stacktrace found for following nodes"
                summary = f"\n# {summary}\n"
                if summary != prev_summary:
                    prev_summary = summary
                    body.append(summary)
            emit_node(node)
            delete_unused_values(node)

        if not body:
            body.append("pass\n")
        if wrapped_fns:
            wrap_name = add_global("wrap", _wrap_fn())
            wrap_stmts = "\n".join(f'{wrap_name}("{name}")' for name in wrapped_fns)
        else:
            wrap_stmts = ""
        prologue = self.gen_fn_def(free_vars, maybe_return_annotation[0])
        code = "".join(body).lstrip("\n")
        code = "\n".join("    " + line for line in code.split("\n"))
        return PythonCode(f"\n{wrap_stmts}\n\n{prologue}\n{code}", globals_)


def _wrap_fn():
    from ._symbolic_trace import wrap
    return wrap


class Graph:
    """torch.fx.Graph: the nodes of a traced program, in execution order."""

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        self._root = Node(self, "", "root", "", (), {})
        self._used_names: dict = {}
        self._insert = self._root.prepend
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras
        self._codegen = CodeGen()
        self._co_fields: dict = {}

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod):
        self._owning_module = mod

    @property
    def nodes(self) -> _NodeList:
        return _NodeList(self)

    def find_nodes(self, *, op: str, target=None, sort: bool = True) -> list[Node]:
        """Nodes with this ``op`` (and ``target`` if given), in graph order."""
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # -------------------------------------------------------------- building
    def create_node(self, op: str, target, args=None, kwargs=None, name: str | None = None,
                    type_expr=None) -> Node:
        """Create a node and insert it at the current insertion point (torch.fx.Graph.create_node)."""
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(args, tuple):
            raise AssertionError("args must be a tuple")
        if not isinstance(kwargs, dict):
            raise AssertionError("kwargs must be a dict")
        candidate = name if name is not None else self._target_to_str(target)
        name = self._graph_namespace.create_name(candidate, None)
        n = Node(self, name, op, target, args, kwargs, type_expr)
        self._graph_namespace.associate_name_with_obj(name, n)
        self._insert(n)
        self._len += 1
        return n

    def _target_to_str(self, target) -> str:
        if callable(target):
            op = target.__name__
        else:
            op = target
            if _is_magic(op):
                op = op[2:-2]
        return _snake_case(op)

    def placeholder(self, name: str, type_expr=None, default_value=inspect.Signature.empty) -> Node:
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name: str, type_expr=None) -> Node:
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function: Callable, args=None, kwargs=None, type_expr=None, name=None) -> Node:
        return self.create_node("call_function", the_function, args, kwargs, name=name, type_expr=type_expr)

    def output(self, result, type_expr=None) -> Node:
        return self.create_node(op="output", target="output", args=(result,), type_expr=type_expr)

    def node_copy(self, node: Node, arg_transform: Callable[[Node], Any] = lambda x: x) -> Node:
        """Copy ``node`` (from any graph) into this one, mapping its Node arguments with ``arg_transform``."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        name = node.name if node.op != "placeholder" or node.name == node.target else node.name
        result = self.create_node(node.op, node.target, tuple(args), dict(kwargs), name, node.type)
        result.meta = dict(node.meta)
        result._target_name = node._target_name
        return result

    def graph_copy(self, g: "Graph", val_map: dict, return_output_values: bool = False):
        """Copy all nodes of ``g`` into this graph; ``val_map`` maps g's nodes to the copies (filled in).
        Returns the copied output value (with ``return_output_values``, the output node's argument)."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return rv if not return_output_values else (rv, node.type)
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo=None):
        memo = memo if memo is not None else {}
        g = Graph(tracer_cls=self._tracer_cls)
        output_vals = g.graph_copy(self, val_map=memo, return_output_values=True)
        g._codegen = self._codegen
        if output_vals is not None:
            rv, t = output_vals
            g.output(rv, type_expr=t)
        return g

    def erase_node(self, to_erase: Node) -> None:
        """Remove a node that has no users (torch raises RuntimeError otherwise)."""
        if len(to_erase.users) > 0:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had {len(to_erase.users)} "
                               f"users in the graph: {to_erase.users}!")
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            import warnings
            warnings.warn(f"erase_node({to_erase}) on an already erased node")
            return
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        to_erase._update_args_kwargs((), {})

    def inserting_before(self, n: Node | None = None):
        """Context manager: new nodes go just before ``n`` (before everything if None)."""
        if n is None:
            return self.inserting_after(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert before is not in graph.")
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n: Node | None = None):
        """Context manager: new nodes go just after ``n`` (at the start if None)."""
        if n is None:
            return self.inserting_before(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert after is not in graph.")
        return _InsertPoint(self, n.append)

    # -------------------------------------------------------------- passes
    def eliminate_dead_code(self, is_impure_node: Callable[[Node], bool] | None = None) -> bool:
        """Erase nodes without users that have no side effects; True if anything changed."""
        self.lint()
        changed = False
        for node in reversed(self.nodes):
            impure = is_impure_node(node) if is_impure_node is not None else node.is_impure()
            if not impure and len(node.users) == 0:
                self.erase_node(node)
                changed = True
        return changed

    def lint(self) -> None:
        """Check the graph is well formed (torch.fx.Graph.lint): nodes belong to it, arguments are
        defined before use, the use lists are consistent, and targets exist on the owning module."""
        seen_names: set = set()
        seen_values: set = set()
        for node in self.nodes:
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            if node.op not in ("placeholder", "get_attr", "call_function", "call_method", "call_module", "output"):
                raise RuntimeError(f"Node {node} had unknown opcode {node.op}!")
            for arg in node._input_nodes:
                if arg.graph is not self:
                    raise RuntimeError(f"Argument '{arg}' of Node '{node}' does not belong to this Graph, "
                                       "but was used as an argument! If you are copying nodes from another graph, "
                                       "make sure to use ``arg_transform`` on node_copy() to remap values\n"
                                       f"{self}")
                if arg not in seen_values:
                    raise RuntimeError(f"Argument '{arg}' of Node '{node}' was used before it has been defined! "
                                       "Please check that Nodes in the graph are topologically ordered\n"
                                       f"{self}")
                if node not in arg.users:
                    raise RuntimeError(f"Node {node} is missing from the users of its argument {arg}")
            if node.name in seen_names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen_names.add(node.name)
            seen_values.add(node)
        mod = self.owning_module
        if mod is None:
            return
        for node in self.nodes:
            if node.op in ("get_attr", "call_module"):
                m_itr = mod
                atoms = node.target.split(".")
                for i, atom in enumerate(atoms):
                    if not hasattr(m_itr, atom):
                        seen = ".".join(atoms[:i])
                        raise RuntimeError(f"Node {node} target {node.target} references nonexistent attribute "
                                           f"{atom} of {seen}")
                    m_itr = getattr(m_itr, atom)
                from ..nn import Module
                if node.op == "call_module" and not isinstance(m_itr, Module):
                    raise RuntimeError(f"Node {node} target {node.target} {atom} of {seen} does not reference "
                                       "an nn.Module")

    def print_tabular(self) -> None:
        """Print the nodes as a table (opcode, name, target, args, kwargs), as torch does (via tabulate)."""
        rows = [[n.op, n.name, n._pretty_print_target(n.target), _format_arg(n.args), _format_arg(n.kwargs)]
                for n in self.nodes]
        headers = ["opcode", "name", "target", "args", "kwargs"]
        try:
            from tabulate import tabulate
        except ImportError:
            tabulate = None
        if tabulate is not None:
            print(tabulate(rows, headers=headers))
            return
        widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(5)]
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
        print("  ".join("-" * w for w in widths))
        for r in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())

    # -------------------------------------------------------------- code
    def python_code(self, root_module: str, *, verbose: bool = False, **_ignored) -> PythonCode:
        """The source of ``forward`` for this graph; ``root_module`` names the module that holds
        submodules and attributes (``self`` in GraphModule)."""
        namespace = _Namespace()
        for node in self.nodes:
            namespace.create_name(node.name, node)
        return self._codegen._gen_python_code(list(self.nodes), root_module, namespace, verbose=verbose)

    def set_codegen(self, codegen: CodeGen) -> None:
        self._codegen = codegen

    @contextmanager
    def on_generate_code(self, make_transformer):
        yield

    def process_inputs(self, *args):
        return self._codegen.process_inputs(*args)

    def process_outputs(self, out):
        return self._codegen.process_outputs(out)

    def __str__(self) -> str:
        placeholder_names: list = []
        maybe_return_typename = [""]
        node_strs = [node.format_node(placeholder_names) for node in self.nodes]
        s = "graph():"
        for n in self.nodes:
            line = n.format_node(None, maybe_return_typename)
            if line:
                s += "\n    " + line
        del node_strs
        return s

    def __getstate__(self):
        # nodes as flat records (a linked list would pickle recursively, one frame per node)
        records = []
        for n in self.nodes:
            ref = lambda x: _NodeRef(x.name)  # noqa: E731
            records.append((n.name, n.op, n.target, map_arg(n.args, ref), map_arg(n.kwargs, ref), n.type,
                            n.meta, n._target_name))
        return {"records": records, "codegen": self._codegen, "tracer_cls": self._tracer_cls,
                "tracer_extras": self._tracer_extras}

    def __setstate__(self, state):
        self.__init__(tracer_cls=state["tracer_cls"], tracer_extras=state["tracer_extras"])
        self._codegen = state["codegen"]
        by_name: dict = {}
        for name, op, target, args, kwargs, type_, meta, target_name in state["records"]:
            deref = lambda r: by_name[r.name] if isinstance(r, _NodeRef) else r  # noqa: E731
            from .node import map_aggregate
            n = self.create_node(op, target, tuple(map_aggregate(args, deref)), dict(map_aggregate(kwargs, deref)),
                                 name, type_)
            n.meta = meta
            n._target_name = target_name
            by_name[name] = n


class _NodeRef:
    """A Node's name standing in for it inside a pickled Graph."""

    def __init__(self, name: str):
        self.name = name
