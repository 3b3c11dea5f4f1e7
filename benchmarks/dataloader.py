"""DataLoader throughput: images/s of an ImageFolder + transforms pipeline.

Compares torchlike's DataLoader with num_workers=0 and 2 against torch's DataLoader on the same
dataset and transforms (torch's side reads torchlike's transforms' numpy output). All runs are
in one process run, so the ratios are what to read on a noisy machine.

    python benchmarks/dataloader.py [--images 600] [--size 128] [--epochs 2]
"""
import argparse
import os
import warnings
import tempfile
import time

import numpy as np
from PIL import Image

from torchlike.utils.data import DataLoader
from torchlike.vision import datasets, transforms as T


def make_folder(root, n, size):
    rng = np.random.default_rng(0)
    for i in range(n):
        d = os.path.join(root, f"class_{i % 10}")
        os.makedirs(d, exist_ok=True)
        base = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
        img = Image.fromarray(base).resize((size, size), Image.BILINEAR)
        img.save(os.path.join(d, f"{i}.png"))


def pipeline():
    return T.Compose([T.RandomResizedCrop(96), T.RandomHorizontalFlip(), T.ColorJitter(0.2, 0.2),
                      T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])


class NumpyOut:
    """The same dataset with tensors handed over as numpy arrays (for torch's DataLoader)."""

    def __init__(self, ds):
        self.ds = ds

    def __len__(self):
        return len(self.ds)

    def __getitem__(self, i):
        x, y = self.ds[i]
        return np.asarray(x._value), y


def measure(loader, epochs):
    n = 0
    for _ in loader:  # warm-up epoch: worker start-up, first JAX transfers
        break
    t0 = time.perf_counter()
    for _ in range(epochs):
        for x, _ in loader:
            n += x.shape[0]
    return n / (time.perf_counter() - t0)


def main():
    warnings.filterwarnings("ignore", message=".*os.fork.*")  # torch's workers fork a JAX process too
    p = argparse.ArgumentParser()
    p.add_argument("--images", type=int, default=600)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as root:
        make_folder(root, args.images, args.size)
        ds = datasets.ImageFolder(root, transform=pipeline())
        loaders = {f"torchlike num_workers={w}": DataLoader(ds, batch_size=args.batch_size, shuffle=True,
                                                             num_workers=w) for w in (0, 2)}
        try:
            import torch
            loaders.update({f"torch     num_workers={w}": torch.utils.data.DataLoader(
                NumpyOut(ds), batch_size=args.batch_size, shuffle=True, num_workers=w) for w in (0, 2)})
        except ImportError:
            pass
        results = {k: 0.0 for k in loaders}
        for _ in range(args.rounds):  # interleaved rounds, best of each: the machine is shared and noisy
            for k, dl in loaders.items():
                results[k] = max(results[k], measure(dl, args.epochs))
    print(f"ImageFolder {args.images} PNGs {args.size}x{args.size} -> RandomResizedCrop(96), flip, ColorJitter, "
          f"ToTensor, Normalize; batch {args.batch_size}; {os.cpu_count()} CPUs")
    for k, v in results.items():
        print(f"  {k}: {v:8.1f} images/s")
    base = results["torchlike num_workers=0"]
    print(f"  speedup num_workers=2 / 0: {results['torchlike num_workers=2'] / base:.2f}x")
    if "torch     num_workers=2" in results:
        print(f"  torchlike / torch at num_workers=2: "
              f"{results['torchlike num_workers=2'] / results['torch     num_workers=2']:.2f}x")


if __name__ == "__main__":
    main()
