"""One optimizer.step() over a 10M-parameter model in 100 tensors: torchlike vs torch vs plain optax.

Run: python benchmarks/optim_step.py [--opt adam|sgd] [--reps N]. Prints median step times and ratios.
All three run in this one process, side by side, on the same CPU/accelerator state.
"""
from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import torchlike


def median_time(fn, reps):
    fn()
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", default="adam", choices=["adam", "sgd"])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--tensors", type=int, default=100)
    ap.add_argument("--numel", type=int, default=10_000_000)
    args = ap.parse_args()
    n = args.numel // args.tensors
    rng = np.random.default_rng(0)
    p0 = [rng.standard_normal(n).astype(np.float32) for _ in range(args.tensors)]
    g0 = [rng.standard_normal(n).astype(np.float32) * 1e-3 for _ in range(args.tensors)]

    # torchlike
    ps = [torchlike.tensor(a, requires_grad=True) for a in p0]
    for p, g in zip(ps, g0):
        p.grad = torchlike.tensor(g)
    opt = (torchlike.optim.Adam(ps, lr=1e-3) if args.opt == "adam"
           else torchlike.optim.SGD(ps, lr=1e-3, momentum=0.9))

    def tl_step():
        opt.step()
        jax.block_until_ready(ps[-1]._value)

    # plain optax: the same update, one jitted call (no donation, like torchlike's)
    tx = optax.adam(1e-3) if args.opt == "adam" else optax.sgd(1e-3, momentum=0.9)
    params = [jnp.asarray(a) for a in p0]
    grads = [jnp.asarray(g) for g in g0]
    state = tx.init(params)

    @jax.jit
    def ox_update(params, grads, state):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    box = [params, state]

    def ox_step():
        box[0], box[1] = ox_update(box[0], grads, box[1])
        jax.block_until_ready(box[0][-1])

    rows = [("torchlike", median_time(tl_step, args.reps)), ("optax", median_time(ox_step, args.reps))]
    try:
        import torch
        tps = [torch.tensor(a, requires_grad=True) for a in p0]
        for p, g in zip(tps, g0):
            p.grad = torch.tensor(g)
        topt = torch.optim.Adam(tps, lr=1e-3) if args.opt == "adam" else torch.optim.SGD(tps, lr=1e-3, momentum=0.9)
        rows.append(("torch", median_time(topt.step, args.reps)))
    except ImportError:
        pass
    base = dict(rows)["optax"]
    print(f"{args.opt}: {args.tensors} tensors, {args.tensors * n / 1e6:.1f}M params, device {jax.devices()[0]}")
    for name, t in rows:
        print(f"  {name:10s} {t * 1e3:8.2f} ms   {t / base:5.2f}x optax")


if __name__ == "__main__":
    main()
