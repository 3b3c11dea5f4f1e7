"""Layer by layer: the same network in PyTorch and in torchlike, on the same digits, compared.

    python examples/compare_with_torch.py [--out ./compare_with_torch_out]

Both libraries build the network after ``manual_seed(0)``; torchlike reproduces torch's random
stream, so the initial weights are bit-identical (the first table says so). Forward hooks record each
layer's output; after one backward pass each parameter's gradient is compared too, and then three
SGD steps show the losses staying together. The per-layer table is printed and written as Markdown
and CSV. Needs PyTorch (CPU build is enough); without it the script says so and exits.
"""
import argparse
import collections
import csv
import os
import sys

import numpy as np

import torchlike


def build(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(collections.OrderedDict([
        ("conv1", nn.Conv2d(1, 8, 3, padding=1)), ("bn1", nn.BatchNorm2d(8)), ("relu", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)), ("conv2", nn.Conv2d(8, 16, 3, padding=1)), ("gelu", nn.GELU()),
        ("pool2", nn.AvgPool2d(2)), ("flatten", nn.Flatten()), ("fc1", nn.Linear(64, 32)),
        ("norm", nn.LayerNorm(32)), ("tanh", nn.Tanh()), ("fc2", nn.Linear(32, 10)),
    ]))


def record_outputs(model):
    """Each layer's output of the next forward pass, by layer name (forward hooks, as in torch)."""
    outputs = {}
    for name, layer in model.named_children():
        layer.register_forward_hook(lambda m, inp, out, name=name: outputs.__setitem__(name, out))
    return outputs


def as_numpy(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()


def max_diff(a, b):
    return float(np.max(np.abs(as_numpy(a).astype(np.float64) - as_numpy(b).astype(np.float64))))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="./compare_with_torch_out")
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed, so there is nothing to compare against. Its CPU build is enough:\n"
              "    pip install torch --index-url https://download.pytorch.org/whl/cpu")
        return 0
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images[:64] / 16.0).astype(np.float32)[:, None]  # 64 handwritten 8x8 digits
    y = digits.target[:64].astype(np.int64)

    models = {"torch": build(torch), "torchlike": build(torchlike)}
    libs = {"torch": torch, "torchlike": torchlike}
    weight_diff = max(max_diff(a, b) for a, b in zip(models["torch"].state_dict().values(),
                                                     models["torchlike"].state_dict().values()))
    print(f"largest difference between the initial weights drawn after manual_seed(0): {weight_diff}")

    outputs, losses = {}, {}
    for name, model in models.items():
        lib = libs[name]
        outputs[name] = record_outputs(model)
        loss = lib.nn.functional.cross_entropy(model(lib.from_numpy(x)), lib.from_numpy(y))
        loss.backward()
        losses[name] = loss.item()

    rows = []
    params = {name: dict(m.named_parameters()) for name, m in models.items()}
    for layer, out in outputs["torch"].items():
        ours = outputs["torchlike"][layer]
        grads = [max_diff(params["torch"][k].grad, params["torchlike"][k].grad)
                 for k in params["torch"] if k.startswith(layer + ".")]
        rows.append({"layer": layer, "type": type(getattr(models["torch"], layer)).__name__,
                     "output shape": "x".join(map(str, out.shape)),
                     "max |output diff|": max_diff(out, ours),
                     "max |output|": float(np.max(np.abs(as_numpy(out)))),
                     "max |grad diff|": max(grads) if grads else None})

    steps = {}
    for name, model in models.items():  # three SGD steps on the same batch, from the same weights
        lib = libs[name]
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        steps[name] = []
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.from_numpy(x)), lib.from_numpy(y))
            loss.backward()
            opt.step()
            steps[name].append(loss.item())

    os.makedirs(args.out, exist_ok=True)
    table = os.path.join(args.out, "layers.md")
    with open(table, "w") as f:
        f.write(f"# torch {torch.__version__} vs torchlike {torchlike.__version__}\n\n")
        f.write(f"Initial weights after `manual_seed(0)`: largest difference {weight_diff:g}.\n\n")
        f.write("| layer | type | output shape | max abs output diff | max abs output "
                "| max abs parameter-grad diff |\n")
        f.write("|---|---|---|---|---|---|\n")
        for r in rows:
            g = "—" if r["max |grad diff|"] is None else f"{r['max |grad diff|']:.2e}"
            f.write(f"| {r['layer']} | {r['type']} | {r['output shape']} | {r['max |output diff|']:.2e} "
                    f"| {r['max |output|']:.3g} | {g} |\n")
        f.write("\n| SGD step | torch loss | torchlike loss |\n|---|---|---|\n")
        for i, (a, b) in enumerate(zip(steps["torch"], steps["torchlike"])):
            f.write(f"| {i} | {a:.6f} | {b:.6f} |\n")
    with open(os.path.join(args.out, "layers.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(open(table).read())
    print(f"wrote {table} and layers.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
