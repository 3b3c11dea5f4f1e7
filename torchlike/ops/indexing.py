"""Indexing: ``x[idx]`` and ``x[idx] = v`` with ints, slices, None, Ellipsis, bool masks and integer
tensors (NumPy/torch advanced-indexing rules), the scatter that writes a view back into its base,
and gather, index_select, masked_fill, nonzero(_static), argwhere, unravel_index.

Basic indexing (ints, slices, None, Ellipsis) returns a view. Bool masks have data-dependent
shapes: eagerly they become integer indices on the host; ``x[mask] = v`` with a broadcastable ``v``
stays a ``where`` so it also works inside compiled code.
"""
from __future__ import annotations

import collections
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._above import above as _above
from .._tensor import Tensor, _chain_fn, _host_array, _host_view, _make_view, _wrap_dim
from .declare import public
from .signature import c_type_name, check_out_overlap
from .out import write_out
from .registry import Op, apply, join_chain, split_chain


def _unravel(i, shape):
    out = []
    for s in reversed(shape):
        out.append(i % s)
        i = i // s
    return tuple(reversed(out))


_unravel_op = Op("unravel_index", _unravel, differentiable=False)


@public
def unravel_index(indices, shape):
    """Tuple of coordinate tensors (int64) of flat ``indices`` in an array of ``shape``."""
    from .creation import tensor
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is D.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    return apply(_unravel_op, indices.long(), shape=shape)


def _nonzero_static(x, size, fill_value):
    if x.ndim == 0:
        return jnp.zeros((size, 0), jnp.int64)
    return jnp.stack(jnp.nonzero(x, size=size, fill_value=fill_value), axis=1).astype(jnp.int64)


_nonzero_static_op = Op("nonzero_static", _nonzero_static, differentiable=False)


@public(method=True)
def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero`` padded with ``fill_value`` rows (or truncated) to exactly ``size`` rows."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got {size}")
    return apply(_nonzero_static_op, input, size=int(size), fill_value=int(fill_value))


def _is_int(k):
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _to_index_tensor(k):
    from .creation import tensor
    return tensor(k)


def _slice_int(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v.item())
    return int(v)


def parse_index(x, idx):
    """Turn a user index into (spec, tensors): spec is hashable, tensors are the dynamic index arrays.

    Spec items: ('i', k) int, ('s', start, stop, step) slice, ('n',) None, ('e',) Ellipsis,
    ('t',) the next integer index tensor.
    """
    if not isinstance(idx, tuple):
        idx = (idx,)
    items = []
    for k in idx:
        if isinstance(k, Tensor):
            items.append(k)
        elif isinstance(k, range):  # x[range(n), y], as torch: an integer index tensor
            items.append(_to_index_tensor(np.arange(k.start, k.stop, k.step, dtype=np.int64)))
        elif isinstance(k, (list, np.ndarray, collections.deque)) or isinstance(k, (bool, np.bool_)):
            items.append(_to_index_tensor(k))
        else:
            items.append(k)
    consumed = 0
    for k in items:
        if isinstance(k, Tensor):
            consumed += k.ndim if k.dtype in (D.bool, D.uint8) else 1
        elif k is not None and k is not Ellipsis:
            consumed += 1
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    if sum(k is Ellipsis for k in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    spec, tensors = [], []
    dim = 0
    eager = not isinstance(x._value, jax.core.Tracer)
    for k in items:
        if k is None:
            spec.append(("n",))
        elif k is Ellipsis:
            spec.append(("e",))
            dim += x.ndim - consumed
        elif isinstance(k, slice):
            if k.step is not None and _slice_int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            spec.append(("s", _slice_int(k.start), _slice_int(k.stop), _slice_int(k.step)))
            dim += 1
        elif _is_int(k):
            size = x.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            spec.append(("i", int(k) % size))
            dim += 1
        elif k.dtype in (D.bool, D.uint8):
            if tuple(k.shape) != tuple(x.shape[dim:dim + k.ndim]):
                for j, (a, b) in enumerate(zip(k.shape, x.shape[dim:])):
                    if a != b:
                        raise IndexError(f"The shape of the mask [{', '.join(map(str, k.shape))}] at index {j} does "
                                         f"not match the shape of the indexed tensor [{', '.join(map(str, x.shape))}] "
                                         f"at index {dim + j}")
            if isinstance(k._value, jax.core.Tracer):
                from .._errors import raise_untraceable
                raise_untraceable("indexing with a boolean mask (its result has a data-dependent shape)")
            nz = np.nonzero(np.asarray(k._value))
            for a in nz:
                spec.append(("t",))
                tensors.append(Tensor._wrap(jnp.asarray(a, jnp.int64)))
            dim += k.ndim
        else:
            if k.dtype.is_floating_point or k.dtype.is_complex:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            size = x.shape[dim]
            if eager and not isinstance(k._value, jax.core.Tracer) and k.numel():
                a = np.asarray(k._value)
                lo, hi = a.min(), a.max()
                if hi >= size or lo < -size:
                    bad = hi if hi >= size else lo
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
            spec.append(("t",))
            tensors.append(k)
            dim += 1
    return tuple(spec), tensors


def _build_index(spec, arrays):
    it = iter(arrays)
    out = []
    for s in spec:
        tag = s[0]
        if tag == "i":
            out.append(s[1])
        elif tag == "s":
            out.append(slice(s[1], s[2], s[3]))
        elif tag == "n":
            out.append(None)
        elif tag == "e":
            out.append(Ellipsis)
        else:
            out.append(next(it))
    return tuple(out)


# ---------------------------------------------------------------- basic indexing, positions as operands
def dynamic_spec(shape, spec):
    """A basic index (ints, slices, None, Ellipsis; no tensors) as (layout, positions): the layout has one
    entry per dimension of ``shape`` or inserted axis, and is all a compiled program depends on; the
    integer positions (an int index, a slice's start) are passed as runtime operands, so ``x[i]`` and
    ``x[i:i + 5]`` compile once per shape whatever ``i`` is.

    Layout items: ('i',) take the position, dropping the dim; ('d', length, step) a slice from the
    position; ('f',) the whole dim; ('n',) a new axis."""
    consumed = sum(s[0] in ("i", "s") for s in spec)
    layout, pos = [], []
    dim = 0
    for s in spec:
        tag = s[0]
        if tag == "e":
            layout.extend([("f",)] * (len(shape) - consumed))
            dim += len(shape) - consumed
        elif tag == "n":
            layout.append(("n",))
        elif tag == "i":
            layout.append(("i",))
            pos.append(s[1])
            dim += 1
        else:
            size = shape[dim]
            start, stop, step = slice(s[1], s[2], s[3]).indices(size)
            length = len(range(start, stop, step))
            if start == 0 and step == 1 and length == size:
                layout.append(("f",))
            else:
                layout.append(("d", length, step))
                pos.append(start)
            dim += 1
    layout.extend([("f",)] * (len(shape) - dim))
    return tuple(layout), tuple(pos)


def _region(x, layout, pos):
    """Slice ``x`` by the layout, keeping every indexed dim (an int index leaves a dim of size 1)."""
    j = dim = 0
    for item in layout:
        tag = item[0]
        if tag == "n":
            continue
        if tag == "i":
            x = jax.lax.dynamic_slice_in_dim(x, pos[j], 1, axis=dim)
            j += 1
        elif tag == "d":
            _, length, step = item
            x = jax.lax.dynamic_slice_in_dim(x, pos[j], (length - 1) * step + 1 if length else 0, axis=dim)
            if step > 1:
                x = jax.lax.slice_in_dim(x, 0, None, step, axis=dim)
            j += 1
        dim += 1
    return x


def _result_index(layout):
    return tuple(0 if s[0] == "i" else None if s[0] == "n" else slice(None) for s in layout)


def _basic_fwd(x, layout, pos):
    return _region(x, layout, pos)[_result_index(layout)]


def _basic_put(x, v, layout, pos):
    """``x`` with ``v`` (broadcast to the indexing result) written into the basic index's region."""
    region_shape = _region_shape(x.shape, layout)
    out_shape = tuple(n for n, s in zip(_with_new_axes(region_shape, layout), layout) if s[0] != "i")
    v = jnp.broadcast_to(jnp.asarray(v).astype(x.dtype), out_shape).reshape(region_shape)
    if all(s[0] != "d" or s[2] == 1 for s in layout):
        starts, j = [], 0
        for s in layout:
            if s[0] in ("i", "d"):
                starts.append(pos[j])
                j += 1
            elif s[0] == "f":
                starts.append(0)
        return jax.lax.dynamic_update_slice(x, v, starts)
    flat = _region(jnp.arange(x.size).reshape(x.shape), layout, pos)
    return x.reshape(-1).at[flat.reshape(-1)].set(v.reshape(-1)).reshape(x.shape)


def _region_shape(shape, layout):
    out, dim = [], 0
    for s in layout:
        if s[0] == "n":
            continue
        out.append(1 if s[0] == "i" else s[1] if s[0] == "d" else shape[dim])
        dim += 1
    return tuple(out)


def _with_new_axes(region_shape, layout):
    """The region's shape with size-1 entries where the layout inserts axes (aligned with the layout)."""
    it = iter(region_shape)
    return tuple(1 if s[0] == "n" else next(it) for s in layout)


_basic = Op("index", _basic_fwd, saves=False, backward_name="SliceBackward0", dynamic=("pos",))


class _BasicIndexBackward(_basic.node_class):
    """A basic index's node, named as torch names the last view op its indexing applied."""

    __slots__ = ()

    def name(self):
        return self.__dict__.get("_torch_name") or super().name()


_basic.node_class = _BasicIndexBackward


def _torch_index_name(idx, shape):
    """torch's ``grad_fn`` name for ``x[idx]`` (basic indexing): torch applies the index left to right
    (int: select, slice: slice, None: unsqueeze) and names the result after the last op it applied.
    In a tuple, slices covering a whole dim are skipped, and nothing applied is an alias; a lone slice
    is always applied."""
    if not isinstance(idx, tuple):
        if idx is None:
            return "UnsqueezeBackward0"
        if idx is Ellipsis:
            return "AliasBackward0"
        return "SliceBackward0" if isinstance(idx, slice) else "SelectBackward0"
    name, dim = "AliasBackward0", 0
    consuming = sum(1 for k in idx if k is not None and k is not Ellipsis)
    for k in idx:
        if k is None:
            name = "UnsqueezeBackward0"
        elif k is Ellipsis:
            dim += len(shape) - consuming
        elif isinstance(k, slice):
            n = shape[dim] if dim < len(shape) else 0
            start, stop, step = k.indices(n)
            if not (start == 0 and stop == n and step == 1):
                name = "SliceBackward0"
            dim += 1
        else:
            name = "SelectBackward0"
            dim += 1
    return name


def _named(r, idx, shape):
    node = r.grad_fn
    if node is not None and type(node) is _BasicIndexBackward:
        name = _torch_index_name(idx, shape)
        if name != "SliceBackward0":
            node.__dict__["_torch_name"] = name
    return r
_advanced = Op("index", lambda x, *idx, spec: x[_build_index(spec, idx)], backward_name="IndexBackward0")


def _scalar_mask(idx):
    """The value of an index that is one 0-d boolean (``x[True]``, ``x[mask]`` with a 0-d mask), else None."""
    if isinstance(idx, (bool, np.bool_)):
        return bool(idx)
    if isinstance(idx, Tensor) and idx.ndim == 0 and idx.dtype is D.bool and not isinstance(idx._value, jax.core.Tracer):
        return bool(idx._value)
    return None


_INT_LAYOUTS = {}  # shape -> (dynamic_spec's layout of one int index: ('i',) then whole dims; row stride)


def _int_layout(shape):
    if len(_INT_LAYOUTS) >= 4096:
        _INT_LAYOUTS.clear()
    entry = _INT_LAYOUTS[shape] = ((("i",),) + (("f",),) * (len(shape) - 1),
                                   math.prod(max(n, 1) for n in shape[1:]))
    return entry


def getitem(x, idx):
    if type(idx) is int:  # x[i], the commonest index: its layout without parsing (bad i: the general path)
        shape = x._value.shape
        if shape and -shape[0] <= idx < shape[0]:
            layout, step = _INT_LAYOUTS.get(shape) or _int_layout(shape)
            i = idx % shape[0]
            if "_strides" not in x.__dict__:  # contiguous: a numpy view of the row (see _tensor._host_view)
                host = _host_array(x, step)
                if host is not None:
                    return _host_view(x, _basic, {"layout": layout, "pos": (i,)}, host[i], x.storage_offset() + i * step)
            pos = (i,)
            r = _make_view(x, _basic, {"layout": layout, "pos": pos}, apply(_basic, x, layout=layout, pos=pos))
            if type(r.grad_fn) is _BasicIndexBackward:
                r.grad_fn.__dict__["_torch_name"] = "SelectBackward0"
            return r
    mask = _scalar_mask(idx)
    if mask is not None:  # as torch: a new leading dim of size 1 (True) or 0 (False)
        from .shape import unsqueeze
        return getitem(unsqueeze(x, 0), slice(0, 1 if mask else 0)).clone()  # a copy, as advanced indexing
    spec, tensors = parse_index(x, idx)
    if not tensors:
        layout, pos = dynamic_spec(x.shape, spec)
        r = _make_view(x, _basic, {"layout": layout, "pos": pos}, apply(_basic, x, layout=layout, pos=pos))
        return r if r.grad_fn is None else _named(r, idx, tuple(x.shape))
    return apply(_advanced, x, *tensors, spec=spec)


def _put(x, v, *idx, spec):
    return x.at[_build_index(spec, idx)].set(jnp.asarray(v).astype(x.dtype))


_index_put = Op("index_put", _put, backward_name="IndexPutBackward0")
_basic_index_put = Op("index_put", _basic_put, backward_name="IndexPutBackward0", dynamic=("pos",))
_mask_put = Op("index_put", lambda x, v, mask: jnp.where(mask, jnp.asarray(v).astype(x.dtype), x),
               backward_name="MaskedFillBackward0")


def setitem(x, idx, value):
    """``x[idx] = value``: an in-place write (through to the base when x is a view)."""
    if not isinstance(value, (Tensor, int, float, bool, complex)):
        from .creation import tensor
        value = tensor(value, dtype=x.dtype)
    if isinstance(value, Tensor) and value.dtype is not x.dtype:
        value = value.to(x.dtype)
    mask = _scalar_mask(idx)
    if mask is not None:  # as torch: x[True] = v writes through a leading dim of size 1, x[False] = v nothing
        from .shape import unsqueeze
        setitem(unsqueeze(x, 0), slice(0, 1 if mask else 0), value)
        return
    if isinstance(idx, Tensor) and idx.dtype is D.bool and tuple(idx.shape) == tuple(x.shape) and (
            not isinstance(value, Tensor) or value.ndim == 0):
        new = apply(_mask_put, x, value, idx)
    else:
        spec, tensors = parse_index(x, idx)
        if isinstance(value, Tensor):
            target = np.empty(x.shape, dtype=np.int8)[_build_index(spec, [np.asarray(t._value) for t in tensors])] \
                if not isinstance(x._value, jax.core.Tracer) else None
            if target is not None:
                _check_setitem_shape(value.shape, target.shape)
        if tensors:
            new = apply(_index_put, x, value, *tensors, spec=spec)
        else:
            layout, pos = dynamic_spec(x.shape, spec)
            new = apply(_basic_index_put, x, value, layout=layout, pos=pos)
    x._assign(new)


def _check_setitem_shape(vshape, tshape):
    vs, ts = tuple(vshape), tuple(tshape)
    while vs and vs[0] == 1 and len(vs) > len(ts):
        vs = vs[1:]
    ok = len(vs) <= len(ts) and all(a == b or a == 1 for a, b in zip(reversed(vs), reversed(ts)))
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape [{', '.join(map(str, vshape))}] cannot be "
                           f"broadcast to indexing result of shape [{', '.join(map(str, tshape))}]")


def _view_scatter(base, v, chain):
    f = _chain_fn(chain)
    v = v.astype(base.dtype)
    if all(op is None or op == "data" or op.name in ("view", "reshape") for op, _ in chain):
        return v.reshape(base.shape)
    if any(op is not None and op != "data" and op.name == "as_strided" for op, _ in chain):
        # an as_strided view may reach storage no element backs (it reads 0 there): numbering the
        # elements from 1 marks those positions -1, and their writes are dropped
        idx = f(jnp.arange(1, base.size + 1, dtype=jnp.int64).reshape(base.shape)).reshape(-1) - 1
        idx = jnp.where(idx >= 0, idx, base.size)
        return base.reshape(-1).at[idx].set(v.reshape(-1), mode="drop").reshape(base.shape)
    idx = f(jnp.arange(base.size, dtype=jnp.int64).reshape(base.shape))
    return base.reshape(-1).at[idx.reshape(-1)].set(v.reshape(-1)).reshape(base.shape)


_view_scatter_op = Op("view_scatter", lambda base, v, chain, pos: _view_scatter(base, v, join_chain(chain, pos)),
                      saves=False, backward_name="CopySlices", dynamic=("pos",))


def view_scatter(root, value, chain):
    """A new value for ``root`` with ``value`` written where the view ``chain`` reads from (the chain's
    positions are runtime operands: one program per shape)."""
    key, pos = split_chain(chain)
    return apply(_view_scatter_op, root, value, chain=key, pos=pos)


@public(method=True)
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of non-zero elements (host computation: the result's size depends on the data)."""
    if isinstance(input._value, jax.core.Tracer):
        from .._errors import raise_untraceable
        raise_untraceable("torch.nonzero (its result has a data-dependent shape)")
    if as_tuple:
        if input.ndim == 0:
            return (Tensor._wrap(jnp.asarray(np.nonzero(np.atleast_1d(np.asarray(input._value)))[0], jnp.int64)),)
        return tuple(Tensor._wrap(jnp.asarray(a, jnp.int64)) for a in np.nonzero(np.asarray(input._value)))
    if input.ndim == 0:
        return write_out(Tensor._wrap(jnp.zeros((int(bool(np.asarray(input._value))), 0), jnp.int64)), out)
    nz = np.nonzero(np.asarray(input._value))
    return write_out(Tensor._wrap(jnp.asarray(np.stack(nz, 1) if nz else np.zeros((0, 0)), jnp.int64)), out)


@public(method=True)
def argwhere(input):
    return nonzero(input)


_masked_fill = Op("masked_fill", lambda x, m, v: jnp.where(m, jnp.asarray(v).astype(x.dtype), x))


@public(method=True, inplace=True)
def masked_fill(input, mask, value):
    """Fill where ``mask`` (bool, broadcastable) is True; ``value`` a number or 0-d tensor."""
    if mask.dtype is not D.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    if not input.dtype.is_complex:  # torch converts the value to input's type, refusing to drop an imaginary part
        v = value.item() if isinstance(value, Tensor) and value.dtype.is_complex else value
        if isinstance(v, complex) and v.imag != 0:
            raise RuntimeError(f"value cannot be converted to type {c_type_name(input.dtype)} without overflow")
    return apply(_masked_fill, input, mask, value)


_gather = Op("gather", lambda x, idx, dim: jnp.take_along_axis(x, idx, axis=dim))


@public(method=True)
def gather(input, dim, index, *, sparse_grad=False, out=None):
    if index.dtype not in (D.int64, D.int32):  # torch 2.13 takes int32 indices too
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    d = _wrap_dim(dim, input.ndim)
    if out is not None and out.dtype is not input.dtype:  # gather's out must match exactly (no cast)
        raise RuntimeError(f"Expected out tensor to have dtype {c_type_name(input.dtype)}, but got "
                           f"{c_type_name(out.dtype)} instead")
    if index.ndim != input.ndim:
        if max(index.ndim, 1) != max(input.ndim, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        # torch treats a 0-d input or index as 1-d; the result has the index's shape
        r = gather(input.reshape(-1), d, index.reshape(-1)).reshape(tuple(index.shape))
        return r if out is None else write_out(r, out)
    x = input
    if tuple(index.shape) != tuple(input.shape):
        for k in range(input.ndim):
            if k != d and index.shape[k] > input.shape[k]:
                raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                                   f"smaller than self {list(input.shape)} apart from dimension {d}")
        x = getitem(input, tuple(slice(0, index.shape[k]) if k != d else slice(None) for k in range(input.ndim)))
    return write_out(apply(_gather, x, index, dim=d), out)


_index_select = Op("index_select", lambda x, idx, dim: jnp.take(x, idx, axis=dim))


@public(method=True)
def index_select(input, dim, index, *, out=None):
    if out is not None:
        check_out_overlap(out, input, index)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if input.ndim == 0:  # torch: a 0-dim input takes one index, which must be 0
        _wrap_dim(dim, 0)
        if index.numel() != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)")
        if int(index.reshape(-1)[0].item()) != 0:
            raise IndexError("index out of range in self")
        return write_out(input.clone(), out)
    return write_out(apply(_index_select, input, index.reshape(-1), dim=_wrap_dim(dim, input.ndim)), out)


_above.view_scatter = view_scatter  # Tensor writes a view back into its base with it


def _clamped_indices(x, indices):
    # the "unsafe" masked ops take any index where the mask is False: clamp into range, as torch
    return tuple(None if i is None else i.clamp(-x.shape[k], x.shape[k] - 1) for k, i in enumerate(indices))
