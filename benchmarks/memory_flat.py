"""Graph memory is freed after backward: resident memory over 10,000 eager training steps.

    python benchmarks/memory_flat.py [steps]

Trains a small MLP with hand-written SGD on torchlike tensors and prints the process's resident
set size every 1,000 steps; the last column is the growth since step 1,000 (expected: ~0).
"""
import resource
import sys

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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
