"""Rearranging elements: flip/fliplr/flipud, roll, rot90, repeat_interleave, unfold,
tensor_split/hsplit/vsplit/dsplit, constant_pad_nd. ``unfold`` and the splits are views, as in torch;
``repeat_interleave`` with tensor repeats reads them on the host."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from .declare import public
from .registry import Op, apply
from .scatter import _eager
from .shape import narrow, view_op


@public
def constant_pad_nd(input, pad, value=0):
    from ..nn._functional.misc import pad as _pad
    return _pad(input, pad, "constant", value)


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
    if input.ndim == 0 and dims:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
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
            from .._errors import raise_untraceable
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
    if not isinstance(sections, (int, list, tuple, Tensor)):
        from .signature import invalid_combination
        raise invalid_combination(name, (input, sections), ("Tensor input, int sections", "Tensor input, tuple of ints indices"))
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


@public
def _chunk_cat(tensors, dim, num_chunks, *, out=None):
    """torch._chunk_cat: split each tensor into ``num_chunks`` chunks along ``dim`` (zero-padded at the
    end to a multiple of ``num_chunks``), flatten each chunk's trailing dims and concatenate the
    tensors' chunks: shape ``tensors[0].shape[:dim] + (num_chunks, total)``."""
    from .out import write_out
    from .shape import cat
    if not tensors:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    # torch's checks, in its order
    if dim < 0 and len({t.ndim for t in tensors}) > 1:
        raise RuntimeError("_chunk_cat expects non-negative dim when input tensors have different ndims")
    if dim >= 0 and any(dim >= t.ndim for t in tensors):
        raise RuntimeError("_chunk_cat expects dim < ndim for all input tensors")
    d = _wrap_dim(dim, tensors[0].ndim)
    if any(tuple(t.shape[:d]) != tuple(tensors[0].shape[:d]) for t in tensors):
        raise RuntimeError("_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors")
    if num_chunks < 1:
        raise RuntimeError("_chunk_cat expects positive num_chunks")
    if any(t.numel() == 0 for t in tensors):
        raise RuntimeError("_chunk_cat expects non-empty tensor")
    parts = []
    for t in tensors:
        size = t.shape[d]
        chunk = -(-size // num_chunks)
        if chunk * num_chunks != size:
            t = constant_pad_nd(t, [0, 0] * (t.ndim - d - 1) + [0, chunk * num_chunks - size])
        parts.append(t.reshape(*t.shape[:d], num_chunks, chunk * int(np.prod(t.shape[d + 1:], dtype=np.int64))))
    return write_out(cat(parts, d + 1), out)
