"""Counting and histograms, computed on the host (numpy) because their result size depends
on the data: unique, unique_consecutive, bincount, histc, histogram, histogramdd (torch's
``return_types`` namedtuples)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from .declare import public
from .out import write_out
from .reductions import _return_type, return_types
from .registry import Op, apply


def _untraceable(name, t):
    if isinstance(t._value, jax.core.Tracer):
        from .._errors import raise_untraceable
        raise_untraceable(f"torch.{name} (its result has a data-dependent shape)")


def _host(t):
    return np.asarray(t._value)


def _from_host(a, dtype, like):
    from .creation import _place
    return Tensor._wrap(_place(np.asarray(a).astype(dtype.np), like.device))


@public(method=True)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Unique elements (sorted), with optional inverse indices and counts (host computation)."""
    _untraceable("unique", input)
    a = _host(input)
    if dim is None:
        vals, inv, cnt = np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(a.shape)
    else:
        d = _wrap_dim(dim, input.ndim)
        if a.shape[d] == 0:
            vals, inv, cnt = a, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            vals, inv, cnt = np.unique(a, axis=d, return_inverse=True, return_counts=True)
            inv = inv.reshape(-1)
    out = [_from_host(vals, input.dtype, input)]
    if return_inverse:
        out.append(_from_host(inv, D.int64, input))
    if return_counts:
        out.append(_from_host(cnt, D.int64, input))
    return out[0] if len(out) == 1 else tuple(out)


@public(method=True)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (along ``dim``, or of the flattened input)."""
    _untraceable("unique_consecutive", input)
    a = _host(input)
    if dim is None:
        flat = a.reshape(-1)
        if flat.size == 0:
            starts = np.zeros(0, bool)
        else:
            starts = np.concatenate([[True], flat[1:] != flat[:-1]])
        vals = flat[starts]
        inv = (np.cumsum(starts) - 1).reshape(a.shape)
    else:
        d = _wrap_dim(dim, input.ndim)
        m = np.moveaxis(a, d, 0).reshape(a.shape[d], -1)
        if m.shape[0] == 0:
            starts = np.zeros(0, bool)
        else:
            starts = np.concatenate([[True], np.any(m[1:] != m[:-1], axis=1)])
        vals = np.take(a, np.nonzero(starts)[0], axis=d)
        inv = np.cumsum(starts) - 1
    idx = np.nonzero(starts)[0]
    cnt = np.diff(np.append(idx, len(starts)))
    out = [_from_host(vals, input.dtype, input)]
    if return_inverse:
        out.append(_from_host(inv, D.int64, input))
    if return_counts:
        out.append(_from_host(cnt, D.int64, input))
    return out[0] if len(out) == 1 else tuple(out)


@public(method=True)
def bincount(input, weights=None, minlength=0):
    """Counts of each non-negative integer in a 1-d tensor (weighted sums with ``weights``)."""
    _untraceable("bincount", input)
    if input.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input.dtype.is_floating_point or input.dtype.is_complex or input.dtype is D.bool:
        raise RuntimeError(f"\"bincount_cpu\" not implemented for '{_type_name(input.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    a = _host(input)
    if a.size and a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _from_host(np.bincount(a, minlength=minlength), D.int64, input)
    if tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = _host(weights)
    dt = weights.dtype if weights.dtype.is_floating_point else D.float64
    return _from_host(np.bincount(a, weights=w.astype(np.float64), minlength=minlength), dt, input)


def _histc(x, bins, lo, hi):
    flat = x.reshape(-1)
    if lo == hi == 0.0 and flat.size:
        fin = jnp.isfinite(flat)
        lo_v = jnp.min(jnp.where(fin, flat, jnp.inf))
        hi_v = jnp.max(jnp.where(fin, flat, -jnp.inf))
    else:
        lo_v, hi_v = jnp.asarray(lo, x.dtype), jnp.asarray(hi, x.dtype)
    same = lo_v == hi_v
    lo_v = jnp.where(same, lo_v - 1, lo_v).astype(x.dtype)
    hi_v = jnp.where(same, hi_v + 1, hi_v).astype(x.dtype)
    pos = jnp.floor((flat - lo_v) * bins / (hi_v - lo_v)).astype(jnp.int64)
    pos = jnp.where(pos == bins, bins - 1, pos)
    inside = (flat >= lo_v) & (flat <= hi_v)
    return jnp.zeros(bins, x.dtype).at[jnp.where(inside, pos, bins)].add(1, mode="drop")


_histc_op = Op("histc", _histc, differentiable=False)


@public(method=True)
def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram with ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"histogram_cpu\" not implemented for '{_type_name(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0, but got " + str(bins))
    if min > max:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {min} max {max}")
    return write_out(apply(_histc_op, input, bins=int(bins), lo=float(min), hi=float(max)), out)


@public(method=True)
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """(hist, bin_edges): ``bins`` equal bins over ``range`` (default the data's range) or the given edges."""
    _untraceable("histogram", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                           f"input {input.dtype}")
    a = _host(input).reshape(-1)
    dt = a.dtype
    if isinstance(bins, Tensor):
        edges = _host(bins).astype(dt)
    else:
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            lo, hi = float(a.min()), float(a.max())
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"torch.histogram: min should not exceed max, but got min {lo} max {hi}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5  # torch widens an empty range like this
        from .creation import linspace
        edges = np.asarray(linspace(lo, hi, int(bins) + 1, dtype=input.dtype)._value)
    n = len(edges) - 1
    pos = np.searchsorted(edges, a, side="right") - 1
    pos = np.where(a == edges[-1], n - 1, pos)
    ok = (a >= edges[0]) & (a <= edges[-1])
    w = np.ones_like(a) if weight is None else _host(weight).reshape(-1).astype(dt)
    hist = np.zeros(n, np.float64)
    np.add.at(hist, pos[ok], w[ok].astype(np.float64))
    if density:
        hist = hist / (hist.sum() * np.diff(edges.astype(np.float64)))
    res = return_types.histogram(_from_host(hist, input.dtype, input), _from_host(edges, input.dtype, input))
    return write_out(res, out)


return_types.histogramdd = _return_type("histogramdd", ("hist", "bin_edges"))


def _linspace_edges(lo, hi, n, dt):
    """torch's CPU linspace kernel: step in the dtype, then a fused multiply-add from the nearer end
    (float64 arithmetic rounded once reproduces the fma for float32 and narrower)."""
    lo, hi = dt.type(lo), dt.type(hi)
    step = (hi - lo) / dt.type(n - 1)
    i = np.arange(n, dtype=np.float64)
    w = np.float64
    arr = np.where(i < n // 2, w(lo) + w(step) * i, w(hi) - w(step) * (n - 1 - i))
    return arr.astype(dt)


@public
def histogramdd(input, bins, *, range=None, weight=None, density=False, out=None):
    """torch.histogramdd: ``input`` is (..., D) points; ``bins`` an int, D ints or D edge tensors;
    ``range`` a flat [lo0, hi0, lo1, hi1, ...]; edges are torch.linspace in the input dtype and every
    bin is half-open except the last, as torch."""
    _untraceable("histogramdd", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_type_name(input.dtype)}'")
    if input.ndim < 2:
        raise RuntimeError(f"torch.histogramdd: input tensor should have at least 2 dimensions, but got "
                           f"{input.ndim}")
    nd = input.shape[-1]
    a = _host(input).reshape(-1, nd)
    dt = a.dtype
    if isinstance(bins, int):
        bins = [bins] * nd
    bins = list(bins)
    if len(bins) != nd:
        raise RuntimeError(f"torch.histogramdd: expected {nd} sequences of bin edges for each dimension "
                           f"of the input tensor, but got {len(bins)}")
    if range is not None:
        range = [float(r) for r in range]
        if len(range) != 2 * nd:
            raise RuntimeError(f"torch.histogramdd: for a {nd}-dimensional histogram range should have "
                               f"{2 * nd} elements, but got {len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b.dtype != input.dtype:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same "
                                   f"dtype, but got input with dtype {_type_name(input.dtype).lower()} and bins "
                                   f"for dimension {d} with dtype {_type_name(b.dtype).lower()}")
            edges.append(_host(b).astype(dt))
            continue
        b = int(b)
        if b <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {b} for dimension {d}")
        if range is not None:
            lo, hi = float(dt.type(range[2 * d])), float(dt.type(range[2 * d + 1]))  # torch casts to input dtype
        elif a.shape[0]:
            lo, hi = float(a[:, d].min()), float(a[:, d].max())
        else:
            lo, hi = 0.0, 1.0  # torch's default range for an empty input
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo} max {hi} "
                               f"for dimension {d}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(_linspace_edges(lo, hi, b + 1, dt))
    shape = tuple(len(e) - 1 for e in edges)
    ok = np.ones(a.shape[0], bool)
    idx = []
    for d, e in enumerate(edges):
        col = a[:, d]
        n = len(e) - 1
        pos = np.searchsorted(e, col, side="right") - 1
        pos = np.where(col == e[-1], n - 1, pos)
        ok &= (col >= e[0]) & (col <= e[-1])
        idx.append(np.clip(pos, 0, max(n - 1, 0)))
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape[:-1]):
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape "
                               f"as the input tensor excluding its innermost dimension, but got input with "
                               f"shape {tuple(input.shape)} and weight with shape {tuple(weight.shape)}")
        w = _host(weight).reshape(-1).astype(np.float64)
    else:
        w = np.ones(a.shape[0], np.float64)
    hist = np.zeros(shape, np.float64)
    if all(shape):
        np.add.at(hist, tuple(i[ok] for i in idx), w[ok])
    if density:
        vol = np.ones(shape, np.float64)
        for d, e in enumerate(edges):
            s = [1] * nd
            s[d] = -1
            vol = vol * np.diff(e.astype(np.float64)).reshape(s)
        hist = hist / (hist.sum() * vol)
    return write_out(return_types.histogramdd(_from_host(hist, input.dtype, input),
                                              tuple(_from_host(e, input.dtype, input) for e in edges)), out)
