"""torch.fx.subgraph_rewriter.replace_pattern: find a pattern graph in a GraphModule and replace it.

The pattern and the replacement are callables (traced here) or GraphModules. Their placeholders
match any value; every other node must match op, target and non-Node arguments. Matched nodes
other than the pattern's outputs may not be used outside the match. Matches do not overlap; each
is replaced by a copy of the replacement graph, and the module is recompiled.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from .graph import Graph
from .graph_module import GraphModule
from .node import Node, map_arg

__all__ = ["Match", "replace_pattern", "replace_pattern_with_filters"]


class Match(NamedTuple):
    anchor: Node            # the node in the original graph that matched the pattern's output
    nodes_map: dict         # pattern node -> original graph node


def _as_graph(obj) -> Graph:
    if isinstance(obj, GraphModule):
        return obj.graph
    if isinstance(obj, Graph):
        return obj
    from ._symbolic_trace import symbolic_trace
    return symbolic_trace(obj).graph


def _same_target(pn: Node, gn: Node) -> bool:
    if pn.op != gn.op:
        return False
    if pn.op in ("call_function", "call_method"):
        return pn.target == gn.target
    if pn.op in ("call_module", "get_attr"):
        return True  # module/attribute names differ between the pattern and the program
    return True


def _match_value(p, g, m: dict) -> bool:
    if isinstance(p, Node):
        return isinstance(g, Node) and _match_node(p, g, m)
    if isinstance(p, (list, tuple)):
        return isinstance(g, (list, tuple)) and len(p) == len(g) and all(
            _match_value(a, b, m) for a, b in zip(p, g))
    if isinstance(p, dict):
        return isinstance(g, dict) and p.keys() == g.keys() and all(_match_value(p[k], g[k], m) for k in p)
    return not isinstance(g, Node) and type(p) is type(g) and p == g


def _match_node(pn: Node, gn: Node, m: dict) -> bool:
    if pn in m:
        return m[pn] is gn
    if pn.op == "placeholder":
        m[pn] = gn
        return True
    if not _same_target(pn, gn) or len(pn.args) != len(gn.args) or pn.kwargs.keys() != gn.kwargs.keys():
        return False
    m[pn] = gn
    if _match_value(pn.args, gn.args, m) and _match_value(dict(pn.kwargs), dict(gn.kwargs), m):
        return True
    del m[pn]
    return False


def _find_matches(graph: Graph, pattern: Graph) -> list[Match]:
    p_out = next(n for n in pattern.nodes if n.op == "output")
    outs = p_out.args[0]
    p_returns = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    p_anchor = p_returns[0]
    p_placeholders = [n for n in pattern.nodes if n.op == "placeholder"]
    matches: list[Match] = []
    taken: set = set()
    for gn in graph.nodes:
        m: dict = {}
        if not _match_node(p_anchor, gn, m):
            continue
        ok = True
        for extra in p_returns[1:]:  # further outputs must match somewhere too
            found = False
            for g2 in graph.nodes:
                trial = dict(m)
                if _match_node(extra, g2, trial):
                    m = trial
                    found = True
                    break
            ok = ok and found
        if not ok:
            continue
        internal = [g for p, g in m.items() if p.op != "placeholder"]
        returned = {m[p] for p in p_returns}
        internal_set = set(internal)
        if any(u not in internal_set for g in internal if g not in returned for u in g.users):
            continue  # an intermediate value is used outside the match
        if internal_set & taken:
            continue
        if any(m[p] in internal_set for p in p_placeholders):
            continue
        taken |= internal_set
        matches.append(Match(anchor=p_anchor, nodes_map={p: m[p] for p in m}))
    return matches


def replace_pattern(gm: GraphModule, pattern: Callable | GraphModule, replacement: Callable | GraphModule
                    ) -> list[Match]:
    """Replace every non-overlapping match of ``pattern`` in ``gm`` by ``replacement``; returns the
    matches (torch.fx.replace_pattern)."""
    return replace_pattern_with_filters(gm, pattern, replacement)


def replace_pattern_with_filters(gm: GraphModule, pattern, replacement, match_filters=None,
                                 ignore_literals: bool = False, replacement_callback=None):
    """``replace_pattern`` where each ``match_filters`` callable (match, original graph, pattern graph)
    must accept a match for it to be replaced."""
    graph = gm.graph
    p_graph = _as_graph(pattern)
    matches = [m for m in _find_matches(graph, p_graph)
               if all(f(m, graph, p_graph) for f in (match_filters or []))]
    p_placeholders = [n for n in p_graph.nodes if n.op == "placeholder"]
    p_out = next(n for n in p_graph.nodes if n.op == "output")
    p_outs = p_out.args[0]
    p_returns = list(p_outs) if isinstance(p_outs, (list, tuple)) else [p_outs]
    replaced: dict = {}  # original node -> what replaced it (a later match may read an earlier one's result)

    def current(n):
        while n in replaced:
            n = replaced[n]
        return n

    for match in matches:
        r_graph = _as_graph(replacement_callback(match, graph, p_graph) if replacement_callback else replacement)
        r_placeholders = [n for n in r_graph.nodes if n.op == "placeholder"]
        val_map = {rp: current(match.nodes_map[pp]) for rp, pp in zip(r_placeholders, p_placeholders)}
        # the replacement goes before the first original node that reads the match's results
        anchors = [match.nodes_map[p] for p in p_returns]
        order = {n: i for i, n in enumerate(graph.nodes)}
        last_anchor = max(anchors, key=lambda n: order[n])
        with graph.inserting_before(last_anchor):
            out = None
            for rn in r_graph.nodes:
                if rn.op == "placeholder":
                    continue
                if rn.op == "output":
                    out = map_arg(rn.args[0], lambda n: val_map[n])
                    continue
                if rn.op in ("get_attr", "call_module"):
                    obj = _fetch(replacement, rn.target) if hasattr(replacement, "named_modules") else None
                    if obj is not None and not _has_attr(gm, rn.target):
                        if rn.op == "call_module":
                            gm.add_submodule(rn.target, obj)
                        else:
                            setattr(gm, rn.target, obj)
                val_map[rn] = graph.node_copy(rn, lambda n: val_map[n])
        outs = list(out) if isinstance(out, (list, tuple)) and len(p_returns) > 1 else [out]
        for p, new in zip(p_returns, outs):
            match.nodes_map[p].replace_all_uses_with(new)
            if isinstance(new, Node):
                replaced[match.nodes_map[p]] = new
        for p in reversed(list(p_graph.nodes)):
            if p.op in ("placeholder", "output"):
                continue
            g = match.nodes_map.get(p)
            if g is not None and not g._erased and len(g.users) == 0:
                graph.erase_node(g)
    gm.recompile()
    return matches


def _fetch(mod, target):
    for atom in target.split("."):
        if not hasattr(mod, atom):
            return None
        mod = getattr(mod, atom)
    return mod


def _has_attr(mod, target) -> bool:
    return _fetch(mod, target) is not None
