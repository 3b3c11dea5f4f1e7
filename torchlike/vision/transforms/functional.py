"""torchvision.transforms.functional over Pillow and numpy.

PIL images go through Pillow's own operations (resize filters with their built-in antialiasing,
crop, transpose, rotate, ImageEnhance), as torchvision's PIL backend does. Tensor images
(``[..., C, H, W]``) are processed on the host with numpy (and Pillow's float "F" mode for
antialiased resampling and rotation, which is the filter torchvision's antialias mode follows),
so transforms are safe inside DataLoader workers and return numpy-backed tensors.
"""
from __future__ import annotations

import enum
import numbers
import sys

import numpy as np

__all__ = ["InterpolationMode", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "resize", "crop",
           "center_crop", "pad", "hflip", "vflip", "rotate", "resized_crop", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue", "rgb_to_grayscale", "to_grayscale",
           "gaussian_blur", "erase", "convert_image_dtype", "get_image_size", "get_image_num_channels",
           "get_dimensions", "five_crop", "ten_crop", "invert", "adjust_gamma"]


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_FROM_PIL_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                 4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def _interp(mode):
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int):
        return _FROM_PIL_INT[mode]
    if isinstance(mode, str):
        return InterpolationMode(mode)
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def _pil_filter(mode):
    from PIL import Image
    return {InterpolationMode.NEAREST: Image.NEAREST, InterpolationMode.NEAREST_EXACT: Image.NEAREST,
            InterpolationMode.BILINEAR: Image.BILINEAR, InterpolationMode.BICUBIC: Image.BICUBIC,
            InterpolationMode.BOX: Image.BOX, InterpolationMode.HAMMING: Image.HAMMING,
            InterpolationMode.LANCZOS: Image.LANCZOS}[mode]


# ------------------------------------------------------------------ tensor <-> numpy plumbing

def _Tensor():
    from ..._tensor import Tensor
    return Tensor


def _is_tensor(x):
    return isinstance(x, _Tensor())


def _is_pil(x):
    if "PIL.Image" not in sys.modules:
        return False
    from PIL import Image
    return isinstance(x, Image.Image)


def _np(t):
    return np.asarray(t._value)


def _wrap(arr, like=None):
    """A tensor holding ``arr``: numpy-backed (host) unless ``like`` lives on the device as a JAX array."""
    T = _Tensor()
    arr = np.ascontiguousarray(arr)
    if like is not None and not isinstance(like._value, np.ndarray):
        from ...ops.creation import _place
        return T._wrap(_place(arr, like.device))
    return T._wrap(arr)


def _check_img(img):
    if not (_is_tensor(img) or _is_pil(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_dimensions(img):
    """[channels, height, width]."""
    if _is_tensor(img):
        s = tuple(img.shape)
        if len(s) < 2:
            raise TypeError("Tensor is not a torch image.")
        return [1 if len(s) == 2 else s[-3], s[-2], s[-1]]
    _check_img(img)
    return [len(img.getbands()), img.height, img.width]


def get_image_size(img):
    """[width, height]."""
    c, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


def _max_value(np_dtype):
    np_dtype = np.dtype(np_dtype)
    if np_dtype == np.bool_:
        return 1
    if np_dtype.kind in "iu":
        return np.iinfo(np_dtype).max
    return 1.0


# ------------------------------------------------------------------ conversions

def to_tensor(pic):
    """PIL image or HWC ndarray -> CHW tensor; uint8 data scaled to float32 [0, 1]."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = pic.transpose(2, 0, 1)
        if img.dtype == np.uint8:
            return _wrap(img.astype(np.float32) / np.float32(255))
        return _wrap(img)
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
    arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = arr.reshape(pic.height, pic.width, len(pic.getbands())).transpose(2, 0, 1)
    if arr.dtype == np.uint8:
        return _wrap(arr.astype(np.float32) / np.float32(255))
    return _wrap(arr)


def pil_to_tensor(pic):
    """PIL image -> CHW tensor with the image's own dtype (no scaling)."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if pic.mode == "1":
        arr = arr.astype(np.uint8)
    return _wrap(arr.transpose(2, 0, 1))


def to_pil_image(pic, mode=None):
    """CHW tensor or HWC ndarray -> PIL image (float data scaled by 255 and truncated to uint8)."""
    from PIL import Image
    if _is_tensor(pic):
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        arr = _np(pic)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-3]} channels.")
        npimg = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    c = npimg.shape[2]
    if c == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected and not (mode == "I" and npimg.dtype == np.int32):
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        mode = mode or expected
        if npimg.dtype == np.int16:
            npimg = npimg.astype("<u2")
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[c]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {c}D inputs")
        if mode is None:
            mode = permitted[0]
        if npimg.dtype != np.uint8:
            raise TypeError(f"Input type {npimg.dtype} is not supported")
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return Image.fromarray(np.ascontiguousarray(npimg), mode=mode) if mode not in ("I;16",) else \
        Image.frombuffer("I;16", (npimg.shape[1], npimg.shape[0]), np.ascontiguousarray(npimg).tobytes(),
                         "raw", "I;16", 0, 1)


def convert_image_dtype(image, dtype=None):
    """Cast a tensor image, rescaling values to the new dtype's range as torchvision does."""
    from ... import _dtype as D
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    dtype = D.float32 if dtype is None else D.to_dtype(dtype)
    src, dst = image.dtype, dtype
    if src is dst:
        return image
    a = _np(image)
    if src.is_floating_point:
        if dst.is_floating_point:
            return _wrap(a.astype(dst.np), image)
        if (src is D.float32 and dst in (D.int32, D.int64)) or (src is D.float64 and dst is D.int64):
            raise RuntimeError(f"The cast from {src} to {dst} cannot be performed safely.")
        max_val = float(_max_value(dst.np))
        return _wrap((a * (max_val + 1.0 - 1e-3)).astype(dst.np), image)
    in_max = int(_max_value(src.np))
    if dst.is_floating_point:
        return _wrap(a.astype(dst.np) / dst.np.type(in_max), image)
    out_max = int(_max_value(dst.np))
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return _wrap((a // factor).astype(dst.np), image)
    factor = (out_max + 1) // (in_max + 1)
    return _wrap(a.astype(dst.np) * dst.np.type(factor), image)


# ------------------------------------------------------------------ normalize

def normalize(tensor, mean, std, inplace=False):
    """(x - mean) / std per channel of a float tensor image."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tuple(tensor.shape)}")
    a = _np(tensor)
    dt = a.dtype
    mean = np.asarray(mean._value if _is_tensor(mean) else mean, dtype=dt)
    std = np.asarray(std._value if _is_tensor(std) else std, dtype=dt)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean[:, None, None]
    if std.ndim == 1:
        std = std[:, None, None]
    out = _wrap((a - mean) / std, tensor)
    if inplace:
        tensor._write_value(out._value)
        return tensor
    return out


# ------------------------------------------------------------------ geometry

def _output_size(h, w, size, max_size):
    if isinstance(size, numbers.Number):
        size = [int(size)]
    size = list(size)
    if len(size) == 1:
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size[0], int(size[0] * long / short)
        if max_size is not None:
            if max_size <= size[0]:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)  # (new_h, new_w)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                         "size should be an int or a sequence of length 1 in torchscript mode.")
    return size[0], size[1]


def _resize_channels(a, new_h, new_w, mode, antialias):
    """Resize [..., H, W] numpy data."""
    from PIL import Image
    h, w = a.shape[-2:]
    lead = a.shape[:-2]
    flat = a.reshape((-1, h, w))
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        if mode is InterpolationMode.NEAREST:  # torch's "nearest": floor(dst * in / out)
            ys = np.minimum(np.floor(np.arange(new_h) * (h / new_h)).astype(np.int64), h - 1)
            xs = np.minimum(np.floor(np.arange(new_w) * (w / new_w)).astype(np.int64), w - 1)
        else:  # pixel centres, as Pillow's NEAREST
            ys = np.minimum(np.floor((np.arange(new_h) + 0.5) * (h / new_h)).astype(np.int64), h - 1)
            xs = np.minimum(np.floor((np.arange(new_w) + 0.5) * (w / new_w)).astype(np.int64), w - 1)
        return flat[:, ys][:, :, xs].reshape(lead + (new_h, new_w))
    if mode is InterpolationMode.BILINEAR and not antialias:
        out = _bilinear(flat.astype(np.float32), new_h, new_w)
    else:
        filt = _pil_filter(mode)
        if a.dtype == np.uint8:  # Pillow's 8-bit resampler: what torch's uint8 antialias path matches
            return np.stack([np.asarray(Image.fromarray(c, "L").resize((new_w, new_h), filt)) for c in flat]
                            ).reshape(lead + (new_h, new_w))
        out = np.stack([np.asarray(Image.fromarray(c.astype(np.float32), "F").resize((new_w, new_h), filt))
                        for c in flat])
    if a.dtype.kind in "iub":
        info = np.iinfo(a.dtype) if a.dtype.kind != "b" else None
        out = np.round(out)
        if info is not None:
            out = np.clip(out, info.min, info.max)
        return out.astype(a.dtype).reshape(lead + (new_h, new_w))
    return out.astype(a.dtype).reshape(lead + (new_h, new_w))


def _bilinear(flat, new_h, new_w):
    """Bilinear resampling with half-pixel centres and no antialiasing (torch's align_corners=False)."""
    h, w = flat.shape[-2:]

    def coords(n_out, n_in):
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, (src - i0).astype(np.float32)
    y0, y1, fy = coords(new_h, h)
    x0, x1, fx = coords(new_w, w)
    top = flat[:, y0] * (1 - fy)[:, None] + flat[:, y1] * fy[:, None]
    return top[:, :, x0] * (1 - fx) + top[:, :, x1] * fx


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` (an int: the smaller edge, keeping the aspect ratio; (h, w): exactly)."""
    mode = _interp(interpolation)
    c, h, w = get_dimensions(img)
    new_h, new_w = _output_size(h, w, size, max_size)
    if _is_pil(img):
        if (new_h, new_w) == (h, w):
            return img
        return img.resize((new_w, new_h), _pil_filter(mode))
    if (new_h, new_w) == (h, w):
        return img
    return _wrap(_resize_channels(_np(img), new_h, new_w, mode, antialias), img)


def _pad_amounts(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = list(padding)
    if len(padding) == 1:
        return (padding[0],) * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad by an int (all sides), (left/right, top/bottom) or (left, top, right, bottom)."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    left, top, right, bottom = _pad_amounts(padding)
    if _is_pil(img):
        from PIL import Image
        arr = np.asarray(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
        if padding_mode == "constant":
            fills = fill if isinstance(fill, (tuple, list)) else [fill] * (1 if arr.ndim == 2 else arr.shape[2])
            out = np.empty((arr.shape[0] + top + bottom, arr.shape[1] + left + right) + arr.shape[2:], arr.dtype)
            if arr.ndim == 2:
                out[...] = fills[0]
            else:
                out[...] = np.asarray(fills, dtype=arr.dtype)
            out[top:top + arr.shape[0], left:left + arr.shape[1]] = arr
        else:
            out = np.pad(arr, widths, mode=padding_mode)
        res = Image.fromarray(out, mode=img.mode if img.mode != "P" else "P")
        if img.mode == "P":
            res.putpalette(img.getpalette())
        return res
    a = _np(img)
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        out = np.pad(a, widths, mode="constant", constant_values=fill if fill is not None else 0)
    else:
        out = np.pad(a, widths, mode=padding_mode)
    return _wrap(out, img)


def crop(img, top, left, height, width):
    """The region at (top, left) of the given size; areas outside the image are zero-filled."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    a = _np(img)
    h, w = a.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pads = [(0, 0)] * (a.ndim - 2) + [(max(-top, 0), max(bottom - h, 0)), (max(-left, 0), max(right - w, 0))]
        a = np.pad(a[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)], pads)
        return _wrap(a, img)
    return _wrap(a[..., top:bottom, left:right], img)


def center_crop(img, output_size):
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    ch, cw = output_size
    if ch > h or cw > w:
        pads = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, pads, fill=0)
        _, h, w = get_dimensions(img)
        if (ch, cw) == (h, w):
            return img
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return crop(img, top, left, ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    if _is_pil(img):
        from PIL import Image
        return img.transpose(Image.FLIP_LEFT_RIGHT)
    return _wrap(_np(img)[..., ::-1], img)


def vflip(img):
    if _is_pil(img):
        from PIL import Image
        return img.transpose(Image.FLIP_TOP_BOTTOM)
    return _wrap(_np(img)[..., ::-1, :], img)


def five_crop(img, size):
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif len(size) == 1:
        size = (size[0], size[0])
    _, h, w = get_dimensions(img)
    ch, cw = size
    if ch > h or cw > w:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, ch, cw), crop(img, 0, w - cw, ch, cw), crop(img, h - ch, 0, ch, cw),
            crop(img, h - ch, w - cw, ch, cw), center_crop(img, [ch, cw]))


def ten_crop(img, size, vertical_flip=False):
    first = five_crop(img, size)
    flipped = vflip(img) if vertical_flip else hflip(img)
    return first + five_crop(flipped, size)


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Counter-clockwise rotation by ``angle`` degrees about ``center`` (default: image centre)."""
    from PIL import Image
    mode = _interp(interpolation)
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        mode = InterpolationMode.NEAREST
    filt = _pil_filter(mode)
    if _is_pil(img):
        if fill is not None and not isinstance(fill, (tuple, list)) and len(img.getbands()) > 1:
            fill = tuple([fill] * len(img.getbands()))
        return img.rotate(angle, filt, expand, center, fillcolor=fill)
    a = _np(img)
    lead, (h, w) = a.shape[:-2], a.shape[-2:]
    flat = a.reshape((-1, h, w)).astype(np.float32)
    fills = fill if isinstance(fill, (tuple, list)) else [0 if fill is None else fill]
    n_c = a.shape[-3] if a.ndim >= 3 else 1
    out = []
    for k, ch in enumerate(flat):
        f = float(fills[(k % n_c) % len(fills)])
        out.append(np.asarray(Image.fromarray(ch, "F").rotate(angle, filt, expand, center, fillcolor=f)))
    out = np.stack(out)
    if a.dtype.kind in "iu":
        out = np.clip(np.round(out), np.iinfo(a.dtype).min, np.iinfo(a.dtype).max)
    return _wrap(out.astype(a.dtype).reshape(lead + out.shape[-2:]), img)


# ------------------------------------------------------------------ colour

def _blend(a, b, ratio):
    bound = float(_max_value(a.dtype))
    out = np.clip(ratio * a.astype(np.float32) + (1.0 - ratio) * np.asarray(b, np.float32), 0, bound)
    return out.astype(a.dtype)


def _gray(a):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    l = (0.2989 * r.astype(np.float32) + 0.587 * g.astype(np.float32) + 0.114 * b.astype(np.float32))
    return l.astype(a.dtype)[..., None, :, :]


def _channels(a):
    return a.shape[-3] if a.ndim >= 3 else 1


def adjust_brightness(img, brightness_factor):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    if _is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    a = _np(img)
    return _wrap(_blend(a, np.zeros_like(a), brightness_factor), img)


def adjust_contrast(img, contrast_factor):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    if _is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    a = _np(img)
    g = _gray(a) if _channels(a) == 3 else a
    mean = np.mean(g.astype(np.float32), axis=(-3, -2, -1), keepdims=True)
    return _wrap(_blend(a, mean, contrast_factor), img)


def adjust_saturation(img, saturation_factor):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    if _is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Color(img).enhance(saturation_factor)
    a = _np(img)
    if _channels(a) == 1:
        return img
    return _wrap(_blend(a, _gray(a), saturation_factor), img)


def _rgb2hsv(rgb):
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_div = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(hsv):
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    sel = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.select([i == k for k in range(6)], [s_[c] for s_ in sel]) for c in range(3)]
    return np.stack(out, axis=-3)


def adjust_hue(img, hue_factor):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil(img):
        from PIL import Image
        mode = img.mode
        if mode in {"L", "1", "I", "F"}:
            return img
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        with np.errstate(over="ignore"):
            np_h = (np_h.astype(np.int64) + int(hue_factor * 255)) % 256
        h = Image.fromarray(np_h.astype(np.uint8), "L")
        return Image.merge("HSV", (h, s, v)).convert(mode)
    a = _np(img)
    if _channels(a) == 1:
        return img
    orig = a.dtype
    f = a.astype(np.float32) / 255.0 if orig == np.uint8 else a.astype(np.float32)
    hsv = _rgb2hsv(f)
    hsv[..., 0, :, :] = np.fmod(hsv[..., 0, :, :] + hue_factor, 1.0)
    hsv[..., 0, :, :] = np.where(hsv[..., 0, :, :] < 0, hsv[..., 0, :, :] + 1.0, hsv[..., 0, :, :])
    out = _hsv2rgb(hsv)
    if orig == np.uint8:
        out = np.clip(np.round(out * 255.0), 0, 255)
    return _wrap(out.astype(orig), img)


def adjust_gamma(img, gamma, gain=1):
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    if _is_pil(img):
        mode = img.mode
        img = img.convert("RGB")
        table = [int((255 + 1 - 1e-3) * gain * pow(ele / 255.0, gamma)) for ele in range(256)] * 3
        return img.point(table).convert(mode)
    a = _np(img)
    f = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a
    out = np.clip(gain * np.power(f, gamma), 0, 1)
    if a.dtype == np.uint8:
        out = (out * (255 + 1 - 1e-3)).astype(np.uint8)
    return _wrap(out.astype(a.dtype), img)


def invert(img):
    if _is_pil(img):
        from PIL import ImageOps
        return ImageOps.invert(img)
    a = _np(img)
    bound = _max_value(a.dtype)
    return _wrap((bound - a).astype(a.dtype), img)


def rgb_to_grayscale(img, num_output_channels=1):
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _is_pil(img):
        return to_grayscale(img, num_output_channels)
    a = _np(img)
    if _channels(a) not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {_channels(a)}")
    g = _gray(a) if _channels(a) == 3 else a
    if num_output_channels == 3:
        g = np.concatenate([g, g, g], axis=-3)
    return _wrap(g, img)


def to_grayscale(img, num_output_channels=1):
    """PIL image to "L" (Pillow's ITU-R 601-2 luma), optionally repeated to three channels."""
    from PIL import Image
    if not _is_pil(img):
        return rgb_to_grayscale(img, num_output_channels)
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    g = img.convert("L")
    if num_output_channels == 3:
        arr = np.asarray(g)
        g = Image.fromarray(np.dstack([arr, arr, arr]), "RGB")
    return g


def _gaussian_kernel1d(ksize, sigma):
    half = (ksize - 1) * 0.5
    x = np.linspace(-half, half, ksize, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    return (pdf / pdf.sum()).astype(np.float32)


def gaussian_blur(img, kernel_size, sigma=None):
    """Separable Gaussian blur with reflect padding (torchvision's kernel and border handling)."""
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    kernel_size = list(kernel_size)
    if len(kernel_size) == 1:
        kernel_size = kernel_size * 2
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    elif isinstance(sigma, numbers.Number):
        sigma = [float(sigma), float(sigma)]
    sigma = list(sigma)
    if len(sigma) == 1:
        sigma = sigma * 2
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    was_pil = _is_pil(img)
    if was_pil:
        t = pil_to_tensor(img)
    else:
        t = img
    a = _np(t)
    kx, ky = _gaussian_kernel1d(kernel_size[0], sigma[0]), _gaussian_kernel1d(kernel_size[1], sigma[1])
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    f = a.astype(np.float32) if a.dtype != np.float64 else a
    pads = [(0, 0)] * (a.ndim - 2) + [(py, py), (px, px)]
    p = np.pad(f, pads, mode="reflect")
    h, w = a.shape[-2:]
    tmp = sum(kx[i] * p[..., :, i:i + w] for i in range(len(kx)))
    out = sum(ky[i] * tmp[..., i:i + h, :] for i in range(len(ky)))
    if a.dtype.kind in "iu":
        out = np.round(out)
    out = out.astype(a.dtype)
    if was_pil:
        return to_pil_image(_Tensor()._wrap(out), mode=img.mode)
    return _wrap(out, img)


def erase(img, i, j, h, w, v, inplace=False):
    """Set the region [i:i+h, j:j+w] of a tensor image to ``v``."""
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    a = _np(img)
    out = a if (inplace and isinstance(img._value, np.ndarray) and a.flags.writeable) else a.copy()
    out[..., i:i + h, j:j + w] = _np(v) if _is_tensor(v) else v
    if inplace:
        img._write_value(out if isinstance(img._value, np.ndarray) else _wrap(out, img)._value)
        return img
    return _wrap(out, img)
