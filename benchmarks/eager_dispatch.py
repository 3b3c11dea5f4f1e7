"""Steady-state cost of one small eager op: torch vs torchlike vs the floor of a cached ``jax.jit`` call.

    python benchmarks/eager_dispatch.py [rounds]

Every figure is CPU time (``time.process_time``) per op, the median over ``rounds`` interleaved blocks
(torch, torchlike and raw JAX take turns, so load on a shared machine hits all three alike). The
"jax.jit floor" column calls an already-compiled ``jax.jit`` function of the same computation directly
with JAX arrays: the C++ fast path, the least an eager op that runs one XLA program can cost. What
torchlike spends above it is its own Python (dispatch key, autograd recording, Tensor wrapping).
"""
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import torch

import torchlike

BLOCK = 2000  # ops per timed block


def _cpu_us(fn):
    t0 = time.process_time()
    for _ in range(BLOCK):
        fn()
    return (time.process_time() - t0) / BLOCK * 1e6


def _cases():
    """(name, {column: zero-argument callable})."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(8).astype(np.float32)
    m = rng.standard_normal((16, 16)).astype(np.float32)
    rows = rng.standard_normal((100, 8)).astype(np.float32)
    out = []
    ja, jm, jr = jnp.asarray(a), jnp.asarray(m), jnp.asarray(rows)
    fadd, fsin, fmm = jax.jit(jnp.add), jax.jit(jnp.sin), jax.jit(jnp.matmul)
    fmul_vjp = jax.jit(lambda w, s: jax.vjp(lambda w: w * s, w))
    findex = jax.jit(lambda x, i: jax.lax.dynamic_index_in_dim(x, i, keepdims=False))
    two = np.float32(2)
    libs = {"torch": torch, "torchlike": torchlike}
    t = {k: (lib.tensor(a), lib.tensor(m), lib.tensor(a), lib.tensor(a, requires_grad=True), lib.tensor(rows))
         for k, lib in libs.items()}
    counter = [0]

    def index(x):
        counter[0] = (counter[0] + 7) % 100
        return x[counter[0]]

    def jindex():
        counter[0] = (counter[0] + 7) % 100
        return findex(jr, np.int64(counter[0]))

    def cols(make, floor):
        c = {k: make(*v) for k, v in t.items()}
        c["jax.jit floor"] = floor
        return c

    out.append(("a + a  (8,)", cols(lambda a, m, b, w, r: lambda: a + a, lambda: fadd(ja, ja))))
    out.append(("a.sin()", cols(lambda a, m, b, w, r: lambda: a.sin(), lambda: fsin(ja))))
    out.append(("m @ m  (16x16)", cols(lambda a, m, b, w, r: lambda: m @ m, lambda: fmm(jm, jm))))
    out.append(("b.add_(0)", cols(lambda a, m, b, w, r: lambda: b.add_(0), lambda: fadd(ja, 0))))
    out.append(("w * 2, w requires grad", cols(lambda a, m, b, w, r: lambda: w * 2, lambda: fmul_vjp(ja, two))))
    out.append(("x[i]  (100x8, i varies)", cols(lambda a, m, b, w, r: lambda: index(r), jindex)))
    return out


def main(rounds=9):
    cases = _cases()
    print(f"{'op (CPU us per op, median)':28s}{'torch':>10s}{'torchlike':>11s}{'jax.jit floor':>15s}"
          f"{'torchlike/torch':>17s}{'floor/torch':>13s}")
    for name, cols in cases:
        for fn in cols.values():  # warm up: compile and fill caches
            for _ in range(200):
                fn()
        times = {k: [] for k in cols}
        for _ in range(rounds):
            for k, fn in cols.items():
                times[k].append(_cpu_us(fn))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name:28s}{med['torch']:10.2f}{med['torchlike']:11.2f}{med['jax.jit floor']:15.2f}"
              f"{med['torchlike'] / med['torch']:16.1f}x{med['jax.jit floor'] / med['torch']:12.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
