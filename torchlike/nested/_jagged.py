"""NestedTensor: torch's jagged nested tensor (``layout=torch.jagged``, "NJT") over one packed JAX array.

Representation, as torch's NJT: a batch of B components whose shapes differ in one dim, the ragged
dim (``_ragged_idx``, 1 at construction). The data live in one dense Tensor ``_vals`` (torch's
``values()``) holding the components concatenated along the ragged dim, whose dims are the
logical dims 1.. with the ragged one of length ``sum(lengths)``; ``_offsets`` (int64, B+1) marks
where each component starts. An op on dims other than the batch and the ragged dim is the same op
on ``_vals`` with every dim shifted down by one (pointwise ops, ``linear``, ``chunk``,
``unflatten``, ``transpose``, ``softmax`` ...), so autograd flows through ``_vals`` like through
any Tensor. Ops that mix sequences (attention, softmax over the ragged dim, ``to_padded_tensor``)
gather into a padded dense tensor and scatter back with registered ops whose VJP is JAX's.
The ragged size prints as torch's symbolic ``j1``, ``j2`` ... (one per distinct offsets).
"""
from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from .. import _layout
from .._size import Size
from .._tensor import Tensor, _wrap_dim
from .._values_autograd import AutogradThroughValues
from ..ops.registry import Op


class NestedInt:
    """The symbolic size of a ragged dim (torch prints ``j1``); equal only to itself."""

    _counter = itertools.count(1)

    def __init__(self):
        self.n = next(NestedInt._counter)

    def __repr__(self):
        return f"j{self.n}"

    def __int__(self):
        raise RuntimeError(f"Cannot convert the ragged size j{self.n} of a nested tensor to an int")


class NestedSize(Size):
    """torch.Size of a nested tensor: ints plus one :class:`NestedInt`."""

    def __new__(cls, seq=()):
        return tuple.__new__(cls, seq)

    def numel(self):
        raise RuntimeError("numel() is not defined for the size of a jagged nested tensor")


def _pad(vals, idx, mask, r, pad):
    g = jnp.take(vals, idx, axis=r)  # vals dims with the ragged one replaced by (B, L)
    g = jnp.moveaxis(g, r, 0)        # (B, dims before ragged..., L, dims after...)
    m = mask.reshape(mask.shape[:1] + (1,) * r + mask.shape[1:2] + (1,) * (g.ndim - r - 2))
    return jnp.where(m, g, jnp.asarray(pad, g.dtype))


def _unpad(padded, b, t, r):
    x = jnp.moveaxis(padded, 0, r)   # (dims before ragged..., B, L, dims after...)
    return x[(slice(None),) * r + (b, t)]


pad_op = Op("to_padded_tensor", _pad, backward_name="ToPaddedTensorBackward0")
unpad_op = Op("from_padded", _unpad, backward_name="NestedFromPaddedBackward0")


class NestedTensor(AutogradThroughValues, Tensor):
    """A jagged nested tensor. Build with ``torch.nested.nested_tensor(..., layout=torch.jagged)``."""

    is_nested = True

    @classmethod
    def _make(cls, vals, offsets, ragged_idx=1, jdim=None, layout=_layout.jagged):
        t = object.__new__(cls)
        t._version_box = [0]
        t.__dict__.update(_vals=vals, _offsets_np=np.asarray(offsets, np.int64), _ragged_idx=ragged_idx,
                          _jdim=jdim or NestedInt(), _layout=layout)
        return t

    def _like(self, vals, ragged_idx=None):
        """A nested tensor with this one's offsets (and symbolic ragged size) over new values."""
        return NestedTensor._make(vals, self._offsets_np, self._ragged_idx if ragged_idx is None else ragged_idx,
                                  self._jdim, self._layout)

    @property
    def _value(self):
        raise RuntimeError("this operation does not support nested tensors; torchlike.nested supports pointwise "
                           "ops, linear, matmul, softmax, transpose, chunk, (un)flatten, scaled_dot_product_attention "
                           "(use to_padded_tensor() or unbind() for others)")

    @_value.setter
    def _value(self, v):
        raise RuntimeError("in-place changes of a nested tensor's storage are not supported")

    # ------------------------------------------------------------------ metadata
    @property
    def layout(self):
        return self._layout

    @property
    def shape(self):
        vs = list(self._vals.shape)
        vs[self._ragged_idx - 1] = self._jdim
        return NestedSize([len(self._offsets_np) - 1] + vs)

    def size(self, dim=None):
        s = self.shape
        return s if dim is None else s[_wrap_dim(dim, len(s))]

    def dim(self):
        return self._vals.dim() + 1

    ndim = property(dim)
    ndimension = dim

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self):
        return self._vals.device

    def values(self):
        return self._vals

    def offsets(self):
        return Tensor._wrap(jnp.asarray(self._offsets_np))

    def lengths(self):
        return None

    def _lens(self):
        return np.diff(self._offsets_np)

    def is_contiguous(self, memory_format=None):
        return self._ragged_idx == 1

    def numel(self):
        return self._vals.numel()

    nelement = numel

    def __len__(self):
        return len(self._offsets_np) - 1

    def __repr__(self, *, tensor_contents=None):
        off = repr(self.offsets())
        return (f"NestedTensor(size={tuple(self.shape)!r}, offsets={off}"
                + (f", grad_fn=<{self.grad_fn.name()}>" if self.grad_fn is not None else
                   ", requires_grad=True" if self.requires_grad else "")
                + f", contiguous={self.is_contiguous()})")

    # ------------------------------------------------------------------ autograd (through the values)
    @property
    def grad(self):
        g = self._vals._grad
        return None if g is None else self._like(g)

    @grad.setter
    def grad(self, value):
        self._vals._grad = None if value is None else value._vals

    def detach(self):
        return self._like(self._vals.detach())

    def clone(self, *, memory_format=None):
        return self._like(self._vals.clone())

    def to(self, *args, **kwargs):
        v = self._vals.to(*args, **kwargs)
        return self if v is self._vals else self._like(v)

    def contiguous(self, memory_format=None):
        if self._ragged_idx == 1:
            return self
        return _from_padded(self.transpose(1, self._ragged_idx).to_padded_tensor(0.0), self, 1)

    # ------------------------------------------------------------------ components
    def unbind(self, dim=0):
        if dim != 0:
            raise RuntimeError("unbind(): only supported for NestedTensor on dim=0")
        r = self._ragged_idx - 1
        return tuple(self._vals.narrow(r, int(a), int(b - a))
                     for a, b in zip(self._offsets_np[:-1], self._offsets_np[1:]))

    def __iter__(self):
        return iter(self.unbind())

    def __getitem__(self, i):
        if isinstance(i, int):
            return self.unbind()[i]
        raise NotImplementedError("nested tensors support integer indexing of the batch dim only")

    def to_padded_tensor(self, padding, output_size=None):
        lens = self._lens()
        L = int(lens.max()) if len(lens) else 0
        t = np.arange(L)
        idx = np.minimum(self._offsets_np[:-1, None] + t, max(int(self._offsets_np[-1]) - 1, 0))
        mask = t[None, :] < lens[:, None]
        out = pad_op(self._vals, idx, mask, r=self._ragged_idx - 1, pad=float(padding))
        if output_size is not None:
            from .. import _functions as F
            pads = []
            for have, want in reversed(list(zip(out.shape, output_size))):
                pads += [0, int(want) - int(have)]
            out = F.constant_pad_nd(out, pads, float(padding))
        return out

    # ------------------------------------------------------------------ ops on the values
    def _vdim(self, dim, what):
        d = _wrap_dim(dim, self.dim())
        if d == 0:
            raise RuntimeError(f"{what}(): not supported for NestedTensor on dim=0 (the batch dim)")
        return d - 1

    def transpose(self, dim0, dim1):
        d0, d1 = self._vdim(dim0, "transpose") + 1, self._vdim(dim1, "transpose") + 1
        r = self._ragged_idx
        r = d1 if r == d0 else d0 if r == d1 else r
        return self._like(self._vals.transpose(d0 - 1, d1 - 1), r)

    def unflatten(self, dim, sizes):
        d = self._vdim(dim, "unflatten")
        if d == self._ragged_idx - 1:
            raise RuntimeError("unflatten(): not supported on the ragged dim of a nested tensor")
        r = self._ragged_idx + (len(sizes) - 1 if d < self._ragged_idx - 1 else 0)
        return self._like(self._vals.unflatten(d, sizes), r)

    def flatten(self, start_dim=0, end_dim=-1):
        s, e = self._vdim(start_dim, "flatten"), self._vdim(end_dim, "flatten")
        if s <= self._ragged_idx - 1 <= e and s != e:
            raise RuntimeError("flatten(): not supported across the ragged dim of a nested tensor")
        r = self._ragged_idx - (e - s if e < self._ragged_idx - 1 else 0)
        return self._like(self._vals.flatten(s, e), r)

    def chunk(self, chunks, dim=0):
        d = self._vdim(dim, "chunk")
        if d == self._ragged_idx - 1:
            raise RuntimeError("chunk(): not supported on the ragged dim of a nested tensor")
        return tuple(self._like(v) for v in self._vals.chunk(chunks, d))

    def split(self, split_size, dim=0):
        d = self._vdim(dim, "split")
        return tuple(self._like(v) for v in self._vals.split(split_size, d))

    def _softmax(self, dim, log, dtype=None):
        d = self._vdim(dim, "softmax")
        if d != self._ragged_idx - 1:
            v = self._vals if dtype is None else self._vals.to(dtype)
            return self._like(v.log_softmax(d) if log else v.softmax(d))
        padded = self.to_padded_tensor(float("-inf"))
        out = padded.log_softmax(d + 1) if log else padded.softmax(d + 1)
        return _from_padded(out, self, self._ragged_idx)

    def softmax(self, dim, dtype=None):
        return self._softmax(dim, False, dtype)

    def log_softmax(self, dim, dtype=None):
        return self._softmax(dim, True, dtype)

    def sum(self, dim=None, keepdim=False, dtype=None):
        if dim is None:
            return self._vals.sum(dtype=dtype)
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        vd = [self._vdim(d, "sum") for d in dims]
        if self._ragged_idx - 1 in vd:
            raise RuntimeError("sum(): reducing the ragged dim of a nested tensor is not supported")
        r = self._ragged_idx - (0 if keepdim else sum(1 for d in vd if d < self._ragged_idx - 1))
        return self._like(self._vals.sum(vd, keepdim=keepdim, dtype=dtype), r)

    def mean(self, dim=None, keepdim=False, dtype=None):
        if dim is None:
            return self._vals.mean(dtype=dtype)
        n = self.sum(dim, keepdim)
        k = 1
        for d in ((dim,) if isinstance(dim, int) else dim):
            k *= self._vals.shape[self._vdim(d, "mean")]
        return n / k

    def matmul(self, other):
        """nested (B, ..., D) @ dense (D, E) or (D,): the dense matrix applies to every row."""
        if isinstance(other, NestedTensor):
            raise RuntimeError("matmul(): nested @ nested is supported inside scaled_dot_product_attention only")
        other = _as_tensor(other)
        if other.dim() not in (1, 2) or self._ragged_idx == self.dim() - 1:
            raise RuntimeError(f"matmul(): unsupported shapes {tuple(self.shape)} and {tuple(other.shape)} for a "
                               "nested tensor (the dense operand must be 1-d or 2-d and the ragged dim not last)")
        return self._like(self._vals.matmul(other))

    __matmul__ = matmul

    def _binary(self, name, other, reflected=False):
        if isinstance(other, NestedTensor):
            if not np.array_equal(other._offsets_np, self._offsets_np) or other._ragged_idx != self._ragged_idx:
                raise RuntimeError(f"{name}(): nested tensors of different ragged structure "
                                   f"{tuple(self.shape)} and {tuple(other.shape)}")
            o = other._vals
        elif isinstance(other, Tensor) and other.dim() >= self.dim():
            raise RuntimeError(f"{name}(): a dense tensor of shape {tuple(other.shape)} does not broadcast over the "
                               f"non-batch dims of a nested tensor of shape {tuple(self.shape)}")
        else:
            o = other
        a, b = (o, self._vals) if reflected else (self._vals, o)
        from .. import _functions as F
        return self._like(getattr(F, name)(a, b))

    def __add__(self, o): return self._binary("add", o)
    def __radd__(self, o): return self._binary("add", o, True)
    def __sub__(self, o): return self._binary("sub", o)
    def __rsub__(self, o): return self._binary("sub", o, True)
    def __mul__(self, o): return self._binary("mul", o)
    def __rmul__(self, o): return self._binary("mul", o, True)
    def __truediv__(self, o): return self._binary("div", o)
    def __rtruediv__(self, o): return self._binary("div", o, True)
    def __pow__(self, o): return self._binary("pow", o)
    def __neg__(self): return self._like(-self._vals)
    add, sub, mul, div, pow = __add__, __sub__, __mul__, __truediv__, __pow__


def _as_tensor(x):
    from ..ops import creation
    return x if isinstance(x, Tensor) else creation.tensor(x)


def _from_padded(padded, like, ragged_idx):
    """Pack a padded (B, ..., L, ...) tensor back into ``like``'s ragged structure (ragged at ``ragged_idx``)."""
    lens = like._lens()
    b = np.repeat(np.arange(len(lens)), lens)
    t = np.arange(int(like._offsets_np[-1])) - np.repeat(like._offsets_np[:-1], lens)
    vals = unpad_op(padded, b, t, r=ragged_idx - 1)
    return like._like(vals, ragged_idx)


def _values_method(name):
    def f(self, *args, **kwargs):
        return self._like(getattr(self._vals, name)(*args, **kwargs))
    f.__name__ = name
    f.__doc__ = f"``{name}`` applied to every element (the packed values)."
    return f


_POINTWISE = ("abs", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt", "rsqrt", "square", "sign",
              "neg", "reciprocal", "floor", "ceil", "round", "clamp", "float", "double", "half", "bfloat16",
              "exp2", "log1p", "expm1", "erf", "sgn", "isnan", "isinf", "logical_not", "nan_to_num", "type_as")
for _n in _POINTWISE:
    if hasattr(Tensor, _n):
        setattr(NestedTensor, _n, _values_method(_n))


def _flatten(t):
    return (t._vals,), (tuple(int(o) for o in t._offsets_np), t._ragged_idx, t._jdim, t._layout)


def _unflatten(aux, children):
    offsets, ragged_idx, jdim, layout = aux
    return NestedTensor._make(children[0], offsets, ragged_idx, jdim, layout)


# Under torchlike.compile a nested argument or result travels as its packed values tensor (traced);
# the offsets are static (host) data, so each distinct set of sequence lengths compiles once.
jax.tree_util.register_pytree_node(NestedTensor, _flatten, _unflatten)
