"""Train a small CNN on handwritten digits, offline — the PyTorch MNIST tutorial pattern.

    python examples/mnist_cnn.py [--data ./data] [--epochs 3] [--out ./mnist_cnn_out]

Uses MNIST when torchvision's files are on disk (``DATA/MNIST/raw/*-ubyte``); otherwise the
handwritten digits bundled with scikit-learn (1797 8x8 images), read through a Dataset and
upscaled by transforms to the 28x28 input the MNIST CNN expects. Shows a tqdm progress bar,
prints the test accuracy, and saves the model and a loss-curve picture.
"""
import argparse
import os

import numpy as np
from tqdm import tqdm

from _pictures import line_chart

import torchlike as torch
import torchlike.nn as nn
import torchlike.nn.functional as F
import torchlike.optim as optim
from torchlike.utils.data import DataLoader, Dataset, random_split
from torchlike.vision import datasets, transforms


class SklearnDigits(Dataset):
    """scikit-learn's bundled 8x8 digits as PIL images (values 0..16 scaled to 0..255)."""

    def __init__(self, transform=None):
        from sklearn.datasets import load_digits
        from PIL import Image
        digits = load_digits()
        imgs = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
        self.images = [Image.fromarray(im, mode="L") for im in imgs]
        self.targets = [int(t) for t in digits.target]
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i]
        if self.transform is not None:
            img = self.transform(img)
        return img, self.targets[i]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


def load_data(root):
    normalize = transforms.Normalize((0.1307,), (0.3081,))
    raw = os.path.join(root, "MNIST", "raw")
    if os.path.isdir(raw) and any(f.startswith("train-images") for f in os.listdir(raw)):
        tf = transforms.Compose([transforms.ToTensor(), normalize])
        return "MNIST", datasets.MNIST(root, train=True, transform=tf), datasets.MNIST(root, train=False, transform=tf)
    train_tf = transforms.Compose([transforms.Resize(28), transforms.RandomRotation(8), transforms.ToTensor(),
                                   normalize])
    test_tf = transforms.Compose([transforms.Resize(28), transforms.ToTensor(), normalize])
    full_train, full_test = SklearnDigits(train_tf), SklearnDigits(test_tf)
    train_idx, test_idx = random_split(range(len(full_train)), [0.8, 0.2],
                                       generator=torch.Generator().manual_seed(0))
    train = torch.utils.data.Subset(full_train, train_idx.indices)
    test = torch.utils.data.Subset(full_test, test_idx.indices)
    return "scikit-learn digits (upscaled to 28x28)", train, test


def save_model(model, path):
    if hasattr(torch, "save"):
        torch.save(model.state_dict(), path)
        return path
    path = os.path.splitext(path)[0] + ".npz"  # fallback while torchlike.save is unavailable
    np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="./data")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--num-workers", type=int, default=0)
    p.add_argument("--out", default="./mnist_cnn_out")
    args = p.parse_args()

    torch.manual_seed(0)
    name, train_set, test_set = load_data(args.data)
    print(f"data: {name}: {len(train_set)} training / {len(test_set)} test images")
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.num_workers)
    test_loader = DataLoader(test_set, batch_size=256, num_workers=args.num_workers)

    model = Net()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    losses = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch")
        for data, target in bar:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{losses[-1]:.4f}")

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for data, target in test_loader:
            pred = model(data).argmax(dim=1)
            correct += (pred == target).sum().item()
            total += target.size(0)
    print(f"test accuracy: {100.0 * correct / total:.2f}% ({correct}/{total}; chance is 10%)")

    os.makedirs(args.out, exist_ok=True)
    model_path = save_model(model, os.path.join(args.out, "mnist_cnn.pt"))
    curve = os.path.join(args.out, "loss_curve.png")
    line_chart({"training loss": losses}, curve, title="digit CNN: training loss per batch", ylabel="loss")
    print(f"saved model to {model_path} and loss curve to {curve}")


if __name__ == "__main__":
    main()
