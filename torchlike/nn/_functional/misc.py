"""Shape and geometry functions of ``torch.nn.functional``: pad, interpolate, grid_sample,
affine_grid, one_hot, normalize, cosine_similarity, pairwise_distance, pixel_(un)shuffle,
channel_shuffle, gumbel_softmax. Each is one Op; index maths follow torch's kernels
(source-index formulas for ``align_corners``, cubic A=-0.75, nearest = floor(dst * in/out)).
"""
from __future__ import annotations

import functools
import itertools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype as D
from ...ops.registry import Op, apply

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "one_hot", "normalize", "cosine_similarity", "pairwise_distance", "pdist", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "gumbel_softmax"]


# ----------------------------------------------------------------------------- pad
def _pad_fwd(x, pad, mode, value):
    n = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - n) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]
    # negative padding crops
    crop = tuple(slice(-lo if lo < 0 else None, (hi if hi < 0 else None)) for lo, hi in widths)
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    if mode == "constant":
        y = jnp.pad(x, widths, constant_values=jnp.asarray(value, x.dtype))
    else:
        y = jnp.pad(x, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])
    return y[crop]


_pad_op = Op("constant_pad_nd", _pad_fwd)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad)//2`` dims; ``pad`` lists (left, right) pairs starting from the last dim."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
        n = len(pad) // 2
        if n > 3 or input.dim() < n + 1:
            raise NotImplementedError("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")
        for i in range(n):
            d = input.dim() - 1 - i
            size = input.shape[d]
            lo, hi = pad[2 * i], pad[2 * i + 1]
            if mode == "reflect" and (lo >= size or hi >= size):
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                                   f"{list(input.shape)}")
            if mode == "circular" and (lo > size or hi > size):
                raise RuntimeError("Padding value causes wrapping around more than once.")
    return apply(_pad_op, input, pad=pad, mode=mode, value=0.0 if value is None else value)


# ----------------------------------------------------------------------------- interpolate
def _src_index(out_size, in_size, scale, align_corners, cubic):
    """Source coordinates (float) of each output index, as torch's area_pixel_compute_source_index."""
    dst = np.arange(out_size, dtype=np.float64)
    if align_corners:
        s = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        return dst * s
    s = scale
    src = s * (dst + 0.5) - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _linear_weights(out_size, in_size, scale, align_corners):
    src = _src_index(out_size, in_size, scale, align_corners, False)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    l1 = src - i0
    return [(i0, 1.0 - l1), (i1, l1)]


def _cubic_coeffs(t, A=-0.75):
    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def _cubic_weights(out_size, in_size, scale, align_corners):
    src = _src_index(out_size, in_size, scale, align_corners, True)
    i = np.floor(src).astype(np.int64)
    t = src - i
    ws = _cubic_coeffs(t)
    return [(np.clip(i - 1 + k, 0, in_size - 1), ws[k]) for k in range(4)]


def _interp_fwd(x, plan):
    # plan: per spatial dim, a tuple of (indices, weights) pairs (weights None: pure gather)
    for d, terms in enumerate(plan):
        axis = 2 + d
        in_size, out_size = x.shape[axis], len(terms[0][0])
        if jax.default_backend() == "cpu" and in_size * out_size <= 65536:
            # the 1-d resampling as a small dense matrix: its gradient is a matmul too, where the
            # gathers' gradient is a scatter-add, slow on XLA:CPU (nearest/bilinear x2 fwd+bwd ~3x faster)
            m = np.zeros((in_size, out_size))
            for idx, w in terms:
                np.add.at(m, (idx, np.arange(out_size)), 1.0 if w is None else np.asarray(w))
            y = jnp.tensordot(x, jnp.asarray(m, x.dtype), axes=([axis], [0]), precision=jax.lax.Precision.HIGHEST)
            x = jnp.moveaxis(y, -1, axis)
            continue
        acc = None
        for idx, w in terms:
            g = jnp.take(x, jnp.asarray(idx), axis=axis)
            if w is not None:
                shape = [1] * x.ndim
                shape[axis] = len(w)
                g = g * jnp.asarray(np.asarray(w), x.dtype).reshape(shape)
            acc = g if acc is None else acc + g
        x = acc
    return x


class _Plan:
    """Hashable wrapper of numpy index/weight arrays (a static attribute of the interpolate op)."""

    def __init__(self, terms):
        self.terms = terms
        self._key = tuple(tuple((i.tobytes(), None if w is None else np.asarray(w).tobytes()) for i, w in dim)
                          for dim in terms)

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, _Plan) and self._key == other._key

    def __iter__(self):
        return iter(self.terms)


_interp_op = Op("upsample", lambda x, plan: _interp_fwd(x, plan), backward_name="UpsampleBackward0")


def _area_terms(out_size, in_size):
    # adaptive average pooling along one dim: start=floor(i*in/out), end=ceil((i+1)*in/out)
    terms = []
    starts = [(i * in_size) // out_size for i in range(out_size)]
    ends = [-(-((i + 1) * in_size) // out_size) for i in range(out_size)]
    k = max(e - s for s, e in zip(starts, ends))
    for j in range(k):
        idx = np.array([min(s + j, e - 1) for s, e in zip(starts, ends)])
        w = np.array([1.0 / (e - s) if s + j < e else 0.0 for s, e in zip(starts, ends)])
        terms.append((idx, w))
    return terms


def _aa_resize(x, sizes, inv_scales, method):
    # torch's antialiased kernels (triangle / Keys a=-0.5 cubic widened by the downscale factor, weights
    # normalised) are what jax.image.scale_and_translate computes with antialias=True
    out_shape = x.shape[:2] + tuple(sizes)
    return jax.image.scale_and_translate(x, out_shape, (2, 3), jnp.asarray(inv_scales, x.dtype),
                                         jnp.zeros(2, x.dtype), method, antialias=True)


_aa_op = Op("upsample_aa", lambda x, sizes, inv_scales, method: _aa_resize(x, sizes, inv_scales, method),
            promote="float", backward_name="UpsampleBackward0")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims: nearest, nearest-exact, (bi/tri)linear, bicubic, area. ``antialias=True``
    (bilinear and bicubic of 4-D inputs, as torch) filters when downsampling, with torch's kernels."""
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
                         "as input")
    modes = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
    if mode not in modes:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if dim < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the "
                         f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    need = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
    if mode in need and need[mode] != dim:
        names = {1: "3D", 2: "4D", 3: "5D"}
        raise NotImplementedError(f"Got {names.get(dim, str(dim + 2) + 'D')} input, but {mode} mode needs "
                                  f"{names[need[mode]]} input")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        sizes = (size,) * dim if isinstance(size, int) else tuple(size)
        if len(sizes) != dim:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(in_sizes)} and output size of {list(sizes)}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")
        sizes = tuple(int(s) for s in sizes)
        scales = [i / o for i, o in zip(in_sizes, sizes)]
    elif scale_factor is not None:
        sf = (scale_factor,) * dim if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        if len(sf) != dim:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(in_sizes)} and scale_factor of shape {list(sf)}. "
                             "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                             "(s1, s2, ...,sK) format.")
        sizes = tuple(int(math.floor(float(i) * float(s))) for i, s in zip(in_sizes, sf))
        if recompute_scale_factor:
            scales = [i / o for i, o in zip(in_sizes, sizes)]
        else:
            scales = [1.0 / float(s) for s in sf]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if antialias:
        if align_corners:
            raise NotImplementedError("interpolate: antialias=True with align_corners=True is not supported "
                                      "(jax.image.scale_and_translate, which computes torch's antialiased "
                                      "kernels, has no corner alignment)")
        method = "cubic" if mode == "bicubic" else "linear"
        return apply(_aa_op, input, sizes=sizes, inv_scales=tuple(1.0 / float(s) for s in scales), method=method)
    plan = []
    for o, i, s in zip(sizes, in_sizes, scales):
        if mode == "nearest":
            idx = np.minimum(np.floor(np.arange(o) * np.float32(s)).astype(np.int64), i - 1)
            plan.append(((idx, None),))
        elif mode == "nearest-exact":
            idx = np.minimum(np.floor((np.arange(o) + 0.5) * np.float32(s)).astype(np.int64), i - 1)
            plan.append(((idx, None),))
        elif mode == "area":
            plan.append(tuple(_area_terms(o, i)))
        elif mode == "bicubic":
            plan.append(tuple(_cubic_weights(o, i, s, align_corners)))
        else:
            plan.append(tuple(_linear_weights(o, i, s, align_corners)))
    return apply(_interp_op, input, plan=_Plan(tuple(plan)))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- grid_sample / affine_grid
_GRID_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                 "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                 "grid_sample for details.")


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x, twice_low, twice_high):
    # reflect x into [twice_low/2, twice_high/2] (bounds given doubled, as torch's grid sampler)
    if twice_low == twice_high:
        return jnp.zeros_like(x)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    x = jnp.abs(x - lo)
    extra = jnp.mod(x, span)
    flips = jnp.floor(x / span)
    return jnp.where(jnp.mod(flips, 2) == 0, extra + lo, span - extra + lo)


def _grid_coord(coord, size, padding_mode, align_corners):
    c = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        c = jnp.clip(c, 0, size - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = jnp.clip(c, 0, size - 1)
    return c


def _grid_sample(x, grid, mode, padding_mode, align_corners):
    # x (N, C, *spatial), grid (N, *out, nd) with coordinates in reversed dim order (x, y[, z])
    n, sizes = x.shape[0], x.shape[2:]
    nd = len(sizes)
    coords = [_grid_coord(grid[..., nd - 1 - k], sizes[k], padding_mode, align_corners) for k in range(nd)]
    bidx = jnp.arange(n).reshape((n,) + (1,) * nd)

    def tap(idx):
        valid = functools.reduce(jnp.logical_and, [(i >= 0) & (i <= s - 1) for i, s in zip(idx, sizes)])
        clipped = tuple(jnp.clip(i, 0, s - 1).astype(jnp.int32) for i, s in zip(idx, sizes))
        v = x[(bidx, slice(None)) + clipped]  # (N, *out, C)
        return jnp.where(valid[..., None], v, jnp.zeros((), x.dtype))

    if mode == "nearest":
        out = tap([jnp.round(c) for c in coords])  # round half to even, as torch's nearbyint
    else:  # (bi/tri)linear: weighted sum over the 2**nd corners of the cell
        lo = [jnp.floor(c) for c in coords]
        frac = [c - f for c, f in zip(coords, lo)]
        out = 0
        for corner in itertools.product((0, 1), repeat=nd):
            wgt = functools.reduce(jnp.multiply, [f if up else 1 - f for f, up in zip(frac, corner)])
            out = out + tap([f + up for f, up in zip(lo, corner)]) * wgt[..., None]
    return jnp.moveaxis(out, -1, 1)


_grid_sample_op = Op("grid_sampler_2d", _grid_sample)
_grid_sample_3d_op = Op("grid_sampler_3d", _grid_sample)
GRID_MODES = ("bilinear", "nearest", "bicubic")  # torch.grid_sampler's integer codes index these
GRID_PADDINGS = ("zeros", "border", "reflection")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at ``grid`` (N, Ho, Wo, 2) or (N, Do, Ho, Wo, 3)
    locations in [-1, 1] (x, y[, z] order); 'bilinear' on 5-D inputs is trilinear, as torch."""
    if mode not in GRID_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in GRID_PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not implemented in torchlike")
    if align_corners is None:
        warnings.warn(_GRID_WARNING)
        align_corners = False
    if input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    nd = input.dim() - 2
    if grid.dim() != input.dim() or grid.shape[-1] != nd or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    return apply(_grid_sample_op if nd == 2 else _grid_sample_3d_op, input, grid, mode=mode,
                 padding_mode=padding_mode, align_corners=bool(align_corners))


def _base_coords(n, align_corners):
    if n <= 1:
        return np.zeros((max(n, 0),))
    lin = np.linspace(-1.0, 1.0, n)
    return lin if align_corners else lin * (n - 1) / n


def _affine_grid(theta, size, align_corners):
    if len(size) == 4:
        _, _, h, w = size
        xs = _base_coords(w, align_corners)
        ys = _base_coords(h, align_corners)
        base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1))), -1)  # (H, W, 3)
        base = jnp.asarray(base, theta.dtype)
        return jnp.einsum("hwk,njk->nhwj", base, theta)
    _, _, d, h, w = size
    xs, ys, zs = (_base_coords(s, align_corners) for s in (w, h, d))
    base = np.stack(np.broadcast_arrays(xs[None, None, :], ys[None, :, None], zs[:, None, None],
                                        np.ones((1, 1, 1))), -1)
    base = jnp.asarray(base, theta.dtype)
    return jnp.einsum("dhwk,njk->ndhwj", base, theta)


_affine_grid_op = Op("affine_grid_generator", _affine_grid, backward_name="AffineGridGeneratorBackward0")


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) for affine matrices ``theta`` (N, 2, 3) / (N, 3, 4)."""
    if align_corners is None:
        warnings.warn(_GRID_WARNING)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                             f"{list(theta.shape)}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {list(size)}. Got "
                             f"{list(theta.shape)}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {list(size)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    return apply(_affine_grid_op, theta, size=size, align_corners=bool(align_corners))


# ----------------------------------------------------------------------------- one_hot, norms, distances
_one_hot_op = Op("one_hot", lambda x, n: jax.nn.one_hot(x, n, dtype=jnp.int64), differentiable=False)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with a trailing class dim (``num_classes=-1``: max + 1)."""
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    v = tensor._value
    concrete = not isinstance(v, jax.core.Tracer)
    if num_classes == -1:
        if not concrete:
            from ..._errors import raise_untraceable
            raise_untraceable("F.one_hot with num_classes=-1")
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(np.asarray(v).max()) + 1
    if concrete and tensor.numel():
        a = np.asarray(v)
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return apply(_one_hot_op, tensor, n=int(num_classes))


def _pnorm(x, p, axis, keepdims=False):
    if p == 2:
        return jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims))
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == float("inf"):
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum((x != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    return jnp.sum(jnp.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _normalize(x, p, dim, eps):
    return x / jnp.maximum(_pnorm(x, p, dim, True), eps)


_normalize_op = Op("normalize", _normalize, backward_name="DivBackward0")


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    d = dim % max(input.dim(), 1)
    res = apply(_normalize_op, input, p=float(p), dim=d, eps=float(eps))
    if out is not None:
        from ...ops.out import write_out
        return write_out(res, out)
    return res


def _cosine(x1, x2, dim, eps):
    x1, x2 = jnp.broadcast_arrays(x1, x2)
    n1 = jnp.sqrt(jnp.sum(x1 * x1, axis=dim, keepdims=True))
    n2 = jnp.sqrt(jnp.sum(x2 * x2, axis=dim, keepdims=True))
    return jnp.sum((x1 / jnp.maximum(n1, eps)) * (x2 / jnp.maximum(n2, eps)), axis=dim)


_cosine_op = Op("cosine_similarity", _cosine, promote="float", backward_name="SumBackward1")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    nd = max(x1.dim(), x2.dim())
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    return apply(_cosine_op, x1, x2, dim=dim % nd, eps=float(eps))


def _pairwise(x1, x2, p, eps, keepdim):
    return _pnorm(x1 - x2 + eps, p, -1, keepdim)


_pairwise_op = Op("pairwise_distance", _pairwise, promote="float", backward_name="NormBackward1")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim."""
    return apply(_pairwise_op, x1, x2, p=float(p), eps=float(eps), keepdim=bool(keepdim))


def _pdist_fwd(x, p):
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    return _pnorm(x[i] - x[j], p, -1)


_pdist_op = Op("pdist", _pdist_fwd)


def pdist(input, p=2):
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    return apply(_pdist_op, input, p=float(p))


# ----------------------------------------------------------------------------- pixel / channel shuffles
def _pixel_shuffle(x, r):
    *lead, c, h, w = x.shape
    oc = c // (r * r)
    y = x.reshape(tuple(lead) + (oc, r, r, h, w))
    n = len(lead)
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return y.reshape(tuple(lead) + (oc, h * r, w * r))


def _pixel_unshuffle(x, r):
    *lead, c, h, w = x.shape
    n = len(lead)
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(tuple(lead) + (c * r * r, h // r, w // r))


_pixel_shuffle_op = Op("pixel_shuffle", _pixel_shuffle)
_pixel_unshuffle_op = Op("pixel_unshuffle", _pixel_unshuffle)


def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return apply(_pixel_shuffle_op, input, r=r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {r}")
    return apply(_pixel_unshuffle_op, input, r=r)


def _channel_shuffle(x, groups):
    n, c = x.shape[:2]
    rest = x.shape[2:]
    y = x.reshape((n, groups, c // groups) + rest)
    return jnp.swapaxes(y, 1, 2).reshape(x.shape)


_channel_shuffle_op = Op("channel_shuffle", _channel_shuffle)


def channel_shuffle(input, groups):
    """Interleave ``groups`` groups of channels (ShuffleNet)."""
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return apply(_channel_shuffle_op, input, groups=int(groups))


native_channel_shuffle = channel_shuffle


# ----------------------------------------------------------------------------- gumbel softmax
def _gumbel(x, key, tau, hard, dim):
    u = jax.random.uniform(jax.random.wrap_key_data(key), x.shape, jnp.float32,
                           minval=jnp.finfo(jnp.float32).tiny, maxval=1.0).astype(x.dtype)
    g = -jnp.log(-jnp.log(u))  # Gumbel(0, 1) = -log(Exponential(1))
    y = jax.nn.softmax((x + g) / tau, axis=dim)
    if hard:
        idx = jnp.argmax(y, axis=dim)
        y_hard = jnp.moveaxis(jax.nn.one_hot(idx, x.shape[dim], dtype=y.dtype), -1, dim)
        return y_hard - jax.lax.stop_gradient(y) + y
    return y


_gumbel_op = Op("gumbel_softmax", _gumbel, backward_name="SoftmaxBackward0")


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Softmax of (logits + Gumbel noise) / tau; ``hard`` gives one-hot values with soft gradients."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.")
    from ... import random as _random
    key = _random.default_generator.next_key()
    return apply(_gumbel_op, logits, key, tau=float(tau), hard=bool(hard), dim=dim % logits.dim())
