"""torchvision.utils: ``make_grid`` and ``save_image`` (computed on the host with numpy)."""
from __future__ import annotations

import math

import numpy as np

from .._pillow import pillow

__all__ = ["make_grid", "save_image"]


def _as_np(t):
    if hasattr(t, "_value"):
        return np.asarray(t._value)
    return np.asarray(t)


def _grid_np(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    if isinstance(tensor, (list, tuple)):
        a = np.stack([_as_np(t) for t in tensor])
    else:
        a = _as_np(tensor)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        if a.shape[0] == 1:
            a = np.concatenate([a, a, a], 0)
        a = a[None]
    if a.ndim == 4 and a.shape[1] == 1:
        a = np.concatenate([a, a, a], 1)
    if a.ndim != 4:
        raise ValueError(f"tensor should be 2, 3 or 4 dimensional, got {a.ndim}")
    if normalize:
        a = a.astype(np.float32) if a.dtype.kind != "f" else a.copy()

        def norm(img, rng):
            low, high = (float(img.min()), float(img.max())) if rng is None else rng
            img = np.clip(img, low, high)
            return (img - low) / max(high - low, 1e-5)
        if scale_each:
            a = np.stack([norm(x, value_range) for x in a])
        else:
            a = norm(a, value_range)
    if a.shape[0] == 1:
        return a[0]
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(a.shape[2] + padding), int(a.shape[3] + padding)
    grid = np.full((a.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=a.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = a[k]
            k += 1
    return grid


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0,
              **kwargs):
    """Tile a (B, C, H, W) tensor (or list of images) into one (C, H', W') image, ``nrow`` per row."""
    from .transforms.functional import _wrap
    grid = _grid_np(tensor, nrow, padding, normalize, value_range, scale_each, pad_value)
    like = tensor if hasattr(tensor, "_value") else None
    return _wrap(grid, like)


def save_image(tensor, fp, format=None, **kwargs):
    """Write ``make_grid(tensor, **kwargs)`` as an 8-bit image file (values in [0, 1] scaled to 255)."""
    Image = pillow("Image")
    grid = _grid_np(tensor, **kwargs)
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(ndarr).save(fp, format=format)
