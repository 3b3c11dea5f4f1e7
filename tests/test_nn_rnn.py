"""RNN/LSTM/GRU (+cells, packed sequences) against torch: same weights via state_dict, compare
outputs, final states, and input / initial-state / parameter gradients."""
import numpy as np
import pytest
import torch

import torchlike
import torchlike.nn as nn
from torchlike.nn.utils import rnn as U
from conftest import assert_same

TOL = dict(rtol=1e-4, atol=1e-5)


def _pair(cls, kw):
    torch.manual_seed(0)
    ref, ours = getattr(torch.nn, cls)(**kw), getattr(nn, cls)(**kw)
    ours.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    return ours, ref


def _weights(o):
    return np.cos(np.arange(o.numel())).reshape(tuple(o.shape)).astype(np.float32)


def _loss(outs, lib):
    return sum((o * lib.tensor(_weights(o))).sum() for o in outs)


@pytest.mark.parametrize("cls,kw,hx_shapes,lengths", [
    ("LSTM", dict(input_size=4, hidden_size=6), None, None),
    ("LSTM", dict(input_size=4, hidden_size=6, num_layers=2, bidirectional=True), [(4, 3, 6), (4, 3, 6)], None),
    ("LSTM", dict(input_size=4, hidden_size=6, num_layers=2, proj_size=3, batch_first=True), [(2, 5, 3), (2, 5, 6)],
     None),
    ("GRU", dict(input_size=4, hidden_size=6, num_layers=2, bidirectional=True, bias=False), [(4, 3, 6)], None),
    ("GRU", dict(input_size=4, hidden_size=6, num_layers=2, batch_first=True), [(2, 5, 6)], None),
    ("RNN", dict(input_size=4, hidden_size=6, nonlinearity="relu", num_layers=2), None, None),
    ("RNN", dict(input_size=4, hidden_size=5, bidirectional=True), [(2, 3, 5)], None),
    ("LSTM", dict(input_size=4, hidden_size=6, num_layers=2, bidirectional=True), None, [3, 5, 2]),
    ("GRU", dict(input_size=4, hidden_size=6, bidirectional=True, batch_first=True), [(2, 5, 6)], [3, 1, 2, 1, 2]),
])
def test_recurrent(cls, kw, hx_shapes, lengths, rng):
    ours, ref = _pair(cls, kw)
    assert repr(ours) == repr(ref)
    assert list(ours.state_dict()) == list(ref.state_dict())
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    xt, xl = torch.tensor(x, requires_grad=True), torchlike.tensor(x, requires_grad=True)
    bf = kw.get("batch_first", False)
    it, il = xt, xl
    if lengths is not None:
        it = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=bf, enforce_sorted=False)
        il = U.pack_padded_sequence(xl, lengths, batch_first=bf, enforce_sorted=False)
        assert_same(il.data, it.data)
        assert_same(il.batch_sizes, it.batch_sizes)
    ht = hl = None
    if hx_shapes is not None:
        hs = [rng.standard_normal(s).astype(np.float32) for s in hx_shapes]
        ht = tuple(torch.tensor(h, requires_grad=True) for h in hs)
        hl = tuple(torchlike.tensor(h, requires_grad=True) for h in hs)
        if cls != "LSTM":
            ht, hl = ht[0], hl[0]
    yt, st = ref(it, ht)
    yl, sl = ours(il, hl)
    if lengths is not None:
        assert isinstance(yl, U.PackedSequence)
        yt, lt = torch.nn.utils.rnn.pad_packed_sequence(yt, batch_first=bf)
        yl, ll = U.pad_packed_sequence(yl, batch_first=bf)
        assert_same(ll, lt)
    outs_t = [yt, *st] if cls == "LSTM" else [yt, st]
    outs_l = [yl, *sl] if cls == "LSTM" else [yl, sl]
    assert_same(outs_l, outs_t, **TOL)
    _loss(outs_t, torch).backward()
    _loss(outs_l, torchlike).backward()
    assert_same(xl.grad, xt.grad, **TOL)
    if hx_shapes is not None:
        for a, b in zip(hl if cls == "LSTM" else [hl], ht if cls == "LSTM" else [ht]):
            assert_same(a.grad, b.grad, **TOL)
    pt = dict(ref.named_parameters())
    for n, p in ours.named_parameters():
        assert_same(p.grad, pt[n].grad, **TOL)


def test_unbatched_and_eval_dropout(rng):
    ours, ref = _pair("LSTM", dict(input_size=4, hidden_size=6, num_layers=2, dropout=0.3))
    ours.eval(), ref.eval()
    x = rng.standard_normal((5, 4)).astype(np.float32)
    yt, (ht, ct) = ref(torch.tensor(x))
    yl, (hl, cl) = ours(torchlike.tensor(x))
    assert_same([yl, hl, cl], [yt, ht, ct], **TOL)
    ours.train()
    y1, _ = ours(torchlike.tensor(x))
    assert y1.shape == yl.shape and not np.allclose(np.asarray(y1._value), np.asarray(yl._value))


@pytest.mark.parametrize("cls,kw", [("RNNCell", dict(nonlinearity="relu")), ("LSTMCell", {}), ("GRUCell", {}),
                                    ("GRUCell", dict(bias=False))])
def test_cells(cls, kw, rng):
    ours, ref = _pair(cls, dict(input_size=4, hidden_size=5, **kw))
    assert repr(ours) == repr(ref)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    h = rng.standard_normal((3, 5)).astype(np.float32)
    xt, xl = torch.tensor(x, requires_grad=True), torchlike.tensor(x, requires_grad=True)
    if cls == "LSTMCell":
        yt, yl = ref(xt, (torch.tensor(h), torch.tensor(h))), ours(xl, (torchlike.tensor(h), torchlike.tensor(h)))
    else:
        yt, yl = ref(xt, torch.tensor(h)), ours(xl, torchlike.tensor(h))
    yt = list(yt) if isinstance(yt, tuple) else [yt]
    yl = list(yl) if isinstance(yl, tuple) else [yl]
    assert_same(yl, yt, **TOL)
    _loss(yt, torch).backward()
    _loss(yl, torchlike).backward()
    assert_same(xl.grad, xt.grad, **TOL)
    # unbatched, zero state
    r1 = ref(torch.tensor(x[0]))
    o1 = ours(torchlike.tensor(x[0]))
    assert_same(o1, r1, **TOL)


def test_pad_and_pack_sequence(rng):
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (4, 2, 3)]
    for bf in (False, True):
        assert_same(U.pad_sequence([torchlike.tensor(s) for s in seqs], batch_first=bf, padding_value=-1.0),
                    torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf,
                                                    padding_value=-1.0))
    pt = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    pl = U.pack_sequence([torchlike.tensor(s) for s in seqs], enforce_sorted=False)
    for a, b in zip(pl, pt):
        assert_same(a, b)
    back = U.unpack_sequence(pl)
    for a, s in zip(back, seqs):
        np.testing.assert_array_equal(np.asarray(a._value), s)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        U.pack_sequence([torchlike.tensor(s) for s in seqs])
    padded, lens = U.pad_packed_sequence(pl, total_length=6)
    assert tuple(padded.shape) == (6, 3, 2)


def test_errors():
    lstm = nn.LSTM(4, 6)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(torchlike.randn(5, 3, 3))
    with pytest.raises(RuntimeError, match="Expected hidden\\[0\\] size \\(1, 3, 6\\), got \\[1, 2, 6\\]"):
        lstm(torchlike.randn(5, 3, 4), (torchlike.zeros(1, 2, 6), torchlike.zeros(1, 2, 6)))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        lstm(torchlike.randn(5, 3, 4, 1))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(4, 6, proj_size=6)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(4, 6, proj_size=2)
    with pytest.raises(ValueError, match="does not match weight dtype"):
        nn.GRU(4, 6)(torchlike.randn(5, 3, 4, dtype=torchlike.float64))


@pytest.mark.parametrize("cls,bidirectional", [("LSTM", False), ("LSTM", True), ("GRU", False), ("GRU", True)])
def test_recurrence_forward_mode(cls, bidirectional, rng):
    """The LSTM and GRU recurrences have hand-written derivatives: forward mode (jvp) must match torch.func's
    along input, initial-state and weight (and bias) tangents, and second-order reverse mode must work."""
    ours, ref = _pair(cls, dict(input_size=4, hidden_size=6, num_layers=2, bidirectional=bidirectional))
    D = 2 if bidirectional else 1
    n_state = 2 if cls == "LSTM" else 1
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(5, 3, 4)] + [(2 * D, 3, 6)] * n_state]
    tangents = [rng.standard_normal(a.shape).astype(np.float32) for a in arrays]
    names = [n for n, _ in ref.named_parameters()]
    w_tan = {n: rng.standard_normal(tuple(p.shape)).astype(np.float32) for n, p in ref.named_parameters()}

    def run(lib, module, func_mod):
        params = {n: lib.tensor(p.detach().numpy()) for n, p in ref.named_parameters()}

        def f(x, *rest):
            state, ws = rest[:n_state], rest[n_state:]
            y, hidden = func_mod.functional_call(module, dict(zip(names, ws)), (x, state if cls == "LSTM" else state[0]))
            return (y, *hidden) if cls == "LSTM" else (y, hidden)
        return func_mod.jvp(f, tuple(lib.tensor(a) for a in arrays) + tuple(params[n] for n in names),
                            tuple(lib.tensor(t) for t in tangents) + tuple(lib.tensor(w_tan[n]) for n in names))

    with torch.backends.mkldnn.flags(enabled=False):  # torch's oneDNN LSTM has no forward AD
        (out_l, tan_l), (out_t, tan_t) = run(torchlike, ours, torchlike.func), run(torch, ref, torch.func)
    assert_same(list(out_l), list(out_t), **TOL)
    assert_same(list(tan_l), list(tan_t), rtol=1e-4, atol=1e-4)

    # reverse over reverse: d/dx of sum(d loss/dx * v)
    def double_backward(lib, module):
        x = lib.tensor(arrays[0], requires_grad=True)
        y, _ = module(x)
        (g,) = lib.autograd.grad((y * lib.tensor(_weights(y))).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(tangents[0])).sum(), x)
        return gg
    assert_same(double_backward(torchlike, ours), double_backward(torch, ref), rtol=1e-4, atol=1e-4)
