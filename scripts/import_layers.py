"""The import graph among torchlike's modules, and its cycles (strongly connected components).

Reads every ``torchlike/**/*.py`` with ``ast`` (nothing is imported or run) and records an edge
``a -> b`` for each ``import``/``from ... import`` in ``a`` that names torchlike module ``b``,
including imports inside functions (which is where a low layer reaching up at run time hides).
``from pkg import name`` counts as an edge to ``pkg.name`` when that is a module, else to ``pkg``.
An import under ``if TYPE_CHECKING:`` is not an edge.

Usage::

    python scripts/import_layers.py            # the cycles, largest first
    python scripts/import_layers.py --edges    # with the edges inside each cycle
    python scripts/import_layers.py --why A B  # the import lines in A that reach B

``tests/test_layers.py`` uses :func:`graph` and :func:`cycles` to keep the core layers acyclic.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "torchlike")


def modules(root: str = ROOT) -> dict[str, str]:
    """Module name -> file path, for every ``.py`` file under ``root`` (a package is its ``__init__``)."""
    base = os.path.dirname(root)
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            path = os.path.join(folder, f)
            parts = os.path.relpath(path, base)[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Yield (node, lineno) for each import statement, skipping ``if TYPE_CHECKING:`` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _owner(name: str, known) -> str | None:
    """The innermost known module that ``name`` is or lies in."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def edges(root: str = ROOT) -> dict[str, dict[str, list[int]]]:
    """``{a: {b: [line numbers in a that import b]}}`` over torchlike modules."""
    mods = modules(root)
    out: dict[str, dict[str, list[int]]] = {m: {} for m in mods}
    for mod, path in mods.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        is_package = path.endswith("__init__.py")
        for node in _imports(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(mod, is_package, node)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in mods else base)
            for t in targets:
                owner = _owner(t, mods)
                if owner and owner != mod:
                    out[mod].setdefault(owner, []).append(node.lineno)
    return out


def graph(root: str = ROOT) -> dict[str, set[str]]:
    """``{module: set of torchlike modules it imports}`` (anywhere in the file)."""
    return {a: set(bs) for a, bs in edges(root).items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module, largest first (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for start in sorted(g):
        if start in index:
            continue
        work = [(start, iter(sorted(g[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in g:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        comps.append(sorted(comp))
    return sorted(comps, key=lambda c: (-len(c), c))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--edges", action="store_true", help="print the edges inside each cycle")
    p.add_argument("--why", nargs=2, metavar=("A", "B"), help="the lines in module A importing module B")
    args = p.parse_args(argv)
    e = edges()
    if args.why:
        a, b = args.why
        print(f"{a} -> {b}: lines {e.get(a, {}).get(b, [])}")
        return 0
    comps = cycles({a: set(bs) for a, bs in e.items()})
    print(f"{len(e)} modules, {sum(map(len, e.values()))} edges, {len(comps)} cycles")
    for comp in comps:
        print(f"\n{len(comp)} modules: {' '.join(comp)}")
        if args.edges:
            members = set(comp)
            for a in comp:
                for b, lines in sorted(e[a].items()):
                    if b in members:
                        print(f"  {a} -> {b}  (line {', '.join(map(str, lines))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
