"""A bound on the compiled programs kept in memory, so resident memory stays flat over any number of shapes.

Every eager op runs a jitted XLA program, compiled once per (op, shapes, dtypes). JAX keeps each one
(its per-function caches hold up to 8192 entries) and an XLA:CPU executable costs about 1.4 MiB of
resident memory, so a program that meets a new shape every step (a growing context, episodes of
varying length) grew by ~1.5 MiB per shape without limit. torch has no such state.

Here every executable JAX makes is counted (JAX reports each backend compile, including a load from the
persistent cache). Past ``limit`` since the last release, the next eager op outside any trace calls
``jax.clear_caches()``: all executables are freed and rebuilt on next use, from the persistent compile
cache (``_compile_cache``) when it is on. ``TORCHLIKE_MAX_LIVE_PROGRAMS`` sets the limit (default 512,
about 700 MiB at most; ``0`` turns the bound off).
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


def release():
    """Free every compiled program now (JAX's compilation and tracing caches; they refill on use)."""
    global compiled, over, releases
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
