"""Recurrent math: whole multi-layer (bi)directional RNN/LSTM/GRU forwards and single cells.

A full ``nn.LSTM`` call (all layers, both directions, inter-layer dropout, packed-sequence
masking, batch_first, hidden-state permutation) is ONE Op: per layer and direction the input
projection is one matmul over all time steps and the recurrence is a ``lax.scan``; JAX derives the
backward through the scan, except for the plain LSTM and GRU recurrences (no packing, no projection),
whose derivatives are written out in ``_lstm_recurrence`` and ``_gru_recurrence`` (a 2-layer GRU
training step, batch 32, 35 steps, hidden 256: 37-38 -> 32-34 ms compiled, 40-41 -> 34 ms eager).
Gate order and formulas are torch's (LSTM: i, f, g, o; GRU: r, z, n with ``r * (W_hn h + b_hn)``). Packed sequences run padded with per-sequence
lengths: a finished sequence's state stops updating and its outputs are zero, and the reverse
direction simply scans backwards from the padded end, starting each sequence at its own last element.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from ...ops.registry import Op, apply
from .dropout import keep_mask

__all__ = []

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _lstm_cell(z, c):
    """One LSTM update from the gate pre-activations ``z`` (N, 4H): (h', c', activated i|f|g|o)."""
    i, f, g, o = jnp.split(z, 4, axis=-1)
    i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(g), jax.nn.sigmoid(o)
    c2 = f * c + i * g
    return o * jnp.tanh(c2), c2, jnp.concatenate([i, f, g, o], -1)


def _gru_cell(gx, gh, h):
    """One GRU update from the input and hidden projections ``gx``, ``gh`` (N, 3H): (h', r, z, n, the
    hidden part of n's pre-activation ``h W_hn + b_hn``)."""
    xr, xz, xn = jnp.split(gx, 3, axis=-1)
    hr, hz, hn = jnp.split(gh, 3, axis=-1)
    r, z = jax.nn.sigmoid(xr + hr), jax.nn.sigmoid(xz + hz)
    n = jnp.tanh(xn + r * hn)
    return (1 - z) * n + z * h, r, z, n, hn


def _cell_step(mode, gx, h, c, w_hh, b_hh, w_hr):
    """One time step given the precomputed input projection ``gx``; returns (h', c')."""
    gh = h @ w_hh.T
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "LSTM":
        h2, c2, _ = _lstm_cell(gx + gh, c)
        if w_hr is not None:
            h2 = h2 @ w_hr.T
        return h2, c2
    if mode == "GRU":
        return _gru_cell(gx, gh, h)[0], c
    pre = gx + gh
    return (jnp.tanh(pre) if mode == "RNN_TANH" else jax.nn.relu(pre)), c


@functools.partial(jax.custom_jvp, nondiff_argnums=(4,))
def _lstm_recurrence(gx, h0, c0, w_hh, reverse):
    """LSTM recurrence over precomputed input projections ``gx`` (T, N, 4H), biases included.

    Returns (outputs (T, N, H), h_T, c_T). The derivative is written out (as a JVP, so forward mode
    works too and JAX transposes it for backward) because JAX's own derivative of the scan makes
    the backward loop add a small ``h_{t-1}^T dz_t`` matmul into ``dW_hh`` at every step; here the
    ``W_hh`` term is one large matmul over all steps outside the loop, and the gate derivatives are
    computed for all steps at once, so the backward is a single loop of one small matmul and a few
    elementwise ops per step (the benchmark's 2-layer LSTM training step: ~15% and then ~7% faster
    on CPU).
    """
    return _lstm_scan(gx, h0, c0, w_hh, reverse)[0]


def _lstm_scan(gx, h0, c0, w_hh, reverse):
    """The recurrence, also returning every step's cell state and gate activations (i, f, g, o)."""
    w_t = w_hh.T

    def step(carry, g):
        h, c = carry
        h2, c2, gates = _lstm_cell(g + h @ w_t, c)
        return (h2, c2), (h2, c2, gates)

    (h, c), (out, cs, gates) = lax.scan(step, (h0, c0), gx, reverse=reverse)
    return (out, h, c), cs, gates


def _shift_in(first, seq, reverse):
    """The previous step's value at every step of ``seq`` in scan order, ``first`` at the start."""
    if reverse:
        return jnp.concatenate([seq[1:], first[None]], 0)
    return jnp.concatenate([first[None], seq[:-1]], 0)


@_lstm_recurrence.defjvp
def _lstm_recurrence_jvp(reverse, primals, tangents):
    gx, h0, c0, w_hh = primals
    d_gx, d_h0, d_c0, d_w = tangents
    (out, h, c), cs, gates = _lstm_scan(gx, h0, c0, w_hh, reverse)
    d_gx = d_gx + _shift_in(h0, out, reverse) @ d_w.T  # the W_hh tangent, for all steps at once
    # Everything the tangent recurrence needs from the primal is computed here for all steps at once,
    # so the tangent loop is linear in (dh, dc) and JAX's transpose of it is one lean backward loop
    # (no second loop re-deriving these per step).
    i, f, g, o = jnp.split(gates, 4, axis=-1)
    tc = jnp.tanh(cs)
    dz_coef = jnp.concatenate([i * (1 - i) * g, f * (1 - f) * _shift_in(c0, cs, reverse), i * (1 - g * g),
                               o * (1 - o) * tc], -1)  # d(c', c', c', h') / dz, gate by gate
    dh_dc = o * (1 - tc * tc)
    w_t = w_hh.T

    def step(carry, inp):
        dh, dc = carry
        d_g, coef, f, dh_dc = inp
        m_i, m_f, m_g, m_o = jnp.split((d_g + dh @ w_t) * coef, 4, axis=-1)
        dc2 = m_i + m_f + m_g + f * dc
        dh2 = m_o + dh_dc * dc2
        return (dh2, dc2), dh2

    (dh, dc), d_out = lax.scan(step, (d_h0, d_c0), (d_gx, dz_coef, f, dh_dc), reverse=reverse)
    return (out, h, c), (d_out, dh, dc)


@functools.partial(jax.custom_jvp, nondiff_argnums=(4,))
def _gru_recurrence(gx, h0, w_hh, b_hh, reverse):
    """GRU recurrence over precomputed input projections ``gx`` (T, N, 3H), ``b_ih`` included;
    ``b_hh`` stays inside ``r * (h W_hn + b_hn)`` as in torch. Returns (outputs (T, N, H), h_T).

    The derivative is written out as for the LSTM (``_lstm_recurrence``): the ``W_hh`` and ``b_hh``
    terms of every step are one matmul outside the loop, and the tangent loop is one small matmul and
    a few elementwise ops per step, so its transpose (the backward) is one lean loop too.
    """
    return _gru_scan(gx, h0, w_hh, b_hh, reverse)[0]


def _gru_scan(gx, h0, w_hh, b_hh, reverse):
    """The recurrence, also returning every step's gates r, z, n and hidden part ``h W_hn + b_hn``."""
    w_t = w_hh.T

    def step(h, g):
        h2, r, z, n, hn = _gru_cell(g, h @ w_t + b_hh, h)
        return h2, (h2, r, z, n, hn)

    h, (out, r, z, n, hn) = lax.scan(step, h0, gx, reverse=reverse)
    return (out, h), (r, z, n, hn)


def _gate_sum(a):
    ar, az, an = jnp.split(a, 3, axis=-1)
    return ar + az + an


@_gru_recurrence.defjvp
def _gru_recurrence_jvp(reverse, primals, tangents):
    gx, h0, w_hh, b_hh = primals
    d_gx, d_h0, d_w, d_b = tangents
    (out, h), (r, z, n, hn) = _gru_scan(gx, h0, w_hh, b_hh, reverse)
    h_prev = _shift_in(h0, out, reverse)
    # h' = (1 - z) n + z h, so dh' = sum over the gates of coef * (gate pre-activation tangent) + z dh, where
    # the input part (d_gx) and the hidden part (dh W^T + h dW^T + db) of n's pre-activation differ by r
    c_n = (1 - z) * (1 - n * n)
    c_r = c_n * hn * r * (1 - r)
    c_z = z * (1 - z) * (h_prev - n)
    coef_x = jnp.concatenate([c_r, c_z, c_n], -1)
    coef_h = jnp.concatenate([c_r, c_z, c_n * r], -1)
    d_ext = h_prev @ d_w.T + d_b  # the W_hh and b_hh tangents, for all steps at once
    base = _gate_sum(coef_x * d_gx + coef_h * d_ext)
    w_t = w_hh.T

    def step(dh, inp):
        b, ch, zt = inp
        dh2 = b + _gate_sum(ch * (dh @ w_t)) + zt * dh
        return dh2, dh2

    dh, d_out = lax.scan(step, d_h0, (base, coef_h, z), reverse=reverse)
    return (out, h), (d_out, dh)


def _direction(mode, x, h0, c0, w, has_bias, proj, mask, reverse):
    """Scan one direction of one layer over x (T, N, I); returns (outputs (T, N, H), h_T, c_T)."""
    w_ih, w_hh = w[0], w[1]
    b_ih, b_hh = (w[2], w[3]) if has_bias else (None, None)
    w_hr = w[-1] if proj else None
    gx = x @ w_ih.T
    if b_ih is not None:
        gx = gx + b_ih
    if b_hh is not None and mode != "GRU":  # GRU's b_hh sits inside r * (h W_hn + b_hn)
        gx, b_hh = gx + b_hh, None  # added once, outside the recurrence
    if mode == "LSTM" and mask is None and w_hr is None:
        return _lstm_recurrence(gx, h0, c0, w_hh, reverse)
    if mode == "GRU" and mask is None:
        b = b_hh if b_hh is not None else jnp.zeros(w_hh.shape[:1], gx.dtype)
        return (*_gru_recurrence(gx, h0, w_hh, b, reverse), None)

    def step(carry, inp):
        h, c = carry
        if mask is None:
            g = inp
            h2, c2 = _cell_step(mode, g, h, c, w_hh, b_hh, w_hr)
            return (h2, c2), h2
        g, m = inp
        h2, c2 = _cell_step(mode, g, h, c, w_hh, b_hh, w_hr)
        m = m[:, None]
        h2 = jnp.where(m, h2, h)
        if c is not None:
            c2 = jnp.where(m, c2, c)
        return (h2, c2), jnp.where(m, h2, 0)

    xs = gx if mask is None else (gx, mask)
    (h, c), out = lax.scan(step, (h0, c0), xs, reverse=reverse)
    return out, h, c


def _rnn_fwd(x, hx, cx, gather_idx, pack_idx, lengths, sort_idx, unsort_idx, key, *weights, mode, num_layers,
             bidirectional, has_bias, proj, dropout, training, batch_first, unbatched, hidden):
    D = 2 if bidirectional else 1
    if gather_idx is not None:  # packed data (sum(lengths), I) -> padded (T, N, I)
        xpad = jnp.concatenate([x, jnp.zeros((1,) + x.shape[1:], x.dtype)], 0)
        x = xpad[gather_idx]
    else:
        if unbatched:
            x = x[:, None] if not batch_first else x[None]
        if batch_first:
            x = jnp.swapaxes(x, 0, 1)
    T, N = x.shape[:2]
    out_h = proj or hidden
    if hx is None:
        hx = jnp.zeros((num_layers * D, N, out_h), x.dtype)
    elif unbatched:
        hx = hx[:, None]
    if mode == "LSTM":
        if cx is None:
            cx = jnp.zeros((num_layers * D, N, hidden), x.dtype)
        elif unbatched:
            cx = cx[:, None]
    if sort_idx is not None:
        hx = hx[:, sort_idx]
        cx = cx[:, sort_idx] if cx is not None else None
    mask = None
    if lengths is not None:
        mask = jnp.arange(T)[:, None] < lengths[None, :]
    per = len(weights) // (num_layers * D)
    hs, cs = [], []
    layer_in = x
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            w = weights[k * per:(k + 1) * per]
            c0 = cx[k] if mode == "LSTM" else None
            o, h, c = _direction(mode, layer_in, hx[k], c0, w, has_bias, proj, mask, reverse=d == 1)
            outs.append(o)
            hs.append(h)
            cs.append(c)
        layer_in = outs[0] if D == 1 else jnp.concatenate(outs, -1)
        if dropout > 0 and training and layer < num_layers - 1:
            if dropout >= 1:
                layer_in = jnp.zeros_like(layer_in)
            else:
                keep = keep_mask(jax.random.fold_in(key, layer), dropout, layer_in.shape)
                layer_in = jnp.where(keep, layer_in / (1 - dropout), 0).astype(layer_in.dtype)
    out = layer_in
    h_n = jnp.stack(hs)
    c_n = jnp.stack(cs) if mode == "LSTM" else None
    if unsort_idx is not None:
        h_n = h_n[:, unsort_idx]
        c_n = c_n[:, unsort_idx] if c_n is not None else None
    if pack_idx is not None:
        out = out.reshape((T * N,) + out.shape[2:])[pack_idx]
    else:
        if batch_first:
            out = jnp.swapaxes(out, 0, 1)
        if unbatched:
            out = out[:, 0] if not batch_first else out[0]
            h_n = h_n[:, 0]
            c_n = c_n[:, 0] if c_n is not None else None
    return (out, h_n, c_n) if mode == "LSTM" else (out, h_n)


_rnn_op = Op("rnn", _rnn_fwd, backward_name="CudnnRnnBackward0")


def rnn_forward(mode, input, hx, cx, weights, *, num_layers, bidirectional, has_bias, proj_size, dropout, training,
                batch_first, unbatched, hidden_size, packed=None):
    """Run a whole recurrent stack as one Op. ``packed`` is (gather_idx, pack_idx, lengths, sort, unsort)."""
    key = None
    if dropout > 0 and training and num_layers > 1 and dropout < 1:
        from ... import random as _random
        from ..._tensor import Tensor
        key = Tensor._wrap(_random.default_generator.next_key())
    gather_idx = pack_idx = lengths = sort_idx = unsort_idx = None
    if packed is not None:
        gather_idx, pack_idx, lengths, sort_idx, unsort_idx = packed
    return apply(_rnn_op, input, hx, cx, gather_idx, pack_idx, lengths, sort_idx, unsort_idx, key, *weights,
                 mode=mode, num_layers=num_layers, bidirectional=bool(bidirectional), has_bias=bool(has_bias),
                 proj=int(proj_size), dropout=float(dropout), training=bool(training), batch_first=bool(batch_first),
                 unbatched=bool(unbatched), hidden=int(hidden_size))


# ------------------------------------------------------------------------------ cells

def _cell_fwd(x, h, c, w_ih, w_hh, b_ih, b_hh, *, mode, unbatched):
    if unbatched:
        x = x[None]
    if h is None:
        h = jnp.zeros((x.shape[0], w_hh.shape[1]), x.dtype)
    elif unbatched:
        h = h[None]
    if mode == "LSTM":
        c = jnp.zeros_like(h) if c is None else (c[None] if unbatched else c)
    gx = x @ w_ih.T
    if b_ih is not None:
        gx = gx + b_ih
    h2, c2 = _cell_step(mode, gx, h, c, w_hh, b_hh, None)
    if unbatched:
        h2 = h2[0]
        c2 = c2[0] if c2 is not None else None
    return (h2, c2) if mode == "LSTM" else h2


_cell_op = Op("rnn_cell", _cell_fwd)


def cell_forward(mode, input, h, c, w_ih, w_hh, b_ih, b_hh, unbatched):
    """One step of RNNCell/LSTMCell/GRUCell as one Op."""
    return apply(_cell_op, input, h, c, w_ih, w_hh, b_ih, b_hh, mode=mode, unbatched=bool(unbatched))
