"""Fine-tune a torchvision-style ResNet: the transfer-learning recipe, offline, on handwritten digits.

    python examples/finetune_resnet_digits.py [--epochs 2] [--out ./finetune_resnet_digits_out]

The recipe of torchvision's fine-tuning tutorial — take a trained backbone, put a new ``fc`` head on
it, freeze the early layers, train the rest — with ``torchlike.vision.models.ResNet`` (torchvision's
class and parameter names, so torchvision checkpoints load into it). With no ImageNet weights offline,
the backbone is first trained here on the digits 0-4 of scikit-learn's bundled set; it is then
fine-tuned to tell apart the digits 5-9 it has never seen. Each training step is one XLA program
(``torchlike.compile``); the frozen layers stay where they are instead of being copied in and out.
Saves a picture of test digits with the fine-tuned model's answers (green right, red wrong).

With a torchvision checkpoint on disk, start from ImageNet weights instead:
``models.resnet18(weights="IMAGENET1K_V1")`` reads ``~/.cache/torch/hub/checkpoints/``.
"""
import argparse
import os

import numpy as np

import torchlike as torch
import torchlike.nn as nn
import torchlike.nn.functional as F
from torchlike.vision import models

from _pictures import labelled_grid


def digits(classes):
    """scikit-learn's 8x8 digits of the given classes, as 3x32x32 normalised tensors, split 75/25."""
    from sklearn.datasets import load_digits
    d = load_digits()
    keep = np.isin(d.target, classes)
    raw = d.images[keep] / 16.0
    x = torch.tensor(raw.astype(np.float32)).unsqueeze(1)
    x = F.interpolate(x, size=32, mode="bilinear", align_corners=False).expand(-1, 3, -1, -1)
    x = (x - 0.5) / 0.5
    y = torch.tensor(d.target[keep] - min(classes))
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    cut = len(x) * 3 // 4
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]]), raw[order[cut:].numpy()]


def fit(model, params, data, epochs, lr, label):
    opt = torch.optim.Adam(params, lr=lr)

    @torch.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x, y = data
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x))
        losses = [step(x[idx], y[idx]) for idx in order.split(64) if len(idx) == 64]
        print(f"{label}: epoch {epoch + 1}/{epochs}, mean loss {sum(float(v) for v in losses) / len(losses):.4f}")


@torch.no_grad()
def predict(model, x):
    model.eval()
    return torch.cat([model(chunk).argmax(1) for chunk in x.split(256)])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--out", default="./finetune_resnet_digits_out")
    args = p.parse_args()
    torch.manual_seed(0)

    # 1. a backbone: a small ResNet (one BasicBlock per stage) trained on the digits 0-4
    model = models.ResNet(models.resnet.BasicBlock, [1, 1, 1, 1], num_classes=5)
    train, test, _ = digits([0, 1, 2, 3, 4])
    fit(model, model.parameters(), train, args.epochs, 1e-3, "backbone on digits 0-4")
    acc = (predict(model, test[0]) == test[1]).float().mean().item()
    print(f"backbone accuracy on held-out digits 0-4: {100 * acc:.1f}%")

    # 2. fine-tuning: a new head for the digits 5-9; stem, layer1 and layer2 frozen
    model.fc = nn.Linear(model.fc.in_features, 5)
    for name, param in model.named_parameters():
        param.requires_grad_(name.startswith(("layer3", "layer4", "fc")))
    trainable = [p for p in model.parameters() if p.requires_grad]
    print(f"fine-tuning {sum(p.numel() for p in trainable):,} of {sum(p.numel() for p in model.parameters()):,} "
          f"parameters (layer3, layer4, fc)")
    train, test, test_images = digits([5, 6, 7, 8, 9])
    fit(model, trainable, train, args.epochs, 1e-3, "fine-tuning on digits 5-9")
    pred = predict(model, test[0])
    acc = (pred == test[1]).float().mean().item()
    print(f"fine-tuned accuracy on held-out digits 5-9: {100 * acc:.1f}% ({len(pred)} images; chance is 20%)")

    os.makedirs(args.out, exist_ok=True)
    n = 50
    images = [np.round(im * 255).astype(np.uint8) for im in test_images[:n]]
    guesses = (pred[:n] + 5).tolist()
    truth = (test[1][:n] + 5).tolist()
    picture = labelled_grid(images, [f"said {g}" for g in guesses], os.path.join(args.out, "predictions.png"),
                            colours=[(0, 140, 0) if g == t else (200, 0, 0) for g, t in zip(guesses, truth)],
                            scale=6)
    torch.save(model.state_dict(), os.path.join(args.out, "resnet_digits_5_9.pt"))
    print(f"saved {picture} and the fine-tuned weights")


if __name__ == "__main__":
    main()
