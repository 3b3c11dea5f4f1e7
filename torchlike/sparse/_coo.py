"""SparseTensor: torch's sparse COO tensor (``layout=torch.sparse_coo``) over JAX.

Representation: a :class:`~torchlike.Tensor` subclass holding two ordinary Tensors, ``_idx``
(int64, ``(sparse_dim, nnz)``, torch's ``indices()``) and ``_vals`` (``(nnz, *dense_shape)``,
torch's ``values()``), plus the full shape and torch's ``is_coalesced`` flag. Autograd flows
through the values Tensor: every sparse op is written with registered ops whose differentiable
operand is ``_vals`` (products and densification through ``jax.experimental.sparse.BCOO``), so
``sparse_coo_tensor(i, v).to_dense().sum().backward()`` fills ``v.grad`` and a sparse leaf made
with ``requires_grad=True`` gets a sparse ``.grad`` with its own pattern. ``_value`` is the
equivalent ``BCOO`` (built on demand), so code that reads a tensor's shape/dtype through its array
keeps working. Index bookkeeping whose size depends on the data (coalescing, nonzero patterns,
intersections) runs on the host in numpy, as torch's CPU kernels do; sparse tensors are therefore
eager-only (not traceable under ``torchlike.compile``).
"""
from __future__ import annotations

import math

import jax
import numpy as np

from .. import _device as _dev
from .. import _dtype as D
from .. import _layout
from .._tensor import Tensor
from .._values_autograd import AutogradThroughValues
from . import _kernels as K


class SparseTensor(AutogradThroughValues, Tensor):
    """A sparse COO tensor. Build with ``torch.sparse_coo_tensor`` or ``Tensor.to_sparse()``."""

    is_sparse = True
    layout = _layout.sparse_coo

    # ------------------------------------------------------------------ construction
    @classmethod
    def _make(cls, idx, vals, shape, coalesced):
        t = object.__new__(cls)
        t._version_box = [0]
        t.__dict__.update(_idx=idx, _vals=vals, _shape=tuple(int(s) for s in shape), _coalesced=bool(coalesced))
        return t

    def _with_values(self, vals, coalesced=None):
        """The same pattern with new values (a zero-preserving elementwise result)."""
        return SparseTensor._make(self._idx, vals, self._shape[:self._idx.shape[0]] + tuple(vals.shape[1:]),
                                  self._coalesced if coalesced is None else coalesced)

    @property
    def _value(self):
        return K._bcoo(self._vals._value, self._idx._value, self._shape)

    @_value.setter
    def _value(self, v):
        raise RuntimeError("in-place changes of a sparse tensor's storage are not supported")

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self):
        from .._size import Size
        return Size(self._shape)

    def size(self, dim=None):
        from .._tensor import _wrap_dim
        return self.shape if dim is None else self._shape[_wrap_dim(dim, len(self._shape))]

    def dim(self):
        return len(self._shape)

    ndim = property(dim)
    ndimension = dim

    def nelement(self):
        return math.prod(self._shape)

    numel = nelement

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self):
        return self._vals.device

    def sparse_dim(self):
        return self._idx.shape[0]

    def dense_dim(self):
        return len(self._shape) - self._idx.shape[0]

    def _nnz(self):
        return self._idx.shape[1]

    def is_coalesced(self):
        return self._coalesced

    def _indices(self):
        return self._idx

    def _values(self):
        return self._vals

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._idx

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def stride(self, dim=None):
        raise RuntimeError("Sparse CPU tensors do not have strides")

    def is_contiguous(self, memory_format=None):
        raise RuntimeError("Sparse CPU tensors do not have is_contiguous")

    def storage_offset(self):
        raise RuntimeError("Cannot access storage of SparseTensorImpl")

    def data_ptr(self):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    # ------------------------------------------------------------------ autograd (through the values)
    @property
    def grad(self):
        g = self._vals._grad
        return None if g is None else self._grad_of_values(g)

    def _grad_of_values(self, g):
        # torch's gradient of a sparse leaf is the dense gradient masked to the leaf's (coalesced)
        # pattern; every copy of a repeated index received that same value, so keep one per index
        if self._coalesced:
            return SparseTensor._make(self._idx, g, self._shape, True)
        idx = host_indices(self)
        keys = np.ravel_multi_index(tuple(idx), self._shape[:idx.shape[0]])
        _, first = np.unique(keys, return_index=True)
        return SparseTensor._make(_index_tensor(idx[:, first], self.device), Tensor._wrap(g._value[first]),
                                  self._shape, True)

    @grad.setter
    def grad(self, value):
        self._vals._grad = None if value is None else value.coalesce()._vals if isinstance(value, SparseTensor) \
            else K.gather(value, host_indices(self))

    def detach(self):
        return SparseTensor._make(self._idx, self._vals.detach(), self._shape, self._coalesced)

    def clone(self, *, memory_format=None):
        return SparseTensor._make(self._idx.clone(), self._vals.clone(), self._shape, self._coalesced)

    # ------------------------------------------------------------------ conversions
    def to(self, *args, **kwargs):
        """``to(device)``/``to(dtype)``: the result stays sparse (indices move, values convert)."""
        dev = kwargs.get("device")
        for a in args:
            if isinstance(a, (str, _dev.device)) or (isinstance(a, int) and not isinstance(a, bool)):
                dev = a
            elif isinstance(a, Tensor):
                dev = a.device
        vals = self._vals.to(*args, **kwargs)
        idx = self._idx if dev is None else self._idx.to(dev)
        if vals is self._vals and idx is self._idx:
            return self
        return SparseTensor._make(idx, vals, self._shape, self._coalesced)

    def cpu(self, memory_format=None):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        return self.to("cuda" if device is None else _dev.device("cuda", device) if isinstance(device, int) else device)

    def double(self, memory_format=None):
        return self.to(D.float64)

    def float(self, memory_format=None):
        return self.to(D.float32)

    def half(self, memory_format=None):
        return self.to(D.float16)

    def long(self, memory_format=None):
        return self.to(D.int64)

    def int(self, memory_format=None):
        return self.to(D.int32)

    def bool(self, memory_format=None):
        return self.to(D.bool)

    def type_as(self, other):
        return self.to(other.dtype)

    def to_dense(self, dtype=None, *, masked_grad=None):
        out = K.to_dense(self._vals, self._idx, shape=self._shape)
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        if layout is _layout.sparse_csr:
            return self.to_sparse_csr()
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(f"to_sparse: conversion from Sparse to Sparse with sparse_dim argument != "
                               f"self.sparse_dim() is not supported (got {sparse_dim}, have {self.sparse_dim()})")
        return self

    def to_sparse_coo(self):
        return self

    def to_sparse_csr(self, dense_dim=None):
        from ._csr import from_coo
        return from_coo(self)

    def numpy(self, *, force=False):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def tolist(self):
        raise RuntimeError("tolist() is not supported for sparse tensors; use to_dense().tolist()")

    def item(self):
        return self.to_dense().item()

    def view(self, *shape):
        raise NotImplementedError("Could not run 'aten::view' with arguments from the 'SparseCPU' backend: "
                                  "view is not available for sparse tensors (use to_dense() first)")

    def __getitem__(self, index):
        raise NotImplementedError("indexing a sparse tensor is not supported; use index_select or to_dense()")

    def __repr__(self, *, tensor_contents=None):
        from ._printing import sparse_repr
        return sparse_repr(self)

    # ------------------------------------------------------------------ structure
    def coalesce(self):
        """Sort the indices and sum the values of repeated indices (torch.Tensor.coalesce)."""
        if self._coalesced:
            return self
        idx = host_indices(self)
        sparse_shape = self._shape[:idx.shape[0]]
        if idx.shape[1] == 0:
            return SparseTensor._make(self._idx, self._vals, self._shape, True)
        keys = np.ravel_multi_index(tuple(idx), sparse_shape)
        uniq, inverse = np.unique(keys, return_inverse=True)
        new_idx = np.stack(np.unravel_index(uniq, sparse_shape)).astype(np.int64)
        vals = K.segment_sum(self._vals, inverse.reshape(-1), n=len(uniq))
        return SparseTensor._make(_index_tensor(new_idx, self.device), vals, self._shape, True)

    def t(self):
        if self.sparse_dim() != 2 or self.dense_dim() != 0:
            if len(self._shape) < 2:
                return self
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but self is "
                               f"{self.sparse_dim()} sparse and {self.dense_dim()} dense")
        return self.transpose(0, 1)

    def transpose(self, dim0, dim1):
        from .._tensor import _wrap_dim
        n = len(self._shape)
        d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
        if d0 == d1:
            return self
        sd = self.sparse_dim()
        if d0 >= sd or d1 >= sd:
            raise RuntimeError("transpose of a sparse tensor's dense dimensions is not supported")
        order = list(range(sd))
        order[d0], order[d1] = order[d1], order[d0]
        shape = list(self._shape)
        shape[d0], shape[d1] = shape[d1], shape[d0]
        idx = _index_tensor(host_indices(self)[order], self.device)
        return SparseTensor._make(idx, self._vals, shape, False)

    # ------------------------------------------------------------------ arithmetic
    def mm(self, mat2):
        return _ops().mm(self, mat2)

    def matmul(self, other):
        return _ops().mm(self, other)

    spmm = mm
    __matmul__ = matmul

    def __rmatmul__(self, other):
        return _ops().mm(other, self)

    def sum(self, dim=None, keepdim=False, dtype=None):
        return _ops().sparse_sum(self, dim, dtype=dtype)

    def softmax(self, dim, dtype=None):
        return _ops().softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return _ops().log_softmax(self, dim, dtype=dtype)

    def add(self, other, *, alpha=1):
        return _ops().add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _ops().add(self, other, alpha=-alpha)

    def mul(self, other):
        return _ops().mul(self, other)

    def div(self, other, *, rounding_mode=None):
        if isinstance(other, Tensor) and other.dim() > 0:
            raise RuntimeError("Sparse division requires a scalar or zero-dim dense tensor divisor (got shape "
                               f"{list(other.shape)})")
        return self._with_values(self._vals.div(other, rounding_mode=rounding_mode))

    __add__ = add
    __sub__ = sub
    __mul__ = mul
    __truediv__ = div

    def __radd__(self, other):
        return _ops().add(other, self)

    def __rsub__(self, other):
        return _ops().add(other, self, alpha=-1)

    def __rmul__(self, other):
        return _ops().mul(other, self)

    def __neg__(self):
        return self._with_values(-self._vals)

    neg = __neg__

    def pow(self, exponent):
        if not isinstance(exponent, (int, float)) or exponent <= 0:
            raise RuntimeError("pow: sparse tensors only support positive scalar exponents "
                               f"(zero is preserved), got {exponent!r}")
        return self._unary("pow", exponent)

    __pow__ = pow

    def _unary(self, name, *args):
        src = self.coalesce()
        return src._with_values(getattr(src._vals, name)(*args))

    def zero_(self):
        z = self._vals.new_zeros((0,) + tuple(self._vals.shape[1:]))
        self.__dict__.update(_idx=_index_tensor(np.zeros((self.sparse_dim(), 0), np.int64), self.device),
                             _vals=z, _coalesced=True)
        return self


def _make_unary(name, linear):
    def f(self):
        return self._with_values(getattr(self._vals, name)()) if linear else self._unary(name)
    f.__name__ = name
    f.__doc__ = f"``{name}`` of the stored values (zero maps to zero, so the pattern is kept)."
    return f


# elementwise ops with f(0) == 0: they act on the stored values only (torch's sparse kernels)
for _name in ("abs", "sqrt", "sin", "tan", "tanh", "relu", "square", "sign", "expm1", "log1p", "asin", "atan",
              "sinh", "asinh", "atanh", "trunc", "floor", "ceil", "round", "frac", "erf", "sgn"):
    setattr(SparseTensor, _name, _make_unary(_name, False))
SparseTensor.conj = _make_unary("conj", True)


def _ops():
    from . import _ops as ops
    return ops


def host_indices(t):
    """``t``'s indices as a numpy array, for the ops that group or sort them on the host; under
    torchlike.compile (traced indices) a clear graph-break error instead."""
    v = t._idx._value
    if isinstance(v, jax.core.Tracer):
        from .._errors import raise_untraceable
        raise_untraceable("A sparse op that reads the indices on the host (coalesce, sparse sum/softmax over "
                          "sparse dims, sparse-sparse elementwise ops, CSR conversion)")
    return np.asarray(v)


def _index_tensor(arr, device):
    t = Tensor._wrap(jax.numpy.asarray(np.asarray(arr, np.int64)))
    return t if device.type == "cpu" else t.to(device)


def _flatten(t):
    return (t._idx, t._vals), (type(t), t._shape, t._coalesced)


def _unflatten(aux, children):
    cls, shape, coalesced = aux
    return cls._make(children[0], children[1], shape, coalesced)


# Under torchlike.compile a sparse argument or result travels as its indices and values tensors
# (traced), with its shape and coalesced flag static: products through BCOO trace; ops that read the
# indices on the host (coalesce, printing) cannot, and fall back to eager (a graph break).
jax.tree_util.register_pytree_node(SparseTensor, _flatten, _unflatten)
