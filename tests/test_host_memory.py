"""torchlike keeps freed host memory for reuse (glibc mallopt, JAX CPU programs run on the calling
thread), unless TORCHLIKE_KEEP_HOST_MEMORY=0.

Measured the way it matters: a 64 MB buffer allocated and freed repeatedly touches fresh pages
(minor page faults) every time with glibc's defaults, and none once torchlike has been imported.
"""
import os
import subprocess
import sys

import pytest

import torchlike

SCRIPT = """
import resource, jax, numpy as np, torchlike
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    a = np.ones(8_000_000); del a
f0 = faults()
for _ in range(20):
    a = np.ones(8_000_000); del a
print(torchlike._host_memory.applied, jax.config.read('jax_cpu_enable_async_dispatch'), (faults() - f0) / 20)
"""


def _faults_per_alloc(keep):
    env = dict(os.environ, TORCHLIKE_KEEP_HOST_MEMORY=keep)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    applied, async_dispatch, faults = out.stdout.split()
    return applied == "True", async_dispatch == "True", float(faults)


@pytest.mark.skipif(not torchlike._host_memory.applied, reason="glibc malloc settings not available here")
def test_freed_memory_is_reused():
    applied, async_dispatch, kept = _faults_per_alloc("1")
    assert applied and not async_dispatch and kept < 2, kept  # programs allocate on the calling thread
    applied, async_dispatch, fresh = _faults_per_alloc("0")
    assert not applied and async_dispatch and fresh > 10, fresh  # glibc's default mmap/munmap per block
