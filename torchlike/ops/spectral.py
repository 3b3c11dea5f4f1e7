"""torch.stft / torch.istft: framing + ``jnp.fft`` with torch's arguments (n_fft, hop_length, win_length,
window, center/pad_mode, normalized, onesided, return_complex, align_to_window) and torch's checks.
Each transform is one Op, so autograd comes from ``jax.vjp``."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import _type_name
from .declare import public
from .registry import Op, apply

_PAD_MODES = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def _complex_of(dt):
    return jnp.complex128 if dt in (jnp.float64, jnp.complex128) else jnp.complex64


def _real_of(dt):
    return jnp.float64 if dt in (jnp.float64, jnp.complex128) else jnp.float32


def _padded_window(w, n_fft, win_length, dtype):
    if w is None:
        w = jnp.ones((win_length,), dtype)
    left = (n_fft - win_length) // 2
    return jnp.pad(w, (left, n_fft - win_length - left))


def _stft(x, w, *, n_fft, hop, win_length, center, pad_mode, normalized, onesided, as_complex, align):
    if center:
        p = n_fft // 2
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(p, p)], mode=_PAD_MODES[pad_mode])
    win = _padded_window(w, n_fft, win_length, x.dtype)
    length = x.shape[-1]
    if align:  # frames start where the (unpadded) window starts
        left = (n_fft - win_length) // 2
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(left, n_fft - win_length - left)])
        n_frames = 1 + (length - win_length) // hop
    else:
        n_frames = 1 + (length - n_fft) // hop
    idx = np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]
    frames = x[..., idx] * win  # (..., T, n_fft)
    if onesided:
        spec = jnp.fft.rfft(frames, axis=-1)
    else:
        spec = jnp.fft.fft(frames.astype(_complex_of(frames.dtype)), axis=-1)
    if normalized:
        spec = spec * float(1.0 / np.sqrt(n_fft))
    spec = jnp.swapaxes(spec, -1, -2).astype(_complex_of(x.dtype))
    if as_complex:
        return spec
    return jnp.stack([spec.real, spec.imag], axis=-1)


_stft_op = Op("stft", _stft, backward_name="StftBackward0")


def _stft_repr(input, n_fft, hop_length, win_length, window, normalized, onesided, return_complex, align):
    t = _type_name(input.dtype)
    w = "None" if window is None else f"torch.{_type_name(window.dtype)}{{{list(window.shape)}}}"
    return (f"stft(torch.{t}{list(input.shape)}, n_fft={n_fft}, hop_length={hop_length}, win_length={win_length}, "
            f"window={w}, normalized={int(bool(normalized))}, onesided={_opt(onesided)}, "
            f"return_complex={_opt(return_complex)}, align_to_window={_opt(align)}) ")


def _opt(v):
    return "None" if v is None else str(int(bool(v)))


@public(method=True)
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """torch.stft: (B?, N, T) complex (or (B?, N, T, 2) real with ``return_complex=False``, the deprecated
    form torch 2.13 still returns). ``return_complex`` must be given for real input and window, as torch."""
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    complex_in = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    if return_complex is None and not complex_in:
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                           "further require that return_complex=True in a future PyTorch release.")
    if return_complex is None:
        return_complex = True
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    wl = n_fft if win_length is None else int(win_length)
    padded_len = input.shape[-1] + (2 * (n_fft // 2) if center else 0)

    def err(msg):
        raise RuntimeError(_stft_repr(input, n_fft, hop, wl, window, normalized, onesided, return_complex,
                                      align_to_window) + ": " + msg)

    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        err("expected a tensor of floating point or complex values")
    if input.ndim not in (1, 2):
        err("expected a 1D or 2D tensor")
    if center and pad_mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {pad_mode}")
    if n_fft <= 0 or n_fft > padded_len:
        err(f"expected 0 < n_fft <= {padded_len}, but got n_fft={n_fft}")
    if hop <= 0:
        err(f"expected hop_length > 0, but got hop_length={hop}")
    if wl <= 0 or wl > n_fft:
        err(f"expected 0 < win_length <= n_fft, but got win_length={wl}")
    if window is not None and (window.ndim != 1 or window.shape[0] != wl):
        err(f"expected a 1D window tensor of size equal to win_length={wl}, but got window with size "
            f"{list(window.shape)}")
    onesided = (not complex_in) if onesided is None else bool(onesided)
    if onesided and complex_in:
        err("Cannot have onesided output if window or input is complex")
    if window is not None and window.dtype != input.dtype and not complex_in:
        window = window.to(input.dtype)
    return apply(_stft_op, input, window, n_fft=int(n_fft), hop=hop, win_length=wl, center=bool(center),
                 pad_mode=pad_mode, normalized=bool(normalized), onesided=onesided,
                 as_complex=bool(return_complex), align=bool(align_to_window))


def _istft(spec, w, *, n_fft, hop, win_length, center, normalized, onesided, as_complex, length):
    if normalized:
        spec = spec * float(np.sqrt(n_fft))
    frames_f = jnp.swapaxes(spec, -1, -2)  # (..., T, F)
    if onesided:
        frames = jnp.fft.irfft(frames_f, n=n_fft, axis=-1)
    else:
        frames = jnp.fft.ifft(frames_f, n=n_fft, axis=-1)
        if not as_complex:
            frames = frames.real
    rdt = _real_of(spec.dtype)
    win = _padded_window(w, n_fft, win_length, rdt)
    frames = frames * win
    n_frames = frames.shape[-2]
    total = n_fft + hop * (n_frames - 1)
    idx = (np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]).reshape(-1)
    lead = frames.shape[:-2]
    y = jnp.zeros(lead + (total,), frames.dtype).at[..., idx].add(frames.reshape(lead + (-1,)))
    env = jnp.zeros((total,), rdt).at[idx].add(jnp.tile(jnp.abs(win) ** 2 if jnp.iscomplexobj(win)
                                                        else win * win, n_frames))
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (total - n_fft // 2 if center else total)
    end = min(end, total)
    y = y[..., start:end] / env[start:end]
    if length is not None and y.shape[-1] < length:
        y = jnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, length - y.shape[-1])])
    return y


_istft_op = Op("istft", _istft, backward_name="IstftBackward0")


@public(method=True)
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """torch.istft: least-squares inverse of stft (overlap-add divided by the summed squared window);
    the input must be complex, as in torch >= 2.0."""
    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    wl = n_fft if win_length is None else int(win_length)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex, but got "
                           f"{input.ndim}")
    fft_size, n_frames = input.shape[-2], input.shape[-1]
    onesided = (fft_size != n_fft) if onesided is None else bool(onesided)
    if onesided:
        if n_fft // 2 + 1 != fft_size:
            raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to "
                               f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    elif n_fft != fft_size:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to "
                           f"match n_fft when onesided=False, but got {fft_size}")
    if onesided and return_complex:
        raise RuntimeError("cannot have onesided output if window or input is complex")
    if not (0 < hop <= wl):
        raise RuntimeError("istft: expected 0 < hop_length <= win_length")
    if not (0 < wl <= n_fft):
        raise RuntimeError("istft: expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != wl):
        raise RuntimeError("istft: expected a 1D window tensor of size equal to win_length")
    if window is None:
        wnp = np.ones(wl)
    elif isinstance(window._value, jax.core.Tracer):
        wnp = None
    else:
        wnp = np.asarray(window._value)
    if wnp is not None:  # torch's NOLA check on the window envelope (host side, eager only)
        left = (n_fft - wl) // 2
        wp = np.pad(np.abs(wnp).astype(np.float64) ** 2, (left, n_fft - wl - left))
        total = n_fft + hop * (n_frames - 1)
        env = np.zeros(total)
        for t in range(n_frames):
            env[t * hop:t * hop + n_fft] += wp
        start = n_fft // 2 if center else 0
        end = start + length if length is not None else (total - n_fft // 2 if center else total)
        seg = env[start:min(end, total)]
        if seg.size and seg.min() < 1e-11:
            raise RuntimeError(f"istft(torch.{_type_name(input.dtype)}{list(input.shape)}, n_fft={n_fft}, "
                               f"hop_length={hop}, win_length={wl}, window=..., center={int(bool(center))}, "
                               f"normalized={int(bool(normalized))}, onesided={int(onesided)}, length=..., "
                               f"return_complex={int(bool(return_complex))}) : window overlap add min: "
                               f"{seg.min():g}")
    if window is not None:
        rdt = D.from_np(np.dtype(_real_of(input._value.dtype)))
        if window.dtype != rdt and not window.dtype.is_complex:
            window = window.to(rdt)
    return apply(_istft_op, input, window, n_fft=int(n_fft), hop=hop, win_length=wl, center=bool(center),
                 normalized=bool(normalized), onesided=onesided, as_complex=bool(return_complex),
                 length=None if length is None else int(length))
