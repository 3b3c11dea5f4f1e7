"""Out-of-place copies of view ops (``torch.*_copy``) and the unsafe/with-sizes splits."""
from __future__ import annotations

from .._tensor import _wrap_dim
from .declare import public
from .out import write_out
from .shape import split as _split


def _copy(view, out):
    return write_out(view.clone(), out)


@public
def alias_copy(input, *, out=None):
    return _copy(input, out)


@public
def view_copy(input, size, *, out=None):
    return _copy(input.view(size), out)


@public
def expand_copy(input, size, *, implicit=False, out=None):
    return _copy(input.expand(size), out)


@public
def permute_copy(input, dims, *, out=None):
    return _copy(input.permute(*dims), out)


@public
def t_copy(input, *, out=None):
    return _copy(input.t(), out)


@public
def transpose_copy(input, dim0, dim1, *, out=None):
    return _copy(input.transpose(dim0, dim1), out)


@public
def squeeze_copy(input, dim=None, *, out=None):
    return _copy(input.squeeze() if dim is None else input.squeeze(dim), out)


@public
def unsqueeze_copy(input, dim, *, out=None):
    return _copy(input.unsqueeze(dim), out)


@public
def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    return _copy(input.diagonal(offset, dim1, dim2), out)


@public
def unfold_copy(input, dimension, size, step, *, out=None):
    return _copy(input.unfold(dimension, size, step), out)


@public(method=True)
def narrow_copy(input, dim, start, length, *, out=None):
    if input.ndim and dim >= input.ndim:  # torch's narrow_copy asserts this one (negative dims: IndexError)
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got false.")
    return _copy(input.narrow(dim, start, length), out)


@public
def slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None):
    """``aten::slice`` as a copy: Python slice semantics (clamped bounds) along ``dim``; step > 0."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = _wrap_dim(dim, input.ndim)
    return _copy(input[(slice(None),) * d + (slice(start, end, step),)], out)


@public
def unbind_copy(input, dim=0, *, out=None):
    return write_out(tuple(v.clone() for v in input.unbind(dim)), out)


@public(method=True)
def split_with_sizes(input, split_sizes, dim=0):
    return _split(input, [int(s) for s in split_sizes], dim)


@public
def split_with_sizes_copy(input, split_sizes, dim=0, *, out=None):
    return write_out(tuple(v.clone() for v in split_with_sizes(input, split_sizes, dim)), out)


@public(method=True)
def unsafe_split(input, split_size, dim=0):
    """``split`` whose pieces are not tracked as views (here: independent copies)."""
    return tuple(v.clone() for v in _split(input, split_size, dim))


@public(method=True)
def unsafe_chunk(input, chunks, dim=0):
    return tuple(v.clone() for v in input.chunk(chunks, dim))
