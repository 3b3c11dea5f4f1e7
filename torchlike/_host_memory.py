"""Keep freed host memory inside the process, so CPU programs stop paying for fresh pages.

XLA:CPU allocates each program's outputs and temporaries with ``malloc`` and frees them when the
call returns. glibc serves large blocks (128 KiB and up, adaptively up to 32 MiB) with ``mmap`` and
hands freed ones, and the free top of its heap, back to the kernel, so the next training step
touches brand-new pages and takes a page fault per 4 KiB: ~12,500 faults (~50 MB) per step for the
MNIST CNN at batch 512, which made the compiled step ~1.4x slower than with the memory kept. torch
users get the same effect by preloading jemalloc or tcmalloc; torchlike asks glibc for it directly
when it is imported:

- ``M_MMAP_MAX = 0``: every block comes from the heap, where a freed block is reused by the next
  allocation of that size (glibc still falls back to ``mmap`` if the heap cannot grow);
- ``M_TRIM_THRESHOLD`` = the largest value: the heap is never shrunk;
- ``M_TOP_PAD`` = 128 MiB: JAX runs CPU programs on worker threads, which allocate from glibc's
  per-thread arenas; an arena unmaps a whole extra heap (64 MiB) the moment it empties unless the
  arena keeps more than that in reserve, so without this pad each step mapped and unmapped one.
  (The pad also makes the main heap grow in 128 MiB steps of address space; pages are only
  touched when used, but under strict overcommit, ``vm.overcommit_memory=2``, that address space
  counts against the commit limit: opt out there.)

The cost is that the process's resident memory stays at its high-water mark instead of shrinking
after a peak. Set ``TORCHLIKE_KEEP_HOST_MEMORY=0`` in the environment before importing torchlike to
leave ``malloc`` as it is. Only glibc (Linux) has these settings; elsewhere nothing is changed.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_TOP_PAD = -2
_M_MMAP_MAX = -4


def keep_freed_memory() -> bool:
    """Apply the ``mallopt`` settings above; return whether glibc accepted them all."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success, 0 when it rejects a value
    return (bool(mallopt(_M_MMAP_MAX, 0)) & bool(mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1))
            & bool(mallopt(_M_TOP_PAD, 128 << 20)))


applied = os.environ.get("TORCHLIKE_KEEP_HOST_MEMORY", "1") != "0" and keep_freed_memory()
