"""nn.functional ops on jagged nested tensors: linear, activations, dropout, layer_norm, and
scaled_dot_product_attention (each sequence attends only within itself)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._jagged import NestedTensor, _from_padded


def linear(input, weight, bias=None):
    """F.linear on a nested (B, ..., in) input: the projection of every row of the packed values."""
    from ..nn._functional import linear as FL
    if input._ragged_idx == input.dim() - 1:
        raise RuntimeError("linear(): the last dim of a nested input must not be the ragged one")
    return input._like(FL.linear.__wrapped_dense__(input._vals, weight, bias))


def rowwise(fn):
    """An nn.functional op that acts on the last dims only (activations, dropout, layer_norm) on nested input."""
    def f(input, *args, **kwargs):
        return input._like(fn(input._vals, *args, **kwargs))
    f.__name__ = getattr(fn, "__name__", "rowwise")
    return f


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """SDPA over nested (B, H, j, E) query/key/value (ragged dim 2, as after ``unflatten(-1, [H, E]).transpose(1, 2)``).

    Each sequence attends to the keys of its own sequence only; ``is_causal`` masks keys after the
    query position (top-left aligned). Computed on padded tensors with a key mask, then packed back.
    """
    from ..nn._functional import attention as FA
    sdpa = FA.scaled_dot_product_attention
    sdpa = getattr(sdpa, "__wrapped_dense__", sdpa)
    if attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention(): attn_mask is not supported for nested tensors")
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, NestedTensor) or t.dim() != 4 or t._ragged_idx != 2:
            raise RuntimeError(f"scaled_dot_product_attention(): expected nested {name} of shape (B, H, j, E) with "
                               f"the ragged dim at 2, got {tuple(t.shape) if isinstance(t, Tensor) else type(t)}")
    if not np.array_equal(key._offsets_np, value._offsets_np):
        raise RuntimeError("scaled_dot_product_attention(): key and value must have the same ragged structure")
    q, k, v = (t.to_padded_tensor(0.0) for t in (query, key, value))
    lk = key._lens()
    kmask = np.arange(k.shape[2])[None, :] < lk[:, None]  # (B, Lk)
    mask = np.broadcast_to(kmask[:, None, None, :], (len(lk), 1, q.shape[2], k.shape[2]))
    if is_causal:
        mask = mask & np.tril(np.ones((q.shape[2], k.shape[2]), bool))[None, None]
    from ..ops import creation
    out = sdpa(q, k, v, attn_mask=creation.tensor(np.ascontiguousarray(mask)), dropout_p=dropout_p, scale=scale,
               enable_gqa=enable_gqa)
    return _from_padded(out, query, 2)
