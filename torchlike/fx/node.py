"""torch.fx.Node: one operation in a Graph, with its arguments and its users.

Matches torch's Node: ``op`` is one of placeholder / get_attr / call_function / call_method /
call_module / output; ``args``/``kwargs`` may nest tuples, lists, dicts and slices holding Nodes;
``users`` maps each Node that reads this one to None and is kept up to date when arguments are set.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

from .immutable_collections import immutable_dict, immutable_list

__all__ = ["Node", "map_arg", "map_aggregate", "has_side_effect", "Argument", "Target"]

Argument = Any
Target = Any

_legal_ops = ("placeholder", "get_attr", "call_function", "call_method", "call_module", "output", "root")

# torch.fx.node._side_effectful_functions: never removed by dead-code elimination
_side_effectful_functions: set = {operator.setitem}


def has_side_effect(fn: Callable) -> Callable:
    """Mark ``fn`` as side-effectful so ``eliminate_dead_code`` keeps its calls (torch.fx.node.has_side_effect)."""
    _side_effectful_functions.add(fn)
    return fn


def _is_side_effectful(target) -> bool:
    if target in _side_effectful_functions:
        return True
    if getattr(target, "__module__", None) == "torchlike.ops.profiler":  # torch.ops.profiler ranges
        return True
    from . import _names
    return _names.torch_name(target) in ("torch._assert", "torch._assert_async", "torch.manual_seed")


def map_aggregate(a: Argument, fn: Callable[[Argument], Argument]) -> Argument:
    """Apply ``fn`` to every leaf of ``a`` (tuples, lists, dicts and slices are walked), as torch does."""
    if isinstance(a, tuple):
        t = tuple(map_aggregate(elem, fn) for elem in a)
        return t if not hasattr(a, "_fields") else type(a)(*t)
    if isinstance(a, list):
        return immutable_list(map_aggregate(elem, fn) for elem in a)
    if isinstance(a, dict):
        return immutable_dict((k, map_aggregate(v, fn)) for k, v in a.items())
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a: Argument, fn: Callable[["Node"], Argument]) -> Argument:
    """Apply ``fn`` to each Node inside ``a`` (torch.fx.node.map_arg)."""
    if not callable(fn):
        raise AssertionError("torch.fx.map_arg(a, fn): fn must be a callable")
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def _format_arg(arg, max_list_len=float("inf")) -> str:
    if isinstance(arg, list):
        items = ", ".join(_format_arg(a) for i, a in enumerate(arg) if i < max_list_len)
        more = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        return f"[{items}{more}]"
    if isinstance(arg, tuple):
        items = ", ".join(_format_arg(a) for i, a in enumerate(arg) if i < max_list_len)
        more = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        return f"({items}{',' if len(arg) == 1 else ''}{more})"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    return str(arg)


def _type_repr(t) -> str:
    if isinstance(t, type):
        return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    return repr(t)


class Node:
    """A node of a :class:`Graph` (torch.fx.Node)."""

    def __init__(self, graph, name: str, op: str, target, args: tuple, kwargs: dict, return_type=None):
        if op not in _legal_ops:
            raise AssertionError(f"Unknown node op {op!r}; expected one of {_legal_ops[:-1]}")
        if op == "call_function" and not callable(target):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target)} but a Callable is expected")
        if op in ("placeholder", "get_attr", "call_method", "call_module", "output") and not isinstance(target, str):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target)} but a str is expected")
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes: dict[Node, None] = {}
        self._args: tuple = ()
        self._kwargs: dict = {}
        self.users: dict[Node, None] = {}
        self.type = return_type
        self._prev = self
        self._next = self
        self._erased = False
        self._repr_fn = None
        self.meta: dict[str, Any] = {}
        self._target_name = None  # the public name the target was called under, for printing
        self._update_args_kwargs(args, kwargs)

    # -------------------------------------------------------------- linked list
    @property
    def next(self) -> "Node":
        return self._next

    @property
    def prev(self) -> "Node":
        return self._prev

    def prepend(self, x: "Node") -> None:
        """Move ``x`` to just before this node in the graph."""
        if x is self:
            raise AssertionError("Cannot prepend a node to itself")
        if self.graph is not x.graph:
            raise AssertionError("Attempting to move a Node into a different Graph")
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x: "Node") -> None:
        """Move ``x`` to just after this node in the graph."""
        self._next.prepend(x)

    def _remove_from_list(self) -> None:
        p, n = self._prev, self._next
        p._next, n._prev = n, p
        self._prev = self._next = self

    # -------------------------------------------------------------- arguments
    @property
    def args(self) -> tuple:
        return self._args

    @args.setter
    def args(self, a) -> None:
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self) -> dict:
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k) -> None:
        self._update_args_kwargs(self._args, k)

    @property
    def all_input_nodes(self) -> list["Node"]:
        return list(self._input_nodes)

    def update_arg(self, idx: int, arg) -> None:
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx: int, arg) -> None:
        if not 0 <= idx <= len(self.args):
            raise AssertionError("insert_args index must be between 0 and len(self.args)")
        self.args = self.args[:idx] + (arg,) + self.args[idx:]

    def update_kwarg(self, key: str, arg) -> None:
        self.kwargs = {**self.kwargs, key: arg}

    def _update_args_kwargs(self, new_args, new_kwargs) -> None:
        for old in self._input_nodes:
            old.users.pop(self, None)
        self._input_nodes = {}
        seen = self._input_nodes

        def collect(n):
            seen.setdefault(n)  # a node of another graph is allowed here; Graph.lint() reports it
            return n

        self._args = map_arg(tuple(new_args), collect)
        self._kwargs = map_arg(dict(new_kwargs), collect)
        for n in self._input_nodes:
            n.users.setdefault(self)

    def replace_all_uses_with(self, replace_with: "Node", delete_user_cb: Callable[["Node"], bool] = lambda user: True,
                              *, propagate_meta: bool = False) -> list["Node"]:
        """Make every user of this node read ``replace_with`` instead; returns the users changed."""
        if propagate_meta:
            if len(replace_with.meta) != 0:
                raise AssertionError("Called node.replace_all_uses_with(replace_with, propagate_meta=True), "
                                     "but replace_with already has .meta keys")
            replace_with.meta.update(self.meta)
        to_process = [u for u in self.users if delete_user_cb(u)]
        for use in to_process:
            use._replace_input(self, replace_with)
        return to_process

    def replace_input_with(self, old_input: "Node", new_input: "Node") -> None:
        """Replace every occurrence of ``old_input`` among this node's arguments by ``new_input``."""
        self._replace_input(old_input, new_input)

    def _replace_input(self, old, new) -> None:
        m = lambda n: new if n is old else n  # noqa: E731
        self._update_args_kwargs(map_arg(self._args, m), map_arg(self._kwargs, m))

    # -------------------------------------------------------------- info
    @property
    def stack_trace(self):
        return self.meta.get("stack_trace")

    @stack_trace.setter
    def stack_trace(self, trace) -> None:
        self.meta["stack_trace"] = trace

    def is_impure(self, impure_random: bool = True) -> bool:
        """True for nodes dead-code elimination must keep: placeholders, outputs, side-effectful calls,
        and calls of modules marked impure."""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            return _is_side_effectful(self.target)
        if self.op == "call_module":
            owner = getattr(self.graph, "owning_module", None)
            if owner is not None:
                try:
                    mod = owner.get_submodule(self.target)
                except AttributeError:
                    return False
                return bool(getattr(mod, "_is_impure", False))
        return False

    def _pretty_print_target(self, target) -> str:
        if isinstance(target, str):
            return target
        if self._target_name is not None:
            return self._target_name
        from ._names import qualified_name
        if hasattr(target, "__module__"):
            name = getattr(target, "__name__", None)
            if name is None:
                return qualified_name(target)
            if target.__module__ == "builtins":
                return f"builtins.{name}"
            if target.__module__ == "_operator":
                return f"operator.{name}"
            return qualified_name(target)
        return str(target)

    def format_node(self, placeholder_names=None, maybe_return_typename=None, **_ignored) -> str | None:
        """The one-line description torch prints for this node inside ``str(graph)``."""
        if self.op == "placeholder":
            arg_str = self.target
            if placeholder_names is not None:
                placeholder_names.append(arg_str)
                return None
            typename = f"{_type_repr(self.type)} " if self.type else ""
            default = "(default=" + str(self.args[0]) + ")" if self.args else ""
            return f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}[target={self.target}]{default}"
        if self.op == "get_attr":
            typename = f"{_type_repr(self.type)} " if self.type is not None else ""
            return (f"%{self.name} : {typename}[num_users={len(self.users)}] = "
                    f"{self.op}[target={self._pretty_print_target(self.target)}]")
        if self.op == "output":
            if self.type and maybe_return_typename is not None:
                maybe_return_typename[0] = f" -> {_type_repr(self.type)}"
            return f"return {self.args[0]}"
        typename = f"{_type_repr(self.type)} " if self.type is not None else ""
        return (f"%{self.name} : {typename}[num_users={len(self.users)}] = "
                f"{self.op}[target={self._pretty_print_target(self.target)}]("
                f"args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})")

    def __repr__(self) -> str:
        if self._repr_fn is not None:
            return self._repr_fn(self)
        return self.name

    def __getstate__(self):
        return dict(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(state)

