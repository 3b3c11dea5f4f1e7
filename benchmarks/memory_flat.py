"""Resident memory stays flat: over 10,000 eager training steps, and over 10,000 distinct shapes.

    python benchmarks/memory_flat.py [steps]
    python benchmarks/memory_flat.py --shapes N [--one-op]

Steps: trains a small MLP with hand-written SGD on torchlike tensors and prints the process's resident
set size every 1,000 steps; the last column is the growth since step 1,000 (expected: ~0), i.e. graph
memory is freed after backward.

``--shapes N``: a small eager op chain (``(x * 2 + 1).sum()``, with a gradient) on N distinct shapes, so
every op compiles a new program per shape; prints RSS every N/10 shapes and the growth from N/10 to N
(expected within 10%: compiled programs are bounded by ``TORCHLIKE_MAX_LIVE_PROGRAMS``, see
``torchlike/_live_programs.py``). N=10000 compiles ~60,000 programs: hours on 2 busy cores; ``--one-op`` runs
``x * 2`` alone (one program per shape).
"""
import resource
import sys
import time

import numpy as np

import torchlike as torch


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def main(steps=10_000):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((64, 32)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((64, 1)).astype(np.float32))
    w1 = torch.tensor(rng.standard_normal((32, 64)).astype(np.float32) * 0.1, requires_grad=True)
    w2 = torch.tensor(rng.standard_normal((64, 1)).astype(np.float32) * 0.1, requires_grad=True)
    base = None
    print(f"{'step':>8s} {'loss':>10s} {'rss MiB':>10s} {'growth MiB':>11s}")
    for step in range(1, steps + 1):
        loss = ((torch.tanh(x @ w1) @ w2 - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for w in (w1, w2):
                w -= 0.01 * w.grad
                w.grad = None
        if step % 1000 == 0:
            r = rss_mb()
            base = r if base is None else base
            print(f"{step:8d} {loss.item():10.5f} {r:10.1f} {r - base:11.1f}")


def shapes(n_shapes, one_op=False):
    from torchlike import _live_programs
    print(f"{'shapes':>8s} {'rss MiB':>10s} {'compiled since release':>23s} {'releases':>9s} {'seconds':>8s}")
    t0 = time.perf_counter()
    marks = {}
    for n in range(1, n_shapes + 1):
        if one_op:
            torch.tensor(np.ones(n, np.float32)) * 2
        else:
            x = torch.tensor(np.ones(n, np.float32), requires_grad=True)
            (x * 2 + 1).sum().backward()
        if n % max(1, n_shapes // 10) == 0:
            marks[n] = rss_mb()
            print(f"{n:8d} {marks[n]:10.1f} {_live_programs.compiled:23d} {_live_programs.releases:9d} "
                  f"{time.perf_counter() - t0:8.0f}", flush=True)
    first, last = min(marks), max(marks)
    print(f"RSS {marks[first]:.0f} MiB after {first} shapes, {marks[last]:.0f} MiB after {last} "
          f"({(marks[last] / marks[first] - 1) * 100:+.1f}%); peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--shapes":
        shapes(int(sys.argv[2]), "--one-op" in sys.argv)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
