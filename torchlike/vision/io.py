"""torchvision.io basics: read/decode images into uint8 CHW tensors, write PNG/JPEG (through Pillow)."""
from __future__ import annotations

import enum

import numpy as np

from .._pillow import pillow


class ImageReadMode(enum.Enum):
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def _to_tensor(img, mode):
    from ..ops.creation import from_numpy
    if mode != ImageReadMode.UNCHANGED:
        img = img.convert(_PIL_MODES[mode])
    elif img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGB")
    a = np.asarray(img, dtype=np.uint8)
    a = a[:, :, None] if a.ndim == 2 else a
    return from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """The image at ``path`` as a uint8 tensor of shape (C, H, W)."""
    Image, ImageOps = pillow("Image", "ImageOps")
    with Image.open(path) as img:
        img.load()
        if apply_exif_orientation:
            img = ImageOps.exif_transpose(img)
        return _to_tensor(img, mode)


decode_image_from_path = read_image


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode encoded bytes (a uint8 1-d tensor) or a path."""
    import io
    Image = pillow("Image")
    if isinstance(input, (str, bytes)) and not isinstance(input, bytes):
        return read_image(input, mode, apply_exif_orientation)
    data = bytes(np.asarray(input).astype(np.uint8).tobytes()) if not isinstance(input, bytes) else input
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return _to_tensor(img, mode)


def read_file(path):
    from ..ops.creation import from_numpy
    with open(path, "rb") as f:
        return from_numpy(np.frombuffer(f.read(), np.uint8).copy())


def _write(input, filename, fmt, **kw):
    Image = pillow("Image")
    a = np.asarray(input._value if hasattr(input, "_value") else input).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a).save(filename, format=fmt, **kw)


def write_png(input, filename, compression_level=6):
    _write(input, filename, "PNG", compress_level=compression_level)


def write_jpeg(input, filename, quality=75):
    _write(input, filename, "JPEG", quality=quality)
