"""torch.sparse: sparse COO (and CSR) tensors over ``jax.experimental.sparse``.

``torch.sparse_coo_tensor``/``Tensor.to_sparse`` build a :class:`SparseTensor` (see ``_coo`` for the
representation and how autograd reaches the values); ``torch.sparse.mm``/``addmm``/``sum``/
``softmax``/``log_softmax`` and ``torch.spmm``/``mm``/``matmul`` with a sparse operand follow
torch's layout rules (sparse @ dense is dense). Sparse tensors are eager-only.
"""
from __future__ import annotations

from . import _dispatch
from ._coo import SparseTensor
from ._csr import SparseCsrTensor, sparse_csr_tensor
from ._ops import addmm, log_softmax, mm, sampled_addmm, softmax, sparse_coo_tensor, spmm
from ._ops import sparse_sum as sum  # noqa: A001  (torch.sparse.sum)

__all__ = ["addmm", "mm", "sampled_addmm", "sum", "softmax", "log_softmax", "check_sparse_tensor_invariants"]


class check_sparse_tensor_invariants:
    """torch.sparse.check_sparse_tensor_invariants: a context manager/decorator toggling invariant checks.

    torchlike always checks indices against the size when a sparse tensor is built, so this only
    records the flag (``is_enabled``) for code that reads it.
    """

    _enabled = False

    def __init__(self, enable=True):
        self._flag = enable

    @staticmethod
    def is_enabled():
        return check_sparse_tensor_invariants._enabled

    @staticmethod
    def enable():
        check_sparse_tensor_invariants._enabled = True

    @staticmethod
    def disable():
        check_sparse_tensor_invariants._enabled = False

    def __enter__(self):
        self._saved = check_sparse_tensor_invariants._enabled
        check_sparse_tensor_invariants._enabled = self._flag

    def __exit__(self, *exc):
        check_sparse_tensor_invariants._enabled = self._saved

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapped(*a, **k):
            with self:
                return fn(*a, **k)
        return wrapped
