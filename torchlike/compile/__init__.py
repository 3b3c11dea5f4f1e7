"""torchlike.compile: the same call as ``torch.compile``, producing XLA programs.

- ``compile(model)`` -> an ``OptimizedModule`` (as torch's) whose forward is one jitted program and
  whose backward is one more.
- ``compile(fn)`` -> a function whose whole body (forward, ``backward()``, ``optimizer.step()``,
  ``zero_grad()``, buffer updates, dropout) is one program; see ``step.py``.

torch.compile's tuning options (``backend``, ``mode``, ``options``, ``dynamic``) are accepted and
ignored with a one-time note: XLA compiles the whole program itself.
"""
from __future__ import annotations

import warnings

from .._errors import UntraceableError
from ..nn.modules import module as _nn_module
from .module import OptimizedModule
from .step import CompiledFunction

_noted = set()


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False, donate=None):
    """Compile a Module or a function (usable as ``@torchlike.compile`` or ``@torchlike.compile(...)``).

    torch's signature; ``backend``/``mode``/``options``/``dynamic`` are accepted and ignored with a one-time
    note. ``donate`` (torchlike only, for a compiled step function) says whether XLA may write the updated
    state (parameters, optimizer state, grads) into the buffers of the old one instead of new ones (less
    peak memory; faster small steps on XLA:CPU): ``None`` (default) donates each buffer that nothing but its
    tensor holds and hands XLA a private copy of the others (``donation.py``), ``True`` donates every state
    buffer (an array of the old state held elsewhere, e.g. an earlier ``p._value``, is then invalid),
    ``False`` none."""
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable, donate=donate)
    ignored = {k: v for k, v in (("backend", backend if backend != "inductor" else None), ("mode", mode),
                                 ("options", options), ("dynamic", dynamic)) if v is not None}
    for k in ignored:
        if k not in _noted:
            _noted.add(k)
            warnings.warn(f"torchlike.compile: option {k}={ignored[k]!r} is accepted and ignored (XLA compiles "
                          "the whole program)", UserWarning, stacklevel=2)
    if disable:
        return model
    from ..nn.modules.module import Module
    if isinstance(model, Module):
        return OptimizedModule(model, fullgraph=fullgraph)
    return CompiledFunction(model, fullgraph=fullgraph, donate=donate)


__all__ = ["compile", "CompiledFunction", "OptimizedModule", "UntraceableError"]

_nn_module._compile = compile  # nn.Module.compile calls it
