"""Route torch functions and dense Tensor methods to the sparse implementations when an operand is sparse.

torch dispatches on the layout of its operands inside each op; here the few ``torch.*`` functions
and dense ``Tensor`` methods that real sparse code calls with a sparse operand (``torch.mm``,
``torch.matmul``, ``torch.add``, ``torch.sum``, ``dense.mm(sparse)`` ...) are wrapped once, at
import, by a check of their first two arguments, which costs one ``isinstance`` per call when no
operand is sparse. Sparse receivers need no wrapping: ``SparseTensor`` overrides the methods, and
its reflected dunders (``__radd__``, ``__rmatmul__``) win over the dense ones because Python tries
a subclass's reflected operator first.
"""
from __future__ import annotations

import functools

from .._tensor import Tensor
from . import _ops
from ._coo import SparseTensor

# torch function -> sparse implementation taking the same arguments
_FUNCTIONS = {
    "mm": _ops.mm, "matmul": _ops.mm, "spmm": _ops.spmm, "smm": _ops.mm, "addmm": None,
    "add": _ops.add, "sub": lambda a, b, alpha=1: _ops.add(a, b, alpha=-alpha), "mul": _ops.mul,
    "sum": None, "softmax": None, "log_softmax": None,
}


def _sum(input, dim=None, keepdim=False, *, dtype=None):
    return _ops.sparse_sum(input, dim, dtype=dtype)


def _addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    return _ops.addmm(input, mat1, mat2, beta=beta, alpha=alpha)


def _softmax(input, dim, dtype=None, **kw):
    return _ops.softmax(input, dim, dtype=dtype)


def _log_softmax(input, dim, dtype=None, **kw):
    return _ops.log_softmax(input, dim, dtype=dtype)


_SPECIAL = {"sum": _sum, "addmm": _addmm, "softmax": _softmax, "log_softmax": _log_softmax}


def _route(dense_fn, sparse_fn, positions):
    @functools.wraps(dense_fn)
    def f(*args, **kwargs):
        for i in positions:
            if len(args) > i and isinstance(args[i], SparseTensor):
                return sparse_fn(*args, **kwargs)
        return dense_fn(*args, **kwargs)
    f.__wrapped_dense__ = dense_fn
    return f


def install(namespace):
    """Wrap the functions of ``namespace`` (the torch module) and the dense Tensor methods."""
    for name, impl in _FUNCTIONS.items():
        impl = impl or _SPECIAL[name]
        dense = getattr(namespace, name, None)
        if dense is None:
            setattr(namespace, name, impl)
        elif not hasattr(dense, "__wrapped_dense__"):
            setattr(namespace, name, _route(dense, impl, (0, 1, 2) if name == "addmm" else (0, 1)))
    for name in ("mm", "matmul", "add", "sub", "mul", "__matmul__", "__add__", "__sub__", "__mul__"):
        dense = Tensor.__dict__.get(name)
        if dense is None or hasattr(dense, "__wrapped_dense__"):
            continue
        base = name.strip("_")
        impl = _FUNCTIONS.get(base) or _SPECIAL.get(base)
        setattr(Tensor, name, _route(dense, impl, (1,)))
    Tensor.to_sparse = _ops.to_sparse
    Tensor.to_sparse_coo = _ops.to_sparse_coo
    Tensor.to_sparse_csr = lambda self, dense_dim=None: _ops.to_sparse(self).to_sparse_csr()
    Tensor.to_dense = lambda self, dtype=None, *, masked_grad=None: self if dtype is None else self.to(dtype)
    Tensor.is_sparse_csr = False
