"""Triangles and diagonals: tril/triu (+ ``_indices``), diag, diagonal, diag_embed, diagflat and
the select/slice/diagonal ``_scatter`` ops. ``diagonal`` is a view, as in torch."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .declare import public
from .out import write_out
from .registry import Op, apply
from .shape import view_op


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
def slice_scatter(input, src, dim=0, start=None, end=None, step=1, *, out=None):
    d = _wrap_dim(dim, input.ndim)
    sl = slice(start, end, step)
    expect = list(input.shape)
    expect[d] = len(range(*sl.indices(input.shape[d])))
    if list(src.shape) != expect:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {expect}")
    return write_out(apply(_slice_scatter, input, src, dim=d, start=start, end=end, step=step), out)
