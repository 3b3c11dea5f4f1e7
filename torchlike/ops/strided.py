"""Strided-memory ops over contiguous data: as_strided (+ ``_copy``/``_scatter``),
empty_strided, empty_permuted, Tensor.new_empty_strided.

JAX arrays have no strides. A tensor's storage is its root tensor's elements placed by the root's
strides (row-major unless made otherwise); ``as_strided`` is a view that gathers storage positions
``offset + sum(i_k * stride_k)`` from its source, and writing into it scatters back to them."""
from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from .. import _layout, _strides
from .._tensor import _become_view, _make_view, _split_storage
from ..autograd import grad_mode
from .declare import public
from .out import write_out
from .registry import Op, apply


@public
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Zero-filled (JAX has no uninitialised memory); reports ``stride`` (torch's strides model, ``_strides``)."""
    from .creation import zeros
    out = zeros(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)
    return _strides.set_strides(out, tuple(int(s) for s in stride))


@public
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    from .creation import zeros
    size, layout_ = tuple(size), tuple(physical_layout)
    if len(size) != len(layout_):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(layout_)}")
    for i, d in enumerate(layout_):
        if not 0 <= d < len(size):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and {len(size) - 1}, but got {d} at "
                               f"index {i}).  NB: negative dims not currently supported; file an issue if you want it.")
    if len(set(layout_)) != len(layout_):
        raise RuntimeError("Duplicate dim not allowed")
    return zeros(size, dtype=dtype, device=device, requires_grad=requires_grad)


@public(name="new_empty_strided", function=False, method=True)
def _new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                       pin_memory=False):
    from .creation import zeros
    return zeros(tuple(size), dtype=self.dtype if dtype is None else dtype,
                 device=self.device if device is None else device, requires_grad=requires_grad)


def _strided_index(size, stride, offset):
    idx = np.full(size, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


@functools.lru_cache(maxsize=256)
def _gather_index(src_shape, src_stride, src_offset, size, stride, offset):
    """Flat (row-major) positions in a source of geometry (src_shape, src_stride, src_offset) of the
    elements at storage positions ``offset + sum(i_k * stride_k)``; -1 where no element of the source
    lies at that position."""
    pos = _strided_index(size, stride, offset)
    src = _strided_index(src_shape, src_stride, src_offset).reshape(-1)
    inv = np.full(max(int(pos.max(initial=-1)), int(src.max(initial=-1))) + 1, -1, np.int64)
    inv[src] = np.arange(src.size, dtype=np.int64)
    return inv[pos]


def _strided_read(a, size, stride, offset, src_stride, src_offset):
    idx = _gather_index(tuple(a.shape), src_stride, src_offset, size, stride, offset)
    flat = a.reshape(-1)
    if (idx >= 0).all():
        return flat[idx]
    return jnp.where(idx >= 0, flat[np.maximum(idx, 0)], jnp.zeros((), a.dtype))  # storage no element backs


# A view of its source's storage: the source is the tensor ``as_strided`` was called on when every
# requested position holds one of its elements, else the root tensor owning the storage. The view
# machinery writes back by scattering to the same positions (``ops.indexing._view_scatter``).
_as_strided = Op("as_strided", _strided_read, saves=False)


def _mixed_read(x, root, size, stride, offset, src_stride, src_offset, in_stride, in_offset):
    inside = _gather_index(tuple(x.shape), in_stride, in_offset, size, stride, offset)
    return jnp.where(inside >= 0, x.reshape(-1)[np.maximum(inside, 0)],
                     _strided_read(root, size, stride, offset, src_stride, src_offset))


# as_strided of a tensor reaching storage outside it, read for autograd: differentiable in the input only
_as_strided_mixed = Op("as_strided", _mixed_read, saves=False)


def _check_strided(input, size, stride, offset):
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    offset = input.storage_offset() if offset is None else int(offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    root = input._view[0] if input._view is not None else input
    have = _strides.storage_elements(root)
    need = _strides.storage_extent(size, stride, offset)
    if need > have:
        item = input.element_size()
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {need * item} are out of bounds for "
                           f"storage of size {have * item}")
    return size, stride, offset


def _strided_view(input, size, stride, offset):
    """The as_strided view of ``input``'s storage, through the view machinery (``_tensor._make_view``)."""
    statics = {"size": size, "stride": stride, "offset": offset, "src_stride": input.stride(),
               "src_offset": input.storage_offset()}
    if not size or (_gather_index(tuple(input.shape), statics["src_stride"], statics["src_offset"],
                                  size, stride, offset) >= 0).all():
        src = input
    else:  # reaches storage outside ``input``: read from the tensor owning it (detached as input is)
        root, chain = input._view if input._view is not None else (input, ())
        marks = [op for op, _ in chain if op is None or op == "data"]
        src = root if not marks else root.data if marks[0] == "data" else root.detach()
        in_geom = (statics["src_stride"], statics["src_offset"])
        statics.update(src_stride=src.stride(), src_offset=src.storage_offset())
        if input.requires_grad and grad_mode.is_grad_enabled():
            # torch's gradient reaches only the input's own elements, not the rest of the storage
            value = apply(_as_strided_mixed, input, src.detach(), **statics, in_stride=in_geom[0],
                          in_offset=in_geom[1])
            return _make_view(src, _as_strided, statics, value)
    return _make_view(src, _as_strided, statics, apply(_as_strided, src, **statics))


@public(method=True, inplace=lambda self, size, stride, storage_offset=None: as_strided_(self, size, stride,
                                                                                         storage_offset),
        torch_inplace=lambda self, size, stride, storage_offset=None: as_strided_(self, size, stride,
                                                                                  storage_offset))
def as_strided(input, size, stride, storage_offset=None):
    """torch's ``as_strided``: a view of ``input``'s storage (its root tensor's elements in the order
    the root's strides give them) with the given sizes, strides and storage offset (default: the
    input's). Writes through it reach the base and the base's later writes are seen, as in torch."""
    size, stride, offset = _check_strided(input, size, stride, storage_offset)
    return _strided_view(input, size, stride, offset)


def as_strided_(self, size, stride, storage_offset=None):
    """``x.as_strided_(...)``: ``x`` itself takes the new geometry over the same storage. A tensor that
    owned its storage hands it to a hidden root first (``_tensor._split_storage``), so its other views
    keep reading the storage, not ``x``'s new shape."""
    size, stride, offset = _check_strided(self, size, stride, storage_offset)
    self._check_inplace()
    _split_storage(self)
    view = _strided_view(self, size, stride, offset)
    _become_view(self, view)
    return self


@public
def as_strided_copy(input, size, stride, storage_offset=None, *, out=None):
    return write_out(as_strided(input, size, stride, storage_offset).clone(memory_format=_layout.contiguous_format),
                     out)


def _scatter_fwd(x, src, size, stride, offset, src_stride, src_offset):
    idx = _gather_index(tuple(x.shape), src_stride, src_offset, size, stride, offset)
    flat = x.reshape(-1)
    return flat.at[np.where(idx >= 0, idx, flat.size)].set(src.astype(x.dtype), mode="drop").reshape(x.shape)


_as_strided_scatter = Op("as_strided_scatter", _scatter_fwd)


@public(method=True)
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """Copy of ``input`` (preserve_format strides) whose ``as_strided(size, stride, storage_offset)``
    window holds ``src``: torch's ``input.clone()`` then a copy into that window of the clone."""
    # offsets address the clone's storage: storage_offset defaults to 0, the bound is input.numel()
    size, stride, offset = _check_strided(input.detach().clone(memory_format=_layout.contiguous_format), size,
                                          stride, 0 if storage_offset is None else storage_offset)
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(size)}")
    strides = _strides.format_strides(input, None)
    out = apply(_as_strided_scatter, input, src, size=size, stride=stride, offset=offset, src_stride=strides,
                src_offset=0)
    return _strides.set_strides(out, strides)
