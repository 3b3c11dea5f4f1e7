"""Scatter/gather-style indexing, triangles and diagonals, flips and rolls, splitting, grids and
combinatorics.

Views where torch documents views: ``diagonal``, ``unfold``, ``tensor_split``/``hsplit``/...,
``meshgrid`` and ``broadcast_tensors`` outputs share data with their input. Ops whose result size
depends on data (``masked_select``, ``repeat_interleave`` with tensor repeats) read that data on the
host, eagerly. Gradients follow torch: scatter_reduce 'amax'/'amin' share the gradient evenly among
the elements equal to the result.
"""
from __future__ import annotations

import itertools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor, _type_name, _wrap_dim
from . import indexing as _ix
from .out import write_out
from .registry import Op, apply
from .shape import narrow, view_op
from .declare import public


sg = jax.lax.stop_gradient


def _eager(*ts):
    return all(not isinstance(t._value, jax.core.Tracer) for t in ts if isinstance(t, Tensor))


def _as_tensor(v, like):
    from .creation import tensor
    return v if isinstance(v, Tensor) else tensor(v, dtype=like.dtype)


def _check_index_dtype(name, index):
    if index.dtype is not D.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")


# ---------------------------------------------------------------- scatter family
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


def _scatter_body(x, g, src, reduce, include_self):
    if reduce is None:
        return x.at[g].set(src)
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
    _check_index_dtype(name, index)
    d = _wrap_dim(dim, input.ndim)
    if index.numel() == 0:
        return d
    if index.ndim != max(input.ndim, 0) and not (input.ndim == 0 and index.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor) and src.ndim != index.ndim and not (src.ndim == 0 and index.ndim == 0):
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


def _src_arg(input, src, value):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype")
    return src


@public(method=True, inplace=True, torch_inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """Write ``src`` (tensor or scalar) into a copy of input at ``index`` along ``dim``;
    ``reduce='add'|'multiply'`` combines instead."""
    src = _src_arg(input, src, value)
    d = _scatter_checks("scatter", input, dim, index, src)
    mode = {None: None, "add": "sum", "multiply": "prod"}.get(reduce, "?")
    if mode == "?":
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    if index.numel() == 0:
        return write_out(input.clone(), out)
    return write_out(apply(_scatter_op, input, index, src, dim=d, reduce=mode, include_self=True), out)


@public(method=True, inplace=True, torch_inplace=True)
def scatter_add(input, dim, index, src, *, out=None):
    d = _scatter_checks("scatter_add", input, dim, index, src)
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index.numel() == 0:
        return write_out(input.clone(), out)
    return write_out(apply(_scatter_op, input, index, src, dim=d, reduce="sum", include_self=True), out)


@public(method=True, inplace=True, torch_inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Reduce ``src`` into input at ``index`` with 'sum', 'prod', 'mean', 'amax' or 'amin'."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d = _scatter_checks("scatter_reduce", input, dim, index, src)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    if index.numel() == 0:
        return write_out(input.clone(), out)
    return write_out(apply(_scatter_op, input, index, src, dim=d, reduce=reduce, include_self=bool(include_self)),
                     out)


# ---------------------------------------------------------------- index_* along one dim
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
            raise IndexError(f"index out of range in self" if name != "index_fill" else
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


@public(method=True, inplace=True, torch_inplace=True)
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """input with ``alpha * source`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    d = _index_checks("index_add", input, dim, index, source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "scalar type")
    src = source if alpha == 1 else source * alpha
    return write_out(apply(_index_update_op, input, index, src, dim=d, mode="add"), out)


@public(method=True, inplace=True, torch_inplace=True)
def index_copy(input, dim, index, source, *, out=None):
    d = _index_checks("index_copy", input, dim, index, source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_type_name(input.dtype)} and (source) {_type_name(source.dtype)}")
    return write_out(apply(_index_update_op, input, index, source, dim=d, mode="set"), out)


@public(method=True, inplace=True, torch_inplace=True)
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


# ---------------------------------------------------------------- masks, take, put
@public(method=True)
def masked_select(input, mask, *, out=None):
    """1-d tensor of the elements where the (broadcast) bool ``mask`` is True."""
    if mask.dtype is not D.bool:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask")
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


@public(method=True, inplace=True, torch_inplace=True)
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


@public(method=True, inplace=True, torch_inplace=True)
def put(input, index, source, accumulate=False):
    """A copy of input (as 1-d) with ``source`` written (or added) at ``index``."""
    _check_index_dtype("put", index)
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    _check_flat_bounds(input, index)
    return apply(_put_op, input, index, source, accumulate=bool(accumulate))


# ---------------------------------------------------------------- triangles and diagonals
def _need_2d(name, input):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


_tril = Op("tril", lambda x, k: jnp.tril(x, k))
_triu = Op("triu", lambda x, k: jnp.triu(x, k))


@public(method=True, inplace=True)
def tril(input, diagonal=0, *, out=None):
    _need_2d("tril", input)
    return write_out(apply(_tril, input, k=int(diagonal)), out)


@public(method=True, inplace=True)
def triu(input, diagonal=0, *, out=None):
    _need_2d("triu", input)
    return write_out(apply(_triu, input, k=int(diagonal)), out)


def _tri_indices(row, col, offset, upper, dtype, device):
    from .creation import _place
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else f"col must be non-negative, got{col}")
    r, c = np.triu_indices(row, offset, col) if upper else np.tril_indices(row, offset, col)
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    return Tensor._wrap(_place(np.stack([r, c]).astype(dt.np), device))


@public
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, False, dtype, device)


@public
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, True, dtype, device)


_diag = Op("diag", lambda x, k: jnp.diag(x, k))


@public(method=True)
def diag(input, diagonal=0, *, out=None):
    """1-d -> a square matrix with input on a diagonal; 2-d -> that diagonal (a copy)."""
    if input.ndim not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")
    return write_out(apply(_diag, input, k=int(diagonal)), out)


_diagonal = Op("diagonal", lambda x, offset, d1, d2: jnp.diagonal(x, offset, d1, d2), saves=False)


@public(method=True)
def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of a diagonal: dims ``dim1``/``dim2`` are removed and the diagonal appended last."""
    d1, d2 = _wrap_dim(dim1, input.ndim), _wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_op(_diagonal, input, offset=int(offset), d1=d1, d2=d2)


def _diag_embed(x, offset, d1, d2):
    L = x.shape[-1]
    n = L + abs(offset)
    rows = jnp.arange(L) + max(-offset, 0)
    cols = jnp.arange(L) + max(offset, 0)
    m = jnp.zeros(x.shape[:-1] + (n, n), x.dtype).at[..., rows, cols].set(x)
    return jnp.moveaxis(m, (-2, -1), (d1, d2))


_diag_embed_op = Op("diag_embed", _diag_embed)


@public(method=True)
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims dim1, dim2 of the result) with the last dim of input on a diagonal."""
    n = input.ndim + 1
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = input.reshape(1) if input.ndim == 0 else input
    return apply(_diag_embed_op, x, offset=int(offset), d1=d1, d2=d2)


_diagflat = Op("diagflat", lambda x, k: jnp.diagflat(x.reshape(-1), k))


@public(method=True)
def diagflat(input, offset=0):
    return apply(_diagflat, input, k=int(offset))


def _scatter_view(name, f):
    """``f(x, src, **statics)`` writes src into the part of x that a view reads."""
    return Op(name, f, promote="none")


_diagonal_scatter = _scatter_view("diagonal_scatter", lambda x, s, offset, d1, d2: _diag_write(x, s, offset, d1, d2))


def _diag_write(x, s, offset, d1, d2):
    idx = jnp.arange(x.size).reshape(x.shape)
    pos = jnp.diagonal(idx, offset, d1, d2)
    return x.reshape(-1).at[pos.reshape(-1)].set(s.astype(x.dtype).reshape(-1)).reshape(x.shape)


@public(method=True)
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    d1, d2 = _wrap_dim(dim1, input.ndim), _wrap_dim(dim2, input.ndim)
    expect = diagonal(input.detach(), offset, d1, d2).shape
    if tuple(src.shape) != tuple(expect):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expect)}")
    return apply(_diagonal_scatter, input, src, offset=int(offset), d1=d1, d2=d2)


_select_scatter = _scatter_view("select_scatter", lambda x, s, dim, index:
                                x.at[(slice(None),) * dim + (index,)].set(s.astype(x.dtype)))


@public(method=True)
def select_scatter(input, src, dim, index):
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {d}")
    expect = tuple(s for k, s in enumerate(input.shape) if k != d)
    if tuple(src.shape) != expect:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expect)}")
    return apply(_select_scatter, input, src, dim=d, index=index % size)


_slice_scatter = _scatter_view("slice_scatter", lambda x, s, dim, start, end, step:
                               x.at[(slice(None),) * dim + (slice(start, end, step),)].set(s.astype(x.dtype)))


@public(method=True)
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    d = _wrap_dim(dim, input.ndim)
    sl = slice(start, end, step)
    expect = list(input.shape)
    expect[d] = len(range(*sl.indices(input.shape[d])))
    if list(src.shape) != expect:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {expect}")
    return apply(_slice_scatter, input, src, dim=d, start=start, end=end, step=step)


# ---------------------------------------------------------------- flips, rolls, rotations
_flip = Op("flip", lambda x, dims: jnp.flip(x, dims) if dims else x, saves=False)


def _dims_tuple(dims, ndim):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    out = tuple(_wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dims has duplicates, original flip dims size={len(out)}, but unique flip dims "
                           f"size={len(set(out))}")
    return out


@public(method=True)
def flip(input, dims):
    """A copy with the order of elements reversed along ``dims``."""
    return apply(_flip, input, dims=_dims_tuple(dims, input.ndim) if input.ndim else ())


@public(method=True)
def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@public(method=True)
def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


_roll = Op("roll", lambda x, shifts, dims: jnp.roll(x, shifts, dims) if dims is not None else
           jnp.roll(x.reshape(-1), shifts[0]).reshape(x.shape), saves=False)


@public(method=True)
def roll(input, shifts, dims=None):
    """Shift elements circularly along ``dims`` (the flattened tensor when None)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"`shifts` required to be of size 1 when `dims` is not given, got {len(shifts)}")
        return apply(_roll, input, shifts=shifts, dims=None)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return apply(_roll, input, shifts=shifts, dims=tuple(_wrap_dim(d, input.ndim) for d in dims))


_rot90 = Op("rot90", lambda x, k, dims: jnp.rot90(x, k, dims), saves=False)


@public(method=True)
def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d = tuple(_wrap_dim(a, input.ndim) for a in dims)
    if d[0] == d[1]:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d[0]} and dim1 = {d[1]}")
    return apply(_rot90, input, k=int(k) % 4, dims=d)


# ---------------------------------------------------------------- repeats and windows
_repeat_int = Op("repeat_interleave", lambda x, r, dim: jnp.repeat(x, r, axis=dim))
_repeat_t = Op("repeat_interleave", lambda x, r, dim, total: jnp.repeat(x, r, axis=dim, total_repeat_length=total))


@public(method=True)
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int or a tensor of per-element counts) along ``dim``."""
    if repeats is None:  # repeat_interleave(repeats): indices repeated by their counts
        from .creation import arange
        reps = input
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return repeat_interleave(arange(reps.shape[0] if reps.ndim else 1, device=reps.device), reps, 0,
                                 output_size=output_size)
    x = input
    if dim is None:
        x = x.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            x = x.reshape(1)
    if isinstance(repeats, Tensor) and repeats.ndim == 0:
        repeats = int(repeats.item())
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        return apply(_repeat_int, x, r=repeats, dim=d)
    if repeats.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if repeats.shape[0] != x.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{repeats.shape[0]} and input.size({d}) = {x.shape[d]}")
    if output_size is None:
        if not _eager(repeats):
            from ..compile.errors import raise_untraceable
            raise_untraceable("repeat_interleave with tensor repeats and no output_size")
        r = np.asarray(repeats._value)
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
        output_size = int(r.sum())
    return apply(_repeat_t, x, repeats, dim=d, total=int(output_size))


def _unfold(x, dim, size, step):
    n = (x.shape[dim] - size) // step + 1 if x.ndim else 1
    if x.ndim == 0:
        return x.reshape(1)
    idx = jnp.arange(n)[:, None] * step + jnp.arange(size)[None, :]
    taken = jnp.take(x, idx, axis=dim)  # dim -> (n, size)
    return jnp.moveaxis(taken, dim + 1, -1)


_unfold_op = Op("unfold", _unfold, saves=False)


@public(function=False, method=True)
def unfold(input, dimension, size, step):
    """View of all windows of ``size`` along ``dimension`` spaced by ``step`` (a new last dim)."""
    d = _wrap_dim(dimension, input.ndim)
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return view_op(_unfold_op, input, dim=d, size=int(size), step=int(step))


# ---------------------------------------------------------------- grids and broadcasting
def _tensors(ts):
    return list(ts[0]) if len(ts) == 1 and isinstance(ts[0], (list, tuple)) else list(ts)


@public
def meshgrid(*tensors, indexing=None):
    """Coordinate grids (views of the inputs, expanded); ``indexing='ij'`` (default) or 'xy'."""
    ts = _tensors(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts = [ts[1], ts[0]] + ts[2:]
    shape = [t.numel() for t in ts]
    out = []
    for k, t in enumerate(ts):
        s = [1] * len(ts)
        s[k] = -1
        out.append(t.reshape(*s).expand(*shape))
    if swap:
        out = [out[1], out[0]] + out[2:]
    return tuple(out)


@public
def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to (ints count as 1-d shapes)."""
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    nd = max((len(s) for s in norm), default=0)
    out = [1] * nd
    for s in norm:
        for i, v in enumerate(s):
            k = nd - len(s) + i
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
            if out[k] == 1:
                out[k] = v
            elif v != 1 and v != out[k]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg 0 and arg {norm.index(s)}.")
    return Size(out)


@public
def broadcast_tensors(*tensors):
    ts = _tensors(tensors)
    try:
        shape = broadcast_shapes(*[tuple(t.shape) for t in ts])
    except RuntimeError:
        for a in ts:
            for b in ts:
                from .pointwise import _check_broadcast
                _check_broadcast(a, b)
        raise
    return tuple(t.expand(*shape) for t in ts)


# ---------------------------------------------------------------- splitting (views)
@public(method=True)
def tensor_split(input, indices_or_sections, dim=0):
    """Split into pieces (views): n nearly equal sections, or at the given indices."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype is not D.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{_type_name(ios.dtype)}")
        if ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios.ndim} dims")
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(size, ios)
        bounds, start = [], 0
        for k in range(ios):
            n = q + (1 if k < r else 0)
            bounds.append((start, n))
            start += n
    else:
        cuts = [0] + [min(max(int(i) if i >= 0 else int(i) + size, 0), size) for i in ios] + [size]
        bounds = []
        for a, b in zip(cuts[:-1], cuts[1:]):
            bounds.append((a, max(b - a, 0)) if b >= a else (a, 0))
    return tuple(narrow(input, d, a, n) for a, n in bounds)


def _split_dim(name, input, sections, d, need):
    if input.ndim < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(sections, int):
        size = input.shape[d]
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{size} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, d)


@public(method=True)
def hsplit(input, indices_or_sections):
    if input.ndim == 0:
        raise RuntimeError("torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with 0 "
                           "dimensions!")
    return _split_dim("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


@public(method=True)
def vsplit(input, indices_or_sections):
    return _split_dim("vsplit", input, indices_or_sections, 0, 2)


@public(method=True)
def dsplit(input, indices_or_sections):
    return _split_dim("dsplit", input, indices_or_sections, 2, 3)


# ---------------------------------------------------------------- combinatorics
@public
def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-d tensor, as rows."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    from .creation import tensor, _place
    if r == 0:
        return Tensor._wrap(_place(np.zeros(0, input.dtype.np), input.device))
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    combos = np.array(list(gen(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    idx = Tensor._wrap(_place(combos.reshape(-1), input.device))
    return _ix.index_select(input, 0, idx).reshape(-1, r)


@public
def cartesian_prod(*tensors):
    ts = _tensors(tensors)
    if len(ts) == 1:
        return ts[0]
    from .shape import stack
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def _block_diag(*xs):
    rows = sum(x.shape[0] for x in xs)
    cols = sum(x.shape[1] for x in xs)
    out = jnp.zeros((rows, cols), xs[0].dtype if xs else jnp.float32)
    r = c = 0
    for x in xs:
        out = out.at[r:r + x.shape[0], c:c + x.shape[1]].set(x)
        r, c = r + x.shape[0], c + x.shape[1]
    return out


_block_diag_op = Op("block_diag", _block_diag, promote="same")


@public
def block_diag(*tensors):
    """A block-diagonal matrix from 0-, 1- or 2-d tensors (promoted to a common dtype)."""
    ts = []
    for i, t in enumerate(_tensors(tensors)):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        ts.append(t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t)
    if not ts:
        from .creation import zeros
        return zeros(1, 0)
    return apply(_block_diag_op, *ts)
