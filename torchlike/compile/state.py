"""Finding the state a training step reads and writes, so compile can lift it in and out.

Two sources, combined:
- a :class:`Recorder` that watches the first (eager) call: every Tensor an op reads and every
  Tensor written in place, minus the temporaries that die when the call returns, and every
  optimizer whose ``step()`` ran;
- the objects the function can reach directly (its arguments, closure cells, the globals it names,
  ``self`` of a bound method): Modules (parameters, buffers, train/eval flags) and Optimizers
  (per-parameter state tensors, and ``lr`` values which become program inputs so a scheduler can
  change them without recompiling).
"""
from __future__ import annotations

import weakref

from .._tensor import Tensor


class Recorder:
    """Collects Tensors read/written by ops while active (see ``torchlike._trace_hooks``)."""

    def __init__(self):
        self.refs = {}
        self.created = set()
        self.optimizers = []

    def read(self, args):
        for a in args:
            if isinstance(a, Tensor) and id(a) not in self.refs and id(a) not in self.created:
                self.refs[id(a)] = weakref.ref(a)

    def made(self, out):
        for t in out if isinstance(out, tuple) else (out,):
            if isinstance(t, Tensor):
                self.created.add(id(t))

    def written(self, t):
        if id(t) not in self.refs:
            self.refs[id(t)] = weakref.ref(t)

    def optimizer(self, opt):
        if all(o is not opt for o in self.optimizers):
            self.optimizers.append(opt)

    def alive(self):
        return [t for t in (r() for r in self.refs.values()) if t is not None]


def reachable(fn, args, kwargs):
    """Modules and optimizers the function can reach without calling anything."""
    from ..nn.modules.module import Module
    from ..optim.optimizer import Optimizer
    found = []
    seen = set()

    def visit(obj, depth=0):
        if id(obj) in seen or depth > 2:
            return
        seen.add(id(obj))
        if isinstance(obj, (Module, Optimizer)):
            found.append(obj)
        elif hasattr(obj, "optimizer") and isinstance(getattr(obj, "optimizer", None), Optimizer):
            visit(obj.optimizer, depth + 1)
        elif isinstance(obj, (list, tuple)):
            for x in obj[:64]:
                visit(x, depth + 1)
        elif isinstance(obj, dict):
            for x in list(obj.values())[:64]:
                visit(x, depth + 1)

    target = getattr(fn, "__func__", fn)
    if hasattr(fn, "__self__"):
        visit(fn.__self__)
        for v in vars(fn.__self__).values() if hasattr(fn.__self__, "__dict__") else ():
            visit(v, 1)
    code = getattr(target, "__code__", None)
    if code is not None:
        g = getattr(target, "__globals__", {})
        for name in code.co_names:
            if name in g:
                visit(g[name])
        for cell in getattr(target, "__closure__", None) or ():
            try:
                visit(cell.cell_contents)
            except ValueError:
                pass
    for a in list(args) + list(kwargs.values()):
        visit(a)
    return found


def module_state(modules):
    """Parameters and buffers of ``modules`` and their submodules, and every submodule's ``training``
    flag, in one walk (this runs on every compiled call, so it avoids the generator-heavy
    ``parameters()``/``buffers()``/``modules()`` trio)."""
    tensors, flags, seen = [], [], set()
    stack = list(reversed(modules))
    while stack:
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        flags.append(m.training)
        tensors.extend(t for t in m._parameters.values() if t is not None)
        tensors.extend(t for t in m._buffers.values() if t is not None)
        stack.extend(c for c in reversed(m._modules.values()) if c is not None)
    return tensors, tuple(flags)


def optimizer_tensors(optimizers):
    out = []
    for opt in optimizers:
        for group in opt.param_groups:
            out.extend(group["params"])
        for st in opt.state.values():
            out.extend(v for v in st.values() if isinstance(v, Tensor))
    return out


def unique(tensors):
    seen, out = set(), []
    for t in tensors:
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out
