"""A bound on the compiled programs kept in memory, so resident memory stays flat over any number of shapes.

Every eager op runs a jitted XLA program, compiled once per (op, shapes, dtypes). JAX keeps each one
(its per-function caches hold up to 8192 entries) and an XLA:CPU executable costs about 1.4 MiB of
resident memory, so a program that meets a new shape every step (a growing context, episodes of
varying length) grew by ~1.5 MiB per shape without limit. torch has no such state.

Here every executable JAX makes is counted (JAX reports each backend compile, including a load from the
persistent cache). Past ``limit`` since the last release, the next eager op outside any trace calls
``jax.clear_caches()``: all executables are freed and rebuilt on next use, from the persistent compile
cache (``_compile_cache``) when it is on. ``TORCHLIKE_MAX_LIVE_PROGRAMS`` sets the limit (default 512,
about 700 MiB of executables; ``0`` turns the bound off). Measured with ``benchmarks/memory_flat.py
--shapes 700 --one-op`` (torch: 245 MiB): peak RSS 377 / 418 / 548 / 895 MiB at a limit of 128 / 160 /
256 / 512. A lower default was tried and rejected: at 160, token generation with a growing context
(``eager_programs.py`` (a), 464 programs) rebuilds its programs on every pass (steady state 1.6 -> 216
ms per token) for 723 instead of 991 MiB. A program that reuses more than the limit every step raises it
(the thrash guard below). After a release the freed memory is handed back to the OS.
"""
from __future__ import annotations

import os

import jax

DEFAULT_LIMIT = 512
_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


def _limit_from_env():
    env = os.environ.get("TORCHLIKE_MAX_LIVE_PROGRAMS", "").strip()
    try:
        return int(env) if env else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


limit = _limit_from_env()
compiled = 0    # executables made since the last release
over = False    # compiled > limit: the next eager op releases them (read once per op by the registry)
releases = 0    # how many times the programs were released (for tests and benchmarks)

# Thrash guard. A program whose working set (the programs it runs every step) exceeds the limit would
# release and rebuild the same programs every step. The registry reports each eager op call that
# compiled (``note_compiled``, with the op, its dispatch key and its input shapes); one this process
# compiled before (so freed by a release) is a *reload*. As soon as more than half the limit were reloads
# since the last release, the limit doubles (up to ``MAX_LIMIT``): memory grows only for programs that really
# reuse that many, never for new shapes.
MAX_LIMIT = 8192
_seen = set()      # signatures compiled so far (forgotten past SEEN_MAX entries)
SEEN_MAX = 1 << 16
reloads = 0        # compiles since the last release that were reloads


def _on_duration(name, secs, **kwargs):
    global compiled, over
    if name == _COMPILE_EVENT:
        compiled += 1
        if limit and compiled > limit:
            over = True


def release_if_over(result):
    """Release every compiled program when over the limit, unless ``result`` (an op's output) is traced:
    inside a trace (``jax.jit``, ``torchlike.compile``, ``torchlike.func``) the release waits for an
    eager op."""
    leaf = result[0] if isinstance(result, (tuple, list)) and result else result
    if isinstance(leaf, (tuple, list)) and leaf:  # (outputs, vjp) of a recorded op
        leaf = leaf[0]
    if isinstance(leaf, jax.core.Tracer):
        return
    release()


def note_compiled(signature):
    """An eager op call compiled a program (counted by JAX's event already); ``signature`` identifies it."""
    global reloads, limit, over
    if signature in _seen:
        reloads += 1
        if limit and reloads * 2 > limit:  # thrashing: the working set does not fit, so let it
            limit, reloads = min(limit * 2, MAX_LIMIT), 0
            over = compiled > limit
    else:
        if len(_seen) >= SEEN_MAX:
            _seen.clear()
        _seen.add(signature)


def release():
    """Free every compiled program now (JAX's compilation and tracing caches; they refill on use)."""
    global compiled, over, releases, reloads
    reloads = 0
    compiled, over = 0, False
    releases += 1
    jax.clear_caches()
    _return_freed_memory()


def _return_freed_memory():
    """Hand the freed executables' memory back to the OS. XLA:CPU frees it with ``free()``, but glibc
    keeps freed heap pages mapped (measured: 430 MiB still resident after freeing 300 executables,
    39 MiB after ``malloc_trim``), so without this the process's RSS never drops after a release."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_trim = []


def _malloc_trim():
    if not _trim:
        try:
            import ctypes
            _trim.append(ctypes.CDLL("libc.so.6").malloc_trim)
        except (OSError, AttributeError):  # not glibc: nothing to trim
            _trim.append(None)
    return _trim[0]


jax.monitoring.register_event_duration_secs_listener(_on_duration)
