"""Scaling of the seed MNIST CNN's compiled training step over 1, 2 and 4 XLA host devices (DataParallel).

Run: ``python benchmarks/scaling.py [--batch 256]``. The parent re-runs itself with
``XLA_FLAGS=--xla_force_host_platform_device_count=4`` (JAX reads it only at start-up). Caveat printed
with the table: host "devices" are slices of the same CPU — on a 2-core machine they share 2 cores, so
this measures the cost of the SPMD partitioning (collectives, splitting), not a speed-up. On a lent GPU
machine there is one device: only the 1-device row is meaningful there.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


def child(batch):
    import jax
    import numpy as np

    import torchlike as torch
    import torchlike.nn as nn
    import torchlike.nn.functional as F
    from _timing import median_time
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples"))
    from mnist_cnn import Net

    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, batch))
    ndev = len(jax.devices())
    print(f"platform {jax.devices()[0].platform}, {ndev} device(s), {os.cpu_count()} CPU core(s), batch {batch}")
    rows = []
    for n in (1, 2, 4):
        if n > ndev:
            break
        torch.manual_seed(0)
        net = Net()
        model = net if n == 1 else nn.DataParallel(net, device_ids=list(range(n)))
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

        @torch.compile
        def step(xb, yb):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            return loss
        t = median_time(lambda: step(x, y), repeat=5, warmup=2, sync=lambda r: r._value.block_until_ready())
        rows.append((n, t))
    base = rows[0][1]
    print(f"{'devices':>8} {'ms/step':>9} {'samples/s':>10} {'vs 1 device':>12}")
    for n, t in rows:
        print(f"{n:>8} {t * 1e3:>9.2f} {batch / t:>10.0f} {base / t:>11.2f}x")
    print(f"caveat: the {ndev} host devices share this machine's {os.cpu_count()} CPU core(s); this shows the "
          "overhead of the sharded SPMD program, not multi-device speed-up.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--child", action="store_true")
    a = ap.parse_args()
    if a.child:
        return child(a.batch)
    env = dict(os.environ)
    if "gpu" not in env.get("JAX_PLATFORMS", ""):
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4").strip()
    sys.exit(subprocess.call([sys.executable, os.path.abspath(__file__), "--child", "--batch", str(a.batch)], env=env))


if __name__ == "__main__":
    main()
