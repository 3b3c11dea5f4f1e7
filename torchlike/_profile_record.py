"""The event recorder behind ``torchlike.profiler``: which ops ran, when, for how long, nested in what.

While a profiler records, ``recorder`` is a :class:`Recorder` and three places report to it: every op
(``ops.registry.apply``, through the ``_intercept`` hook), every backward node the autograd engine
evaluates, and the named ranges (``record_function``, optimizer steps, compiled steps). Otherwise
``recorder`` is None: ops and the engine pay one global read, and a range (``span``) records nothing.

Times are wall-clock: the recorder waits for each op's result before closing its event, so an op's
time includes its computation, as torch's CPU ops do (JAX would otherwise return before computing).
Ops run while ``torchlike.compile`` traces a program are not events (they do not run then); the
compiled program is, as one op or one named range.
"""
from __future__ import annotations

import threading
import time

import jax

from . import _trace_hooks

recorder = None


class RawEvent:
    __slots__ = ("name", "kind", "start_ns", "end_ns", "parent", "tid", "shapes", "nbytes")

    def __init__(self, name, kind, start_ns, parent, tid, shapes):
        self.name, self.kind, self.start_ns, self.parent, self.tid, self.shapes = name, kind, start_ns, parent, tid, shapes
        self.end_ns = None
        self.nbytes = 0


class Recorder:
    """Collects :class:`RawEvent` s; ``begin``/``end`` nest per thread."""

    def __init__(self, record_shapes=False, profile_memory=False):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.events = []
        self._local = threading.local()

    def _stack(self):
        s = getattr(self._local, "stack", None)
        if s is None:
            s = self._local.stack = []
        return s

    def begin(self, name, kind, shapes=None):
        stack = self._stack()
        ev = RawEvent(name, kind, time.perf_counter_ns(), stack[-1] if stack else None, threading.get_ident(), shapes)
        stack.append(ev)
        return ev

    def end(self, ev, nbytes=0):
        ev.end_ns = time.perf_counter_ns()
        ev.nbytes = nbytes
        self._pop(ev)
        self.events.append(ev)

    def cancel(self, ev):
        self._pop(ev)

    def _pop(self, ev):
        stack = self._stack()
        while stack:  # an exception may have skipped inner ends
            if stack.pop() is ev:
                break


def _arrays(out):
    from ._tensor import Tensor
    if isinstance(out, Tensor):
        return [out._value]
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in _arrays(o)]
    if isinstance(out, jax.Array) or isinstance(out, jax.core.Tracer):
        return [out]
    return []


def _shapes(args):
    from ._tensor import Tensor
    return [list(a.shape) if isinstance(a, Tensor) else [] for a in args]


def finish(rec, ev, out):
    """Close ``ev`` once ``out`` (Tensors or arrays) is computed; drop it if ``out`` is being traced."""
    arrays = _arrays(out)
    if any(isinstance(a, jax.core.Tracer) for a in arrays):
        rec.cancel(ev)
        return
    jax.block_until_ready(arrays)
    rec.end(ev, sum(a.nbytes for a in arrays) if rec.profile_memory else 0)


def profile_op(op, args, statics, call):
    """The ``_intercept`` hook: ``call(op, args, statics)`` as one event named after the op."""
    rec = recorder
    if rec is None:
        return call(op, args, statics)
    ev = rec.begin(op.name, "cpu_op", _shapes(args) if rec.record_shapes else None)
    try:
        out = call(op, args, statics)
    except BaseException:
        rec.cancel(ev)
        raise
    finish(rec, ev, out)
    return out


class span:
    """A named range (``with span(name):``) in the active recorder; nothing when none records."""

    __slots__ = ("name", "kind", "ev", "rec")

    def __init__(self, name, kind="user_annotation"):
        self.name, self.kind, self.ev, self.rec = name, kind, None, None

    def __enter__(self):
        self.rec = recorder
        if self.rec is not None and _trace_hooks.rng is None:  # not while compile traces a program
            self.ev = self.rec.begin(self.name, self.kind, [] if self.rec.record_shapes else None)
        return self

    def done(self, out=None):
        """Close the range once ``out`` is computed (returns ``out``)."""
        if self.ev is not None:
            finish(self.rec, self.ev, out)
            self.ev = None
        return out

    def __exit__(self, *exc):
        if self.ev is not None:
            if exc[0] is None:
                self.done()
            else:
                self.rec.cancel(self.ev)
                self.ev = None
        return False
