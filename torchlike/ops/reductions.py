"""Reductions: sum, mean, prod, max/min (with torch's (values, indices) namedtuples), arg*, std/var,
all/any, logsumexp, norm, renorm, sum_to_size and hash_tensor (xor of the elements' 64-bit
patterns, torch 2.x's ``mode=0``). ``dim`` may be an int, a tuple/list, or None (all dims)."""
from __future__ import annotations

import builtins
import collections
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from .declare import public
from .out import write_out
from .registry import Op, apply


@public(name="sum_to_size", function=False, method=True)
def _sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (which ``self`` must be expandable from), keeping dims."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(s) for s in size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or builtins.any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, shape))}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    if not dims:
        return self
    r = self.sum(dims, keepdim=True)
    return r.reshape(size) if lead else r


def _renorm_fwd(x, maxnorm, p, dim):
    axes = tuple(i for i in range(x.ndim) if i != dim)
    a = jnp.abs(x)
    if p == math.inf:
        n = jnp.max(a, axis=axes, keepdims=True)
    elif p == 0:
        n = jnp.sum(a != 0, axis=axes, keepdims=True).astype(x.dtype)
    else:
        n = jnp.sum(a ** p, axis=axes, keepdims=True) ** (1.0 / p)
    factor = jnp.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0).astype(x.dtype)
    return x * factor


_renorm = Op("renorm", _renorm_fwd, promote="none")


@public(method=True, inplace=True)
def renorm(input, p, dim, maxnorm, *, out=None):
    """Rescale each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` to norm ``maxnorm``
    (as torch: factor ``maxnorm / (norm + 1e-7)``)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"renorm: expected a floating point or complex input, but got {input.dtype}")
    if p < 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    return write_out(apply(_renorm, input, maxnorm=float(maxnorm), p=float(p), dim=_wrap_dim(dim, input.ndim)), out)


def _return_type(name, fields=("values", "indices")):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    cls.__module__ = "torch.return_types"
    return cls


class return_types:
    """namedtuples returned by reductions, printed as ``torch.return_types.max(...)``."""
    max = _return_type("max")
    min = _return_type("min")
    sort = _return_type("sort")
    topk = _return_type("topk")
    kthvalue = _return_type("kthvalue")
    median = _return_type("median")
    mode = _return_type("mode")
    cummax = _return_type("cummax")
    cummin = _return_type("cummin")
    aminmax = _return_type("aminmax", ("min", "max"))
    nanmedian = _return_type("nanmedian")
    slogdet = _return_type("slogdet", ("sign", "logabsdet"))
    qr = _return_type("qr", ("Q", "R"))
    svd = _return_type("svd", ("U", "S", "Vh"))
    eigh = _return_type("eigh", ("eigenvalues", "eigenvectors"))
    lstsq = _return_type("lstsq", ("solution", "residuals", "rank", "singular_values"))
    std_mean = None


def dims_of(dim, ndim):
    """Normalise a dim argument to a sorted tuple of non-negative dims (None -> all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        out = tuple(sorted(_wrap_dim(d, ndim) for d in dim))
        if len(set(out)) != len(out):
            raise RuntimeError(f"dim {out} appears multiple times in the list of dims")
        return out
    return (_wrap_dim(dim, ndim),)


def _axes(dims, ndim):
    return dims if ndim else None


def _sum(x, dims, keepdim, dtype):
    if dtype is None and (jnp.issubdtype(x.dtype, jnp.integer) or x.dtype == jnp.bool_):
        dtype = jnp.int64
    return jnp.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)


_sum_op = Op("sum", _sum, saves=False)


@public(method=True)
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum; integer and bool inputs sum to int64 unless ``dtype`` is given."""
    dims = _axes(dims_of(dim, input.ndim), input.ndim)
    return write_out(apply(_sum_op, input, dims=dims, keepdim=keepdim,
                           dtype=None if dtype is None else D.to_dtype(dtype).np), out)


@public(method=True)
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return write_out(sum(_nan_to(input, 0), dim, keepdim, dtype=dtype), out)


_nan_to_op = Op("nan_to_zero", lambda x, v: jnp.where(jnp.isnan(x), jnp.asarray(v, x.dtype), x))


def _nan_to(x, v):
    return apply(_nan_to_op, x, v=v)


def _mean(x, dims, keepdim, dtype):
    return jnp.mean(x, axis=dims, keepdims=keepdim, dtype=dtype)


_mean_op = Op("mean", _mean, saves=False)


@public(method=True)
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    dt = D.to_dtype(dtype) if dtype is not None else input.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_type_name(dt)}")
    dims = _axes(dims_of(dim, input.ndim), input.ndim)
    return write_out(apply(_mean_op, input, dims=dims, keepdim=keepdim,
                           dtype=None if dtype is None else dt.np), out)


@public(method=True)
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    notnan = ~input.isnan()
    return write_out(nansum(input, dim, keepdim, dtype=dtype) / notnan.sum(dim, keepdim), out)


def _prod(x, dims, keepdim, dtype):
    if dtype is None and (jnp.issubdtype(x.dtype, jnp.integer) or x.dtype == jnp.bool_):
        dtype = jnp.int64
    return jnp.prod(x, axis=dims, keepdims=keepdim, dtype=dtype)


_prod_op = Op("prod", _prod)


@public(method=True)
def prod(input, dim=None, keepdim=False, *, dtype=None):
    dims = None if dim is None else dims_of(dim, input.ndim)
    return apply(_prod_op, input, dims=_axes(dims, input.ndim) if dims else None, keepdim=keepdim,
                 dtype=None if dtype is None else D.to_dtype(dtype).np)


def _check_nonempty(input, name, dim=None):
    if input.numel() == 0:
        if dim is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        if input.ndim and input.shape[_wrap_dim(dim, input.ndim)] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _select_along(x, dim, keepdim, arg):
    # values at the chosen index, so the gradient goes to that element alone (torch's max(dim))
    if x.ndim == 0:  # torch: the value itself at index 0
        return x, jnp.zeros((), jnp.int64)
    idx = arg(x, axis=dim, keepdims=True)
    vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(jnp.int64)


def _nanarg(f):
    def arg(x, axis, keepdims):
        if jnp.issubdtype(x.dtype, jnp.inexact):
            nan = jnp.isnan(x)
            has_nan = jnp.any(nan, axis=axis, keepdims=True)
            first_nan = jnp.argmax(nan, axis=axis, keepdims=True)
            return jnp.where(has_nan, first_nan, f(x, axis=axis, keepdims=True))
        return f(x, axis=axis, keepdims=True)
    return arg


_argmax_nan = _nanarg(jnp.argmax)


_argmin_nan = _nanarg(jnp.argmin)


_max_dim = Op("max", lambda x, dim, keepdim: _select_along(x, dim, keepdim, _argmax_nan))


_min_dim = Op("min", lambda x, dim, keepdim: _select_along(x, dim, keepdim, _argmin_nan))


_max_all = Op("max", lambda x: jnp.max(x))


_min_all = Op("min", lambda x: jnp.min(x))


def _extremum(name, input, dim, keepdim, out, pairwise, all_op, dim_op):
    """max/min: of all elements; along ``dim`` as (values, indices); or elementwise with a tensor
    (``pairwise`` names the ``ops.pointwise`` function)."""
    if not isinstance(input, Tensor) or isinstance(dim, (float, complex)):
        from .signature import invalid_combination
        raise invalid_combination(name, (input,) if dim is None else (input, dim),
                                  ("Tensor input, *, Tensor out = None", "Tensor input, Tensor other, *, Tensor out = None",
                                   "Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None"))
    if isinstance(dim, Tensor):
        from . import pointwise
        return write_out(getattr(pointwise, pairwise)(input, dim), out)
    if dim is None:
        _check_nonempty(input, name)
        return write_out(apply(all_op, input), out)
    _check_nonempty(input, name, dim)
    d = _wrap_dim(dim, input.ndim) if input.ndim else (_wrap_dim(dim, 1) and None)  # 0-dim: dim in [-1, 0]
    v, i = apply(dim_op, input, dim=d, keepdim=keepdim)
    return write_out(getattr(return_types, name)(v, i), out)


@public(method=True)
def max(input, dim=None, keepdim=False, *, out=None):
    """max(x) -> value; max(x, dim, keepdim) -> (values, indices); max(x, other) -> maximum."""
    return _extremum("max", input, dim, keepdim, out, "maximum", _max_all, _max_dim)


@public(method=True)
def min(input, dim=None, keepdim=False, *, out=None):
    """min(x) -> value; min(x, dim, keepdim) -> (values, indices); min(x, other) -> minimum."""
    return _extremum("min", input, dim, keepdim, out, "minimum", _min_all, _min_dim)


_amax = Op("amax", lambda x, dims, keepdim: jnp.max(x, axis=dims, keepdims=keepdim))


_amin = Op("amin", lambda x, dims, keepdim: jnp.min(x, axis=dims, keepdims=keepdim))


def _extreme_dims(name, input, dim):
    """The axes of amax/amin/aminmax, with torch's errors: its reductions take at most 64 dims (a 65-dim
    tensor reduced over all of them is a 0-dim result, which torch allows), and have no identity for an
    empty reduction."""
    axes = _axes(dims_of(dim, input.ndim), input.ndim)
    if input.ndim > 64 and (axes is None or len(axes) < input.ndim):
        raise RuntimeError("only tensors with up to 64 dims are supported")
    if input.numel() == 0:
        if dim is None or dim == ():
            if name == "aminmax":
                raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                                   "has no identity.")
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for d in (axes or ()):
            if input.shape[d] == 0:
                raise IndexError(f"{name}{'' if name == 'aminmax' else '()'}: Expected reduction dim {d} to have "
                                 "non-zero size.")
    return axes


@public(method=True)
def amax(input, dim=(), keepdim=False, *, out=None):
    return write_out(apply(_amax, input, dims=_extreme_dims("amax", input, dim), keepdim=keepdim), out)


@public(method=True)
def amin(input, dim=(), keepdim=False, *, out=None):
    return write_out(apply(_amin, input, dims=_extreme_dims("amin", input, dim), keepdim=keepdim), out)


@public(method=True)
def aminmax(input, *, dim=None, keepdim=False, out=None):
    _extreme_dims("aminmax", input, dim)
    for o in out or ():  # aminmax's out= must have input's dtype exactly
        if o.dtype is not input.dtype:
            from .signature import c_type_name
            raise RuntimeError(f"Expected out tensor to have dtype {c_type_name(input.dtype)}, but got "
                               f"{c_type_name(o.dtype)} instead")
    return write_out(return_types.aminmax(amin(input, () if dim is None else dim, keepdim),
                                          amax(input, () if dim is None else dim, keepdim)), out)


def _arg(x, dim, keepdim, f):
    if dim is None:
        return f(x.reshape(-1), axis=0, keepdims=False).reshape(()).astype(jnp.int64) if not keepdim else \
            f(x.reshape(-1), axis=0, keepdims=False).reshape((1,) * x.ndim).astype(jnp.int64)
    r = f(x, axis=dim, keepdims=True).astype(jnp.int64)
    return r if keepdim else jnp.squeeze(r, dim)


_argmax = Op("argmax", lambda x, dim, keepdim: _arg(x, dim, keepdim, _argmax_nan), differentiable=False)


_argmin = Op("argmin", lambda x, dim, keepdim: _arg(x, dim, keepdim, _argmin_nan), differentiable=False)


def _no_bool(name, input):
    if input.dtype is D.bool:
        raise RuntimeError(f"{name}(): does not support bool input")


@public(method=True)
def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximal value (NaN counts as maximal), as int64."""
    _no_bool("argmax", input)
    _check_nonempty(input, "argmax", dim)
    return write_out(apply(_argmax, input, dim=None if dim is None or input.ndim == 0 else _wrap_dim(dim, input.ndim),
                           keepdim=keepdim), out)


@public(method=True)
def argmin(input, dim=None, keepdim=False, *, out=None):
    _no_bool("argmin", input)
    _check_nonempty(input, "argmin", dim)
    return write_out(apply(_argmin, input, dim=None if dim is None or input.ndim == 0 else _wrap_dim(dim, input.ndim),
                           keepdim=keepdim), out)


def _var(x, dims, correction, keepdim):
    return jnp.var(x, axis=dims, ddof=correction, keepdims=keepdim)


_var_op = Op("var", _var)


_std_op = Op("std", lambda x, dims, correction, keepdim: jnp.sqrt(_var(x, dims, correction, keepdim)))


def _var_args(input, dim, unbiased, keepdim, correction):
    # torch accepts var(x, unbiased), var(x, dim, unbiased, keepdim) and var(x, dim, correction=, keepdim=)
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return dict(dims=_axes(dims_of(dim, input.ndim), input.ndim), correction=correction, keepdim=keepdim)


@public(method=True)
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance with Bessel's correction by default (``correction=1``)."""
    return write_out(apply(_var_op, input, **_var_args(input, dim, unbiased, keepdim, correction)), out)


@public(method=True)
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    return write_out(apply(_std_op, input, **_var_args(input, dim, unbiased, keepdim, correction)), out)


@public
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # torch.var_mean(x, unbiased): the whole tensor
        dim, unbiased = None, dim
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


@public
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # torch.std_mean(x, unbiased): the whole tensor
        dim, unbiased = None, dim
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


_all = Op("all", lambda x, dims, keepdim: jnp.all(x, axis=dims, keepdims=keepdim), differentiable=False)


_any = Op("any", lambda x, dims, keepdim: jnp.any(x, axis=dims, keepdims=keepdim), differentiable=False)


@public(method=True)
def all(input, dim=None, keepdim=False, *, out=None):
    r = apply(_all, input, dims=_axes(dims_of(dim, input.ndim), input.ndim), keepdim=keepdim)
    return write_out(r if input.dtype is not D.uint8 else r.to(D.uint8), out)


@public(method=True)
def any(input, dim=None, keepdim=False, *, out=None):
    r = apply(_any, input, dims=_axes(dims_of(dim, input.ndim), input.ndim), keepdim=keepdim)
    return write_out(r if input.dtype is not D.uint8 else r.to(D.uint8), out)


def _logsumexp(x, dims, keepdim):
    return jax.nn.logsumexp(x, axis=dims, keepdims=keepdim)


_logsumexp_op = Op("logsumexp", _logsumexp, promote="float")


@public(method=True, special=True)
def logsumexp(input, dim, keepdim=False, *, out=None):
    return write_out(apply(_logsumexp_op, input, dims=_axes(dims_of(dim, input.ndim), input.ndim), keepdim=keepdim), out)


def _vector_norm(x, ord, dims, keepdim):
    ax = jnp.abs(x)
    if ord == float("inf"):
        return jnp.max(ax, axis=dims, keepdims=keepdim)
    if ord == float("-inf"):
        return jnp.min(ax, axis=dims, keepdims=keepdim)
    if ord == 0:
        return jnp.sum((x != 0).astype(x.dtype), axis=dims, keepdims=keepdim)
    if ord == 2:
        # sqrt(sum(x^2)) with a gradient that is 0 (not NaN) at x = 0, as torch's
        sq = jnp.sum(jnp.real(x * jnp.conj(x)), axis=dims, keepdims=keepdim)
        safe = jnp.where(sq == 0, 1.0, sq)
        return jnp.where(sq == 0, 0.0, jnp.sqrt(safe)).astype(ax.dtype)
    if ord == 1:
        return jnp.sum(ax, axis=dims, keepdims=keepdim)
    return jnp.sum(ax ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


_vector_norm_op = Op("linalg_vector_norm", _vector_norm, backward_name="LinalgVectorNormBackward0")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_type_name(x.dtype)}")
    if dtype is not None:
        x = x.to(dtype)
    return apply(_vector_norm_op, x, ord=float(ord), dims=_axes(dims_of(dim, x.ndim), x.ndim), keepdim=keepdim)


def _bits64(x):
    """Each element widened to its 64-bit float/integer equivalent, then read as uint64."""
    if jnp.issubdtype(x.dtype, jnp.floating):
        return lax.bitcast_convert_type(x.astype(jnp.float64), jnp.uint64)
    if x.dtype == jnp.bool_ or jnp.issubdtype(x.dtype, jnp.unsignedinteger):
        return x.astype(jnp.uint64)
    return lax.bitcast_convert_type(x.astype(jnp.int64), jnp.uint64)


def _hash_xor(x, dims, keepdim):
    bits = _bits64(x)
    out = lax.reduce(bits, np.uint64(0), lax.bitwise_xor, dims)
    if keepdim:
        out = jnp.expand_dims(out, dims)
    return out


_hash_op = Op("hash_tensor", _hash_xor, differentiable=False)


@public(method=True)
def hash_tensor(input, dim=None, *, keepdim=False, mode=0, out=None):
    """torch.hash_tensor: xor-reduction (mode 0) of the elements' 64-bit patterns over ``dim``; uint64."""
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    if input.dtype.is_complex:
        raise RuntimeError(f"hash_tensor not implemented for '{_type_name(input.dtype)}'")
    dims = dims_of(dim, input.ndim)
    if input.numel() == 0 and (dim is None or dim == () or dim == []):
        raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    res = apply(_hash_op, input, dims=dims, keepdim=bool(keepdim))
    if out is not None:
        from .out import write_out
        return write_out(res, out)
    return res


def _segment_reduce_fwd(x, start, length, reduce, initial, axis):
    # gather each (contiguous) segment into a row padded to the longest one, then reduce the rows
    x = jnp.moveaxis(x, axis, 0)
    n, width = len(start), builtins.max(length, default=0)
    pos = np.arange(width)
    valid = pos[None, :] < np.asarray(length, np.int64)[:, None]
    idx = np.where(valid, np.asarray(start, np.int64)[:, None] + pos[None, :], 0)
    rows = x[idx] if x.shape[0] else jnp.zeros((n, width) + x.shape[1:], x.dtype)
    mask = valid.reshape(valid.shape + (1,) * (x.ndim - 1))
    count = jnp.asarray(np.asarray(length).reshape((n,) + (1,) * (x.ndim - 1)), x.dtype)
    init = None if initial is None else jnp.asarray(initial, x.dtype)
    if reduce in ("sum", "mean"):
        r = jnp.sum(jnp.where(mask, rows, 0), axis=1)
        if init is not None:
            r = r + init
        if reduce == "mean":
            empty = jnp.asarray(jnp.nan, x.dtype) if init is None else init
            r = jnp.where(count > 0, r / jnp.maximum(count, 1), empty)
    elif reduce == "prod":
        r = jnp.prod(jnp.where(mask, rows, 1), axis=1)
        if init is not None:
            r = r * init
    else:
        big = jnp.asarray(jnp.inf if reduce == "min" else -jnp.inf, x.dtype)
        r = (jnp.max if reduce == "max" else jnp.min)(jnp.where(mask, rows, big), axis=1)
        if init is not None:
            r = (jnp.maximum if reduce == "max" else jnp.minimum)(r, init)
    return jnp.moveaxis(r, 0, axis)


_segment_reduce_op = Op("segment_reduce", _segment_reduce_fwd, backward_name="SegmentReduceBackward0")


@public
def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False, initial=None):
    """torch.segment_reduce: reduce ('sum', 'mean', 'prod', 'max', 'min') consecutive segments of
    ``data`` along ``axis``, given by 1-d ``lengths`` or ``offsets``. ``initial`` joins every segment's
    reduction (and is the value of an empty one); without it an empty segment gives 0, 1, -inf, inf
    or nan."""
    if reduce not in ("sum", "mean", "prod", "max", "min"):
        raise RuntimeError(f"segment_reduce: unsupported reduction {reduce}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if (lengths is None) == (offsets is None):
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined")
    ax = _wrap_dim(axis, data.ndim)
    seg = lengths if lengths is not None else offsets
    if ax != seg.ndim - 1:
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of "
                           f"{'lengths' if lengths is not None else 'offsets'} but got {axis}.")
    if lengths is not None:
        length = np.asarray(lengths._value if isinstance(lengths, Tensor) else lengths, np.int64)
        if length.ndim != 1:
            raise RuntimeError("segment_reduce: torchlike takes 1-d lengths (one segmentation for all rows)")
        start = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
    else:
        off = np.asarray(offsets._value if isinstance(offsets, Tensor) else offsets, np.int64)
        if off.ndim != 1:
            raise RuntimeError("segment_reduce: torchlike takes 1-d offsets (one segmentation for all rows)")
        start, length = off[:-1], np.diff(off)
    if not unsafe and (np.any(length < 0) or int(length.sum()) != data.shape[ax]):
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1)"
                           " when !unsafe.")
    return apply(_segment_reduce_op, data, start=tuple(int(s) for s in start),
                 length=tuple(int(v) for v in length), reduce=reduce,
                 initial=None if initial is None else float(initial), axis=ax)
