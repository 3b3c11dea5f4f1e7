"""The registered ops behind sparse tensors, each a pure JAX function over (values, indices, ...).

Values come first so the registry's promotion and autograd see them as the differentiable operand;
indices are int64 arrays and never take part in gradients. Products and densification go through
``jax.experimental.sparse.BCOO`` (indices transposed to BCOO's ``(nnz, sparse_dim)``), whose VJP
gives the gradients to the values and to the dense operand. Index bookkeeping that changes the
number of stored elements (coalescing, intersections) is done on the host by the callers, since
the result's size depends on the data.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from ..ops.registry import Op


def _bcoo(vals, idx, shape):
    from jax.experimental import sparse as jsparse  # on first use: it pulls in scipy.sparse (~0.5 s)
    return jsparse.BCOO((vals, idx.T), shape=shape, indices_sorted=False, unique_indices=False)


to_dense = Op("to_dense", lambda vals, idx, shape: _bcoo(vals, idx, shape).todense(),
              backward_name="ToDenseBackward0")

# sparse @ dense and dense @ sparse (2-d sparse, optionally 1-d/2-d dense operand)
sparse_mm = Op("mm", lambda vals, dense, idx, shape: _bcoo(vals, idx, shape) @ dense, promote="same",
               n_promote=2, backward_name="SparseAddmmBackward0")
dense_mm = Op("mm", lambda dense, vals, idx, shape: dense @ _bcoo(vals, idx, shape), promote="same",
              n_promote=2, backward_name="MmBackward0")

# the stored entries of a dense tensor at the given indices (Tensor.to_sparse, sparse * dense)
gather = Op("sparse_mask", lambda x, idx: x[tuple(idx)], backward_name="ToSparseBackward0")

# sum values that share a segment id: coalescing and reductions over sparse dims
segment_sum = Op("segment_sum", lambda vals, seg, n: jax.ops.segment_sum(vals, seg, num_segments=n),
                 backward_name="SparseSumBackward0")


def _segment_softmax(vals, seg, n, log):
    top = jax.lax.stop_gradient(jax.ops.segment_max(vals, seg, num_segments=n))
    shifted = vals - top[seg]
    total = jax.ops.segment_sum(jnp.exp(shifted), seg, num_segments=n)
    return shifted - jnp.log(total)[seg] if log else jnp.exp(shifted) / total[seg]


segment_softmax = Op("softmax", _segment_softmax, backward_name="SparseSoftmaxBackward0")


def _mm_reduce(vals, dense, idx, shape, reduce):
    # row i of the result reduces A[i, j] * B[j, :] over the stored j of row i; rows with none are 0
    rows, cols = idx[0], idx[1]
    prod = vals[:, None] * dense[cols]
    m = shape[0]
    count = jax.ops.segment_sum(jnp.ones_like(rows), rows, num_segments=m)[:, None]
    if reduce in ("sum", "mean"):
        out = jax.ops.segment_sum(prod, rows, num_segments=m)
        return out / jnp.maximum(count, 1).astype(out.dtype) if reduce == "mean" else out
    seg = jax.ops.segment_max if reduce == "amax" else jax.ops.segment_min
    return jnp.where(count > 0, seg(prod, rows, num_segments=m), jnp.zeros((), prod.dtype))


# torch.sparse.mm(csr, dense, reduce)
sparse_mm_reduce = Op("_sparse_mm_reduce_impl", _mm_reduce, promote="same", n_promote=2,
                      backward_name="SparseMmReduceImplBackward0")

# torch.sparse.sampled_addmm: beta * input + alpha * (mat1 @ mat2) at input's stored entries only
sampled_addmm = Op("sparse_sampled_addmm",
                   lambda vals, a, b, idx, beta, alpha: beta * vals + alpha * jnp.sum(a[idx[0]] * b.T[idx[1]], -1),
                   promote="same", n_promote=3, backward_name="SparseSampledAddmmBackward0")
