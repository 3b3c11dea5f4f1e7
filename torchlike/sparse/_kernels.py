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
