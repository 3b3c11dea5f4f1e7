"""Cumulative and difference ops along a dimension: cumsum, cumprod, cummax, cummin,
logcumsumexp, diff, gradient, trapezoid/trapz, cumulative_trapezoid.

cumsum/cumprod of integers give int64 as in torch; cummax/cummin return values gathered at the
chosen indices, so the gradient reaches the selected element only."""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .arithmetic import _float_only
from .declare import public
from .out import write_out
from .reductions import return_types
from .registry import Op, apply


def _on_dim(f):
    """Run ``f(x, dim)`` on a 0-d input as on a 1-element vector."""
    def g(x, dim, **kw):
        if x.ndim == 0:
            r = f(x.reshape(1), 0, **kw)
            return tuple(a.reshape(()) for a in r) if isinstance(r, tuple) else r.reshape(())
        return f(x, dim, **kw)
    return g


def _int_acc(x, dtype):
    if dtype is not None:
        return x.astype(dtype)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return x.astype(jnp.int64)
    return x


_cumsum = Op("cumsum", _on_dim(lambda x, d, dtype: jnp.cumsum(_int_acc(x, dtype), axis=d)))


_cumprod = Op("cumprod", _on_dim(lambda x, d, dtype: jnp.cumprod(_int_acc(x, dtype), axis=d)))


@public(method=True, inplace=True)
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; integer and bool inputs accumulate in int64."""
    d = _wrap_dim(dim, input.ndim)
    return write_out(apply(_cumsum, input, dim=d, dtype=None if dtype is None else D.to_dtype(dtype).np), out)


@public(method=True, inplace=True)
def cumprod(input, dim, *, dtype=None, out=None):
    d = _wrap_dim(dim, input.ndim)
    return write_out(apply(_cumprod, input, dim=d, dtype=None if dtype is None else D.to_dtype(dtype).np), out)


def _cum_extreme(x, dim, better):
    # scan over (value, index, is-nan); a later element wins on ties, a NaN wins and sticks (torch's CPU rule)
    n = x.shape[dim]
    shape = [1] * x.ndim
    shape[dim] = n
    idx = jnp.broadcast_to(jnp.arange(n, dtype=jnp.int64).reshape(shape), x.shape)
    nan = jnp.isnan(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(x.shape, bool)

    def combine(a, b):
        va, ia, na = a
        vb, ib, nb = b
        take_b = nb | (~na & better(vb, va))
        return jnp.where(take_b, vb, va), jnp.where(take_b, ib, ia), jnp.where(take_b, nb, na)

    _, best, _ = lax.associative_scan(combine, (x, idx, nan), axis=dim)
    return jnp.take_along_axis(x, best, axis=dim), best


_cummax = Op("cummax", _on_dim(lambda x, d: _cum_extreme(x, d, lambda b, a: b >= a)))


_cummin = Op("cummin", _on_dim(lambda x, d: _cum_extreme(x, d, lambda b, a: b <= a)))


@public(method=True)
def cummax(input, dim, *, out=None):
    """(values, indices) of the running maximum; ties pick the later index, NaN propagates."""
    v, i = apply(_cummax, input, dim=_wrap_dim(dim, input.ndim))
    return write_out(return_types.cummax(v, i), out)


@public(method=True)
def cummin(input, dim, *, out=None):
    v, i = apply(_cummin, input, dim=_wrap_dim(dim, input.ndim))
    return write_out(return_types.cummin(v, i), out)


_logcumsumexp_op = Op("logcumsumexp", _on_dim(lambda x, d: lax.cumlogsumexp(x, axis=d)))


@public(method=True)
def logcumsumexp(input, dim, *, out=None):
    _float_only("logcumsumexp_out", input)
    return write_out(apply(_logcumsumexp_op, input, dim=_wrap_dim(dim, input.ndim)), out)


def _diff(x, n, dim):
    for _ in range(n):
        a = lax.slice_in_dim(x, 1, x.shape[dim], axis=dim)
        b = lax.slice_in_dim(x, 0, x.shape[dim] - 1, axis=dim)
        x = jnp.logical_xor(a, b) if x.dtype == jnp.bool_ else a - b
    return x


_diff_op = Op("diff", lambda x, n, dim: _diff(x, n, dim))


@public(method=True)
def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """n-th forward difference along ``dim`` (bool inputs use xor), after concatenating prepend/append."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    from .shape import cat
    d = _wrap_dim(dim, input.ndim)
    parts = []
    for extra in (prepend, input, append):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            from .creation import full
            extra = full(tuple(1 if k == d else s for k, s in enumerate(input.shape)), extra, dtype=input.dtype)
        elif extra.ndim == 0:
            extra = extra.reshape(*(1 if k == d else s for k, s in enumerate(input.shape)))
        parts.append(extra)
    x = cat(parts, d) if len(parts) > 1 else input
    n = min(n, x.shape[d])
    return write_out(apply(_diff_op, x, n=int(n), dim=d), out)


@public(aliases=('trapz',))
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of ``y`` along ``dim`` by the trapezoid rule (spacing ``dx`` or sample points ``x``)."""
    d = _wrap_dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return (y.sum(d) * 0)
    lo, hi = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
    if x is None:
        return ((lo + hi) * ((1.0 if dx is None else dx) / 2)).sum(d)
    if not isinstance(x, Tensor):
        from .creation import tensor
        x = tensor(x)
    dxs = diff(x, dim=-1 if x.ndim == 1 else d)
    if x.ndim == 1:
        dxs = dxs.reshape(*[(-1 if k == d else 1) for k in range(y.ndim)])
    return ((lo + hi) * dxs / 2).sum(d)


@public
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    d = _wrap_dim(dim, y.ndim)
    n = y.shape[d]
    lo, hi = y.narrow(d, 0, max(n - 1, 0)), y.narrow(d, min(1, n), max(n - 1, 0))
    if x is None:
        return cumsum((lo + hi) * ((1.0 if dx is None else dx) / 2), d)
    dxs = diff(x, dim=-1 if x.ndim == 1 else d)
    if x.ndim == 1:
        dxs = dxs.reshape(*[(-1 if k == d else 1) for k in range(y.ndim)])
    return cumsum((lo + hi) * dxs / 2, d)


def _take(f, axis, sl):
    idx = [slice(None)] * f.ndim
    idx[axis] = sl
    return f[tuple(idx)]


def _bshape(v, ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


def _gradient_uniform(f, h, axis, edge_order):
    t = lambda sl: _take(f, axis, sl)  # noqa: E731
    mid = (t(slice(2, None)) - t(slice(None, -2))) / (2 * h)
    if edge_order == 1:
        lo = (t(slice(1, 2)) - t(slice(0, 1))) / h
        hi = (t(slice(-1, None)) - t(slice(-2, -1))) / h
    else:
        lo = (-1.5 * t(slice(0, 1)) + 2 * t(slice(1, 2)) - 0.5 * t(slice(2, 3))) / h
        hi = (0.5 * t(slice(-3, -2)) - 2 * t(slice(-2, -1)) + 1.5 * t(slice(-1, None))) / h
    return jnp.concatenate([lo, mid, hi], axis=axis)


def _gradient_coords(f, x, axis, edge_order):
    t = lambda sl: _take(f, axis, sl)  # noqa: E731
    dx = jnp.diff(x).astype(f.dtype)
    a_, b_ = _bshape(dx[:-1], f.ndim, axis), _bshape(dx[1:], f.ndim, axis)
    mid = (-b_ / (a_ * (a_ + b_)) * t(slice(None, -2)) + (b_ - a_) / (a_ * b_) * t(slice(1, -1))
           + a_ / (b_ * (a_ + b_)) * t(slice(2, None)))
    if edge_order == 1:
        lo = (t(slice(1, 2)) - t(slice(0, 1))) / dx[0]
        hi = (t(slice(-1, None)) - t(slice(-2, -1))) / dx[-1]
    else:
        d1, d2 = dx[0], dx[1]
        lo = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * t(slice(0, 1)) + (d1 + d2) / (d1 * d2) * t(slice(1, 2))
              - d1 / (d2 * (d1 + d2)) * t(slice(2, 3)))
        d1, d2 = dx[-2], dx[-1]
        hi = (d2 / (d1 * (d1 + d2)) * t(slice(-3, -2)) - (d2 + d1) / (d1 * d2) * t(slice(-2, -1))
              + (2 * d2 + d1) / (d2 * (d1 + d2)) * t(slice(-1, None)))
    return jnp.concatenate([lo, mid, hi], axis=axis)


def _gradient_fwd(f, x, h, axis, edge_order):
    if not (jnp.issubdtype(f.dtype, jnp.floating) or jnp.iscomplexobj(f)):
        f = f.astype(D.get_default_dtype().np)
    if x is None:
        return _gradient_uniform(f, jnp.asarray(h, f.dtype), axis, edge_order)
    return _gradient_coords(f, x, axis, edge_order)


_gradient = Op("gradient", _gradient_fwd, promote="none")


@public
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences in the interior and one-sided (``edge_order`` 1 or 2) differences at the
    boundaries, along each of ``dim`` (all dims by default); ``spacing`` is one number, one number
    per dim, or one coordinate tensor per dim. Returns a tuple of tensors."""
    if dim is None:
        dims = tuple(range(input.ndim))
    elif isinstance(dim, int):
        dims = (_wrap_dim(dim, input.ndim),)
    else:
        dims = tuple(_wrap_dim(d, input.ndim) for d in dim)
        for k, d in enumerate(dims):
            if d in dims[:k]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if spacing is None:
        spacing = 1
    if isinstance(spacing, (list, tuple)):
        sp = list(spacing)
        if len(sp) != len(dims):
            if dim is None:
                raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                                   f"length equal to 'self.dim() = {input.ndim}', since dim argument was not "
                                   f"given, but got a list of length {len(sp)}")
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                               f"dim arguments to have the same length, but got a spacing argument of length "
                               f"{len(sp)} and a dim argument of length {len(dims)}.")
    else:
        sp = [spacing] * len(dims)
    out = []
    for d, s in zip(dims, sp):
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(s, Tensor) and s.ndim == 1:
            out.append(apply(_gradient, input, s, h=None, axis=d, edge_order=edge_order))
        else:
            h = s.item() if isinstance(s, Tensor) else s
            out.append(apply(_gradient, input, None, h=float(h), axis=d, edge_order=edge_order))
    return tuple(out)
