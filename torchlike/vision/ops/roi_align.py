"""torchvision.ops.roi_align: average of bilinear samples over each bin of each region (Mask R-CNN).

The sample positions depend on the box coordinates (and, with ``sampling_ratio <= 0``, the number of
samples per bin too: ``ceil(roi_size / output_size)``), so they are computed on the host in the
input's dtype, exactly as torchvision's CPU kernel places them; the feature values are then gathered
and weighted with tensor ops, so gradients flow to ``input`` (not to the boxes, as in torchvision).
Eager only: a compiled step cannot read box coordinates on the host.
"""
from __future__ import annotations


import numpy as np

import torchlike as torch
from torchlike import nn

__all__ = ["roi_align", "RoIAlign"]


def _rois_as_tensor(boxes):
    """``Tensor[K, 5]`` rows ``(batch_index, x1, y1, x2, y2)`` from that or from a list of per-image
    ``Tensor[L, 4]``."""
    if isinstance(boxes, torch.Tensor):
        if boxes.dim() != 2 or boxes.shape[1] != 5:
            raise ValueError(f"The boxes tensor shape is not correct as Tensor[K, 5], got {tuple(boxes.shape)}")
        return boxes
    if not isinstance(boxes, (list, tuple)) or not all(isinstance(b, torch.Tensor) and b.dim() == 2
                                                       and b.shape[1] == 4 for b in boxes):
        raise ValueError("Expected boxes to be a Tensor[K, 5] or a list of Tensor[L, 4]")
    idx = torch.cat([torch.full((b.shape[0], 1), i, dtype=b.dtype, device=b.device) for i, b in enumerate(boxes)])
    return torch.cat([idx, torch.cat(list(boxes))], dim=1)


def _axis_samples(start, size, pooled, grid, limit, dtype):
    """Per roi, per output cell, per sample: (low index, high index, weight of high, valid) along one axis."""
    k = len(start)
    g_max = int(grid.max()) if k else 1
    cell = np.arange(pooled, dtype=dtype)[None, :, None]
    sub = np.arange(g_max, dtype=dtype)[None, None, :]
    bin_size = (size / dtype(pooled)).astype(dtype)[:, None, None]
    g = grid.astype(dtype)[:, None, None]
    pos = start[:, None, None] + cell * bin_size + (sub + dtype(0.5)) * bin_size / g
    inside = (pos >= -1.0) & (pos <= limit) & (np.arange(g_max)[None, None, :] < grid[:, None, None])
    pos = np.maximum(pos, 0).astype(dtype)
    low = np.floor(pos).astype(np.int64)
    at_edge = low >= limit - 1
    low = np.where(at_edge, limit - 1, low)
    high = np.where(at_edge, limit - 1, low + 1)
    frac = np.where(at_edge, 0, pos - low).astype(dtype)
    return low, high, frac, inside


def roi_align(input, boxes, output_size, spatial_scale: float = 1.0, sampling_ratio: int = -1,
              aligned: bool = False):
    """``[N, C, H, W]`` features and K boxes -> ``[K, C, PH, PW]``. ``aligned=True`` shifts boxes by
    half a pixel (pixel centers at .5); otherwise a region is at least 1x1."""
    ph, pw = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    rois = _rois_as_tensor(boxes)
    _, _, height, width = input.shape
    dtype = np.dtype(str(input.dtype).replace("torch.", "")).type if input.is_floating_point() else np.float32
    r = rois.detach().cpu().numpy().astype(dtype)
    offset = dtype(0.5) if aligned else dtype(0)
    scale = dtype(spatial_scale)
    x0, y0 = r[:, 1] * scale - offset, r[:, 2] * scale - offset
    rw, rh = r[:, 3] * scale - offset - x0, r[:, 4] * scale - offset - y0
    if not aligned:
        rw, rh = np.maximum(rw, 1), np.maximum(rh, 1)
    if sampling_ratio > 0:
        gh = gw = np.full(len(r), sampling_ratio)
    else:
        gh = np.ceil(rh / dtype(ph)).astype(np.int64)
        gw = np.ceil(rw / dtype(pw)).astype(np.int64)
    yl, yh, fy, vy = _axis_samples(y0, rh, ph, gh, height, dtype)
    xl, xh, fx, vx = _axis_samples(x0, rw, pw, gw, width, dtype)

    # broadcast to [K, PH, GH, PW, GW]
    def rows(a):
        return a[:, :, :, None, None]

    def cols(a):
        return a[:, None, None, :, :]

    b = r[:, 0].astype(np.int64)[:, None, None, None, None]
    feats = input.permute(0, 2, 3, 1)  # gathers give [K, PH, GH, PW, GW, C]
    wy, wx = torch.tensor(rows(fy)), torch.tensor(cols(fx))
    one = 1 - wy, 1 - wx

    def at(yi, xi):
        return feats[torch.tensor(b), torch.tensor(rows(yi)), torch.tensor(cols(xi))]

    val = ((one[0] * one[1])[..., None] * at(yl, xl) + (one[0] * wx)[..., None] * at(yl, xh)
           + (wy * one[1])[..., None] * at(yh, xl) + (wy * wx)[..., None] * at(yh, xh))
    valid = torch.tensor((rows(vy) & cols(vx))[..., None])
    count = torch.tensor(np.maximum(gh * gw, 1).astype(dtype)[:, None, None, None])
    out = torch.where(valid, val, torch.zeros((), dtype=val.dtype)).sum(dim=(2, 4)) / count
    return out.permute(0, 3, 1, 2).to(input.dtype)


class RoIAlign(nn.Module):
    """Module form of :func:`roi_align`."""

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int, aligned: bool = False):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def __repr__(self):
        return (f"{type(self).__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned})")
