"""``F.embedding`` and ``F.embedding_bag`` as single Ops.

The row at ``padding_idx`` gets no gradient; ``scale_grad_by_freq`` divides each row's gradient by
its count in the batch; ``max_norm`` renormalises the looked-up rows of ``weight`` in place
(outside autograd) first, as torch does. Out-of-range indices raise IndexError like torch when
the indices are concrete (JAX would clamp them).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor
from ...autograd import grad_mode
from ...ops.registry import Op, apply

__all__ = ["embedding", "embedding_bag"]


def _embedding(idx, w, padding_idx, scale):
    out = jnp.take(w, idx, axis=0)
    if scale:
        flat = idx.reshape(-1)
        counts = jnp.zeros((w.shape[0],), w.dtype).at[flat].add(1)
        s = (1.0 / counts[idx])[..., None].astype(w.dtype)
        sg = jax.lax.stop_gradient(out)
        out = sg + (out - sg) * s  # value unchanged, gradient scaled by 1/count
    if padding_idx is not None:
        out = jnp.where((idx == padding_idx)[..., None], jax.lax.stop_gradient(out), out)
    return out


_embedding_op = Op("embedding", _embedding)


def _check_indices(input, num, fn="embedding"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'indices' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for {fn})")
    if not isinstance(input._value, (jax.core.Tracer, jax.ShapeDtypeStruct)) and input.numel():  # no data: traced/meta
        v = np.asarray(input._value)
        if v.min() < 0 or v.max() >= num:
            raise IndexError("index out of range in self")


def _renorm(w, idx, max_norm, norm_type):
    flat = idx.reshape(-1)
    rows = jnp.unique(flat, size=flat.size, fill_value=flat[0])
    sel = w[rows]
    norms = jnp.sum(jnp.abs(sel) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = jnp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    return w.at[rows].set(sel * scale[:, None])


_renorm_op = Op("embedding_renorm", _renorm, differentiable=False)


def _renorm_rows(weight, input, max_norm, norm_type):
    with grad_mode.no_grad():
        new = apply(_renorm_op, weight, input, max_norm=max_norm, norm_type=norm_type)
        weight._assign(Tensor._wrap(new._value))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Look up rows of ``weight`` at integer ``input``; output shape ``input.shape + (dim,)``."""
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_indices(input, weight.shape[0])
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    if max_norm is not None:
        _renorm_rows(weight, input, float(max_norm), float(norm_type))
    return apply(_embedding_op, input, weight, padding_idx=padding_idx, scale=bool(scale_grad_by_freq))


def _embedding_bag(idx, w, seg, psw, mode, n_bags, padding_idx):
    rows = jnp.take(w, idx, axis=0)
    valid = jnp.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
    if psw is not None:
        rows = rows * psw[:, None].astype(rows.dtype)
    if mode == "max":
        rows = jnp.where(valid[:, None], rows, -jnp.inf)
        out = jax.ops.segment_max(rows, seg, num_segments=n_bags)
        return jnp.where(jnp.isneginf(out), jnp.zeros((), w.dtype), out)
    rows = jnp.where(valid[:, None], rows, jnp.zeros((), w.dtype))
    out = jax.ops.segment_sum(rows, seg, num_segments=n_bags)
    if mode == "mean":
        cnt = jax.ops.segment_sum(valid.astype(w.dtype), seg, num_segments=n_bags)
        out = out / jnp.maximum(cnt, 1)[:, None]
    return out


_embedding_bag_op = Op("embedding_bag", _embedding_bag, backward_name="EmbeddingBagBackward0")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sum/mean/max of embedding rows per bag: 2-D ``input`` (one bag per row) or 1-D with ``offsets``."""
    if weight.dtype.is_floating_point is False or weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    _check_indices(input, weight.shape[0], "embedding_bag")
    if padding_idx is not None and padding_idx < 0:
        padding_idx = weight.size(0) + padding_idx
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        b, l = input.shape
        seg = np.repeat(np.arange(b), l)
        n_bags = b
        flat = input.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = np.asarray(offsets._value).astype(np.int64)
        n = input.shape[0]
        if include_last_offset:
            off = off[:-1]
        n_bags = len(off)
        seg = np.zeros(n, np.int64)
        for k in range(1, n_bags):
            seg[off[k]:] = k
        flat = input
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if max_norm is not None:
        _renorm_rows(weight, flat, float(max_norm), float(norm_type))
    return apply(_embedding_bag_op, flat, weight, jnp.asarray(seg), psw, mode=mode, n_bags=int(n_bags),
                 padding_idx=padding_idx)
