"""Order statistics and counting: median, nanmedian, mode, kthvalue, quantile, nanquantile,
count_nonzero, unique, unique_consecutive, bincount, histc, histogram.

Gradients follow torch: ``median(x)`` (no dim) spreads the gradient evenly over the elements equal
to the result; the dim forms (and kthvalue, mode) send it to the selected index. Ops whose result
size depends on the data (unique*, bincount, histogram) run on the host (numpy), eagerly.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from .out import write_out
from .reduction import _return_type, dims_of, return_types
from .registry import Op, apply
from .declare import public

return_types.histogram = _return_type("histogram", ("hist", "bin_edges"))


sg = jax.lax.stop_gradient


def _untraceable(name, t):
    if isinstance(t._value, jax.core.Tracer):
        from ..compile.errors import raise_untraceable
        raise_untraceable(f"torch.{name} (its result has a data-dependent shape)")


# ---------------------------------------------------------------- median family
def _spread(x, m):
    """``m`` as the value, with its gradient shared evenly by the entries of x equal to m."""
    mask = (x == sg(m)) | (jnp.isnan(x) & jnp.isnan(sg(m)))
    total = jnp.sum(jnp.where(mask, x, 0))
    return sg(m) + (total - sg(total)) / jnp.maximum(jnp.sum(mask), 1)


def _median_all(x, ignore_nan):
    flat = x.reshape(-1)
    if flat.size == 0:
        return jnp.full((), jnp.nan, x.dtype)
    s = jnp.sort(sg(flat))  # NaN last
    nan = jnp.isnan(flat) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(flat.shape, bool)
    if ignore_nan:
        c = flat.size - jnp.sum(nan)
        m = s[jnp.maximum((c - 1) // 2, 0)]
    else:
        m = jnp.where(jnp.any(nan), jnp.nan, s[(flat.size - 1) // 2]).astype(x.dtype) if \
            jnp.issubdtype(x.dtype, jnp.inexact) else s[(flat.size - 1) // 2]
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return m
    return _spread(flat, m)


def _select_kth(x, dim, keepdim, kth):
    """Values and indices at per-row sorted position ``kth(sorted_nan_mask)`` along ``dim``."""
    order = jnp.argsort(sg(x), axis=dim, stable=True)
    pos = kth(x)
    idx = jnp.take_along_axis(order, pos, axis=dim)
    vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(jnp.int64)


def _median_dim(x, dim, keepdim, ignore_nan):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    n = x.shape[dim]
    inexact = jnp.issubdtype(x.dtype, jnp.inexact)
    nan = jnp.isnan(x) if inexact else jnp.zeros(x.shape, bool)

    def kth(x):
        if ignore_nan:
            c = n - jnp.sum(nan, axis=dim, keepdims=True)
            return jnp.maximum((c - 1) // 2, 0)
        return jnp.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], (n - 1) // 2)

    vals, idx = _select_kth(x, dim, True, kth)
    if not ignore_nan and inexact:
        # a row with NaN has median NaN, at the first NaN's index
        has = jnp.any(nan, axis=dim, keepdims=True)
        first = jnp.argmax(nan, axis=dim, keepdims=True).astype(jnp.int64)
        idx = jnp.where(has, first, idx)
        vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx


_median_all_op = Op("median", lambda x, ignore_nan: _median_all(x, ignore_nan))
_median_dim_op = Op("median", lambda x, dim, keepdim, ignore_nan: _median_dim(x, dim, keepdim, ignore_nan))


def _check_dim_nonempty(input, name, d):
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


@public(method=True)
def median(input, dim=None, keepdim=False, *, out=None):
    """median(x): the lower median of all elements (NaN if any is NaN); median(x, dim): (values, indices)."""
    if dim is None:
        return write_out(apply(_median_all_op, input, ignore_nan=False), out)
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty(input, "median", d)
    v, i = apply(_median_dim_op, input, dim=d, keepdim=bool(keepdim), ignore_nan=False)
    return write_out(return_types.median(v, i), out)


@public(method=True)
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """median ignoring NaN (NaN only where a row is all NaN)."""
    if dim is None:
        return write_out(apply(_median_all_op, input, ignore_nan=True), out)
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty(input, "nanmedian", d)
    v, i = apply(_median_dim_op, input, dim=d, keepdim=bool(keepdim), ignore_nan=True)
    return write_out(return_types.nanmedian(v, i), out)


_kth_op = Op("kthvalue", lambda x, k, dim, keepdim: (x, jnp.zeros((), jnp.int64)) if x.ndim == 0 else
             _select_kth(x, dim, keepdim, lambda a: jnp.full(a.shape[:dim] + (1,) + a.shape[dim + 1:], k - 1)))


@public(method=True)
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """(values, indices) of the k-th smallest element along ``dim`` (1-based k; NaN counts as largest)."""
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 1 <= k <= size:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {d}")
    v, i = apply(_kth_op, input, k=int(k), dim=d, keepdim=bool(keepdim))
    return write_out(return_types.kthvalue(v, i), out)


def _mode(x, dim, keepdim):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    xm = jnp.moveaxis(sg(x), dim, -1)
    n = xm.shape[-1]
    same = (xm[..., :, None] == xm[..., None, :]) | (jnp.isnan(xm[..., :, None]) & jnp.isnan(xm[..., None, :])) \
        if jnp.issubdtype(x.dtype, jnp.inexact) else xm[..., :, None] == xm[..., None, :]
    counts = jnp.sum(same, axis=-1)
    best = jnp.max(counts, axis=-1, keepdims=True)
    # among the most frequent values the smallest wins; its last occurrence is the index (torch CPU)
    cand = counts == best
    order = jnp.argsort(xm, axis=-1, stable=True)
    first_cand = jnp.argmax(jnp.take_along_axis(cand, order, axis=-1), axis=-1, keepdims=True)
    value_pos = jnp.take_along_axis(order, first_cand, axis=-1)
    value = jnp.take_along_axis(xm, value_pos, axis=-1)
    hit = (xm == value) | (jnp.isnan(xm) & jnp.isnan(value)) if jnp.issubdtype(x.dtype, jnp.inexact) else xm == value
    last = (n - 1 - jnp.argmax(hit[..., ::-1], axis=-1, keepdims=True)).astype(jnp.int64)
    idx = jnp.moveaxis(last, -1, dim)
    vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx


_mode_op = Op("mode", _mode)


@public(method=True)
def mode(input, dim=-1, keepdim=False, *, out=None):
    """(values, indices): the most frequent value along ``dim`` (smallest on ties) and its last index."""
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty(input, "mode", d)
    v, i = apply(_mode_op, input, dim=d, keepdim=bool(keepdim))
    return write_out(return_types.mode(v, i), out)


# ---------------------------------------------------------------- quantiles
def _lerp(a, b, w):
    return jnp.where(jnp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _quantile(x, q, dim, keepdim, interpolation, ignore_nan, q_scalar):
    # torch's recipe: sort (NaN last), rank = q * (n - 1), then interpolate between neighbours
    if dim is None:
        xs = x.reshape(-1)
        out_shape = (1,) * x.ndim if keepdim else ()
    else:
        xs = jnp.moveaxis(x, dim, -1) if x.ndim else x.reshape(1)
        shp = list(x.shape)
        if keepdim and x.ndim:
            shp[dim] = 1
        elif x.ndim:
            del shp[dim]
        out_shape = tuple(shp)
    srt = jnp.sort(xs, axis=-1)
    n = srt.shape[-1]
    nan = jnp.isnan(srt)
    qv = jnp.reshape(q, (-1,))  # (Q,)
    if ignore_nan:
        valid = jnp.sum(~nan, axis=-1, keepdims=True)
        ranks = qv * (valid - 1).astype(x.dtype)
        ranks = jnp.where(ranks < 0, 0, ranks)
    else:
        ranks = jnp.broadcast_to(qv * (n - 1), srt.shape[:-1] + qv.shape)
        ranks = jnp.where(jnp.any(nan, axis=-1, keepdims=True), n - 1, ranks)
    if interpolation == "lower":
        ranks = jnp.floor(ranks)
    elif interpolation == "higher":
        ranks = jnp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = jnp.round(ranks)
    below = ranks.astype(jnp.int64)
    vb = jnp.take_along_axis(srt, below, axis=-1)
    if interpolation in ("linear", "midpoint"):
        w = jnp.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        va = jnp.take_along_axis(srt, jnp.ceil(ranks).astype(jnp.int64), axis=-1)
        vb = _lerp(vb, va, w.astype(x.dtype))
    # vb: (..., Q) -> (Q, out_shape...)
    vb = jnp.moveaxis(vb, -1, 0).reshape((qv.shape[0],) + out_shape)
    return vb[0] if q_scalar else vb


_quantile_op = Op("quantile", lambda x, q, dim, keepdim, interpolation, ignore_nan, q_scalar:
                  _quantile(x, q, dim, keepdim, interpolation, ignore_nan, q_scalar), promote="none")


def _quantile_impl(name, input, q, dim, keepdim, interpolation, ignore_nan, out):
    if input.dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    q_scalar = not isinstance(q, Tensor)
    if q_scalar:
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        from .creation import tensor
        q = tensor(float(q), dtype=input.dtype)
    else:
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if not isinstance(q._value, jax.core.Tracer):
            qa = np.asarray(q._value)
            if qa.size and (qa.min() < 0 or qa.max() > 1):
                raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        q_scalar = q.ndim == 0
    d = None if dim is None else (_wrap_dim(dim, input.ndim) if input.ndim else 0)
    return write_out(apply(_quantile_op, input, q, dim=d, keepdim=bool(keepdim), interpolation=interpolation,
                           ignore_nan=ignore_nan, q_scalar=q_scalar), out)


@public(method=True)
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles along ``dim`` (all elements when None); NaN anywhere in a row gives NaN."""
    return _quantile_impl("quantile", input, q, dim, keepdim, interpolation, False, out)


@public(method=True)
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """quantile ignoring NaN values."""
    return _quantile_impl("nanquantile", input, q, dim, keepdim, interpolation, True, out)


# ---------------------------------------------------------------- counting
_count_nonzero = Op("count_nonzero", lambda x, dims: jnp.sum(x != 0, axis=dims, dtype=jnp.int64),
                    differentiable=False)


@public(method=True)
def count_nonzero(input, dim=None):
    dims = dims_of(dim, input.ndim) if input.ndim else None
    return apply(_count_nonzero, input, dims=dims)


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
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs.")
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
