"""Strides, storage offsets, memory formats and storage identity as torch code observes them.

JAX arrays have no strides (XLA picks physical layouts), but torch programs read them: ``stride()``,
``is_contiguous()``, ``x.t().view(12)`` failing, ``reshape`` copying exactly when a view is
impossible (which decides whether writes reach the original), ``data_ptr()`` equality as "shares
memory". This module keeps that model: a fresh tensor is row-major contiguous (or channels-last when
made so), and a view's strides and storage offset follow from its base's by torch's rules for each
view op (``view_strides``), including torch's ``computeStride`` for ``view``/``reshape``. A tensor
stores them only when they differ from the default (``_strides``/``_offset`` in its ``__dict__``).
Results of non-view ops are contiguous, except where torch keeps its inputs' layout: pointwise ops
(TensorIterator's output permutation, ``pointwise_strides``; recorded lazily, see ``pointwise_layout``),
``clone``/``*_like`` with preserve_format (``format_strides``) and the channels_last-preserving nn ops.
Physical layout stays XLA's business throughout.
"""
from __future__ import annotations

import math


def storage_extent(shape, stride, offset):
    """Elements of storage that (shape, stride, offset) reaches: torch's storage-size requirement."""
    return offset + sum((n - 1) * s for n, s in zip(shape, stride)) + 1 if all(shape) else 0


def storage_elements(root):
    """Elements a root tensor's storage holds: its own, or as far as its strides reach when further
    (an ``as_strided``/``empty_strided`` root)."""
    return max(root.nelement(), storage_extent(tuple(root.shape), root.stride(), root.storage_offset()))


def contiguous_strides(shape):
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def channels_last_strides(shape):
    """torch's strides for channels_last (4-d) / channels_last_3d (5-d): channels innermost."""
    n = len(shape)
    order = [1] + list(range(n - 1, 1, -1)) + [0]  # innermost first: C, W, H, (D), N
    strides = [0] * n
    acc = 1
    for d in order:
        strides[d] = acc
        acc *= max(shape[d], 1)
    return tuple(strides)


def is_contiguous_as(shape, strides, fmt_name="contiguous_format"):
    """torch's is_contiguous(memory_format): dims of size 1 do not constrain strides."""
    n = len(shape)
    if fmt_name == "channels_last" and n != 4 or fmt_name == "channels_last_3d" and n != 5:
        return False
    if math.prod(shape) == 0:
        return True
    order = (list(range(n - 1, -1, -1)) if fmt_name in ("contiguous_format", "preserve_format")
             else [1] + list(range(n - 1, 1, -1)) + [0])
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def compute_view_strides(oldshape, oldstride, newshape):
    """torch's computeStride: strides of ``newshape`` viewing (oldshape, oldstride), or None when no
    view exists (a dim of the new shape would span two non-adjacent chunks of memory)."""
    if not oldshape:
        return (1,) * len(newshape)
    numel = math.prod(oldshape)
    if numel == 0:
        return tuple(oldstride) if tuple(oldshape) == tuple(newshape) else contiguous_strides(newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1
                             and oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _index_strides(spec, shape, strides, offset):
    """Strides/offset after basic indexing (ints, slices, None, Ellipsis) as torch computes them."""
    n_real = sum(1 for s in spec if s[0] in ("i", "s"))
    out_shape, out_strides = [], []
    d = 0
    pending_none = 0

    def flush_none():
        nonlocal pending_none
        for _ in range(pending_none):
            out_shape.append(1)
            out_strides.append(shape[d] * strides[d] if d < len(shape) else 1)
        pending_none = 0

    for s in spec:
        tag = s[0]
        if tag == "n":
            pending_none += 1
            continue
        flush_none()
        if tag == "e":
            for _ in range(len(shape) - n_real):
                out_shape.append(shape[d]), out_strides.append(strides[d])
                d += 1
        elif tag == "i":
            offset += s[1] * strides[d]
            d += 1
        elif tag == "s":
            start, stop, step = slice(s[1], s[2], s[3]).indices(shape[d])
            length = len(range(start, stop, step))
            if length:
                offset += start * strides[d]
            out_shape.append(length), out_strides.append(strides[d] * step)
            d += 1
    flush_none()
    while d < len(shape):
        out_shape.append(shape[d]), out_strides.append(strides[d])
        d += 1
    return tuple(out_strides), offset


def _spec_of_layout(layout, pos):
    """A basic index's spec from the (layout, positions) form the index op compiles with
    (``ops.indexing.dynamic_spec``)."""
    spec, j = [], 0
    for item in layout:
        if item[0] == "i":
            spec.append(("i", int(pos[j])))
            j += 1
        elif item[0] == "d":
            _, length, step = item
            start = int(pos[j])
            spec.append(("s", start, start + (length - 1) * step + 1 if length else start, step))
            j += 1
        elif item[0] == "f":
            spec.append(("s", None, None, None))
        else:
            spec.append(("n",))
    return spec


def view_strides(op_name, statics, shape, strides, offset, new_shape):
    """(strides, offset) of the result of view op ``op_name`` over a base with (shape, strides, offset);
    strides None means the view is impossible (the op's result is then a copy)."""
    st = dict(statics)
    if op_name in ("view", "reshape"):
        return compute_view_strides(tuple(shape), tuple(strides), tuple(new_shape)), offset
    if op_name == "as_strided":
        return st["stride"], st["offset"]
    if op_name == "transpose":
        s = list(strides)
        s[st["d0"]], s[st["d1"]] = s[st["d1"]], s[st["d0"]]
        return tuple(s), offset
    if op_name == "permute":
        return tuple(strides[d] for d in st["dims"]), offset
    if op_name == "expand":
        lead = len(new_shape) - len(shape)
        return tuple(0 if i < lead or (shape[i - lead] == 1 and new_shape[i] != 1) else strides[i - lead]
                     for i in range(len(new_shape))), offset
    if op_name == "narrow":
        return tuple(strides), offset + st["start"] * strides[st["dim"]]
    if op_name == "select":
        d = st["dim"]
        return tuple(strides[:d]) + tuple(strides[d + 1:]), offset + st["index"] * strides[d]
    if op_name == "index":
        spec = st["spec"] if "spec" in st else _spec_of_layout(st["layout"], st["pos"])
        return _index_strides(spec, shape, strides, offset)
    if op_name == "diagonal":
        off = st["offset"]
        d1, d2 = st.get("d1", st.get("dim1")), st.get("d2", st.get("dim2"))
        keep = tuple(s for i, s in enumerate(strides) if i not in (d1, d2))
        diag_len = new_shape[-1] if new_shape else 0
        start = (off * strides[d2] if off >= 0 else -off * strides[d1]) if diag_len else 0
        return keep + (strides[d1] + strides[d2],), offset + start
    if op_name == "unfold":
        if not len(shape):  # a 0-d input unfolds to one window of one element
            return (1,), offset
        d = st["dim"]
        s = list(strides)
        s[d] = strides[d] * st["step"]
        return tuple(s) + (strides[d],), offset
    return contiguous_strides(new_shape), 0


class UntypedStorage:
    """What ``Tensor.untyped_storage()`` returns: identity and size of the memory a tensor views.

    Tensors that share memory in torch's model (a tensor and its views, ``detach()``, ``.data``)
    share one root and so report the same ``data_ptr()``; ``nbytes()`` is the root's size.
    """

    def __init__(self, root):
        self._root = root

    @classmethod
    def from_file(cls, filename, shared=False, nbytes=0):
        """A byte storage holding the first ``nbytes`` bytes of ``filename`` (how ``safetensors``'
        ``safe_open(framework="pt")`` reads a file). The bytes are read into memory: with
        ``shared=True`` torch maps the file so writes reach it, which a JAX array cannot do."""
        import numpy as np

        from ._above import above  # (not ._tensor, which imports this module)
        data = np.fromfile(filename, np.uint8, count=nbytes if nbytes else -1)
        if nbytes and data.size < nbytes:
            raise RuntimeError(f"unable to mmap {nbytes} bytes from file <{filename}>: file too short "
                               f"({data.size} bytes)")
        return cls(above.Tensor._wrap(data))

    def _bytes(self):
        """The storage's bytes as a 1-D uint8 tensor."""
        from ._dtype import uint8
        root = self._root
        flat = root.detach().reshape(-1)
        return flat if root.dtype == uint8 else flat.view(uint8)

    def untyped(self):
        return self

    _untyped = untyped  # the name safetensors' reader asks for

    def __getitem__(self, idx):
        """An int reads one byte; a slice is a storage over those bytes (torch: sharing memory)."""
        b = self._bytes()
        if isinstance(idx, slice):
            return UntypedStorage(b[idx])
        return int(b[idx])

    def data_ptr(self):
        return _base_address(self._root)

    def nbytes(self):
        return self._root.nelement() * self._root.element_size()

    def size(self):
        return self.nbytes()

    __len__ = size

    def element_size(self):
        return 1

    @property
    def device(self):
        return self._root.device

    def __eq__(self, other):
        return isinstance(other, UntypedStorage) and other.data_ptr() == self.data_ptr()

    def __hash__(self):
        return hash(self.data_ptr())

    def __repr__(self):
        return f"torchlike.UntypedStorage(nbytes={self.nbytes()}, data_ptr={self.data_ptr():#x})"


def _base_address(root):
    # CPU storages: a host mirror's address, readable as torch's is (_host_address); others: a stable,
    # 64-byte-aligned fake address per root storage (its version box lives as long as it)
    from ._host_address import host_address
    real = host_address(root, storage_elements(root) * root.element_size())
    return real if real is not None else (id(root._version_box) & 0xFFFFFFFFFFFF) << 6


def _broadcast_strides(out_shape, shape, strides):
    """An operand's strides over the broadcast shape: 0 along dims it is broadcast in (TensorIterator)."""
    lead = len(out_shape) - len(shape)
    return tuple(0 if i < lead or (shape[i - lead] == 1 and out_shape[i] != 1) else strides[i - lead]
                 for i in range(len(out_shape)))


def _permuted_strides(shape, operands):
    """Dense strides of ``shape`` laid out in the order TensorIterator (``reorder_dimensions``) and
    ``infer_dense_strides`` derive from the operands' strides over ``shape``: an insertion sort of the
    dims, innermost first, where the first operand with unequal non-zero strides for two dims decides
    (equal strides: the smaller dim goes inside; zero strides: no say)."""
    n = len(shape)
    perm = list(range(n - 1, -1, -1))  # innermost first

    def should_swap(d0, d1):
        for st in operands:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, n):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out = [0] * n
    acc = 1
    for d in perm:
        out[d] = acc
        acc *= max(shape[d], 1)
    return tuple(out)


def pointwise_strides(out_shape, operands):
    """torch's strides for the result of a pointwise (TensorIterator) op over ``operands``, a list of
    (shape, strides): with every operand of the result's shape, all contiguous gives contiguous, all
    channels_last gives channels_last, all the same dense strides gives those; otherwise the layout
    permutation the operands' strides give (``_permuted_strides``)."""
    out_shape = tuple(out_shape)
    if len(out_shape) < 2:
        return contiguous_strides(out_shape)
    if all(tuple(sh) == out_shape for sh, _ in operands):
        strides = [tuple(st) for _, st in operands]
        if all(is_contiguous_as(out_shape, st) for st in strides):
            return contiguous_strides(out_shape)
        for fmt in ("channels_last", "channels_last_3d"):
            if all(is_contiguous_as(out_shape, st, fmt) for st in strides):
                return channels_last_strides(out_shape)
        if all(st == strides[0] for st in strides) and _dense_permutation(out_shape, strides[0]):
            return strides[0]
    return _permuted_strides(out_shape, [_broadcast_strides(out_shape, sh, st) for sh, st in operands])


class Pending:
    """Strides not computed yet: those of a pointwise result, from its operands' (shape, strides),
    where strides may be another Pending (chains are cut at ``MAX_DEPTH``). Resolved on first use
    (``Tensor.stride()``), so eager dispatch pays only for noting the operands."""

    __slots__ = ("shape", "operands", "depth", "value")
    MAX_DEPTH = 8

    def __init__(self, shape, operands, depth):
        self.shape, self.operands, self.depth, self.value = shape, operands, depth, None

    def get(self):
        if self.value is None:
            ops = [(sh, contiguous_strides(sh) if st is None else st.get() if st.__class__ is Pending else st)
                   for sh, st in self.operands]
            self.value = pointwise_strides(self.shape, ops)
            self.operands = None
        return self.value


def pointwise_layout(out, args):
    """After a pointwise op: when an operand reports non-contiguous strides, give the result(s)
    torch's strides for it (lazily); with contiguous operands (the common case) nothing is stored."""
    for a in args:
        d = getattr(a, "__dict__", None)
        if d and "_strides" in d:
            break
    else:
        return
    operands, depth, ndim = [], 0, 0
    for a in args:
        v = getattr(a, "_value", None)
        if v is None:
            continue
        shape = v.shape
        ndim = max(ndim, len(shape))
        st = a.__dict__.get("_strides")  # None: contiguous, computed when resolved
        if st.__class__ is Pending:
            if st.value is not None:
                st = st.value
            elif st.depth >= Pending.MAX_DEPTH:
                st = st.get()
            else:
                depth = max(depth, st.depth)
        operands.append((shape, st))
    for o in out if out.__class__ is tuple else (out,):
        shape = o._value.shape
        if len(shape) >= 2 and len(shape) >= ndim:
            o.__dict__["_strides"] = Pending(shape, operands, depth + 1)


def _channels_last_like(t):
    """torch's suggest_memory_format() == channels_last(_3d): the strides are channels-last and not
    also contiguous (as for C == 1 or 1x1 spatial sizes)."""
    s = t.__dict__.get("_strides")
    if s is None:
        return False
    shape = tuple(t._value.shape)
    fmt = {4: "channels_last", 5: "channels_last_3d"}.get(len(shape))
    return fmt is not None and is_contiguous_as(shape, t.stride(), fmt) and not is_contiguous_as(shape, t.stride())


def channels_last_layout(out, args):
    """After conv/batch-norm/pooling: torch gives a channels_last result when the input (or a conv's
    weight) is channels_last."""
    tensors = [a for a in args[:2] if hasattr(a, "_version_box")]
    if not any(_channels_last_like(a) for a in tensors):
        return
    for o in out if isinstance(out, tuple) else (out,):
        if o._value.ndim in (4, 5):
            set_strides(o, channels_last_strides(tuple(o._value.shape)))


# Ops whose results torch lays out from their inputs' strides (by registry name, unambiguous ones
# only): TensorIterator's pointwise ops, and the nn ops that keep channels_last.
_POINTWISE = frozenset("""
abs acos acosh add addcdiv addcmul angle asin asinh atan atan2 atanh bitwise_and bitwise_left_shift
bitwise_not bitwise_or bitwise_right_shift bitwise_xor ceil clamp copysign cos cosh deg2rad digamma div
dropout elu eq erf erfc erfinv exp exp2 expm1 float_power floor fmax fmin fmod frac gcd ge gelu gt
hardshrink hardsigmoid hardswish hardtanh heaviside hypot i0 igamma igammac isfinite isinf isnan isneginf
isposinf isreal lcm ldexp le leaky_relu lerp lgamma log log10 log1p log2 log_sigmoid logaddexp logaddexp2
logical_and logical_not logical_or logical_xor logit lt masked_fill maximum minimum mish mul mvlgamma
nan_to_num ne neg nextafter polygamma pow rad2deg reciprocal relu remainder round rsqrt sigmoid sign
signbit silu sin sinc sinh softplus softshrink softsign sqrt square sub tan tanh tanhshrink threshold to
trunc where xlog1py xlogy
""".split())
_CHANNELS = frozenset("convolution native_batch_norm native_group_norm max_pool max_pool_with_indices avg_pool "
                      "adaptive_avg_pool adaptive_max_pool upsample constant_pad_nd".split())


def layout_rule(op_name):
    """The function ``ops.registry.apply`` calls as ``rule(result, args)`` after op ``op_name``, or None."""
    if op_name.endswith("_backward"):  # create_graph's recorded backward ops
        return None
    if op_name in _POINTWISE or op_name.startswith("special_") or "bessel" in op_name or "polynomial" in op_name:
        return pointwise_layout
    if op_name in _CHANNELS:
        return channels_last_layout
    return None


def resolve(t):
    """``t``'s strides as a tuple, resolving (and storing) pending ones; None when contiguous."""
    s = t.__dict__.get("_strides")
    if s.__class__ is Pending:
        s = s.get()
        if s == contiguous_strides(tuple(t._value.shape)):
            del t.__dict__["_strides"]
            return None
        t.__dict__["_strides"] = s
    return s


def _dense_permutation(shape, strides):
    """True when (shape, strides) is a permutation of contiguous strides (non-overlapping and dense)."""
    dims = sorted((i for i in range(len(shape)) if shape[i] != 1), key=lambda i: strides[i])
    expected = 1
    for i in dims:
        if strides[i] != expected:
            return False
        expected *= shape[i]
    return True


def format_strides(t, fmt):
    """torch's strides for a copy of ``t`` in memory format ``fmt`` (None: preserve_format)."""
    shape = tuple(t.shape)
    name = "contiguous_format" if fmt == "contiguous" else getattr(fmt, "name", "preserve_format")
    if name == "channels_last" or name == "channels_last_3d":
        if len(shape) != (4 if name == "channels_last" else 5):
            raise RuntimeError(f"required rank {4 if name == 'channels_last' else 5} tensor to use {name} format "
                               f"(got a tensor of shape {list(shape)})")
        return channels_last_strides(shape)
    if name == "preserve_format":  # torch's empty_like: dense strides kept, else infer_dense_strides
        s = t.stride()
        if _dense_permutation(shape, s):
            return s
        return contiguous_strides(shape) if len(shape) < 2 else _permuted_strides(shape, [s])
    return contiguous_strides(shape)


def set_strides(t, strides, offset=0):
    """Record torch-visible strides/offset on ``t`` (nothing stored for the contiguous default)."""
    d = t.__dict__
    if strides.__class__ is Pending:
        strides = strides.get()
    if strides is None or tuple(strides) == contiguous_strides(tuple(t._value.shape)):
        d.pop("_strides", None)
    else:
        d["_strides"] = tuple(strides)
    if offset:
        d["_offset"] = offset
    else:
        d.pop("_offset", None)
    return t
