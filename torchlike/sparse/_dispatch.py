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

from .._routes import route
from .._tensor import Tensor
from ..ops.declare import public
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


def method(fn, name):
    public(fn, name=name, function=False, method=True)


def install(namespace):
    """Wrap the functions of ``namespace`` (the torch module) and the dense Tensor methods."""
    for name, impl in _FUNCTIONS.items():
        impl = impl or _SPECIAL[name]
        dense = getattr(namespace, name, None)
        if dense is None:
            setattr(namespace, name, impl)  # torch.spmm, torch.smm: sparse-first functions of their own
        else:
            route(namespace, name, dense, impl, SparseTensor, (0, 1, 2) if name == "addmm" else (0, 1))
    for name in ("mm", "matmul", "add", "sub", "mul", "__matmul__", "__add__", "__sub__", "__mul__"):
        dense = Tensor.__dict__.get(name)
        if dense is None:
            continue
        base = name.strip("_")
        route(Tensor, name, dense, _FUNCTIONS.get(base) or _SPECIAL.get(base), SparseTensor, (1,))
    method(_ops.to_sparse, name="to_sparse")
    method(_ops.to_sparse_coo, name="to_sparse_coo")
    method(_to_sparse_csr, name="to_sparse_csr")
    method(_to_dense, name="to_dense")


def _to_sparse_csr(self, dense_dim=None):
    """Tensor.to_sparse_csr of a dense 2-d tensor."""
    return _ops.to_sparse(self).to_sparse_csr()


def _to_dense(self, dtype=None, *, masked_grad=None):
    """Tensor.to_dense of a dense tensor: itself (or converted to ``dtype``)."""
    return self if dtype is None else self.to(dtype)
