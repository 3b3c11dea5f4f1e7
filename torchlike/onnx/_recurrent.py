"""ONNX conversions of torch.nn.RNN/LSTM/GRU and RNNCell/LSTMCell/GRUCell onto ONNX's RNN, LSTM and
GRU operators (opset 14+ semantics).

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
    if getattr(m, "proj_size", 0):
        raise UnsupportedOperatorError(name, "proj_size > 0 (ONNX's LSTM has no projection)")
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
        W, R, B = _onnx_weights(b, mode, lq, per_dir)

        def layer_state(s):
            if s is None:
                return ""
            return b.op("Slice", [s, b.ints([layer * D]), b.ints([(layer + 1) * D]), b.ints([0])])
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
