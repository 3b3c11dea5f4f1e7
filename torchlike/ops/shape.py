"""Shape operations. Those torch documents as views (view, reshape, permute, transpose, squeeze,
unsqueeze, expand, flatten, narrow, select, split, chunk, unbind, ...) return tensors registered as
views of their base (see ``_tensor._make_view``): in-place changes flow both ways."""
from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _strides
from .._tensor import Tensor, _host_array, _host_view, _make_view, _wrap_dim
from .declare import public
from .out import write_out
from .registry import Op, apply


def view_op(op, x, **statics):
    """Apply a view op and register the result as a view of ``x``'s base."""
    return _make_view(x, op, statics, apply(op, x, **statics))


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def infer_shape(shape, numel, name="view"):
    """Resolve one -1 as torch does; RuntimeError "shape '[..]' is invalid for input of size N"."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return shape


_reshape = Op("view", lambda x, shape: jnp.reshape(x, shape), saves=False)


@public(function=False, method=True)
def view(input, *shape, dtype=None, size=None):
    """Same data, new shape (one -1 inferred). ``view(dtype)`` reinterprets bits. As in torch, the
    argument may also be given by keyword: ``view(dtype=...)`` (safetensors' reader) or ``view(size=...)``."""
    if (dtype is not None) + (size is not None) + bool(shape) > 1:
        raise TypeError("view() received an invalid combination of arguments")
    if dtype is not None:
        shape = (dtype,)
    elif size is not None:
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(input, shape[0])
    shape = infer_shape(_shape_args(shape), input.numel())
    if "_strides" in input.__dict__ and _strides.compute_view_strides(tuple(input.shape), input.stride(),
                                                                      shape) is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return view_op(_reshape, input, shape=shape)


@public(method=True)
def reshape(input, *shape):
    shape = infer_shape(_shape_args(shape), input.numel(), "reshape")
    if shape == tuple(input.shape):
        return view_op(_reshape, input, shape=shape)
    return view_op(_reshape, input, shape=shape)


_bitcast = Op("view_dtype", lambda x, dtype: _bitcast_fn(x, dtype), differentiable=False)


def _bitcast_fn(x, dtype):
    """Reinterpret bytes as ``dtype``; bool and complex (which XLA's bitcast refuses) go through their
    byte-equal forms: bool as uint8, complex as (real, imag) pairs of its float type."""
    from jax import lax
    dtype = jnp.dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.uint8)
    if dtype == jnp.bool_:
        return _bitcast_fn(x, jnp.uint8) != 0
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        x = jnp.stack([jnp.real(x), jnp.imag(x)], -1).reshape(x.shape[:-1] + (2 * x.shape[-1],))
    if jnp.issubdtype(dtype, jnp.complexfloating):
        parts = _bitcast_fn(x, jnp.finfo(dtype).dtype)
        parts = parts.reshape(parts.shape[:-1] + (parts.shape[-1] // 2, 2))
        return lax.complex(parts[..., 0], parts[..., 1])
    src, dst = x.dtype.itemsize, dtype.itemsize
    if src == dst:
        return lax.bitcast_convert_type(x, dtype)
    if src > dst:
        r = lax.bitcast_convert_type(x, dtype)
        return r.reshape(x.shape[:-1] + (x.shape[-1] * (src // dst),))
    x = x.reshape(x.shape[:-1] + (x.shape[-1] // (dst // src), dst // src))
    return lax.bitcast_convert_type(x, dtype)


def _view_dtype(x, dtype):
    return apply(_bitcast, x, dtype=dtype.np)


@public(function=False, method=True)
def view_as(input, other):
    return view(input, *other.shape)


@public(function=False, method=True)
def reshape_as(input, other):
    return reshape(input, *other.shape)


_permute = Op("permute", lambda x, dims: jnp.transpose(x, dims), saves=False)


@public(method=True)
def permute(input, *dims):
    dims = _shape_args(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_op(_permute, input, dims=dims)


_transpose = Op("transpose", lambda x, d0, d1: jnp.swapaxes(x, d0, d1), saves=False)


def _view_in_place(view, name):
    """``x.<view>_(...)``: torch's in-place view ops (``unsqueeze_``, ``squeeze_``, ``t_``,
    ``transpose_``) give ``x`` the view's shape, which the generic in-place path (same shape only)
    refuses; ``x`` takes the view's value and autograd node, and a view stays a view of its base."""
    def method_(input, *args, **kwargs):
        from .._tensor import _forgive_own_version, _split_storage
        input._check_inplace()
        if input._view is None and input._views:
            _split_storage(input)  # its views keep reading the storage, not input's new shape
        result = view()(input, *args, **kwargs)
        _forgive_own_version(result.grad_fn, input._version_box)
        if input._view is not None and result._view is not None:
            input._view = result._view  # the same root, read through one more view op
        _strides.set_strides(input, result.__dict__.get("_strides"), result.storage_offset())
        input._value = result._value
        if result.grad_fn is not None:
            input.grad_fn, input._output_nr = result.grad_fn, result._output_nr
        input._version_box[0] += 1
        input._refresh_views()
        return input
    method_.__name__ = method_.__qualname__ = name
    return method_


@public(method=True, inplace=_view_in_place(lambda: transpose, "transpose_"))
def transpose(input, dim0, dim1):
    n = input.ndim
    if n == 0:
        return view_op(_reshape, input, shape=())
    return view_op(_transpose, input, d0=_wrap_dim(dim0, n), d1=_wrap_dim(dim1, n))


swapaxes = swapdims = transpose
public(transpose, name="swapaxes", method=True, inplace=_view_in_place(lambda: transpose, "swapaxes_"))
public(transpose, name="swapdims", method=True, inplace=_view_in_place(lambda: transpose, "swapdims_"))


@public(method=True, inplace=_view_in_place(lambda: t, "t_"))
def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else view_op(_reshape, input, shape=tuple(input.shape))


def T_prop(self):
    return permute(self, *reversed(range(self.ndim))) if self.ndim >= 2 else self


def mT_prop(self):
    return transpose(self, -2, -1)


def _H(self):
    return T_prop(self).conj() if self.is_complex() else T_prop(self)


public(T_prop, name="T", function=False, prop=True)
public(mT_prop, name="mT", function=False, prop=True)
public(_H, name="H", function=False, prop=True)
public(mT_prop, name="mH", function=False, prop=True)  # conjugated for complex in torch; transpose only here, as before


@public(method=True, inplace=_view_in_place(lambda: squeeze, "squeeze_"))
def squeeze(input, dim=None):
    shape = tuple(input.shape)
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {_wrap_dim(d, input.ndim) for d in dims} if input.ndim else set()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return view_op(_reshape, input, shape=new)


@public(method=True, inplace=_view_in_place(lambda: unsqueeze, "unsqueeze_"))
def unsqueeze(input, dim):
    n = input.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    dim %= n
    shape = list(input.shape)
    shape.insert(dim, 1)
    return view_op(_reshape, input, shape=tuple(shape))


@public(method=True)
def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return view_op(_reshape, input, shape=(1,))
    s, e = _wrap_dim(start_dim, input.ndim), _wrap_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(input.shape)
    new = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    return view_op(_reshape, input, shape=new)


@public(method=True)
def unflatten(input, dim, sizes):
    d = _wrap_dim(dim, input.ndim)
    shape = tuple(input.shape)
    sizes = infer_shape(tuple(sizes), shape[d], "unflatten")
    return view_op(_reshape, input, shape=shape[:d] + sizes + shape[d + 1:])


@public(method=True)
def ravel(input):
    return flatten(input)


_expand = Op("expand", lambda x, shape: jnp.broadcast_to(x, shape), saves=False)


@public(function=False, method=True)
def expand(input, *sizes):
    sizes = _shape_args(sizes)
    shape = tuple(input.shape)
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({input.type()}{{{list(shape)}}}, size=[{', '.join(map(str, sizes))}]): the number "
                           f"of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  "
                               f"Tensor sizes: [{', '.join(map(str, shape))}]")
        out.append(s)
    return view_op(_expand, input, shape=tuple(out))


@public(function=False, method=True)
def expand_as(input, other):
    return expand(input, *other.shape)


@public(method=True)
def broadcast_to(input, size):
    return expand(input, *size)


_tile = Op("repeat", lambda x, reps: jnp.tile(x, reps))


@public(function=False, method=True)
def repeat(input, *sizes):
    sizes = _shape_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return apply(_tile, input, reps=sizes)


@public(method=True)
def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return apply(_tile, input, reps=dims)


# ---------------------------------------------------------------- joining
_cat = Op("cat", lambda *xs, dim: jnp.concatenate(xs, axis=dim), promote="same", saves=False)
_stack = Op("stack", lambda *xs, dim: jnp.stack(xs, axis=dim), promote="same", saves=False)


@public(aliases=('concat', 'concatenate'))
def cat(tensors, dim=0, *, out=None):
    """Concatenate along ``dim``; 1-d empty tensors are skipped, as in torch."""
    tensors = list(tensors)
    if not tensors:  # torch's Python binding raises ValueError here
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    if out is not None:
        from .signature import check_out_overlap
        check_out_overlap(out, *tensors)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {tensors.index(t)} in argument 0, but got {type(t).__name__}")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = kept[0]
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(kept):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
    return write_out(apply(_cat, *kept, dim=d), out)


concat = concatenate = cat


@public
def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tuple(tensors[0].shape)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                               f"{list(t.shape)} at entry {i}")
    n = len(ref) + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    if out is None and (host := _host_stack(tensors, dim % n)) is not None:
        return host
    return write_out(apply(_stack, *tensors, dim=dim % n), out)


def _host_stack(tensors, dim):
    """``stack`` of host-backed tensors (host views, data-pipeline tensors) of one dtype that need no grad:
    numpy stacks them and the result goes to the device in one transfer, instead of one transfer per
    piece inside the stack program (~2 us each). None where that path does not apply."""
    first = tensors[0]._value
    dt = first.dtype
    for t in tensors:
        v = t._value
        if v.__class__ is not np.ndarray or v.dtype != dt or t._requires_grad or t.grad_fn is not None:
            return None
    if first.size * len(tensors) > 1 << 22 or _host_array(tensors[0], 0) is None:  # tracing, recorders
        return None
    from .creation import _place
    return Tensor._wrap(_place(np.stack([t._value for t in tensors], dim), "cpu"))


def _nonempty(tensors, name):
    if len(tensors) == 0:
        raise RuntimeError(f"{name} expects a non-empty TensorList")


@public
def hstack(tensors, *, out=None):
    _nonempty(tensors, "hstack")
    tensors = [atleast_1d(t) for t in tensors]
    return write_out(cat(tensors, 0 if tensors[0].ndim == 1 else 1), out)


@public(aliases=('row_stack',))
def vstack(tensors, *, out=None):
    _nonempty(tensors, "vstack")
    return write_out(cat([atleast_2d(t) for t in tensors], 0), out)


@public
def dstack(tensors, *, out=None):
    _nonempty(tensors, "dstack")
    return write_out(cat([atleast_3d(t) for t in tensors], 2), out)


@public
def column_stack(tensors, *, out=None):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], out=out)


@public
def atleast_1d(*t):
    r = [x.reshape(1) if x.ndim == 0 else x for x in _flat(t)]
    return r[0] if len(r) == 1 else tuple(r)


@public
def atleast_2d(*t):
    r = [x.reshape(1, 1) if x.ndim == 0 else x.unsqueeze(0) if x.ndim == 1 else x for x in _flat(t)]
    return r[0] if len(r) == 1 else tuple(r)


@public
def atleast_3d(*t):
    def f(x):
        if x.ndim == 0:
            return x.reshape(1, 1, 1)
        if x.ndim == 1:
            return x.reshape(1, -1, 1)
        if x.ndim == 2:
            return x.unsqueeze(-1)
        return x
    r = [f(x) for x in _flat(t)]
    return r[0] if len(r) == 1 else tuple(r)


def _flat(t):
    return list(t[0]) if len(t) == 1 and isinstance(t[0], (list, tuple)) else list(t)


# ---------------------------------------------------------------- splitting (views)
# Positions (a narrow's start, a select's index) are runtime operands (``dynamic``): one compiled program
# per shape, whatever the position. unbind and split are one program returning every piece, each piece
# registered as the select/narrow view it is.
_narrow = Op("narrow", lambda x, dim, start, length: jax.lax.dynamic_slice_in_dim(x, start, length, axis=dim),
             saves=False, backward_name="SliceBackward0", dynamic=("start",))


@public(method=True)
def narrow(input, dim, start, length):
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if isinstance(start, Tensor):
        if start.ndim != 0 or start.dtype.is_floating_point or start.dtype.is_complex or start.dtype is D.bool:
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return view_op(_narrow, input, dim=d, start=start, length=length)


_select = Op("select", lambda x, dim, index: jax.lax.dynamic_index_in_dim(x, index, axis=dim, keepdims=False),
             saves=False, dynamic=("index",))
_unbind = Op("unbind", lambda x, dim: tuple(jnp.moveaxis(x, dim, 0)), saves=False)


def _split_fwd(x, dim, sizes):
    out, start = [], 0
    for n in sizes:
        out.append(jax.lax.slice_in_dim(x, start, start + n, axis=dim))
        start += n
    return tuple(out)


_split = Op("split", _split_fwd, saves=False)
ONE_PROGRAM_PIECES = 32  # up to this many pieces, unbind/split are one program; beyond, one small program per piece
_split_sizes = Op("split_with_sizes", _split_fwd, saves=False)


def _host_pieces(t):
    """``t`` as a numpy array when its pieces can be host views (``_tensor._host_array``; all of them
    together count as the piece size, as they are usually alive together), else None."""
    return _host_array(t, t.nelement())


@public(method=True)
def select(input, dim, index):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {d}")
    return view_op(_select, input, dim=d, index=index % size)


@public(method=True)
def split(tensor, split_size_or_sections, dim=0):
    d = _wrap_dim(dim, tensor.ndim)
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size > 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    sizes = tuple(int(s) for s in sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={list(sizes)}")
    op = _split if isinstance(split_size_or_sections, int) else _split_sizes
    host = _host_pieces(tensor)
    if host is not None:  # numpy views of the pieces: no program at all (see _tensor._host_view)
        lead = (slice(None),) * d
        starts = [0, *itertools.accumulate(sizes[:-1])]
        pieces = [Tensor._wrap(host[lead + (slice(st, st + n),)]) for st, n in zip(starts, sizes)]
    elif len(sizes) <= ONE_PROGRAM_PIECES:
        pieces = apply(op, tensor, dim=d, sizes=sizes)
    else:  # many pieces: one dynamic narrow per piece (one program per piece size, not per piece)
        starts = [0, *itertools.accumulate(sizes[:-1])]
        pieces = [apply(_narrow, tensor, dim=d, start=st, length=n) for st, n in zip(starts, sizes)]
    out, start = [], 0
    for i, (s, v) in enumerate(zip(sizes, pieces)):
        _make_view(tensor, _narrow, {"dim": d, "start": start, "length": s}, v)
        v._multi_view = (op.backward_name, i)  # torch forbids in-place on these when they require grad
        out.append(v)
        start += s
    return tuple(out)


@public(method=True)
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = input.shape[_wrap_dim(dim, input.ndim)]
    step = -(-size // chunks) if size else 1
    return split(input, step, dim)


@public(method=True)
def unbind(input, dim=0):
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] == 0:
        return ()
    host = _host_pieces(input)
    if host is not None:  # numpy views of the rows: no program at all (see _tensor._host_view)
        if d == 0 and "_strides" not in input.__dict__:  # contiguous rows: their offsets without view_strides
            base_off, step = input.storage_offset(), math.prod(max(n, 1) for n in input.shape[1:])
            out = tuple(_host_view(input, _select, {"dim": 0, "index": i}, row, base_off + i * step)
                        for i, row in enumerate(host))
            for i, v in enumerate(out):
                v._multi_view = ("UnbindBackward0", i)
            return out
        lead = (slice(None),) * d
        out = tuple(Tensor._wrap(host[lead + (i,)]) for i in range(input.shape[d]))
    elif input.shape[d] <= ONE_PROGRAM_PIECES:
        out = apply(_unbind, input, dim=d)
    else:  # many rows: a program with one output per row compiles slowly; one dynamic select per row
        out = tuple(apply(_select, input, dim=d, index=i) for i in range(input.shape[d]))
    for i, v in enumerate(out):
        _make_view(input, _select, {"dim": d, "index": i}, v)
        v._multi_view = ("UnbindBackward0", i)  # torch forbids in-place on these when they require grad
    return out


@public(method=True, aliases=('moveaxis',))
def movedim(input, source, destination):
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    n = input.ndim
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    for what, dims in (("source", src), ("destination", dst)):
        if len({_wrap_dim(s, n) for s in dims}) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{what}` ({list(dims)})")
    src = [_wrap_dim(s, n) for s in src]
    dst = [_wrap_dim(s, n) for s in dst]
    order = [i for i in range(n) if i not in src]
    perm = [None] * n
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return permute(input, *perm)


@public(function=False, method=True)
def contiguous(input, memory_format=None):
    """``input`` when already contiguous in ``memory_format`` (torch's strides model, ``_strides``), else a
    copy that is."""
    if input.is_contiguous(memory_format=memory_format):
        return input
    return _strides.set_strides(apply(_clone, input), _strides.format_strides(input, memory_format or "contiguous"))


_clone = Op("clone", lambda x: jnp.array(x, copy=True), saves=False)


@public(method=True)
def clone(input, *, memory_format=None):
    """A copy; ``preserve_format`` (the default) keeps a dense permuted layout's strides, as torch."""
    return _strides.set_strides(apply(_clone, input), _strides.format_strides(input, memory_format))
