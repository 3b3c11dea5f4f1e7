"""ONNX conversions of attention: ``F.scaled_dot_product_attention``, ``nn.MultiheadAttention`` and the
Transformer encoder/decoder layers and stacks, decomposed into MatMul/Softmax (opset 17 has no
attention operator).

Masks follow torch's two conventions. For scaled_dot_product_attention a bool mask marks the positions
that TAKE part, and rows whose every key is masked give 0 (torch's safe softmax). For
MultiheadAttention bool ``attn_mask``/``key_padding_mask`` mark positions that are NOT allowed; both
become additive float masks and are summed, as torch's ``multi_head_attention_forward`` does; with
``need_weights=True`` a fully masked row gives NaN (plain softmax), with ``need_weights=False``
0 (torch takes its SDPA path). Float masks are added to the scores. ``is_causal`` is a constant
lower-triangular mask of the example run's sizes.
"""
from __future__ import annotations

import math

import numpy as np

from ._builder import T
from ._ops import FUNCTIONS, MODULES, name_of
from .errors import UnsupportedOperatorError


def _np(t):
    return np.asarray(t.detach()._value)


def _dtype_of(a):
    return a.np_dtype if isinstance(a, T) else _np(a).dtype


def _additive(b, mask, dtype, masked_when):
    """``mask`` (a T or a constant Tensor) as a float mask to add to the scores: a bool mask becomes
    -inf where it equals ``masked_when`` and 0 elsewhere; a float mask is used as it is."""
    name = name_of(b, mask)
    if _dtype_of(mask) != np.bool_:
        return name
    neg, zero = b.const(np.array(-np.inf, dtype)), b.const(np.array(0, dtype))
    return b.op("Where", [name, neg, zero] if masked_when else [name, zero, neg])


def _safe_softmax(b, scores):
    """Softmax over the last axis; rows of all -inf give 0 instead of NaN."""
    w = b.op("Softmax", [scores], axis=-1)
    return b.op("Where", [b.op("IsNaN", [w]), b.const(np.array(0, np.float32)), w])


def _causal(b, L, S, dtype):
    return b.const(np.where(np.tril(np.ones((L, S), bool)), 0, -np.inf).astype(dtype), hint="causal_mask")


def _swap_last(b, name, ndim):
    perm = list(range(ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return b.op("Transpose", [name], perm=perm)


def _sdpa(b, q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """F.scaled_dot_product_attention with bool/float masks, is_causal and enable_gqa (dropout_p must be 0:
    torch applies it even in eval mode, and a random draw cannot be exported)."""
    if dropout_p:
        raise UnsupportedOperatorError("torch.nn.functional.scaled_dot_product_attention",
                                       f"dropout_p={dropout_p} (random; pass 0.0 outside training)")
    kn, vn = k.name, v.name
    if enable_gqa and k.shape[-3] != q.shape[-3]:
        rep = q.shape[-3] // k.shape[-3]

        def repeat(t):  # repeat_interleave along the head axis
            s = list(t.shape)
            x = b.op("Unsqueeze", [t.name, b.ints([t.ndim - 2])])
            x = b.op("Expand", [x, b.ints(s[:-2] + [rep] + s[-2:])])
            return b.op("Reshape", [x, b.ints(s[:-3] + [s[-3] * rep] + s[-2:])])
        kn, vn = repeat(k), repeat(v)
    L, S = q.shape[-2], k.shape[-2]
    sf = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = b.op("Mul", [b.op("MatMul", [q.name, _swap_last(b, kn, k.ndim)]), name_of(b, float(sf), q)])
    if is_causal:
        scores = b.op("Add", [scores, _causal(b, L, S, q.np_dtype)])
    if attn_mask is not None:
        scores = b.op("Add", [scores, _additive(b, attn_mask, q.np_dtype, masked_when=False)])
    masked = is_causal or attn_mask is not None
    w = _safe_softmax(b, scores) if masked else b.op("Softmax", [scores], axis=-1)
    return b.op("MatMul", [w, vn])


FUNCTIONS["scaled_dot_product_attention"] = _sdpa


def _pad_last(b, name, rank, extra, axis=-1):
    """Append ``extra`` zeros along ``axis`` (keys added by bias_k / add_zero_attn take part unmasked)."""
    if not extra:
        return name
    pads = [0] * (2 * rank)
    pads[rank + axis % rank] = extra
    return b.op("Pad", [name, b.ints(pads)])


def _mha(b, m, q, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
         average_attn_weights=True, is_causal=False):
    """nn.MultiheadAttention in eval mode: packed or separate (kdim/vdim) projections, batch_first,
    unbatched inputs, bias_k/bias_v, add_zero_attn, key_padding_mask and attn_mask (2-D or
    (N*heads, L, S), bool or float)."""
    e, h = m.embed_dim, m.num_heads
    d = e // h
    unbatched = query.ndim == 2
    dtype = query.np_dtype
    L = query.shape[0 if unbatched or not m.batch_first else 1]
    S = key.shape[0 if unbatched or not m.batch_first else 1]
    extra = int(m.bias_k is not None) + int(bool(m.add_zero_attn))  # key positions appended to the S given
    if m._qkv_same_embed_dim:
        w = _np(m.in_proj_weight)
        ws = [w[i * e:(i + 1) * e] for i in range(3)]
    else:
        ws = [_np(m.q_proj_weight), _np(m.k_proj_weight), _np(m.v_proj_weight)]
    bias = None if m.in_proj_bias is None else _np(m.in_proj_bias)

    def to_batch_first(t):
        if unbatched:
            return b.op("Unsqueeze", [t.name, b.ints([0])])
        return t.name if m.batch_first else b.op("Transpose", [t.name], perm=[1, 0, 2])

    def project(t, i, extra_row=None):  # (N, len, E) -> (N, heads, len, d)
        y = b.op("MatMul", [to_batch_first(t), b.const(ws[i].T, hint=f"{q}.in_proj_{'qkv'[i]}")])
        if bias is not None:
            y = b.op("Add", [y, b.const(bias[i * e:(i + 1) * e], hint=f"{q}.in_proj_bias_{'qkv'[i]}")])
        if extra_row is not None:  # bias_k / bias_v: one more key position for every batch entry
            rows = b.op("Concat", [b.op("Shape", [y], start=0, end=1), b.ints([1, e])], axis=0)
            row = b.op("Expand", [b.const(_np(extra_row).reshape(1, 1, e), hint=f"{q}.bias_{'qkv'[i]}"), rows])
            y = b.op("Concat", [y, row], axis=1)
        y = b.op("Transpose", [b.op("Reshape", [y, b.ints([0, 0, h, d])])], perm=[0, 2, 1, 3])
        return _pad_last(b, y, 4, int(bool(m.add_zero_attn)) if i else 0, axis=2)

    qh, kh, vh = project(query, 0), project(key, 1, m.bias_k), project(value, 2, m.bias_v)
    scores = b.op("Mul", [b.op("MatMul", [qh, b.op("Transpose", [kh], perm=[0, 1, 3, 2])]),
                          name_of(b, 1 / math.sqrt(d), query)])
    use_causal = is_causal and key_padding_mask is None and not need_weights  # torch's SDPA shortcut
    masked = False
    if use_causal:
        scores, masked = b.op("Add", [scores, _causal(b, L, S + extra, dtype)]), True
    elif attn_mask is not None:
        am = _pad_last(b, _additive(b, attn_mask, dtype, masked_when=True), len(attn_mask.shape), extra)
        am = b.op("Reshape", [am, b.ints([-1, h, L, S + extra])]) if len(attn_mask.shape) == 3 else am
        scores, masked = b.op("Add", [scores, am]), True
    if key_padding_mask is not None:
        kp = _additive(b, key_padding_mask, dtype, masked_when=True)
        kp = _pad_last(b, b.op("Unsqueeze", [kp, b.ints([0])]) if unbatched else kp, 2, extra)
        scores, masked = b.op("Add", [scores, b.op("Unsqueeze", [kp, b.ints([1, 2])])]), True
    if need_weights or not masked:
        attn = b.op("Softmax", [scores], axis=-1)
    else:
        attn = _safe_softmax(b, scores)
    ctx = b.op("Reshape", [b.op("Transpose", [b.op("MatMul", [attn, vh])], perm=[0, 2, 1, 3]), b.ints([0, 0, e])])
    out = b.op("MatMul", [ctx, b.const(_np(m.out_proj.weight).T, hint=f"{q}.out_proj_t")])
    if m.out_proj.bias is not None:
        out = b.op("Add", [out, b.weight(m.out_proj.bias, f"{q}.out_proj.bias")])
    if unbatched:
        out = b.op("Squeeze", [out, b.ints([0])])
    elif not m.batch_first:
        out = b.op("Transpose", [out], perm=[1, 0, 2])
    weights = None
    if need_weights:
        weights = b.op("ReduceMean", [attn], axes=[1], keepdims=0) if average_attn_weights else attn
        if unbatched:
            weights = b.op("Squeeze", [weights, b.ints([0])])
    return out, weights


MODULES["MultiheadAttention"] = _mha


class _Layer:
    """Helpers to convert a Transformer layer's submodules on values shaped like ``like``."""

    def __init__(self, b, m, q):
        self.b, self.m, self.q = b, m, q

    def run(self, name, x, *args, **kw):
        mod = getattr(self.m, name)
        conv = MODULES.get(type(mod).__name__)
        if conv is None:
            raise UnsupportedOperatorError(f"torch.nn.{type(mod).__name__}")
        out = conv(self.b, mod, f"{self.q}.{name}", x, *args, **kw)
        return T(out[0] if isinstance(out, tuple) else out, x.value)

    def attend(self, name, x, mem, mask, kpm, is_causal):
        return self.run(name, x, mem, mem, attn_mask=mask, key_padding_mask=kpm, need_weights=False,
                        is_causal=is_causal)

    def activation(self, x):
        act = self.m.activation
        from ..nn import Module
        if isinstance(act, Module):
            conv = MODULES.get(type(act).__name__)
            out = conv(self.b, act, f"{self.q}.activation", x) if conv else None
        else:
            plain = getattr(act, "__wrapped_dense__", act)
            conv = FUNCTIONS.get(getattr(plain, "__name__", ""))
            out = conv(self.b, x) if conv else None
        if out is None:
            raise UnsupportedOperatorError("torch.nn.TransformerEncoderLayer", f"activation {act!r}")
        return T(out, x.value)

    def feed_forward(self, x):
        return self.run("linear2", self.activation(self.run("linear1", x)))

    def add(self, a, c):
        return T(self.b.op("Add", [a.name, c.name]), a.value)


def _encoder_layer(b, m, q, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
    """nn.TransformerEncoderLayer (eval mode: dropout is the identity), with its masks."""
    lay = _Layer(b, m, q)

    def sa(x):
        return lay.attend("self_attn", x, x, src_mask, src_key_padding_mask, is_causal)
    x = src
    if m.norm_first:
        x = lay.add(x, sa(lay.run("norm1", x)))
        x = lay.add(x, lay.feed_forward(lay.run("norm2", x)))
    else:
        x = lay.run("norm1", lay.add(x, sa(x)))
        x = lay.run("norm2", lay.add(x, lay.feed_forward(x)))
    return x.name


def _decoder_layer(b, m, q, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                   memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
    """nn.TransformerDecoderLayer (eval mode), with its masks."""
    lay = _Layer(b, m, q)

    def sa(x):
        return lay.attend("self_attn", x, x, tgt_mask, tgt_key_padding_mask, tgt_is_causal)

    def ca(x):
        return lay.attend("multihead_attn", x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
    x = tgt
    if m.norm_first:
        x = lay.add(x, sa(lay.run("norm1", x)))
        x = lay.add(x, ca(lay.run("norm2", x)))
        x = lay.add(x, lay.feed_forward(lay.run("norm3", x)))
    else:
        x = lay.run("norm1", lay.add(x, sa(x)))
        x = lay.run("norm2", lay.add(x, ca(x)))
        x = lay.run("norm3", lay.add(x, lay.feed_forward(x)))
    return x.name


MODULES["TransformerEncoderLayer"] = _encoder_layer
MODULES["TransformerDecoderLayer"] = _decoder_layer


def _encoder(b, m, q, src, mask=None, src_key_padding_mask=None, is_causal=None):
    """nn.TransformerEncoder: its layers, the nested-tensor zeroing of padded positions where the real
    run applied it (eval mode without autograd, bool key_padding_mask), then the final norm."""
    from ..autograd import grad_mode
    x = src
    for i, layer in enumerate(m.layers):
        x = T(_encoder_layer(b, layer, f"{q}.layers.{i}", x, mask, src_key_padding_mask, bool(is_causal)), src.value)
    kpm = src_key_padding_mask
    if (m.use_nested_tensor and not m.training and kpm is not None and src.ndim == 3 and _dtype_of(kpm) == np.bool_
            and not (grad_mode.is_grad_enabled()
                     and (src.value.requires_grad or any(p.requires_grad for p in m.parameters())))):
        keep = b.op("Cast", [b.op("Not", [name_of(b, kpm)])], to=_onnx_type(src.np_dtype))
        x = T(b.op("Mul", [x.name, b.op("Unsqueeze", [keep, b.ints([-1])])]), src.value)
    if m.norm is not None:
        x = _Layer(b, m, q).run("norm", x)
    return x.name


def _decoder(b, m, q, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
             memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
    """nn.TransformerDecoder: its layers, then the final norm."""
    x = tgt
    for i, layer in enumerate(m.layers):
        x = T(_decoder_layer(b, layer, f"{q}.layers.{i}", x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                             memory_key_padding_mask, bool(tgt_is_causal), memory_is_causal), tgt.value)
    if m.norm is not None:
        x = _Layer(b, m, q).run("norm", x)
    return x.name


def _transformer(b, m, q, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                 tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                 memory_is_causal=False):
    """nn.Transformer: the encoder on ``src``, then the decoder on ``tgt`` and the encoder's output."""
    memory = T(_encoder(b, m.encoder, f"{q}.encoder", src, src_mask, src_key_padding_mask, src_is_causal), src.value)
    return _decoder(b, m.decoder, f"{q}.decoder", tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                    memory_key_padding_mask, tgt_is_causal, memory_is_causal)


MODULES["TransformerEncoder"] = _encoder
MODULES["TransformerDecoder"] = _decoder
MODULES["Transformer"] = _transformer


def _onnx_type(dtype):
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
