"""Sparse COO operations with torch's semantics: construction, products, sums, softmax, arithmetic.

Each function accepts the mix of sparse and dense operands torch accepts and returns the layout
torch returns (sparse @ dense is dense, sparse + sparse is sparse, dense + sparse is dense,
sparse * dense keeps the sparse pattern); the combinations torch rejects raise its errors.
"""
from __future__ import annotations

import numpy as np

from .. import _device as _dev
from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from . import _kernels as K
from ._coo import SparseTensor, _index_tensor, host_indices


def _dense(x):
    from ..ops import creation
    return x if isinstance(x, Tensor) else creation.tensor(x)


# ---------------------------------------------------------------------------------- construction
def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """torch.sparse_coo_tensor: a COO tensor from ``indices`` (sparse_dim x nnz) and ``values`` (nnz x ...).

    ``values`` keeps its autograd graph (gradients of the result reach it); ``requires_grad=True``
    makes the result a sparse leaf whose ``.grad`` is sparse. Without ``size`` the shape is the
    largest index + 1 in each sparse dimension followed by the values' trailing dimensions.
    """
    from ..ops import creation
    idx = np.asarray(indices._value if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"indices must be an int64 tensor, got {idx.dtype}")
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    vals = values if isinstance(values, Tensor) else creation.tensor(values, dtype=dtype)
    if dtype is not None and vals.dtype is not D.to_dtype(dtype):
        vals = vals.to(D.to_dtype(dtype))
    if device is not None and _dev.device(device) != vals.device:
        vals = vals.to(device)
    if vals.dim() == 0:
        raise RuntimeError("values must have at least one dimension (nnz)")
    nnz = idx.shape[1]
    if vals.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, "
                           f"nnz from values: {vals.shape[0]}")
    sd = idx.shape[0]
    if size is None:
        sparse_shape = tuple(int(m) + 1 for m in idx.max(axis=1)) if nnz else (0,) * sd
        shape = sparse_shape + tuple(vals.shape[1:])
    else:
        shape = tuple(int(s) for s in size)
        if len(shape) != sd + vals.dim() - 1:
            raise RuntimeError(f"number of dimensions must be sparse_dim ({sd}) + dense_dim ({vals.dim() - 1}), "
                               f"but got {len(shape)}")
        if tuple(vals.shape[1:]) != shape[sd:]:
            raise RuntimeError(f"values has incorrect size, expected {[nnz] + list(shape[sd:])}, got "
                               f"{list(vals.shape)}")
        if nnz:
            if idx.min() < 0:
                raise RuntimeError(f"found negative index {int(idx.min())} for dim "
                                   f"{int(np.argmin(idx.min(axis=1)))}")
            top = idx.max(axis=1)
            for d in range(sd):
                if top[d] >= shape[d]:
                    raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {shape[d]} but "
                                       f"found index {int(top[d])}")
    if requires_grad:
        vals = vals.detach().requires_grad_()
    coalesced = bool(is_coalesced) if is_coalesced is not None else nnz <= 1
    return SparseTensor._make(_index_tensor(idx, vals.device), vals, shape, coalesced)


def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """Tensor.to_sparse: the nonzero entries of a dense tensor as a coalesced COO tensor.

    With ``sparse_dim`` < ndim, the leading ``sparse_dim`` dims are sparse and an index is stored
    when any element of its trailing slice is nonzero. Gradients flow back to the dense tensor
    at the stored positions.
    """
    from .. import _layout
    if isinstance(self, SparseTensor):
        return self.to_sparse(sparse_dim, layout=layout)
    if layout is _layout.sparse_csr:
        return to_sparse(self).to_sparse_csr()
    if layout not in (None, _layout.sparse_coo):
        raise RuntimeError(f"to_sparse: layout {layout} is not supported")
    sd = self.dim() if sparse_dim is None else sparse_dim
    if not 0 < sd <= self.dim() if self.dim() else sd != 0:
        raise RuntimeError(f"sparse_dim argument must be in [0, {self.dim()}] range, but {sd} is given")
    a = np.asarray(self._value)
    mask = a != 0
    if sd < a.ndim:
        mask = mask.any(axis=tuple(range(sd, a.ndim)))
    idx = np.stack(np.nonzero(mask)).astype(np.int64).reshape(sd, -1)
    vals = K.gather(self, idx)
    return SparseTensor._make(_index_tensor(idx, self.device), vals, self.shape, True)


def to_sparse_coo(self):
    return to_sparse(self)


# ---------------------------------------------------------------------------------- products
def _check_mm(a_shape, b_shape):
    if len(a_shape) != 2 or len(b_shape) not in (1, 2) or a_shape[1] != b_shape[0]:
        bs = "x".join(map(str, b_shape))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_shape[0]}x{a_shape[1]} and {bs})"
                           if len(a_shape) == 2 else f"mm: expected 2-D matrices, got {len(a_shape)}-D and "
                           f"{len(b_shape)}-D")


def _check_2d_sparse(s):
    if s.sparse_dim() != 2 or s.dense_dim() != 0:
        raise RuntimeError(f"sparse matrix products need 2 sparse and 0 dense dimensions, got {s.sparse_dim()} "
                           f"sparse and {s.dense_dim()} dense")


def mm(mat1, mat2, reduce=None):
    """sparse @ dense, dense @ sparse and sparse @ sparse (torch.mm / matmul / spmm with a COO operand).

    sparse @ dense and dense @ sparse return dense tensors; sparse @ sparse returns a sparse tensor.
    Gradients reach the sparse operand's values and the dense operand. ``reduce`` ('sum', 'mean',
    'amax', 'amin'; CSR @ dense only, as torch's CPU kernel) reduces each row's products over its
    stored entries instead of summing over all (rows without entries give 0).
    """
    if reduce is not None:
        if reduce not in ("sum", "mean", "amax", "amin"):
            raise RuntimeError(f"reduce argument must be either sum, mean, amax or amin, got {reduce}")
        if not getattr(mat1, "is_sparse_csr", False) or isinstance(mat2, SparseTensor):
            raise RuntimeError("sparse.mm: reduce is only supported for a sparse CSR mat1 and a dense mat2")
        mat2 = _dense(mat2)
        _check_mm(mat1._shape, tuple(mat2.shape))
        return K.sparse_mm_reduce(mat1._vals, mat2, mat1._idx, shape=mat1._shape, reduce=reduce)
    if isinstance(mat1, SparseTensor) and isinstance(mat2, SparseTensor):
        _check_2d_sparse(mat1), _check_2d_sparse(mat2)
        _check_mm(mat1._shape, mat2._shape)
        return to_sparse(mm(mat1, mat2.to_dense()))
    if isinstance(mat1, SparseTensor):
        mat2 = _dense(mat2)
        _check_2d_sparse(mat1)
        _check_mm(mat1._shape, tuple(mat2.shape))
        return K.sparse_mm(mat1._vals, mat2, mat1._idx, shape=mat1._shape)
    mat1 = _dense(mat1)
    _check_2d_sparse(mat2)
    _check_mm(tuple(mat1.shape), mat2._shape)
    return K.dense_mm(mat1, mat2._vals, mat2._idx, shape=mat2._shape)


def spmm(input, mat2):
    """torch.spmm: ``mm`` with a sparse or dense first operand (kept for old GCN code)."""
    if isinstance(input, SparseTensor) or isinstance(mat2, SparseTensor):
        return mm(input, mat2)
    from .. import _functions
    return _functions.mm(input, mat2)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """torch.sparse.addmm / torch.addmm with a sparse ``mat1``: ``beta * input + alpha * (mat1 @ mat2)``."""
    prod = mm(mat1, mat2)
    if isinstance(input, SparseTensor):
        input = input.to_dense()
    out = prod if alpha == 1 else prod * alpha
    return out + (input if beta == 1 else input * beta) if beta != 0 else out


# ---------------------------------------------------------------------------------- reductions
def _group(idx_np, keep, shape):
    """Segment ids of the stored entries when only the sparse dims ``keep`` remain, and their indices."""
    if not keep:
        return np.zeros(idx_np.shape[1], np.int64), np.zeros((0, 1), np.int64)
    sub = idx_np[list(keep)]
    keys = np.ravel_multi_index(tuple(sub), tuple(shape[d] for d in keep)) if sub.shape[1] else np.zeros(0, np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    return inverse.reshape(-1), np.stack(np.unravel_index(uniq, tuple(shape[d] for d in keep))).astype(np.int64)


def sparse_sum(input, dim=None, dtype=None):
    """torch.sparse.sum (and Tensor.sum on a sparse tensor): summing every dim gives a dense 0-d tensor;
    summing some sparse dims gives a coalesced sparse tensor over the rest; summing all sparse dims
    gives a dense tensor over the dense dims."""
    vals = input._vals if dtype is None else input._vals.to(dtype)
    if dim is None:
        return vals.sum()
    n = input.dim()
    dims = sorted({_wrap_dim(d, n) for d in ((dim,) if isinstance(dim, int) else dim)})
    sd = input.sparse_dim()
    dense_red = [d - sd + 1 for d in dims if d >= sd]
    if dense_red:
        vals = vals.sum(dim=dense_red)
    keep = [d for d in range(sd) if d not in dims]
    if len(keep) == sd:
        shape = [s for d, s in enumerate(input._shape) if d not in dims]
        return SparseTensor._make(input._idx, vals, shape, input._coalesced)
    seg, new_idx = _group(host_indices(input), keep, input._shape)
    if not keep:
        return vals.sum(0)
    summed = K.segment_sum(vals, seg, n=new_idx.shape[1])
    shape = [input._shape[d] for d in keep] + [s for d, s in enumerate(input._shape) if d >= sd and d not in dims]
    return SparseTensor._make(_index_tensor(new_idx, input.device), summed, shape, True)


def _softmax(input, dim, dtype, log):
    if not isinstance(input, SparseTensor):
        from ..nn import functional as F
        return (F.log_softmax if log else F.softmax)(input, dim, dtype=dtype)
    src = input.coalesce()
    vals = src._vals if dtype is None else src._vals.to(dtype)
    d = _wrap_dim(dim, src.dim())
    sd = src.sparse_dim()
    if d >= sd:  # a dense dim: an ordinary softmax over the values
        out = (vals.log_softmax if log else vals.softmax)(d - sd + 1)
    else:
        seg, groups = _group(host_indices(src), [k for k in range(sd) if k != d], src._shape)
        out = K.segment_softmax(vals, seg, n=max(groups.shape[1], 1), log=log)
    return src._with_values(out, True)


def softmax(input, dim, *, dtype=None):
    """torch.sparse.softmax: softmax over the stored entries along ``dim`` (unstored ones count as -inf,
    so they stay unstored); the result has the coalesced input's pattern."""
    return _softmax(input, dim, dtype, False)


def log_softmax(input, dim, *, dtype=None):
    """torch.sparse.log_softmax: ``softmax``'s logarithm over the stored entries."""
    return _softmax(input, dim, dtype, True)


# ---------------------------------------------------------------------------------- arithmetic
def add(input, other, *, alpha=1):
    """sparse + sparse (sparse, duplicates summed), dense + sparse (dense); sparse + dense raises as torch."""
    if isinstance(input, SparseTensor) and isinstance(other, SparseTensor):
        if input._shape != other._shape:
            raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size "
                               f"{list(input._shape)} while other has size {list(other._shape)}")
        from .. import _functions as F
        o_vals = other._vals if alpha == 1 else other._vals * alpha
        rt = D.promote_types(input.dtype, o_vals.dtype)
        vals = F.cat([input._vals.to(rt), o_vals.to(rt)])
        idx = F.cat([input._idx, other._idx], dim=1)
        both = input._coalesced and other._coalesced
        summed = SparseTensor._make(idx, vals, input._shape, False).coalesce()
        summed._coalesced = both
        return summed
    if isinstance(input, SparseTensor):
        if isinstance(other, Tensor):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        raise RuntimeError(f"add(sparse, scalar) is not supported for sparse tensors (got {type(other).__name__})")
    input = _dense(input)
    dense = other.to_dense()
    return input.add(dense, alpha=alpha)


def mul(input, other):
    """sparse * scalar / 0-d, sparse * dense (the sparse pattern, values times the dense entries there),
    sparse * sparse (the intersection of the patterns)."""
    if not isinstance(input, SparseTensor):
        input, other = other, input
    if isinstance(other, SparseTensor):
        a, b = input.coalesce(), other.coalesce()
        if a._shape != b._shape:
            raise RuntimeError(f"mul: expected 'self' and 'other' to have same size, but self has size "
                               f"{list(a._shape)} while other has size {list(b._shape)}")
        sparse_shape = a._shape[:a.sparse_dim()]
        ka = np.ravel_multi_index(tuple(host_indices(a)), sparse_shape)
        kb = np.ravel_multi_index(tuple(host_indices(b)), sparse_shape)
        common, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
        from .. import _functions as F
        vals = F.index_select(a._vals, 0, _index_tensor(ia, a.device)) * \
            F.index_select(b._vals, 0, _index_tensor(ib, b.device))
        idx = np.stack(np.unravel_index(common, sparse_shape)).astype(np.int64).reshape(len(sparse_shape), -1)
        return SparseTensor._make(_index_tensor(idx, a.device), vals, a._shape, True)
    if isinstance(other, Tensor) and other.dim() > 0:
        if tuple(other.shape) != input._shape:
            raise RuntimeError(f"mul(sparse, dense): shapes must match, got {list(input._shape)} and "
                               f"{list(other.shape)}")
        picked = K.gather(other, host_indices(input))
        return input._with_values(input._vals * picked)
    return input._with_values(input._vals * other)


def sampled_addmm(input, mat1, mat2, *, beta=1.0, alpha=1.0):
    """torch.sparse.sampled_addmm: ``beta * input + alpha * (mat1 @ mat2)`` evaluated only at the stored
    entries of the sparse CSR ``input``; the result is CSR with input's pattern."""
    from ._csr import from_coo
    if not getattr(input, "is_sparse_csr", False):
        raise RuntimeError(f"sampled_addmm: Expected input to be a sparse CSR tensor, got layout {input.layout}")
    mat1, mat2 = _dense(mat1), _dense(mat2)
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0] \
            or (mat1.shape[0], mat2.shape[1]) != tuple(input._shape):
        raise RuntimeError(f"sampled_addmm: expected input {list(input._shape)} = mat1 {list(mat1.shape)} @ mat2 "
                           f"{list(mat2.shape)}")
    vals = K.sampled_addmm(input._vals, mat1, mat2, input._idx, beta=beta, alpha=alpha)
    return from_coo(SparseTensor._make(input._idx, vals, input._shape, True))
