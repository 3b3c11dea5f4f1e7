"""SparseCsrTensor: torch's compressed-sparse-row layout (``torch.sparse_csr``), 2-d without dense dims.

Stored as the equivalent coalesced COO tensor (so every COO operation and its autograd applies)
plus torch's ``crow_indices``/``col_indices`` view of the pattern; ``is_sparse`` is False and
``layout`` is ``torch.sparse_csr``, as in torch.
"""
from __future__ import annotations

import jax
import numpy as np

from .. import _layout
from .._tensor import Tensor
from ._coo import SparseTensor, _index_tensor, host_indices
from ._coo import _flatten as _coo_flatten
from ._coo import _unflatten as _coo_unflatten


class SparseCsrTensor(SparseTensor):
    """A CSR matrix. Build with ``torch.sparse_csr_tensor`` or ``Tensor.to_sparse_csr()``."""

    is_sparse = False
    is_sparse_csr = True
    layout = _layout.sparse_csr

    def crow_indices(self):
        return self._crow

    def col_indices(self):
        return self._idx[1]

    def values(self):
        return self._vals

    def indices(self):
        raise RuntimeError("indices expected sparse coordinate tensor layout but got SparseCsr")

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        if layout is _layout.sparse_csr:
            return self
        return SparseTensor._make(self._idx, self._vals, self._shape, True)

    def to_sparse_coo(self):
        return self.to_sparse()

    def _grad_of_values(self, g):
        return from_coo(super()._grad_of_values(g))  # torch's gradient of a CSR leaf is CSR

    def to_sparse_csr(self, dense_dim=None):
        return self

    def to(self, *args, **kwargs):
        out = self.to_sparse().to(*args, **kwargs)
        return from_coo(out)

    def detach(self):
        return from_coo(self.to_sparse().detach())

    def t(self):
        return from_coo(self.to_sparse().t().coalesce())

    def __repr__(self, *, tensor_contents=None):
        from ._printing import csr_repr
        return csr_repr(self)


def from_coo(coo):
    """The CSR form of a 2-d COO tensor (torch's ``to_sparse_csr``)."""
    if coo.sparse_dim() != 2 or coo.dense_dim() != 0:
        raise RuntimeError(f"to_sparse_csr: expected a 2-d sparse tensor without dense dims, got sparse_dim="
                           f"{coo.sparse_dim()}, dense_dim={coo.dense_dim()}")
    coo = coo.coalesce()
    rows = host_indices(coo)[0]
    crow = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=coo._shape[0]))]).astype(np.int64)
    out = SparseCsrTensor._make(coo._idx, coo._vals, coo._shape, True)
    out._crow = _index_tensor(crow, coo.device)
    return out


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None,
                      pin_memory=False, requires_grad=False, check_invariants=None):
    """torch.sparse_csr_tensor: a CSR matrix from compressed row offsets, column indices and values."""
    from ._ops import sparse_coo_tensor
    crow = np.asarray(crow_indices._value if isinstance(crow_indices, Tensor) else crow_indices).astype(np.int64)
    col = np.asarray(col_indices._value if isinstance(col_indices, Tensor) else col_indices).astype(np.int64)
    if crow.ndim != 1 or col.ndim != 1:
        raise RuntimeError("crow_indices and col_indices must be 1-d for a 2-d CSR tensor")
    if crow[-1] != len(col) or np.any(np.diff(crow) < 0):
        raise RuntimeError(f"`crow_indices[..., -1] == nnz` is not satisfied or crow_indices is not "
                           f"non-decreasing (crow_indices[-1]={int(crow[-1])}, nnz={len(col)})")
    rows = np.repeat(np.arange(len(crow) - 1), np.diff(crow))
    if size is None:
        size = (len(crow) - 1, int(col.max()) + 1 if len(col) else 0)
    coo = sparse_coo_tensor(np.stack([rows, col]), values, size, dtype=dtype, device=device,
                            requires_grad=requires_grad, is_coalesced=True)
    return from_coo(coo)


jax.tree_util.register_pytree_node(SparseCsrTensor, _coo_flatten, _coo_unflatten)  # as SparseTensor
