"""Order statistics and moments: median, nanmedian, mode, kthvalue, quantile, nanquantile,
count_nonzero, cov, corrcoef.

Gradients follow torch: ``median(x)`` (no dim) spreads the gradient evenly over the elements equal
to the result; the dim forms (and kthvalue, mode) send it to the selected index."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .declare import public
from .out import write_out
from .reductions import _return_type, dims_of, return_types
from .registry import Op, apply


def _cov_fwd(x, fw, aw, correction):
    if not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.iscomplexobj(x)):
        x = x.astype(D.get_default_dtype().np)
    x = x.reshape(1, -1) if x.ndim < 2 else x
    n = x.shape[1]
    w = None
    if fw is not None:
        w = fw.astype(x.real.dtype)
    if aw is not None:
        w = aw.astype(x.real.dtype) if w is None else w * aw.astype(x.real.dtype)
    if w is None:
        avg = jnp.mean(x, axis=1)
        wsum = jnp.asarray(n, x.real.dtype)
        norm = wsum - correction
    else:
        wsum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1) / wsum
        norm = wsum - (correction * jnp.sum(w * aw.astype(w.dtype)) / wsum if aw is not None else correction)
    norm = jnp.maximum(norm, 0)
    xm = x - avg[:, None]
    c = (xm * w if w is not None else xm) @ jnp.conj(xm).T / norm
    return jnp.squeeze(c)


_cov = Op("cov", _cov_fwd, promote="none")


@public(method=True)
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) of a 1-D or 2-D ``input`` over its columns (observations)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is not None and w.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{w.ndim} dimensions")
    if fweights is not None and (fweights.dtype.is_floating_point or fweights.dtype.is_complex):
        from .._tensor import _type_name
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                           f"{_type_name(fweights.dtype)} dtype")
    if aweights is not None and not aweights.dtype.is_floating_point:
        from .._tensor import _type_name
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                           f"{_type_name(aweights.dtype)} dtype")
    return apply(_cov, input, fweights, aweights, correction=int(correction))


def _corrcoef_fwd(x):
    c = _cov_fwd(x, None, None, 1)
    if c.ndim == 0:
        return c / c
    s = jnp.sqrt(jnp.diagonal(c).real)
    c = c / s[:, None] / s[None, :]
    return c if jnp.iscomplexobj(c) else jnp.clip(c, -1, 1)


_corrcoef = Op("corrcoef", _corrcoef_fwd, promote="none")


@public(method=True)
def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (``cov`` normalised, clipped to
    [-1, 1] for real inputs)."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    return apply(_corrcoef, input)


return_types.histogram = _return_type("histogram", ("hist", "bin_edges"))


sg = jax.lax.stop_gradient


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
    if out is not None:
        from .signature import check_out_overlap
        check_out_overlap(out, input)
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
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


_count_nonzero = Op("count_nonzero", lambda x, dims: jnp.sum(x != 0, axis=dims, dtype=jnp.int64),
                    differentiable=False)


@public(method=True)
def count_nonzero(input, dim=None):
    dims = dims_of(dim, input.ndim) if input.ndim else None
    return apply(_count_nonzero, input, dims=dims)
