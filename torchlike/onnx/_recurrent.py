"""ONNX conversions of torch.nn.RNN/LSTM/GRU and RNNCell/LSTMCell/GRUCell onto ONNX's RNN, LSTM and
GRU operators (opset 14+ semantics); an LSTM with ``proj_size`` is unrolled over the example's
sequence length, since ONNX's LSTM has no projection.

torch and ONNX stack the gates of a weight matrix in different orders: torch's LSTM rows are
(input, forget, cell, output) and ONNX's (input, output, forget, cell); torch's GRU rows are
(reset, update, new) and ONNX's (update, reset, hidden). The weights are reordered when written.
torch's GRU applies the reset gate after the hidden-state matmul, which is ONNX's
``linear_before_reset=1``. Stacked layers become one ONNX operator per layer; ``batch_first`` and
unbatched inputs are transposed/unsqueezed around them. A cell is a one-step sequence.
"""
from __future__ import annotations

import numpy as np

from ._builder import T
from ._ops import MODULES
from .errors import UnsupportedOperatorError

# ONNX gate position i takes torch's gate _ORDER[mode][i]
_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2), "RNN_TANH": (0,), "RNN_RELU": (0,)}
_ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _np(t):
    return np.asarray(t.detach()._value)


def _reorder(mode, w):
    chunks = np.split(w, len(_ORDER[mode]), axis=0)
    return np.concatenate([chunks[i] for i in _ORDER[mode]], axis=0)


def _onnx_weights(b, mode, q, per_direction):
    """W, R and B initializers for one ONNX operator from per-direction (w_ih, w_hh, b_ih, b_hh)."""
    W = np.stack([_reorder(mode, _np(w_ih)) for w_ih, _, _, _ in per_direction])
    R = np.stack([_reorder(mode, _np(w_hh)) for _, w_hh, _, _ in per_direction])
    names = [b.const(W, hint=f"{q}.W"), b.const(R, hint=f"{q}.R")]
    if per_direction[0][2] is not None:
        B = np.stack([np.concatenate([_reorder(mode, _np(b_ih)), _reorder(mode, _np(b_hh))])
                      for _, _, b_ih, b_hh in per_direction])
        names.append(b.const(B, hint=f"{q}.B"))
    else:
        names.append("")
    return names


def _recurrent_op(b, mode, inputs, hidden_size, directions, q):
    """One ONNX RNN/LSTM/GRU node; returns its outputs (Y, Y_h[, Y_c])."""
    attrs = {"hidden_size": int(hidden_size), "direction": "bidirectional" if directions == 2 else "forward"}
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    if mode == "RNN_RELU":
        attrs["activations"] = ["Relu"] * directions
    while inputs and inputs[-1] == "":
        inputs = inputs[:-1]
    n_out = 3 if mode == "LSTM" else 2
    return b.op(_ONNX_OP[mode], inputs, n_out=n_out, name=q.replace(".", "_") or _ONNX_OP[mode].lower(), **attrs)


def _check_tensor(name, x):
    if not isinstance(x, T):
        raise UnsupportedOperatorError(name, f"input of type {type(x).__name__} (PackedSequence is not exported)")


def _rnn_module(b, m, q, x, hx=None):
    """torch.nn.RNN/LSTM/GRU: returns ONNX names shaped like the module's output."""
    name = f"torch.nn.{type(m).__name__}"
    _check_tensor(name, x)
    mode = m.mode
    D = 2 if m.bidirectional else 1
    unbatched = x.ndim == 2
    h0 = c0 = None
    if hx is not None:
        h0, c0 = hx if mode == "LSTM" else (hx, None)

    def batch_axis(t):  # states are (layers*D, batch, H); unbatched ones lack the batch axis
        return b.op("Unsqueeze", [t.name, b.ints([1])]) if unbatched else t.name
    h0n = batch_axis(h0) if h0 is not None else None
    c0n = batch_axis(c0) if c0 is not None else None
    if unbatched:
        seq = b.op("Unsqueeze", [x.name, b.ints([1])])
    elif m.batch_first:
        seq = b.op("Transpose", [x.name], perm=[1, 0, 2])
    else:
        seq = x.name
    hs, cs = [], []
    for layer in range(m.num_layers):
        per_dir = []
        for d in range(D):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            per_dir.append(tuple(getattr(m, n + sfx, None) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
        lq = f"{q}.l{layer}" if q else f"l{layer}"

        def layer_state(s):
            if s is None:
                return ""
            return b.op("Slice", [s, b.ints([layer * D]), b.ints([(layer + 1) * D]), b.ints([0])])
        if getattr(m, "proj_size", 0):
            weights = [w + (getattr(m, f"weight_hr_l{layer}" + ("_reverse" if d else "")),)
                       for d, w in enumerate(per_dir)]
            seq, h_n, c_n = _projected_lstm_layer(b, m, seq, x, weights, layer_state(h0n), layer_state(c0n))
            hs.append(h_n)
            cs.append(c_n)
            continue
        W, R, B = _onnx_weights(b, mode, lq, per_dir)
        inputs = [seq, W, R, B, "", layer_state(h0n)] + ([layer_state(c0n)] if mode == "LSTM" else [])
        outs = _recurrent_op(b, mode, inputs, m.hidden_size, D, lq)
        # Y is (seq, D, batch, H); the next layer and torch's output want (seq, batch, D*H)
        seq = b.op("Reshape", [b.op("Transpose", [outs[0]], perm=[0, 2, 1, 3]), b.ints([0, 0, -1])])
        hs.append(outs[1])
        if mode == "LSTM":
            cs.append(outs[2])

    def stack(states):
        s = states[0] if len(states) == 1 else b.op("Concat", states, axis=0)
        return b.op("Squeeze", [s, b.ints([1])]) if unbatched else s
    if unbatched:
        out = b.op("Squeeze", [seq, b.ints([1])])
    elif m.batch_first:
        out = b.op("Transpose", [seq], perm=[1, 0, 2])
    else:
        out = seq
    if mode == "LSTM":
        return out, (stack(hs), stack(cs))
    return out, stack(hs)


def _projected_lstm_layer(b, m, seq, x, weights, h0, c0):
    """One layer of an LSTM with ``proj_size`` (ONNX's LSTM has no projection): unrolled over the
    example's sequence length in torch's gate order, ``h = (o * tanh(c)) @ W_hr.T``. Returns the
    layer's output (seq, batch, D*P) and its final h (D, batch, P) and c (D, batch, H)."""
    steps = x.shape[1 if m.batch_first and x.ndim == 3 else 0]
    batch = 1 if x.ndim == 2 else x.shape[0 if m.batch_first else 1]
    H, P = m.hidden_size, m.proj_size
    dtype = x.np_dtype
    outs, h_fin, c_fin = [], [], []
    for d, (w_ih, w_hh, b_ih, b_hh, w_hr) in enumerate(weights):
        xw = b.op("MatMul", [seq, b.const(_np(w_ih).T)])
        if b_ih is not None:
            xw = b.op("Add", [xw, b.const(_np(b_ih) + _np(b_hh))])

        def initial(state, size):
            if not state:
                return b.const(np.zeros((batch, size), dtype))
            return b.op("Squeeze", [b.op("Slice", [state, b.ints([d]), b.ints([d + 1]), b.ints([0])]), b.ints([0])])
        h, c = initial(h0, P), initial(c0, H)
        w_hh_t, w_hr_t = b.const(_np(w_hh).T), b.const(_np(w_hr).T)
        ys = [None] * steps
        for t in (reversed(range(steps)) if d else range(steps)):
            g = b.op("Add", [b.op("Gather", [xw, b.const(np.int64(t))], axis=0), b.op("MatMul", [h, w_hh_t])])
            i, f, gg, o = b.op("Split", [g, b.ints([H] * 4)], n_out=4, axis=-1)
            c = b.op("Add", [b.op("Mul", [b.op("Sigmoid", [f]), c]),
                             b.op("Mul", [b.op("Sigmoid", [i]), b.op("Tanh", [gg])])])
            h = b.op("MatMul", [b.op("Mul", [b.op("Sigmoid", [o]), b.op("Tanh", [c])]), w_hr_t])
            ys[t] = b.op("Unsqueeze", [h, b.ints([0])])
        outs.append(b.op("Concat", ys, axis=0))
        h_fin.append(b.op("Unsqueeze", [h, b.ints([0])]))
        c_fin.append(b.op("Unsqueeze", [c, b.ints([0])]))

    def cat(parts, axis):
        return parts[0] if len(parts) == 1 else b.op("Concat", parts, axis=axis)
    return cat(outs, -1), cat(h_fin, 0), cat(c_fin, 0)


for _cls in ("RNN", "LSTM", "GRU"):
    MODULES[_cls] = _rnn_module


def _cell(mode_of):
    def conv(b, m, q, x, hx=None):
        name = f"torch.nn.{type(m).__name__}"
        _check_tensor(name, x)
        mode = mode_of(m)
        batch_axes = [0] if x.ndim == 2 else [0, 1]  # (1, batch, .) one-step sequences
        states = []
        if hx is not None:
            states = list(hx) if mode == "LSTM" else [hx]
        states = [b.op("Unsqueeze", [s.name, b.ints(batch_axes)]) for s in states]
        W, R, B = _onnx_weights(b, mode, q or "cell", [(m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh)])
        seq = b.op("Unsqueeze", [x.name, b.ints(batch_axes)])
        inputs = [seq, W, R, B, ""] + (states or [""])
        if mode == "LSTM" and len(inputs) == 6:
            inputs.append("")
        outs = _recurrent_op(b, mode, inputs, m.hidden_size, 1, q or "cell")
        finals = [b.op("Squeeze", [o, b.ints(batch_axes)]) for o in outs[1:]]
        return tuple(finals) if mode == "LSTM" else finals[0]
    return conv


MODULES["RNNCell"] = _cell(lambda m: "RNN_TANH" if m.nonlinearity == "tanh" else "RNN_RELU")
MODULES["LSTMCell"] = _cell(lambda m: "LSTM")
MODULES["GRUCell"] = _cell(lambda m: "GRU")
