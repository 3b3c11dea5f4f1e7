"""XLA:CPU compiler options for compiled step programs (``step._Program``), chosen from the trace.

Two settings, both measured on the benchmarks of ``benchmarks/compile_step.py`` (2-core CPU):

- **Temporaries in heaps of at most 16 MiB.** XLA:CPU allocates all of a program's temporaries as
  one block per call. A block above glibc's largest ``mmap`` threshold (32 MiB on 64-bit systems) is
  mapped and unmapped on every call, so each of its pages faults and is zeroed by the kernel again:
  the Transformer encoder's training step (a 574 MB block) took 146,000 page faults and 0.2 s of
  kernel time per 0.57 s step. XLA's ``xla_multiheap_size_constraint_per_heap`` splits the
  temporaries into heaps no larger than the limit, which malloc keeps and reuses after the first
  call: no page faults, 557 -> 470 ms per step. 16 MiB rather than 32: a heap of exactly 32 MiB plus
  malloc's header is just over the threshold (measured: 24,000-32,000 faults per step remained).
  Steps whose temporaries fit in one heap are unaffected. The limit is raised to the program's
  largest single value when that is bigger, since XLA cannot split a buffer (it warns on stderr
  about each one that does not fit).
- **Hints noted while tracing** (``_trace_hooks.note_cpu_hint``) map to options in ``CPU_OPTIONS``.
  XLA:CPU hands reductions to its YNN library by default; the window maxima of max-pooling run
  faster in XLA's own reduce fusion (MNIST CNN b512 step 21.8 -> 19.5 ms) while row sums, e.g. the
  LSTM's, run slower there (step 37 -> 40 ms), so only steps with large max-pools
  (``nn/_functional/pooling.py``) leave YNN the dots alone.
"""
from __future__ import annotations

import math

CPU_OPTIONS = {"window_max": {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_DOT"}}

HEAP_LIMIT_BYTES = 16 << 20


def options_for(jaxpr, hints):
    """The compiler options for a step program on CPU: its traced ``jaxpr``, the hints it noted."""
    options = {"xla_multiheap_size_constraint_per_heap": max(HEAP_LIMIT_BYTES, largest_value_bytes(jaxpr))}
    for h in sorted(hints):
        options.update(CPU_OPTIONS.get(h, {}))
    return options


def largest_value_bytes(jaxpr):
    """Bytes of the largest array value in ``jaxpr`` (a Jaxpr or ClosedJaxpr), nested jaxprs included."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    best = max((_nbytes(v) for v in (*jaxpr.invars, *jaxpr.outvars)), default=0)
    for eqn in jaxpr.eqns:
        best = max([best] + [_nbytes(v) for v in eqn.outvars])
        for sub in _subjaxprs(eqn.params.values()):
            best = max(best, largest_value_bytes(sub))
    return best


def _nbytes(var):
    aval = getattr(var, "aval", None)
    shape, dtype = getattr(aval, "shape", None), getattr(aval, "dtype", None)
    if shape is None or dtype is None:
        return 0
    return math.prod(shape) * dtype.itemsize


def _subjaxprs(values):
    for v in values:
        if hasattr(v, "eqns") or hasattr(getattr(v, "jaxpr", None), "eqns"):
            yield v
        elif isinstance(v, (tuple, list)):
            yield from _subjaxprs(v)
