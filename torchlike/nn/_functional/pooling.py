"""Pooling: max/avg/adaptive/lp pooling and max-unpooling, 1d/2d/3d, matching torch.

Output sizes follow torch (``ceil_mode`` windows must start inside the input or left padding;
padding at most half the kernel). Max-pooling carries its own VJP: the forward records the
position of each window's first maximum (torch's tie rule) and the backward routes the gradient
there, instead of XLA's derived select-and-scatter, which is slow on CPU. When the windows tile the
input (kernel == stride, no padding or dilation) both directions are reshapes plus elementwise work.
"""
from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _trace_hooks as hooks
from ..._tensor import Tensor
from ...ops.out import write_out
from ...ops.registry import Op, apply
from .conv import _sizes, _tup

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d", "fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]


# ------------------------------------------------------------------------------ sizes and checks

def _pool_out(n, k, s, p, d, ceil):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def _check_pool_input(input, nd, name):
    """A (batch,) channels, spatial... input whose non-batch dims are not empty, worded as each torch
    kernel words it."""
    shape = list(input.shape)
    ok_dims = input.dim() in (nd + 1, nd + 2)
    empty = [k for k in range(1 if input.dim() == nd + 2 else 0, input.dim()) if shape[k] == 0] if ok_dims else []
    if ok_dims and not empty:
        return
    if nd == 1 and name.startswith("avg"):
        raise RuntimeError(f"{name}() Expected 2D or 3D input tensor, but got {_sizes(input.shape)}")
    if name.startswith("avg") or not ok_dims and nd == 3:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if nd == 3:
        raise RuntimeError(f"Expected input's non-batch dimensions to have positive length, but input has a shape "
                           f"of {shape} and non-batch dimension {empty[0]} has length zero!")
    raise RuntimeError(f"{name + ': ' if nd == 1 else ''}Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with "
                       f"optional 0 dim batch size for input, but got:{shape}")


def _pool_args(input, nd, kernel_size, stride, padding, dilation, ceil_mode, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    k = _tup(kernel_size, nd, "kernel_size")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else _tup(stride, nd, "stride")
    p = _tup(padding, nd, "padding")
    d = _tup(dilation, nd, "dilation")
    if any(e <= 0 for e in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got {_sizes(k)}")
    if any(e <= 0 for e in s):
        raise RuntimeError(f"{name}: stride must be greater than zero, but got {_sizes(s)}")
    if any(e <= 0 for e in d):
        raise RuntimeError(f"{name}: dilation must be greater than zero, but got {_sizes(d)}")
    if any(e < 0 for e in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    _check_pool_input(input, nd, name)  # after the arguments, as torch
    spatial = tuple(input.shape[-nd:])
    out = tuple(_pool_out(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(spatial, k, s, p, d))
    if any(o < 1 for o in out):
        lead = tuple(input.shape[:-nd])[-1:]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, lead + spatial))}). Calculated output size: "
                           f"({'x'.join(map(str, lead + out))}). Output size is too small")
    return k, s, p, d, out


def _lowest(dtype):
    return -jnp.inf if jnp.issubdtype(dtype, jnp.inexact) else jnp.iinfo(dtype).min


def _tiles(k, s, p, d, in_, out):
    """True when windows tile the input exactly (the common kernel == stride case)."""
    return all(kk == ss and pp == 0 and dd == 1 and o * kk <= n for kk, ss, pp, dd, n, o in zip(k, s, p, d, in_, out))


def _pads(in_, k, s, p, d, out):
    return tuple((pp, max((o - 1) * ss + dd * (kk - 1) + 1 - n - pp, 0))
                 for n, kk, ss, pp, dd, o in zip(in_, k, s, p, d, out))


# ------------------------------------------------------------------------------ max pooling

def _tile_view(x, nd, k, out):
    """(lead..., o1*k1, o2*k2, ...) -> (lead..., o1, k1, o2, k2, ...) after cropping the ragged edge."""
    lead = x.ndim - nd
    x = x[(slice(None),) * lead + tuple(slice(0, o * kk) for o, kk in zip(out, k))]
    shape = x.shape[:lead]
    for o, kk in zip(out, k):
        shape += (o, kk)
    return x.reshape(shape)


def _tile_posid(lead, nd, k):
    """Row-major kernel position of each element of a tiled view, broadcastable against it."""
    K = int(np.prod(k))
    pos = np.arange(K, dtype=np.int32).reshape(k)
    shape = [1] * (lead + 2 * nd)
    for j in range(nd):
        shape[lead + 2 * j + 1] = k[j]
    return jnp.asarray(pos.reshape(shape))


def _stacked(x, nd, k, s, p, d, out, fill):
    lead = x.ndim - nd
    pads = _pads(x.shape[lead:], k, s, p, d, out)
    xp = jnp.pad(x, ((0, 0),) * lead + pads, constant_values=fill)
    parts = []
    for off in itertools.product(*[range(kk) for kk in k]):
        idx = tuple(slice(o * dd, o * dd + (oo - 1) * ss + 1, ss) for o, dd, oo, ss in zip(off, d, out, s))
        parts.append(xp[(slice(None),) * lead + idx])
    return jnp.stack(parts, -1), pads, xp.shape


def _max_first(x, nd, k, s, p, d, out):
    """(max, kernel position of the first max) per window."""
    lead = x.ndim - nd
    fill = _lowest(x.dtype)
    if _tiles(k, s, p, d, x.shape[lead:], out):
        v = _tile_view(x, nd, k, out)
        axes = tuple(lead + 2 * j + 1 for j in range(nd))
        y = jnp.max(v, axis=axes)
        hit = v == jnp.expand_dims(y, axes)
        if jnp.issubdtype(x.dtype, jnp.inexact):
            hit = hit | jnp.isnan(v)
        K = int(np.prod(k))
        first = jnp.min(jnp.where(hit, _tile_posid(lead, nd, k), K), axis=axes)
        return y, first
    st, _, _ = _stacked(x, nd, k, s, p, d, out, fill)
    first = jnp.argmax(st, axis=-1).astype(jnp.int32)
    y = jnp.take_along_axis(st, first[..., None], axis=-1)[..., 0]
    return y, first


def _flat_indices(first, in_, nd, k, s, p, d, out):
    lead = first.ndim - nd
    offs = jnp.unravel_index(first, k)
    flat = 0
    for j in range(nd):
        shape = [1] * (lead + nd)
        shape[lead + j] = out[j]
        base = jnp.arange(out[j], dtype=jnp.int64).reshape(shape) * s[j] - p[j]
        pos = base + offs[j].astype(jnp.int64) * d[j]
        flat = flat * in_[j] + pos
    return flat


def _max_scatter(g, first, shape, nd, k, s, p, d, out):
    """Gradient of the max-pool input: g routed to each window's recorded position."""
    lead = len(shape) - nd
    in_ = shape[lead:]
    if _tiles(k, s, p, d, in_, out):
        axes = tuple(lead + 2 * j + 1 for j in range(nd))
        gv = jnp.where(_tile_posid(lead, nd, k) == jnp.expand_dims(first, axes), jnp.expand_dims(g, axes), 0)
        gx = gv.reshape(shape[:lead] + tuple(o * kk for o, kk in zip(out, k)))
        return jnp.pad(gx, ((0, 0),) * lead + tuple((0, n - o * kk) for n, o, kk in zip(in_, out, k)))
    pads = _pads(in_, k, s, p, d, out)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(in_, pads))
    gxp = jnp.zeros(shape[:lead] + padded, g.dtype)
    zero = jnp.zeros((), g.dtype)
    for i, off in enumerate(itertools.product(*[range(kk) for kk in k])):
        gk = jnp.where(first == i, g, zero)
        cfg = [(0, 0, 0)] * lead
        for o, dd, oo, ss, n in zip(off, d, out, s, padded):
            cfg.append((o * dd, n - (o * dd + (oo - 1) * ss + 1), ss - 1))
        gxp = gxp + lax.pad(gk, zero, cfg)
    return gxp[(slice(None),) * lead + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, in_))]


def _maxpool_plain(x, *, nd, k, s, p, d, out, shape):
    lead = x.ndim - nd
    if _tiles(k, s, p, d, x.shape[lead:], out):
        return jnp.max(_tile_view(x, nd, k, out), axis=tuple(lead + 2 * j + 1 for j in range(nd)))
    pads = _pads(x.shape[lead:], k, s, p, d, out)
    return lax.reduce_window(x, np.array(_lowest(x.dtype), x.dtype), lax.max, (1,) * lead + k, (1,) * lead + s,
                             ((0, 0),) * lead + pads, window_dilation=(1,) * lead + d)


def _maxpool_res(x, *, nd, k, s, p, d, out, shape):
    y, first = _max_first(x, nd, k, s, p, d, out)
    return y, first


def _maxpool_bwd(first, g, *, nd, k, s, p, d, out, shape):
    return (_max_scatter(g, first, shape, nd, k, s, p, d, out),)


def _maxpool_idx(x, *, nd, k, s, p, d, out, shape):
    y, first = _max_first(x, nd, k, s, p, d, out)
    return y, _flat_indices(first, x.shape[x.ndim - nd:], nd, k, s, p, d, out)


def _maxpool_idx_res(x, *, nd, k, s, p, d, out, shape):
    y, first = _max_first(x, nd, k, s, p, d, out)
    return (y, _flat_indices(first, x.shape[x.ndim - nd:], nd, k, s, p, d, out)), first


def _maxpool_idx_bwd(first, g, *, nd, k, s, p, d, out, shape):
    return (_max_scatter(g[0], first, shape, nd, k, s, p, d, out),)


_maxpool_op = Op("max_pool", _maxpool_plain, vjp=(_maxpool_res, _maxpool_bwd),
                 backward_name="MaxPool2DWithIndicesBackward0")
_maxpool_idx_op = Op("max_pool_with_indices", _maxpool_idx, vjp=(_maxpool_idx_res, _maxpool_idx_bwd),
                     backward_name="MaxPool2DWithIndicesBackward0")


# A compiled step whose max-pools are at least this large asks XLA:CPU to do its reductions itself
# (compile/xla_cpu.py CPU_OPTIONS). Measured: MNIST CNN b512 (a 2.9M-element pool) step 21.8 -> 19.5 ms;
# LeNet b64 (0.3M) 4.3 -> 4.6 ms, as XLA then lays the convolutions' GEMM operands out differently.
_XLA_REDUCE_ABOVE = 1 << 20


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    name = f"max_pool{nd}d"
    k, s, p, d, out = _pool_args(input, nd, kernel_size, stride, padding, dilation, ceil_mode, name)
    op = _maxpool_idx_op if return_indices else _maxpool_op
    if input.numel() >= _XLA_REDUCE_ABOVE:
        hooks.note_cpu_hint("window_max")
    return apply(op, input, nd=nd, k=k, s=s, p=p, d=d, out=out, shape=tuple(input.shape))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool1d."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool3d."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ------------------------------------------------------------------------------ average pooling

def _avg_divisor(in_, k, s, p, out, count_include_pad, divisor_override):
    if divisor_override:
        return float(divisor_override)
    div = np.ones((), np.float64)
    for n, kk, ss, pp, o in zip(in_, k, s, p, out):
        start = np.arange(o) * ss - pp
        end = np.minimum(start + kk, n + pp)
        if count_include_pad:
            cnt = end - start
        else:
            cnt = np.minimum(end, n) - np.maximum(start, 0)
        div = np.multiply.outer(div, cnt.astype(np.float64))
    return div


def _avgpool_fwd(x, *, nd, k, s, p, out, count_include_pad, divisor_override):
    lead = x.ndim - nd
    in_ = x.shape[lead:]
    if _tiles(k, s, p, (1,) * nd, in_, out) and not divisor_override:
        return jnp.mean(_tile_view(x, nd, k, out), axis=tuple(lead + 2 * j + 1 for j in range(nd)))
    pads = _pads(in_, k, s, p, (1,) * nd, out)
    total = lax.reduce_window(x, np.zeros((), x.dtype), lax.add, (1,) * lead + k, (1,) * lead + s,
                              ((0, 0),) * lead + pads)
    div = _avg_divisor(in_, k, s, p, out, count_include_pad, divisor_override)
    return total / jnp.asarray(div, x.dtype)


_avgpool_op = Op("avg_pool", _avgpool_fwd, backward_name="AvgPool2DBackward0")


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    name = f"avg_pool{nd}d"
    k, s, p, _, out = _pool_args(input, nd, kernel_size, stride, padding, 1, ceil_mode, name)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return apply(_avgpool_op, input, nd=nd, k=k, s=s, p=p, out=out, count_include_pad=bool(count_include_pad),
                 divisor_override=int(divisor_override) if divisor_override else None)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, out=None):
    """torch.nn.functional.avg_pool2d."""
    return write_out(_avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                               divisor_override), out)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, out=None):
    """torch.nn.functional.avg_pool3d."""
    return write_out(_avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                               divisor_override), out)


# ------------------------------------------------------------------------------ adaptive pooling

def _adaptive_bounds(n, o):
    start = (np.arange(o) * n) // o
    end = -((-(np.arange(o) + 1) * n) // o)
    return start, end


def _adaptive_avg_fwd(x, *, nd, out):
    lead = x.ndim - nd
    in_ = x.shape[lead:]
    if all(n % o == 0 for n, o in zip(in_, out)):
        k = tuple(n // o for n, o in zip(in_, out))
        return jnp.mean(_tile_view(x, nd, k, out), axis=tuple(lead + 2 * j + 1 for j in range(nd)))
    for j, (n, o) in enumerate(zip(in_, out)):
        start, end = _adaptive_bounds(n, o)
        m = np.zeros((n, o), np.float64)
        for i in range(o):
            m[start[i]:end[i], i] = 1.0 / (end[i] - start[i])
        x = jnp.moveaxis(jnp.tensordot(x, jnp.asarray(m, x.dtype), axes=[[lead + j], [0]],
                                       precision=lax.Precision.HIGHEST), -1, lead + j)
    return x


def _adaptive_max_fwd(x, *, nd, out, with_indices):
    lead = x.ndim - nd
    in_ = x.shape[lead:]
    idxs, ks = [], []
    for n, o in zip(in_, out):
        start, end = _adaptive_bounds(n, o)
        kmax = int((end - start).max())
        # windows shorter than kmax repeat their last element, which never wins a first-max tie
        ix = np.minimum(start[:, None] + np.arange(kmax)[None, :], (end - 1)[:, None])
        idxs.append(ix)
        ks.append(kmax)
    v = x
    for j, ix in enumerate(idxs):
        v = jnp.take(v, jnp.asarray(ix.reshape(-1)), axis=lead + 2 * j)
        v = v.reshape(v.shape[:lead + 2 * j] + ix.shape + v.shape[lead + 2 * j + 1:])
    # v: (lead..., o1, k1, o2, k2, ...) -> (lead..., o1, o2, ..., K)
    perm = tuple(range(lead)) + tuple(lead + 2 * j for j in range(nd)) + tuple(lead + 2 * j + 1 for j in range(nd))
    v = jnp.transpose(v, perm).reshape(x.shape[:lead] + tuple(out) + (-1,))
    first = jnp.argmax(v, axis=-1)
    y = jnp.take_along_axis(v, first[..., None], axis=-1)[..., 0]
    if not with_indices:
        return y
    offs = jnp.unravel_index(first, tuple(ks))
    flat = 0
    for j in range(nd):
        shape = [1] * (lead + nd)
        shape[lead + j] = out[j]
        oi = jnp.arange(out[j]).reshape(shape)
        pos = jnp.asarray(idxs[j])[oi, offs[j]]
        flat = flat * in_[j] + pos.astype(jnp.int64)
    return y, flat


_adaptive_avg_op = Op("adaptive_avg_pool", _adaptive_avg_fwd, backward_name="AdaptiveAvgPool2DBackward0")
_adaptive_max_op = Op("adaptive_max_pool", _adaptive_max_fwd, backward_name="AdaptiveMaxPool2DBackward0")


def _adaptive_args(input, nd, output_size, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if nd > 1 and isinstance(output_size, (list, tuple)) and input.dim() <= len(output_size):
        # torch's Python wrapper fills None entries from the input's trailing sizes, and checks first
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {_sizes(input.shape)}")
    if isinstance(output_size, (list, tuple)) and len(output_size) != nd:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}" if "max" in name else
                           f"{name}: output_size must be {nd}")
    osz = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    spatial = tuple(input.shape[-nd:])
    out = tuple(int(n if o is None else o) for o, n in zip(osz, spatial))
    if any(o < 0 for o in out):
        if name.startswith("adaptive_avg"):  # the 1-d pool runs as 2-d in torch, and says so
            raise RuntimeError(f"adaptive_avg_pool{max(nd, 2)}d: elements of output_size must be greater than "
                               f"or equal to 0 but received {{{', '.join(map(str, ((1,) if nd == 1 else ()) + out))}}}")
        shape = list(input.shape[:-nd]) + list(out)
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {shape}")
    for i, n in enumerate(input.shape[:-nd]):
        if n == 0 and not (i == 0 and input.dim() == nd + 2):
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {_sizes(input.shape)} with dimension {i} being empty")
    return out


def _adaptive_avg(nd, input, output_size):
    out = _adaptive_args(input, nd, output_size, f"adaptive_avg_pool{nd}d")
    return apply(_adaptive_avg_op, input, nd=nd, out=out)


def _adaptive_max(nd, input, output_size, return_indices):
    out = _adaptive_args(input, nd, output_size, f"adaptive_max_pool{nd}d")
    return apply(_adaptive_max_op, input, nd=nd, out=out, with_indices=bool(return_indices))


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d (``None`` in output_size keeps that input size)."""
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool3d."""
    return _adaptive_avg(3, input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool1d."""
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool2d."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool3d."""
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(3, input, output_size, True)


# ------------------------------------------------------------------------------ unpooling, lp pooling

def _unpool_fwd(x, idx, *, nd, out):
    lead = x.ndim - nd
    flat_x = x.reshape(x.shape[:lead] + (-1,))
    flat_i = idx.reshape(idx.shape[:lead] + (-1,))
    n_lead = int(np.prod(x.shape[:lead], dtype=np.int64))
    fx = flat_x.reshape(n_lead, -1)
    fi = flat_i.reshape(n_lead, -1)
    y = jnp.zeros((n_lead, int(np.prod(out))), x.dtype).at[jnp.arange(n_lead)[:, None], fi].set(fx)
    return y.reshape(x.shape[:lead] + tuple(out))


def _unpool_res(x, idx, *, nd, out):
    return _unpool_fwd(x, idx, nd=nd, out=out), (x.shape, idx)


def _unpool_bwd(res, g, *, nd, out):
    # torch's derivative gathers the output gradient at every index, so inputs sharing an index (one of
    # them overwrote the other) all receive it
    shape, idx = res
    lead = len(shape) - nd
    n_lead = int(np.prod(shape[:lead], dtype=np.int64))
    gi = jnp.take_along_axis(g.reshape(n_lead, -1), idx.reshape(n_lead, -1).astype(jnp.int32), axis=1)
    return gi.reshape(shape), None


_unpool_op = Op("max_unpool", _unpool_fwd, vjp=(_unpool_res, _unpool_bwd), backward_name="MaxUnpool2DBackward0")


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _tup(kernel_size, nd, "kernel_size")
    s = k if stride is None else _tup(stride, nd, "stride")
    p = _tup(padding, nd, "padding")
    spatial = tuple(input.shape[-nd:])
    default = tuple((n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(spatial, s, p, k))
    if output_size is None:
        out = default
    else:
        out = tuple(int(e) for e in output_size)
        if len(out) == nd + 2 or len(out) == nd + 1:
            out = out[-nd:]
        if len(out) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(out)}'")
        for o, dflt, ss in zip(out, default, s):
            if not dflt - ss < o < dflt + ss:
                raise ValueError(f"invalid output_size \"{list(out)}\" (dim {out.index(o)} must be between "
                                 f"{dflt - ss} and {dflt + ss})")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_sizes(input.shape)}) but got indices tensor with shape: {_sizes(indices.shape)}")
    return apply(_unpool_op, input, indices, nd=nd, out=out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """torch.nn.functional.max_unpool1d."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """torch.nn.functional.max_unpool2d."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """torch.nn.functional.max_unpool3d."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _lp_fwd(x, *, norm_type, nd, k, s, out):
    avg = _avgpool_fwd(x ** norm_type, nd=nd, k=k, s=s, p=(0,) * nd, out=out, count_include_pad=True,
                       divisor_override=None)
    return (jnp.sign(avg) * jax.nn.relu(jnp.abs(avg)) * math.prod(k)) ** (1.0 / norm_type)


_lp_op = Op("lp_pool", _lp_fwd)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k, s, _, _, out = _pool_args(input, nd, kernel_size, stride, 0, 1, ceil_mode, f"lp_pool{nd}d")
    return apply(_lp_op, input, norm_type=float(norm_type), nd=nd, k=k, s=s, out=out)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch.nn.functional.lp_pool1d."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch.nn.functional.lp_pool2d."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch.nn.functional.lp_pool3d."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---------------------------------------------------------------- fractional max pooling
def _fractional_intervals(sample, in_size, out_size, pool):
    # torch's generate_intervals, in the input's float dtype: start_i = int((i + u) * a) - int(u * a)
    i = jnp.arange(out_size, dtype=sample.dtype)
    alpha = jnp.asarray((in_size - pool) / (out_size - 1) if out_size > 1 else 0.0, sample.dtype)
    seq = ((i + sample[..., None]) * alpha).astype(jnp.int64) - (sample[..., None] * alpha).astype(jnp.int64)
    return jnp.where(jnp.arange(out_size) == out_size - 1, in_size - pool, seq)


def _fractional_max_pool(x, samples, kernel, out_size, sample_dims):
    # sample_dims[k]: which of a plane's random samples sets the windows of spatial dim k (torch's 2-d
    # kernel uses (u_w, u_h), its 3-d kernel (u_t, u_h, u_w))
    n, c, sizes = x.shape[0], x.shape[1], x.shape[2:]
    nd = len(sizes)
    flat = 0
    for k in range(nd):
        pos = _fractional_intervals(samples[..., sample_dims[k]], sizes[k], out_size[k], kernel[k])[..., :, None] \
            + jnp.arange(kernel[k])  # (n, c, o_k, k_k)
        shape = [n, c] + [1] * (2 * nd)
        shape[2 + k], shape[2 + nd + k] = out_size[k], kernel[k]
        flat = flat + pos.reshape(shape) * int(np.prod(sizes[k + 1:], dtype=np.int64))
    flat = jnp.broadcast_to(flat, (n, c) + tuple(out_size) + tuple(kernel)).reshape(n, c, -1, int(np.prod(kernel)))
    total = int(np.prod(sizes, dtype=np.int64))
    vals = jnp.take_along_axis(x.reshape(n, c, 1, total), flat.reshape(n, c, 1, -1), axis=3).reshape(flat.shape)
    nan_first = jnp.argmax(jnp.isnan(vals), axis=-1)
    arg = jnp.where(jnp.any(jnp.isnan(vals), axis=-1), nan_first, jnp.argmax(vals, axis=-1))
    idx = jnp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    out = jnp.take_along_axis(x.reshape(n, c, total), idx, axis=2)
    return out.reshape((n, c) + tuple(out_size)), idx.reshape((n, c) + tuple(out_size))


_fractional_op = Op("fractional_max_pool2d", _fractional_max_pool)
_fractional_3d_op = Op("fractional_max_pool3d", _fractional_max_pool)


def _fractional_nd(nd, input, kernel_size, output_size, output_ratio, _random_samples):
    """torch's fractional max pooling: pseudo-random window starts from ``_random_samples`` (one sample per
    spatial dim, batch and channel; drawn with ``torch.rand`` in the input's dtype when not given, so under
    ``manual_seed`` the windows are torch's)."""
    from ...ops.creation import rand
    name = f"fractional_max_pool{nd}d"
    kernel = _tup(kernel_size, nd)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    unbatched = input.ndim == nd + 1
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    x = input.unsqueeze(0) if unbatched else input
    sizes = tuple(x.shape[2:])
    if output_size is None:
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * nd
        output_size = tuple(int(s * r) for s, r in zip(sizes, ratio))
    out_size = _tup(output_size, nd)
    dim_names = ("height", "width") if nd == 2 else ("time", "height", "width")
    for o, k, s, dname in zip(out_size, kernel, sizes, dim_names):
        if o + k - 1 > s:
            raise RuntimeError(f"{name}(): pool {dname} {k} too large relative to input {dname} {s}")
    if _random_samples is None:
        _random_samples = rand(x.shape[0], x.shape[1], nd, dtype=input.dtype, device=input.device)
    op, dims = (_fractional_op, (1, 0)) if nd == 2 else (_fractional_3d_op, (0, 1, 2))
    out, idx = apply(op, x, _random_samples, kernel=kernel, out_size=out_size, sample_dims=dims)
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return out, idx


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional_nd(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional_nd(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, idx = _fractional_nd(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, idx = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                  _random_samples)
    return (out, idx) if return_indices else out
