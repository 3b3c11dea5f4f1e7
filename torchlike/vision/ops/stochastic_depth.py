"""torchvision.ops.stochastic_depth: drop whole residual branches (per sample or per batch)."""
from __future__ import annotations

import torchlike as torch
from torchlike import nn

__all__ = ["stochastic_depth", "StochasticDepth"]


def stochastic_depth(input, p: float, mode: str, training: bool = True):
    """Zero ``input`` with probability ``p`` per row (``mode="row"``: one draw per sample) or as a
    whole (``"batch"``), scaling survivors by ``1 / (1 - p)``. The mask is drawn with ``bernoulli_`` on
    an empty tensor of the input's dtype, as torchvision does, so the same seed drops the same rows."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival = 1.0 - p
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device).bernoulli_(survival)
    if survival > 0.0:
        noise.div_(survival)
    return input * noise


class StochasticDepth(nn.Module):
    """Module form of :func:`stochastic_depth` (active in training mode only)."""

    def __init__(self, p: float, mode: str):
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p}, mode={self.mode})"
