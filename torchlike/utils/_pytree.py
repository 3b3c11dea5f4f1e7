"""torch.utils._pytree: flatten nested containers to leaves and rebuild them, with torch's node types.

As in torch: tuples, lists, dicts (in insertion order, unlike JAX, which sorts keys), OrderedDict,
defaultdict, deque and namedtuples are nodes; anything else, None and Tensors included, is a leaf; libraries add their own node types with :func:`register_pytree_node`
(transformers registers its ``ModelOutput`` classes this way).
"""
from __future__ import annotations

import collections
import dataclasses
from typing import Any, Callable, NamedTuple

__all__ = ["TreeSpec", "LeafSpec", "Context", "PyTree", "SUPPORTED_NODES", "register_pytree_node", "tree_flatten",
           "tree_unflatten", "tree_leaves", "tree_structure", "tree_map", "tree_map_only", "tree_any", "tree_all",
           "tree_flatten_with_path", "keystr", "SequenceKey", "MappingKey", "GetAttrKey", "treespec_pprint"]

Context = Any
PyTree = Any


class NodeDef(NamedTuple):
    type: type
    flatten_fn: Callable
    unflatten_fn: Callable
    flatten_with_keys_fn: Callable | None


SUPPORTED_NODES: dict = {}


def register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name=None, to_dumpable_context=None,
                         from_dumpable_context=None, flatten_with_keys_fn=None):
    """Make ``cls`` a node: ``flatten_fn(x) -> (children, context)``, ``unflatten_fn(children, context) -> x``."""
    if cls in SUPPORTED_NODES:
        raise ValueError(f"{cls} is already registered as pytree node.")
    SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"

    def get(self, sequence):
        return sequence[self.idx]


@dataclasses.dataclass(frozen=True)
class MappingKey:
    key: Any

    def __str__(self):
        return f"[{self.key!r}]"

    def get(self, mapping):
        return mapping[self.key]


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    name: str

    def __str__(self):
        return f".{self.name}"

    def get(self, obj):
        return getattr(obj, self.name)


def keystr(kp) -> str:
    """``[0]['a'].b`` for a key path."""
    return "".join(str(k) for k in kp)


def _seq_flatten(x):
    return list(x), None


def _seq_with_keys(x):
    return [(SequenceKey(i), v) for i, v in enumerate(x)], None


def _dict_flatten(d):
    return list(d.values()), list(d.keys())


def _dict_unflatten(values, context):
    return dict(zip(context, values))


def _dict_flatten_with_keys(d):
    values, context = _dict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(context, values)], context


def _namedtuple_flatten(x):
    return list(x), type(x)


def _namedtuple_with_keys(x):
    return [(GetAttrKey(f), v) for f, v in zip(x._fields, x)], type(x)


register_pytree_node(tuple, _seq_flatten, lambda v, c: tuple(v), flatten_with_keys_fn=_seq_with_keys)
register_pytree_node(list, _seq_flatten, lambda v, c: list(v), flatten_with_keys_fn=_seq_with_keys)
register_pytree_node(dict, _dict_flatten, _dict_unflatten, flatten_with_keys_fn=_dict_flatten_with_keys)
register_pytree_node(collections.OrderedDict, _dict_flatten, lambda v, c: collections.OrderedDict(zip(c, v)),
                     flatten_with_keys_fn=_dict_flatten_with_keys)
register_pytree_node(collections.defaultdict, lambda d: (list(d.values()), (d.default_factory, list(d.keys()))),
                     lambda v, c: collections.defaultdict(c[0], zip(c[1], v)),
                     flatten_with_keys_fn=lambda d: ([(MappingKey(k), v) for k, v in d.items()],
                                                     (d.default_factory, list(d.keys()))))
register_pytree_node(collections.deque, lambda d: (list(d), d.maxlen), lambda v, c: collections.deque(v, maxlen=c),
                     flatten_with_keys_fn=lambda d: ([(SequenceKey(i), v) for i, v in enumerate(d)], d.maxlen))
_NAMEDTUPLE = NodeDef(tuple, _namedtuple_flatten, lambda v, c: c(*v), _namedtuple_with_keys)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields") and type(x) is not tuple


def _node_of(x):
    t = type(x)
    if t in SUPPORTED_NODES:
        return SUPPORTED_NODES[t]
    if _is_namedtuple(x):
        return _NAMEDTUPLE
    return None


class TreeSpec:
    """The structure of a pytree: node type, context and child specs (a leaf is :class:`LeafSpec`)."""

    def __init__(self, type, context, children_specs):
        self.type = type
        self.context = context
        self.children_specs = list(children_specs)
        self.num_nodes = 1 + sum(c.num_nodes for c in self.children_specs)
        self.num_leaves = sum(c.num_leaves for c in self.children_specs)
        self.num_children = len(self.children_specs)

    def is_leaf(self):
        return False

    def unflatten(self, leaves):
        return tree_unflatten(leaves, self)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and not isinstance(other, LeafSpec) and self.type == other.type
                and self.context == other.context and self.children_specs == other.children_specs)

    def __repr__(self):
        name = self.type.__name__ if self.type is not None else None
        return f"TreeSpec({name}, {self.context!r}, {self.children_specs!r})"


class LeafSpec(TreeSpec):
    def __init__(self):
        super().__init__(None, None, [])
        self.num_nodes = 1
        self.num_leaves = 1

    def is_leaf(self):
        return True

    def __eq__(self, other):
        return isinstance(other, LeafSpec)

    def __repr__(self):
        return "*"


def _flatten(tree, is_leaf, leaves):
    node = None if (is_leaf is not None and is_leaf(tree)) else _node_of(tree)
    if node is None:
        leaves.append(tree)
        return LeafSpec()
    children, context = node.flatten_fn(tree)
    node_type = type(tree) if node is _NAMEDTUPLE else node.type
    return TreeSpec(node_type, context, [_flatten(c, is_leaf, leaves) for c in children])


def tree_flatten(tree, is_leaf=None):
    """(leaves in order, TreeSpec)."""
    leaves = []
    spec = _flatten(tree, is_leaf, leaves)
    return leaves, spec


def tree_unflatten(leaves, treespec):
    """Rebuild the tree ``treespec`` describes from ``leaves``."""
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to a "
                         f"pytree that holds {treespec.num_leaves} items ({treespec}).")
    it = iter(leaves)

    def build(spec):
        if spec.is_leaf():
            return next(it)
        children = [build(c) for c in spec.children_specs]
        if spec.type in SUPPORTED_NODES:
            return SUPPORTED_NODES[spec.type].unflatten_fn(children, spec.context)
        return _NAMEDTUPLE.unflatten_fn(children, spec.context)

    return build(treespec)


def tree_leaves(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """Apply ``func`` to each leaf (and the matching leaves of ``rests``, which share the structure)."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [tree_flatten(r, is_leaf)[0] for r in rests]
    return tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def tree_map_only(type_or_types, func, tree, is_leaf=None):
    """``tree_map`` applying ``func`` only to leaves of the given type(s); others stay as they are."""
    return tree_map(lambda x: func(x) if isinstance(x, type_or_types) else x, tree, is_leaf=is_leaf)


def tree_any(pred, tree, is_leaf=None):
    return any(map(pred, tree_leaves(tree, is_leaf)))


def tree_all(pred, tree, is_leaf=None):
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_flatten_with_path(tree, is_leaf=None):
    """([(key path, leaf)], TreeSpec); key paths are tuples of SequenceKey/MappingKey/GetAttrKey."""
    out = []

    def walk(x, path):
        node = None if (is_leaf is not None and is_leaf(x)) else _node_of(x)
        if node is None:
            out.append((path, x))
            return
        if node.flatten_with_keys_fn is None:
            raise ValueError(f"Did not find a flatten_with_keys_fn for type: {type(x)}. Please pass a "
                             "flatten_with_keys_fn argument to register_pytree_node.")
        for key, child in node.flatten_with_keys_fn(x)[0]:
            walk(child, path + (key,))

    walk(tree, ())
    return out, tree_structure(tree, is_leaf)


def treespec_pprint(treespec) -> str:
    return repr(treespec)
