"""scaled_dot_product_attention, MultiheadAttention and the Transformer stack against torch:
same weights via state_dict, outputs / attention weights / gradients, masks of both kinds."""
import numpy as np
import pytest
import torch

import torchlike
import torchlike.nn as nn
import torchlike.nn.functional as F
from conftest import assert_same

TOL = dict(rtol=1e-4, atol=1e-5)


def _pair(cls, *args, **kw):
    torch.manual_seed(0)
    ref, ours = getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw)
    ours.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    return ours, ref


def _t(x, lib, grad=False):
    return lib.tensor(x, requires_grad=grad)


@pytest.mark.parametrize("kind", ["none", "causal", "bool", "float", "gqa"])
def test_sdpa(kind, rng):
    q = rng.standard_normal((2, 4, 5, 8)).astype(np.float32)
    k = rng.standard_normal((2, 4 if kind != "gqa" else 2, 6, 8)).astype(np.float32)
    v = rng.standard_normal(k.shape).astype(np.float32)
    kw = {}
    if kind == "causal":
        kw = dict(is_causal=True, scale=0.3)
    elif kind == "gqa":
        kw = dict(enable_gqa=True)
    outs, grads = [], []
    mask_np = None  # the bool mask drawn for torch, reused for torchlike
    for lib in (torch, torchlike):
        qs, ks, vs = (_t(a, lib, True) for a in (q, k, v))
        m = {}
        if kind == "bool":
            mask = rng.random((5, 6)) > 0.3 if lib is torch else mask_np
            mask[1] = False  # a fully masked row gives zeros
            mask_np = mask
            m = dict(attn_mask=lib.tensor(mask))
        elif kind == "float":
            m = dict(attn_mask=lib.tensor(np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 6)))
        out = (torch.nn.functional if lib is torch else F).scaled_dot_product_attention(qs, ks, vs, **kw, **m)
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)).astype(np.float32))).sum().backward()
        outs.append(out)
        grads.append([qs.grad, ks.grad, vs.grad])
    assert_same(outs[1], outs[0], **TOL)
    assert_same(grads[1], grads[0], **TOL)


def test_sdpa_dropout_and_errors():
    q = torchlike.ones(2, 3, 4)
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=1.0)
    assert_same(out, torch.zeros(2, 3, 4))
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, q, q, attn_mask=torchlike.ones(3, 3), is_causal=True)


@pytest.mark.parametrize("kw,call", [
    (dict(), dict()),
    (dict(batch_first=True), dict(average_attn_weights=False)),
    (dict(add_bias_kv=True, add_zero_attn=True), dict(key_padding_mask="bool")),
    (dict(kdim=3, vdim=5, bias=False), dict(attn_mask="float")),
    (dict(), dict(attn_mask="bool", key_padding_mask="bool", need_weights=False)),
    (dict(batch_first=True), dict(attn_mask="causal", is_causal=True, need_weights=False)),
])
def test_multihead_attention(kw, call, rng):
    ours, ref = _pair("MultiheadAttention", 8, 2, **kw)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert repr(ours) == repr(ref)
    L, S, N = 4, 5, 3
    bf = kw.get("batch_first", False)
    q = rng.standard_normal((N, L, 8) if bf else (L, N, 8)).astype(np.float32)
    k = rng.standard_normal((N, S, kw.get("kdim", 8)) if bf else (S, N, kw.get("kdim", 8))).astype(np.float32)
    v = rng.standard_normal((N, S, kw.get("vdim", 8)) if bf else (S, N, kw.get("vdim", 8))).astype(np.float32)
    if call.get("attn_mask") == "causal":
        k, v = q.copy(), q.copy()
        S = L
    masks = {}
    if call.get("key_padding_mask") == "bool":
        kpm = np.zeros((N, S), bool)
        kpm[0, -2:] = True
        masks["key_padding_mask"] = kpm
    if call.get("attn_mask") == "bool":
        am = np.zeros((L, S), bool)
        am[:, 1] = True
        masks["attn_mask"] = am
    elif call.get("attn_mask") == "float":
        masks["attn_mask"] = np.linspace(-2, 0, L * S, dtype=np.float32).reshape(L, S)
    elif call.get("attn_mask") == "causal":
        masks["attn_mask"] = np.triu(np.full((L, L), -np.inf, np.float32), 1)
    extra = {n: c for n, c in call.items() if n not in ("key_padding_mask", "attn_mask")}
    res, grads = [], []
    for lib, mod in ((torch, ref), (torchlike, ours)):
        qs, ks, vs = (_t(a, lib, True) for a in (q, k, v))
        out, w = mod(qs, ks, vs, **{n: lib.tensor(m) for n, m in masks.items()}, **extra)
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)).astype(np.float32))).sum().backward()
        res.append((out, w))
        grads.append([qs.grad, ks.grad, vs.grad] + [p.grad for _, p in mod.named_parameters()])
    assert_same(res[1][0], res[0][0], **TOL)
    if res[0][1] is None:
        assert res[1][1] is None
    else:
        assert_same(res[1][1], res[0][1], **TOL)
    assert_same(grads[1], grads[0], **TOL)


def test_mha_unbatched(rng):
    ours, ref = _pair("MultiheadAttention", 6, 3)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    ot, wt = ref(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    ol, wl = ours(torchlike.tensor(x), torchlike.tensor(x), torchlike.tensor(x))
    assert_same([ol, wl], [ot, wt], **TOL)


@pytest.mark.parametrize("norm_first,batch_first,act", [(False, False, "relu"), (True, True, "gelu")])
def test_transformer_layers(norm_first, batch_first, act, rng):
    kw = dict(dim_feedforward=16, dropout=0.0, norm_first=norm_first, batch_first=batch_first, activation=act)
    enc, enc_ref = _pair("TransformerEncoderLayer", 8, 2, **kw)
    assert repr(enc) == repr(enc_ref)
    src = rng.standard_normal((3, 5, 8)).astype(np.float32)
    mask = np.triu(np.full((5, 5) if batch_first else (3, 3), -np.inf, np.float32), 1)
    st, sl = torch.tensor(src, requires_grad=True), torchlike.tensor(src, requires_grad=True)
    yt, yl = enc_ref(st, src_mask=torch.tensor(mask)), enc(sl, src_mask=torchlike.tensor(mask))
    assert_same(yl, yt, **TOL)
    yt.sum().backward()
    yl.sum().backward()
    assert_same(sl.grad, st.grad, **TOL)

    dec, dec_ref = _pair("TransformerDecoderLayer", 8, 2, **kw)
    tgt = rng.standard_normal((3, 5, 8)).astype(np.float32)
    assert_same(dec(torchlike.tensor(tgt), yl, tgt_mask=torchlike.tensor(mask)),
                dec_ref(torch.tensor(tgt), yt, tgt_mask=torch.tensor(mask)), **TOL)


def test_full_transformer(rng):
    torch.manual_seed(0)
    ref = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
                               dropout=0.0)
    ours = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
                          dropout=0.0)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert repr(ours) == repr(ref)
    ours.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    src = rng.standard_normal((6, 2, 8)).astype(np.float32)
    tgt = rng.standard_normal((4, 2, 8)).astype(np.float32)
    kpm = np.zeros((2, 6), bool)
    kpm[1, -2:] = True
    tm = nn.Transformer.generate_square_subsequent_mask(4)
    assert_same(tm, torch.nn.Transformer.generate_square_subsequent_mask(4))
    yt = ref(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(np.asarray(tm._value)),
             src_key_padding_mask=torch.tensor(kpm), memory_key_padding_mask=torch.tensor(kpm))
    yl = ours(torchlike.tensor(src), torchlike.tensor(tgt), tgt_mask=tm, src_key_padding_mask=torchlike.tensor(kpm),
              memory_key_padding_mask=torchlike.tensor(kpm))
    assert_same(yl, yt, **TOL)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        ours(torchlike.tensor(src), torchlike.tensor(tgt[:, :1]))


def test_encoder_eval_padding_zeroes(rng):
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    enc_t = torch.nn.TransformerEncoder(layer_t, 2)
    layer_l = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    enc_l = nn.TransformerEncoder(layer_l, 2)
    enc_l.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in enc_t.state_dict().items()})
    enc_t.eval(), enc_l.eval()
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    kpm = np.zeros((2, 5), bool)
    kpm[0, 3:] = True
    with torch.no_grad():
        yt = enc_t(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with torchlike.no_grad():
        yl = enc_l(torchlike.tensor(x), src_key_padding_mask=torchlike.tensor(kpm))
    assert_same(yl, yt, **TOL)
