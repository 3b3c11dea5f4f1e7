"""The same training loop, eager and under ``torchlike.compile``, timed side by side.

    python examples/compile_speedup.py [--steps 300] [--out ./compile_speedup_out]

An MLP learns scikit-learn's handwritten digits (offline). Run eagerly, every operation of every step
is dispatched from Python one at a time. Wrapped in ``torchlike.compile``, the whole step (forward,
backward, Adam update) is traced once into one XLA program, and later steps call that program.
Both runs start from the same weights and see the same batches, so their losses agree; the script
prints both timings (the first two steps, where the compiled run traces and compiles, are shown apart) and
saves a bar chart and the two loss curves.
"""
import argparse
import os
import time

import numpy as np

import torchlike as torch
import torchlike.nn as nn
import torchlike.nn.functional as F

from _pictures import bar_chart, line_chart


def batches(batch_size):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = torch.tensor((digits.data / 16.0).astype(np.float32))
    y = torch.tensor(digits.target.astype(np.int64))
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    return [(x[idx], y[idx]) for idx in order.split(batch_size) if len(idx) == batch_size]


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


WARMUP = 2  # a compiled step's first call runs eagerly to see what it touches; the second traces and compiles


def train(data, steps, compiled):
    """Train for ``steps`` steps; returns the losses, the seconds of the first ``WARMUP`` steps and the
    seconds of the others."""
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = torch.compile(step)
    losses = []
    start = time.perf_counter()
    for i in range(steps):
        x, y = data[i % len(data)]
        losses.append(step(x, y))
        if i == WARMUP - 1:
            losses[i] = losses[i].item()  # waits for the warm-up steps (JAX runs asynchronously)
            first = time.perf_counter() - start
            start = time.perf_counter()
    losses = [float(v) for v in losses]  # waits for the last step (JAX runs asynchronously)
    return losses, first, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--out", default="./compile_speedup_out")
    args = p.parse_args()

    data = batches(args.batch_size)
    eager, eager_first, eager_rest = train(data, args.steps, compiled=False)
    comp, comp_first, comp_rest = train(data, args.steps, compiled=True)
    n = args.steps - WARMUP
    eager_ms, comp_ms = 1000 * eager_rest / n, 1000 * comp_rest / n
    print(f"eager:    first {WARMUP} steps {eager_first:.2f} s (each op compiled once), then {eager_ms:.2f} ms/step")
    print(f"compiled: first {WARMUP} steps {comp_first:.2f} s (record, trace, XLA compile), then {comp_ms:.2f} ms/step")
    print(f"speed-up after warm-up: {eager_ms / comp_ms:.1f}x; all {args.steps} steps: eager "
          f"{eager_first + eager_rest:.2f} s, compiled {comp_first + comp_rest:.2f} s")
    print(f"final loss: eager {eager[-1]:.4f}, compiled {comp[-1]:.4f}; "
          f"largest difference over all steps {max(abs(a - b) for a, b in zip(eager, comp)):.2e}")

    os.makedirs(args.out, exist_ok=True)
    chart = bar_chart({"eager": eager_ms, "torchlike.compile": comp_ms}, os.path.join(args.out, "ms_per_step.png"),
                      title=f"MLP on digits, batch {args.batch_size}: milliseconds per training step "
                            f"(after {WARMUP} warm-up steps)", unit="ms")
    curves = line_chart({"eager": eager, "compiled": comp}, os.path.join(args.out, "losses.png"),
                        title="training loss: eager and compiled runs (same weights, same batches)", ylabel="loss")
    with open(os.path.join(args.out, "timings.md"), "w") as f:
        f.write(f"| run | first {WARMUP} steps (s) | later steps (ms/step) | final loss |\n|---|---|---|---|\n")
        f.write(f"| eager | {eager_first:.3f} | {eager_ms:.3f} | {eager[-1]:.5f} |\n")
        f.write(f"| torchlike.compile | {comp_first:.3f} | {comp_ms:.3f} | {comp[-1]:.5f} |\n")
    print(f"saved {chart}, {curves} and timings.md")


if __name__ == "__main__":
    main()
