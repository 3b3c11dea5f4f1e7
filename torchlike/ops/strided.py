"""Strided-memory ops over contiguous data: as_strided (+ ``_copy``/``_scatter``),
empty_strided, empty_permuted, Tensor.new_empty_strided.

JAX arrays have no strides. ``as_strided`` therefore reads the input as its contiguous (row-major)
storage and gathers ``offset + sum(i_k * stride_k)``: it gives torch's values for contiguous
inputs and returns a copy, not a view."""
from __future__ import annotations

import numpy as np

from .. import _strides
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


def _check_strided(input, size, stride, offset):
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    offset = 0 if offset is None else int(offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > input.numel():
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input.element_size()} requiring a storage size of "
                           f"{need * input.element_size()} are out of bounds for storage of size "
                           f"{input.numel() * input.element_size()}")
    return size, stride, offset


_as_strided = Op("as_strided", lambda x, size, stride, offset:
                 x.reshape(-1)[_strided_index(size, stride, offset)])


def _as_strided_(input, size, stride, storage_offset=None):
    """``x.as_strided_(...)``: ``x`` takes the strided window's shape, values and strides (as torch's
    in-place view ops do)."""
    from .shape import _view_in_place
    _view_in_place(lambda: as_strided, "as_strided_")(input, size, stride, storage_offset)
    return _strides.set_strides(input, tuple(stride), storage_offset or 0)


@public(method=True, inplace=_as_strided_, torch_inplace=True)
def as_strided(input, size, stride, storage_offset=None):
    """torch's ``as_strided`` read over the contiguous storage of ``input``; returns a copy that reports
    the requested strides and offset (writes to it do not reach ``input``)."""
    size, stride, offset = _check_strided(input, size, stride, storage_offset)
    return _strides.set_strides(apply(_as_strided, input, size=size, stride=stride, offset=offset), stride, offset)


@public
def as_strided_copy(input, size, stride, storage_offset=None, *, out=None):
    return write_out(as_strided(input, size, stride, storage_offset), out)


_as_strided_scatter = Op("as_strided_scatter", lambda x, src, size, stride, offset:
                         x.reshape(-1).at[_strided_index(size, stride, offset)].set(src.astype(x.dtype))
                         .reshape(x.shape))


@public(method=True)
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """Copy of ``input`` whose ``as_strided(size, stride, storage_offset)`` window holds ``src``."""
    size, stride, offset = _check_strided(input, size, stride, storage_offset)
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(size)}")
    return apply(_as_strided_scatter, input, src, size=size, stride=stride, offset=offset)
