"""Forward+backward time of each conv/pool/recurrent/attention layer, torchlike vs torch on CPU.

Both libraries run the same layer (weights copied through state_dict) on the same input in one
process; printed as ms per step and the ratio torchlike/torch (< 1 means torchlike is faster).
No assertions: these machines are noisy, read the ratios.

Run: python benchmarks/layers.py                     (a fixed list of layers)
     python benchmarks/layers.py --models resnet18@64 mobilenet_v2@224 [--batch 4]
                                                      (every distinct conv / pool / batch-norm layer
                                                       of those torchlike.vision models at that image size)
"""
import argparse
import time

import numpy as np
import torch

import torchlike
import torchlike.nn as tnn


def _step(lib, mod, x):
    xs = lib.tensor(x, requires_grad=True)
    out = mod(xs)
    if isinstance(out, tuple):
        out = out[0]
    out.sum().backward()
    return xs.grad


def _time(fn, reps):
    fn()
    fn()  # compile / warm caches
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            g = fn()
        if hasattr(g, "_value"):
            g._value.block_until_ready()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def bench(name, ctor, shape, reps=20):
    torch.manual_seed(0)
    ref = ctor(torch.nn)
    ours = ctor(tnn)
    ours.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    t_ref = _time(lambda: _step(torch, ref, x), reps)
    t_ours = _time(lambda: _step(torchlike, ours, x), reps)
    print(f"{name:<44} torch {t_ref * 1e3:8.2f} ms   torchlike {t_ours * 1e3:8.2f} ms   ratio {t_ours / t_ref:5.2f}")


def main():
    torch.set_num_threads(max(1, torch.get_num_threads()))
    print(f"forward+backward per step (CPU, torch threads={torch.get_num_threads()})")
    bench("Conv2d(1->32, k3) 64x1x28x28", lambda nn: nn.Conv2d(1, 32, 3), (64, 1, 28, 28))
    bench("Conv2d(3->16, k5, pad2) 32x3x32x32", lambda nn: nn.Conv2d(3, 16, 5, padding=2), (32, 3, 32, 32))
    bench("Conv2d(32->64, k3, pad1) 32x32x16x16", lambda nn: nn.Conv2d(32, 64, 3, padding=1), (32, 32, 16, 16))
    bench("Conv2d(32->32, k3, groups=32) 32x32x16x16", lambda nn: nn.Conv2d(32, 32, 3, padding=1, groups=32),
          (32, 32, 16, 16))
    bench("Conv2d(512->512, k3, pad1) 8x512x2x2", lambda nn: nn.Conv2d(512, 512, 3, padding=1), (8, 512, 2, 2))
    bench("Conv2d(128->128, k3, pad1, groups=32) 8x128x16x16", lambda nn: nn.Conv2d(128, 128, 3, padding=1, groups=32),
          (8, 128, 16, 16))
    bench("Conv3d(16->32, k3, pad1) 2x16x16x32x32", lambda nn: nn.Conv3d(16, 32, 3, padding=1), (2, 16, 16, 32, 32))
    bench("Conv2d(64->64, k3, pad1) 4x64x56x56", lambda nn: nn.Conv2d(64, 64, 3, padding=1), (4, 64, 56, 56))
    bench("Conv1d(8->16, k5) 32x8x128", lambda nn: nn.Conv1d(8, 16, 5), (32, 8, 128))
    bench("ConvTranspose2d(16->8, k4, s2) 16x16x16x16", lambda nn: nn.ConvTranspose2d(16, 8, 4, 2, 1),
          (16, 16, 16, 16))
    bench("ConvTranspose2d(256->128, k4, s2, p1) 16x256x8x8 (DCGAN)",
          lambda nn: nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), (16, 256, 8, 8))
    bench("MaxPool2d(2) 64x32x28x28", lambda nn: nn.MaxPool2d(2), (64, 32, 28, 28))
    bench("MaxPool2d(3, 2, 1) 64x32x28x28", lambda nn: nn.MaxPool2d(3, 2, 1), (64, 32, 28, 28))
    bench("AvgPool2d(2) 64x32x28x28", lambda nn: nn.AvgPool2d(2), (64, 32, 28, 28))
    bench("AvgPool2d(3, 2, 1) 64x32x28x28", lambda nn: nn.AvgPool2d(3, 2, 1), (64, 32, 28, 28))
    bench("AdaptiveAvgPool2d(7) 32x64x14x14", lambda nn: nn.AdaptiveAvgPool2d(7), (32, 64, 14, 14))
    bench("LSTM(32, 64) T=50 N=16", lambda nn: nn.LSTM(32, 64), (50, 16, 32), reps=5)
    bench("LSTM(32, 64, 2 layers, bidir) T=50 N=16", lambda nn: nn.LSTM(32, 64, 2, bidirectional=True),
          (50, 16, 32), reps=5)
    bench("GRU(32, 64) T=50 N=16", lambda nn: nn.GRU(32, 64), (50, 16, 32), reps=5)
    bench("MultiheadAttention(64, 4) L=32 N=16", lambda nn: _SelfAttn(nn, 64, 4), (32, 16, 64))
    bench("TransformerEncoderLayer(64, 4, 128) L=32 N=16",
          lambda nn: nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0), (32, 16, 64))


def _layer_ctor(mod):
    """(name, constructor over an nn namespace) re-creating a conv / pool / batch-norm layer, or None."""
    t = type(mod).__name__
    if t == "Conv2d":
        return (f"Conv2d({mod.in_channels}->{mod.out_channels}, k{mod.kernel_size}, s{mod.stride}, "
                f"p{mod.padding}, g{mod.groups})",
                lambda nn: nn.Conv2d(mod.in_channels, mod.out_channels, mod.kernel_size, mod.stride, mod.padding,
                                     mod.dilation, mod.groups, mod.bias is not None))
    if t == "MaxPool2d":
        return (f"MaxPool2d({mod.kernel_size}, {mod.stride}, {mod.padding}, ceil={mod.ceil_mode})",
                lambda nn: nn.MaxPool2d(mod.kernel_size, mod.stride, mod.padding, ceil_mode=mod.ceil_mode))
    if t == "BatchNorm2d":
        return f"BatchNorm2d({mod.num_features})", lambda nn: nn.BatchNorm2d(mod.num_features)
    return None


def model_layers(specs, batch):
    """Time every distinct conv / pool / batch-norm layer (with its input shape) of vision models."""
    from torchlike.vision import models
    seen = set()
    for spec in specs:
        name, px = spec.split("@")
        model = getattr(models, name)()
        shapes = []
        hooks = [m.register_forward_hook(lambda m, inp, out: shapes.append((m, tuple(inp[0].shape))))
                 for m in model.modules() if _layer_ctor(m) is not None]
        with torchlike.no_grad():
            model(torchlike.randn(batch, 3, int(px), int(px)))
        for h in hooks:
            h.remove()
        print(f"-- {spec}, batch {batch}")
        for mod, shape in shapes:
            label, ctor = _layer_ctor(mod)
            if (label, shape) not in seen:
                seen.add((label, shape))
                bench(f"{label} {'x'.join(map(str, shape))}", ctor, shape, reps=3)


class _SelfAttn:
    """MultiheadAttention(x, x, x) as a one-input module for either library."""

    def __new__(cls, nn, e, h):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.attn = nn.MultiheadAttention(e, h)

            def forward(self, x):
                return self.attn(x, x, x)[0]
        return M()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="*", help="NAME@PIXELS of torchlike.vision.models, e.g. resnet18@64")
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    if args.models:
        torch.set_num_threads(max(1, torch.get_num_threads()))
        model_layers(args.models, args.batch)
    else:
        main()
