"""Writes and reads at indices: the scatter family, index_add/copy/fill/reduce/put, masked_scatter,
masked_select, take, take_along_dim, put.

Ops whose result size depends on data (``masked_select``) read that data on the host, eagerly.
Gradients follow torch: scatter_reduce 'amax'/'amin' share the gradient evenly among the elements
equal to the result."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from . import indexing as _ix
from .declare import public
from .out import write_out
from .registry import Op, apply
from .signature import check_out_overlap

sg = jax.lax.stop_gradient


def _eager(*ts):
    return all(not isinstance(t._value, jax.core.Tracer) for t in ts if isinstance(t, Tensor))


def _check_index_dtype(name, index):
    if index.dtype is not D.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")


def _grid(idx, dim):
    """The full advanced index that puts idx along ``dim`` and iotas along the other dims."""
    out = []
    for k in range(idx.ndim):
        if k == dim:
            out.append(idx)
        else:
            shape = [1] * idx.ndim
            shape[k] = idx.shape[k]
            out.append(jnp.arange(idx.shape[k]).reshape(shape))
    return tuple(out)


def _fit(src, shape):
    return src[tuple(slice(0, s) for s in shape)] if src.shape != tuple(shape) else src


def _scatter(x, idx, src, dim, reduce, include_self):
    squeeze = x.ndim == 0
    if squeeze:
        x, idx = x.reshape(1), idx.reshape(1)
        src = jnp.reshape(src, (1,)) if jnp.ndim(src) == 0 else src.reshape(1)
    if jnp.ndim(src) == 0:
        src = jnp.broadcast_to(jnp.asarray(src, x.dtype), idx.shape)
    src = _fit(src, idx.shape).astype(x.dtype)
    g = _grid(idx, dim)
    r = _scatter_body(x, g, src, reduce, include_self)
    return r.reshape(()) if squeeze else r


@jax.custom_vjp
def _scatter_set(x, src, g):
    return x.at[g].set(src)


def _scatter_set_fwd(x, src, g):
    return x.at[g].set(src), (g, x.shape)


def _scatter_set_bwd(res, ct):
    # torch's scatter backward: every source element gets the gradient of the slot it was written to,
    # duplicates included (XLA's derived one gives it to the winning write alone)
    g, shape = res
    touched = jnp.zeros(shape, bool).at[g].set(True)
    return jnp.where(touched, jnp.zeros_like(ct), ct), ct[g], None


_scatter_set.defvjp(_scatter_set_fwd, _scatter_set_bwd)


def _scatter_body(x, g, src, reduce, include_self):
    if reduce is None:
        return _scatter_set(x, src, g)
    touched = jnp.zeros(x.shape, bool).at[g].set(True)
    if reduce == "sum":
        base = x if include_self else jnp.where(touched, jnp.zeros_like(x), x)
        return base.at[g].add(src)
    if reduce == "mean":
        base = x if include_self else jnp.where(touched, jnp.zeros_like(x), x)
        total = base.at[g].add(src)
        cnt = jnp.zeros(x.shape, jnp.int64).at[g].add(1) + (1 if include_self else 0)
        cnt = jnp.where(touched, cnt, 1)
        if jnp.issubdtype(x.dtype, jnp.inexact):
            return total / cnt.astype(x.dtype)
        return jnp.floor_divide(total, cnt).astype(x.dtype)
    if reduce == "prod":
        return _scatter_prod(x, g, src, touched, include_self)
    # amax / amin: exact values from the scatter, gradient shared evenly among equal elements
    big = jnp.inf if jnp.issubdtype(x.dtype, jnp.inexact) else (
        jnp.iinfo(x.dtype).min if reduce == "amax" else jnp.iinfo(x.dtype).max)
    fill = -big if reduce == "amax" and jnp.issubdtype(x.dtype, jnp.inexact) else big
    base = sg(x) if include_self else jnp.where(touched, jnp.asarray(fill, x.dtype), sg(x))
    res = base.at[g].max(sg(src)) if reduce == "amax" else base.at[g].min(sg(src))
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return res
    # torch counts an input element equal to the result in the share even when include_self=False
    # (it then gets no gradient itself)
    self_eq = x == res
    self_in = self_eq if include_self else self_eq & ~touched
    src_in = src == res[g]
    total = jnp.where(self_in, x, 0).at[g].add(jnp.where(src_in, src, 0))
    cnt = self_eq.astype(x.dtype).at[g].add(src_in.astype(x.dtype))
    return res + (total - sg(total)) / jnp.maximum(cnt, 1)


def _scatter_prod(x, g, src, touched, include_self):
    # a product over one-hot slots: JAX has no gradient for scatter-multiply with repeated indices
    flat_pos = jnp.ravel_multi_index(tuple(jnp.broadcast_to(a, src.shape) for a in g), x.shape, mode="clip")
    flat_pos = flat_pos.reshape(-1)
    n = x.size
    onehot = flat_pos[:, None] == jnp.arange(n)[None, :]
    factors = jnp.where(onehot, src.reshape(-1)[:, None], jnp.ones((), x.dtype))
    prod = jnp.prod(factors, axis=0).reshape(x.shape)
    base = x if include_self else jnp.where(touched, jnp.ones_like(x), x)
    return base * prod


_scatter_op = Op("scatter", _scatter, promote="none")


def _scatter_checks(name, input, dim, index, src):
    if index.dtype not in (D.int64, D.int32):  # torch 2.13 takes int32 indices too
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    d = _wrap_dim(dim, input.ndim)
    if index.numel() == 0:
        return d
    # as torch, a 0-d tensor counts as 1-d here (``zeros(10).scatter_(0, tensor(3), value=1)``)
    if max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor) and max(src.ndim, 1) != max(index.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for k in range(index.ndim):
        if isinstance(src, Tensor) and src.ndim and index.shape[k] > src.shape[k]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be smaller than self {list(input.shape)} "
                               f"apart from dimension {d} and to be smaller size than src {list(src.shape)}")
        if k != d and input.ndim and index.shape[k] > input.shape[k]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be smaller than self {list(input.shape)} "
                               f"apart from dimension {d} and to be smaller size than src {list(src.shape)}")
    if _eager(index):
        a = np.asarray(index._value)
        size = input.shape[d] if input.ndim else 1
        bad = a[(a < -size) | (a >= size)] if a.size else a
        if bad.size:
            raise RuntimeError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension {d} with size {size}")
    return d


def _as_1d(input, index, src):
    """A 0-d index (or tensor src) beside a 1-d input, as the 1-element 1-d tensor torch treats it as."""
    if input.ndim >= 1:
        if index.ndim == 0:
            index = index.reshape(1)
        if isinstance(src, Tensor) and src.ndim == 0 and index.ndim >= 1:
            src = src.reshape(1)
    return index, src


def _src_arg(input, src, value):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return src


@public(method=True, inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """Write ``src`` (tensor or scalar) into a copy of input at ``index`` along ``dim``;
    ``reduce='add'|'multiply'`` combines instead."""
    src = _src_arg(input, src, value)
    d = _scatter_checks("scatter", input, dim, index, src)
    index, src = _as_1d(input, index, src)
    mode = {None: None, "add": "sum", "multiply": "prod"}.get(reduce, "?")
    if mode == "?":
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    if index.numel() == 0:
        return write_out(input.clone(), out)
    return write_out(apply(_scatter_op, input, index, src, dim=d, reduce=mode, include_self=True), out)


@public(method=True, inplace=True)
def scatter_add(input, dim, index, src, *, out=None):
    d = _scatter_checks("scatter_add", input, dim, index, src)
    index, src = _as_1d(input, index, src)
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index.numel() == 0:
        return write_out(input.clone(), out)
    return write_out(apply(_scatter_op, input, index, src, dim=d, reduce="sum", include_self=True), out)


@public(method=True, inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Reduce ``src`` into input at ``index`` with 'sum', 'prod', 'mean', 'amax' or 'amin'."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d = _scatter_checks("scatter_reduce", input, dim, index, src)
    index, src = _as_1d(input, index, src)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    if index.numel() == 0:
        return write_out(input.clone(), out)
    return write_out(apply(_scatter_op, input, index, src, dim=d, reduce=reduce, include_self=bool(include_self)),
                     out)


def _index_checks(name, input, dim, index, source=None):
    if index.ndim > 1:
        raise IndexError(f"{name}_(): Index is supposed to be a vector")
    if index.dtype not in (D.int64, D.int32):
        raise IndexError(f"{name}_(): Expected dtype int32/int64 for index")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if source is not None and isinstance(source, Tensor):
        expect = list(input.shape)
        if input.ndim:
            expect[d] = index.numel()
        if source.ndim and list(source.shape) != expect:
            raise RuntimeError(f"{name}_(): Source/destination tensor must have same slice shapes. Destination slice "
                               f"shape: {list(input.shape)} at dimension {d} and source slice shape: "
                               f"{list(source.shape)} at dimension {d}.")
    if _eager(index) and index.numel():
        a = np.asarray(index._value)
        if a.min() < -size or a.max() >= size:
            bad = a.max() if a.max() >= size else a.min()
            raise IndexError("index out of range in self" if name != "index_fill" else
                             f"index {int(bad)} is out of bounds for dimension {d} with size {size}")
    return d


def _along(dim, nd, idx):
    return (slice(None),) * dim + (idx,) if nd else (idx,)


def _index_update(x, idx, src, dim, mode):
    squeeze = x.ndim == 0
    if squeeze:
        x = x.reshape(1)
        src = jnp.reshape(src, (-1,)) if jnp.ndim(src) else src
    idx = idx.reshape(-1)
    sel = _along(dim, x.ndim, idx)
    if jnp.ndim(src) == 0:
        src = jnp.asarray(src, x.dtype)
    else:
        src = src.astype(x.dtype)
    if mode == "set":
        r = x.at[sel].set(src)
    else:
        r = x.at[sel].add(src)
    return r.reshape(()) if squeeze else r


_index_update_op = Op("index_put", _index_update)


@public(method=True, inplace=True)
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """input with ``alpha * source`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    d = _index_checks("index_add", input, dim, index, source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "scalar type")
    src = source if alpha == 1 else source * alpha
    return write_out(apply(_index_update_op, input, index, src, dim=d, mode="add"), out)


@public(method=True, inplace=True)
def index_copy(input, dim, index, source, *, out=None):
    d = _index_checks("index_copy", input, dim, index, source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_type_name(input.dtype)} and (source) {_type_name(source.dtype)}")
    return write_out(apply(_index_update_op, input, index, source, dim=d, mode="set"), out)


@public(method=True, inplace=True)
def index_fill(input, dim, index, value):
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    d = _index_checks("index_fill", input, dim, index)
    return apply(_index_update_op, input, index, value, dim=d, mode="set")


@public(method=True, inplace=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """Reduce rows of ``source`` into input at ``index`` along ``dim`` ('prod', 'mean', 'amax', 'amin')."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if input.ndim == 0:  # torch reads a 0-d input (and source) as one element along dim 0
        _wrap_dim(dim, 0)
        res = index_reduce(input.reshape(1), 0, index.reshape(-1), source.reshape(-1), reduce,
                           include_self=include_self).reshape(())
        return write_out(res, out)
    d = _index_checks("index_reduce", input, dim, index, source)
    shape = [1] * source.ndim
    shape[d] = -1
    full = index.reshape(*shape).expand(*source.shape) if source.ndim else index.reshape(())
    return write_out(apply(_scatter_op, input, full, source, dim=d, reduce=reduce, include_self=bool(include_self)),
                     out)


def _put_spec(x, v, *idx, spec, accumulate):
    i = _ix._build_index(spec, idx)
    v = jnp.asarray(v).astype(x.dtype)
    return x.at[i].add(v) if accumulate else x.at[i].set(v)


_index_put_op = Op("index_put", _put_spec, backward_name="IndexPutBackward0")


@public(method=True)
def index_put(input, indices, values, accumulate=False):
    """A copy of input with ``values`` at the advanced index ``indices`` (a tuple of tensors)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    if len(indices) > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got {len(indices)})")
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_type_name(input.dtype)} for the destination and {_type_name(values.dtype)} for the "
                           "source.")
    idx = tuple(slice(None) if i is None else i for i in indices)
    spec, tensors = _ix.parse_index(input, idx)
    return apply(_index_put_op, input, values, *tensors, spec=spec, accumulate=bool(accumulate))


@public(method=True)
def index_put_(input, indices, values, accumulate=False):
    return input._assign(index_put(input, indices, values, accumulate))


@public(method=True)
def masked_select(input, mask, *, out=None):
    """1-d tensor of the elements where the (broadcast) bool ``mask`` is True."""
    if out is not None:
        check_out_overlap(out, input, mask)
    if mask.dtype is not D.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = tuple(np.broadcast_shapes(tuple(input.shape), tuple(mask.shape)))
    x = input.expand(*shape) if tuple(input.shape) != shape else input
    m = mask.expand(*shape) if tuple(mask.shape) != shape else mask
    if x.ndim == 0:
        x, m = x.reshape(1), m.reshape(1)
    return write_out(_ix.getitem(x, m), out)


def _masked_scatter(x, m, src):
    m = jnp.broadcast_to(m, x.shape)
    pos = jnp.cumsum(m.reshape(-1)) - 1
    flat = src.reshape(-1)
    vals = flat[jnp.clip(pos, 0, max(flat.size - 1, 0))] if flat.size else jnp.zeros(pos.shape, x.dtype)
    return jnp.where(m, vals.reshape(x.shape).astype(x.dtype), x)


_masked_scatter_op = Op("masked_scatter", _masked_scatter)


@public(method=True, inplace=True)
def masked_scatter(input, mask, source):
    """Copy consecutive elements of ``source`` into input where ``mask`` is True (row-major)."""
    if mask.dtype is not D.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_type_name(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_type_name(input.dtype)} and {_type_name(source.dtype)}")
    np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    if _eager(mask):
        need = int(np.asarray(jnp.sum(jnp.broadcast_to(mask._value, input._value.shape))))
        if need > source.numel():
            raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask")
    return apply(_masked_scatter_op, input, mask, source)


def _check_flat_bounds(input, index):
    n = input.numel()
    if _eager(index) and index.numel():
        a = np.asarray(index._value)
        if a.min() < -n or a.max() >= n:
            bad = a.max() if a.max() >= n else a.min()
            raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")


_take = Op("take", lambda x, idx: jnp.take(x.reshape(-1), idx))


@public(method=True)
def take(input, index, *, out=None):
    """input treated as 1-d, read at ``index`` (result has index's shape)."""
    if out is not None:
        check_out_overlap(out, input, index)
    _check_index_dtype("take", index)
    _check_flat_bounds(input, index)
    return write_out(apply(_take, input, index), out)


_take_along = Op("take_along_dim", lambda x, idx, dim: jnp.take_along_axis(x, idx, axis=dim))


@public(method=True)
def take_along_dim(input, indices, dim=None, *, out=None):
    """gather with broadcasting; with ``dim=None`` both are flattened."""
    if indices.dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {_type_name(indices.dtype)}")
    if dim is None:
        return write_out(apply(_take_along, input.reshape(-1), indices.reshape(-1), dim=0), out)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    si, sx = list(indices.shape), list(input.shape)
    si[d] = sx[d] = 1
    b = list(np.broadcast_shapes(tuple(si), tuple(sx)))
    bx, bi = list(b), list(b)
    bx[d], bi[d] = input.shape[d], indices.shape[d]
    x = input.expand(*bx) if list(input.shape) != bx else input
    i = indices.expand(*bi) if list(indices.shape) != bi else indices
    return write_out(apply(_take_along, x, i, dim=d), out)


def _put(x, idx, src, accumulate):
    flat = x.reshape(-1)
    idx = idx.reshape(-1)
    src = src.reshape(-1).astype(x.dtype)
    return (flat.at[idx].add(src) if accumulate else flat.at[idx].set(src)).reshape(x.shape)


_put_op = Op("put", _put)


@public(method=True, inplace=True)
def put(input, index, source, accumulate=False):
    """A copy of input (as 1-d) with ``source`` written (or added) at ``index``."""
    _check_index_dtype("put", index)
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    _check_flat_bounds(input, index)
    return apply(_put_op, input, index, source, accumulate=bool(accumulate))


@public
def _unsafe_masked_index(input, mask, indices, fill):
    """torch._unsafe_masked_index: ``input[indices]`` where ``mask``, ``fill`` elsewhere (indices under a
    False mask may be out of range)."""
    from .pointwise import where
    picked = input[tuple(slice(None) if i is None else i for i in _ix._clamped_indices(input, indices))]
    return where(mask, picked, fill)


@public
def _unsafe_masked_index_put_accumulate(input, mask, indices, values):
    """torch._unsafe_masked_index_put_accumulate: ``input.index_put(indices, values masked to 0 where not
    mask, accumulate=True)``."""
    from .pointwise import where
    return index_put(input, _ix._clamped_indices(input, indices), where(mask, values, 0), accumulate=True)
