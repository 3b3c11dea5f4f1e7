"""Side-by-side numerics: one PyTorch script, run under torch and under torchlike.

    python examples/side_by_side.py              # real PyTorch (if installed)
    python -m torchlike examples/side_by_side.py # the same file on torchlike (JAX)

Both runs draw the same initial weights and data from torch's random stream (torchlike reproduces
it bit for bit on the CPU), so the per-step losses printed agree to float32 rounding.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(4 * 4 * 4, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(16, 1, 8, 8)
y = torch.randint(0, 10, (16,))
for step in range(5):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.6f}")
