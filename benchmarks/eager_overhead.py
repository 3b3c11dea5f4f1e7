"""Per-op eager cost: torchlike vs raw jax.numpy vs torch, in one process, printed as ratios.

    python benchmarks/eager_overhead.py

Workloads: a small add, a 64x64 matmul, a 3-layer MLP forward, and the MLP's forward+backward
(raw JAX does its backward with an eager ``jax.vjp``). Target (issue 2): torchlike eager within 2x
of raw jax.numpy dispatch.
"""
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import median_time, table  # noqa: E402

import torchlike  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional here
    torch = None


def main():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((8,)).astype(np.float32)
    m = rng.standard_normal((64, 64)).astype(np.float32)
    x = rng.standard_normal((32, 128)).astype(np.float32)
    ws = [rng.standard_normal(s).astype(np.float32) * 0.1 for s in [(128, 256), (256, 256), (256, 10)]]
    block = lambda r: jax.block_until_ready(r._value if isinstance(r, torchlike.Tensor) else r)  # noqa: E731

    rows = []
    ja, tla = jnp.asarray(a), torchlike.tensor(a)
    res = {"jax.numpy": median_time(lambda: ja + ja, sync=jax.block_until_ready),
           "torchlike": median_time(lambda: tla + tla, sync=block)}
    if torch:
        ta = torch.tensor(a)
        res["torch"] = median_time(lambda: ta + ta)
    rows.append(("add (8,)", res))

    jm, tlm = jnp.asarray(m), torchlike.tensor(m)
    res = {"jax.numpy": median_time(lambda: jm @ jm, sync=jax.block_until_ready),
           "torchlike": median_time(lambda: tlm @ tlm, sync=block)}
    if torch:
        tm = torch.tensor(m)
        res["torch"] = median_time(lambda: tm @ tm)
    rows.append(("matmul 64x64", res))

    jx, jws = jnp.asarray(x), [jnp.asarray(w) for w in ws]

    def jax_mlp(x, *ws):
        h = jax.nn.relu(x @ ws[0])
        h = jax.nn.relu(h @ ws[1])
        return jnp.sum(h @ ws[2])

    tlx = torchlike.tensor(x)
    tlw = [torchlike.tensor(w, requires_grad=True) for w in ws]

    def tl_mlp(x, ws):
        h = (x @ ws[0]).relu()
        h = (h @ ws[1]).relu()
        return (h @ ws[2]).sum()

    with torchlike.no_grad():
        res = {"jax.numpy": median_time(lambda: jax_mlp(jx, *jws), sync=jax.block_until_ready),
               "torchlike": median_time(lambda: tl_mlp(tlx, tlw), sync=block)}
    if torch:
        tx, tw = torch.tensor(x), [torch.tensor(w, requires_grad=True) for w in ws]
        with torch.no_grad():
            res["torch"] = median_time(lambda: tl_mlp(tx, tw))
    rows.append(("MLP 128-256-256-10 forward", res))

    def jax_fb():
        loss, vjp = jax.vjp(lambda *w: jax_mlp(jx, *w), *jws)
        return vjp(jnp.ones((), jnp.float32))

    def tl_fb():
        for w in tlw:
            w.grad = None
        tl_mlp(tlx, tlw).backward()
        return tlw[0].grad

    res = {"jax.numpy": median_time(jax_fb, sync=jax.block_until_ready),
           "torchlike": median_time(tl_fb, sync=block)}
    if torch:
        def torch_fb():
            for w in tw:
                w.grad = None
            tl_mlp(tx, tw).backward()
        res["torch"] = median_time(torch_fb)
    rows.append(("MLP forward+backward", res))
    print(f"device: {jax.devices()[0].platform}; median time per call")
    table(rows, ["jax.numpy", "torchlike", "torch"], "jax.numpy")


if __name__ == "__main__":
    main()
