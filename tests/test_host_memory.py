"""torchlike keeps freed host memory for reuse (glibc mallopt), unless TORCHLIKE_KEEP_HOST_MEMORY=0.

Measured the way it matters: buffers allocated and freed repeatedly touch fresh pages (minor page
faults) every time with glibc's defaults, and none once torchlike has been imported -- on the main
thread (64 MB blocks) and on a worker thread, where JAX runs CPU programs (three 24 MB blocks at a
time: more than one 64 MB thread-arena heap holds).
"""
import os
import subprocess
import sys

import pytest

import torchlike

SCRIPT = """
import resource, sys, threading, numpy as np, torchlike
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def churn(n, size, out):
    for _ in range(3):
        a = [np.ones(size) for _ in range(n)]; del a
    f0 = faults()
    for _ in range(20):
        a = [np.ones(size) for _ in range(n)]; del a
    out.append((faults() - f0) / 20)
res = []
churn(1, 8_000_000, res)
t = threading.Thread(target=churn, args=(3, 3_000_000, res)); t.start(); t.join()
print(torchlike._host_memory.applied, *res)
"""


def _faults_per_round(keep):
    env = dict(os.environ, TORCHLIKE_KEEP_HOST_MEMORY=keep)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    applied, main, worker = out.stdout.split()
    return applied == "True", float(main), float(worker)


@pytest.mark.skipif(not torchlike._host_memory.applied, reason="glibc malloc settings not available here")
def test_freed_memory_is_reused():
    applied, main, worker = _faults_per_round("1")
    assert applied and main < 2 and worker < 2, (main, worker)
    applied, main, worker = _faults_per_round("0")  # opted out: glibc's defaults map fresh pages
    assert not applied and main > 10 and worker > 10, (main, worker)
