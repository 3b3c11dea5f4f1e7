"""Attention: ``F.scaled_dot_product_attention`` and ``F.multi_head_attention_forward``.

Each call is one Op. SDPA follows torch's math backend (bool masks mark positions that TAKE part,
float masks are added, ``is_causal`` is a lower-triangular mask, rows with every key masked give 0
as torch's safe softmax does). ``multi_head_attention_forward`` follows torch's function step by
step: packed or separate input projections, ``bias_k``/``bias_v``, ``add_zero_attn``, key padding
and attention masks (bool True = NOT allowed, float added) merged into one additive mask, the
weights path (plain softmax, per-head or averaged weights) or the SDPA path when weights are not
needed. Dropout draws a JAX key from the default generator.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ..._tensor import Tensor
from ... import _intercept
from ...ops.registry import Op, apply
from .dropout import keep_mask

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _key():
    from ... import random as _random
    return Tensor._wrap(_random.default_generator.next_key())


def _dropout(w, p, key):
    if p <= 0:
        return w
    if p >= 1:
        return jnp.zeros_like(w)
    keep = keep_mask(key, p, w.shape)
    return jnp.where(keep, w / (1 - p), 0).astype(w.dtype)


def _safe_softmax(s):
    m = jnp.max(s, axis=-1, keepdims=True)
    m = jnp.where(jnp.isfinite(m), m, 0)
    e = jnp.exp(s - m)
    tot = jnp.sum(e, axis=-1, keepdims=True)
    return jnp.where(tot > 0, e / jnp.where(tot > 0, tot, 1), 0)


def _sdpa(q, k, v, mask, key, *, is_causal, scale, dropout_p, gqa):
    L, S, E = q.shape[-2], k.shape[-2], q.shape[-1]
    sf = 1 / math.sqrt(E) if scale is None else scale
    if gqa and k.shape[-3] != q.shape[-3]:
        rep = q.shape[-3] // k.shape[-3]
        k = jnp.repeat(k, rep, axis=-3)
        v = jnp.repeat(v, rep, axis=-3)
    s = (q @ jnp.swapaxes(k, -2, -1)) * jnp.asarray(sf, q.dtype)
    if is_causal:
        s = jnp.where(jnp.tril(jnp.ones((L, S), bool)), s, -jnp.inf)
    if mask is not None:
        s = jnp.where(mask, s, -jnp.inf) if mask.dtype == jnp.bool_ else s + mask
    w = _safe_softmax(s).astype(q.dtype)
    w = _dropout(w, dropout_p, key)
    return w @ v


_sdpa_op = Op("scaled_dot_product_attention", _sdpa, backward_name="ScaledDotProductFlashAttentionForCpuBackward0")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """torch.nn.functional.scaled_dot_product_attention."""
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if (query.dtype != key.dtype or query.dtype != value.dtype) and not _intercept.autocast_casts(
            "scaled_dot_product_attention"):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"Expected query and key to have the same last dimension, but got {query.shape[-1]} "
                           f"and {key.shape[-1]}")
    if not enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3] and key.shape[-3] != 1:
        raise RuntimeError(f"The size of tensor a ({query.shape[-3]}) must match the size of tensor b "
                           f"({key.shape[-3]}) at non-singleton dimension {query.dim() - 3}")
    key_arr = _key() if dropout_p > 0 else None
    return apply(_sdpa_op, query, key, value, attn_mask, key_arr, is_causal=bool(is_causal),
                 scale=None if scale is None else float(scale), dropout_p=float(dropout_p), gqa=bool(enable_gqa))


# ------------------------------------------------------------------------------ multi-head attention

def _as_additive(mask, dtype):
    if mask is None:
        return None
    if mask.dtype == jnp.bool_:
        return jnp.where(mask, -jnp.inf, 0).astype(dtype)
    return mask.astype(dtype)


def _mha(q_in, k_in, v_in, w_in, b_in, bias_k, bias_v, w_out, b_out, kpm, attn_mask, wq, wk, wv, static_k,
         static_v, key, *, num_heads, add_zero_attn, dropout_p, need_weights, average, is_causal, separate,
         unbatched):
    if unbatched:
        q_in, k_in, v_in = q_in[:, None], k_in[:, None], v_in[:, None]
        kpm = kpm[None] if kpm is not None else None
    L, N, E = q_in.shape
    H = num_heads
    hd = E // H
    dt = q_in.dtype
    if separate:
        bq, bk, bv = (None, None, None) if b_in is None else (b_in[:E], b_in[E:2 * E], b_in[2 * E:])
        ws = (wq, wk, wv)
    else:
        ws = (w_in[:E], w_in[E:2 * E], w_in[2 * E:])
        bq, bk, bv = (None, None, None) if b_in is None else (b_in[:E], b_in[E:2 * E], b_in[2 * E:])
    q = q_in @ ws[0].T + (bq if bq is not None else 0)
    k = k_in @ ws[1].T + (bk if bk is not None else 0)
    v = v_in @ ws[2].T + (bv if bv is not None else 0)
    kpm = _as_additive(kpm, dt)
    mask = _as_additive(attn_mask, dt)
    if mask is not None and mask.ndim == 2:
        mask = mask[None]
    if bias_k is not None:
        k = jnp.concatenate([k, jnp.broadcast_to(bias_k, (1, N, E))], 0)
        v = jnp.concatenate([v, jnp.broadcast_to(bias_v, (1, N, E))], 0)
        mask = jnp.pad(mask, ((0, 0), (0, 0), (0, 1))) if mask is not None else None
        kpm = jnp.pad(kpm, ((0, 0), (0, 1))) if kpm is not None else None
    q = jnp.swapaxes(q.reshape(L, N * H, hd), 0, 1)
    k = jnp.swapaxes(k.reshape(k.shape[0], N * H, hd), 0, 1) if static_k is None else static_k
    v = jnp.swapaxes(v.reshape(v.shape[0], N * H, hd), 0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = jnp.concatenate([k, jnp.zeros((N * H, 1, hd), dt)], 1)
        v = jnp.concatenate([v, jnp.zeros((N * H, 1, hd), dt)], 1)
        mask = jnp.pad(mask, ((0, 0), (0, 0), (0, 1))) if mask is not None else None
        kpm = jnp.pad(kpm, ((0, 0), (0, 1))) if kpm is not None else None
    S = k.shape[1]
    if kpm is not None:
        kpm = jnp.broadcast_to(kpm.reshape(N, 1, 1, S), (N, H, 1, S)).reshape(N * H, 1, S)
        mask = kpm if mask is None else mask + kpm
    if need_weights:
        s = (q * jnp.asarray(math.sqrt(1.0 / hd), dt)) @ jnp.swapaxes(k, -2, -1)
        if mask is not None:
            s = s + mask
        elif is_causal:
            s = jnp.where(jnp.tril(jnp.ones((L, S), bool)), s, -jnp.inf)
        w = jax.nn.softmax(s, axis=-1)
        w = _dropout(w, dropout_p, key)
        out = w @ v
        out = jnp.swapaxes(out, 0, 1).reshape(L * N, E)
        out = (out @ w_out.T + (b_out if b_out is not None else 0)).reshape(L, N, E)
        w = w.reshape(N, H, L, S)
        if average:
            w = w.mean(axis=1)
        if unbatched:
            out, w = out[:, 0], w[0]
        return out, w
    if mask is not None:
        mask = mask[None] if mask.shape[0] == 1 else mask.reshape(N, H, -1, S)
    out = _sdpa(q.reshape(N, H, L, hd), k.reshape(N, H, S, hd), v.reshape(N, H, S, hd), mask, key,
                is_causal=is_causal and mask is None, scale=None, dropout_p=dropout_p, gqa=False)
    out = jnp.transpose(out, (2, 0, 1, 3)).reshape(N * L, E)
    out = (out @ w_out.T + (b_out if b_out is not None else 0)).reshape(L, N, E)
    return out[:, 0] if unbatched else out


_mha_op = Op("multi_head_attention", _mha, backward_name="AddmmBackward0")


def _check_mask(name, mask):
    if mask is not None and mask.dtype.name not in ("bool",) and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch.nn.functional.multi_head_attention_forward (inputs (L, N, E) or unbatched (L, E))."""
    unbatched = query.dim() == 2
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                             f"query tensor")
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {'unbatched (2-D)' if unbatched else 'batched (3-D)'} `query`, expected `key` and "
                             f"`value` to be {query.dim()}-D but found {key.dim()}-D and {value.dim()}-D tensors "
                             f"respectively")
    _check_mask("key_padding_mask", key_padding_mask)
    _check_mask("attn_mask", attn_mask)
    L = query.shape[0]
    N = 1 if unbatched else query.shape[1]
    E = query.shape[-1]
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    if E % num_heads:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    elif key_padding_mask is not None:
        is_causal = False
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(L, S)}.")
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(N * num_heads, L, S)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != ((S,) if unbatched else (N, S)):
        raise AssertionError(f"expecting key_padding_mask shape of {(N, S)}, but got {key_padding_mask.shape}")
    if bias_k is not None and static_k is not None:
        raise AssertionError("bias cannot be added to static key.")
    if not training:
        dropout_p = 0.0
    rng = _key() if dropout_p > 0 else None
    res = apply(_mha_op, query, key, value, None if use_separate_proj_weight else in_proj_weight, in_proj_bias,
                bias_k, bias_v, out_proj_weight, out_proj_bias, key_padding_mask, attn_mask,
                q_proj_weight if use_separate_proj_weight else None, k_proj_weight if use_separate_proj_weight else None,
                v_proj_weight if use_separate_proj_weight else None, static_k, static_v, rng,
                num_heads=int(num_heads), add_zero_attn=bool(add_zero_attn), dropout_p=float(dropout_p),
                need_weights=bool(need_weights), average=bool(average_attn_weights), is_causal=bool(is_causal),
                separate=bool(use_separate_proj_weight), unbatched=unbatched)
    if need_weights:
        return res
    return res, None
