"""torch.fft: discrete Fourier transforms over JAX's ``jnp.fft`` with torch's ``n``/``s``, ``dim`` and
``norm`` ("backward" | "ortho" | "forward") arguments. Real inputs are promoted to complex as torch
does (float32 -> complex64, float64 -> complex128; integers to the default float first)."""
from __future__ import annotations

import jax.numpy as jnp

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .declare import public
from .out import write_out
from .registry import Op, apply

_NORMS = (None, "backward", "ortho", "forward")


def _prep(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    if not (x.dtype.is_complex or x.dtype.is_floating_point):
        x = x.to(D.get_default_dtype())
    return x


def _check_norm(norm):
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm or "backward"


def _complex_dtype(dt):
    return jnp.complex128 if dt in (jnp.float64, jnp.complex128) else jnp.complex64


def _c2c(x, n, axes, norm, inverse):
    x = x.astype(_complex_dtype(x.dtype))
    f = jnp.fft.ifftn if inverse else jnp.fft.fftn
    return f(x, n, axes, norm=norm)


def _r2c(x, n, axes, norm, onesided_inverse):
    if onesided_inverse:  # ihfftn: conj(rfftn) with the inverse normalisation
        inv = {"backward": "forward", "forward": "backward", "ortho": "ortho"}[norm]
        return jnp.conj(jnp.fft.rfftn(x, n, axes, norm=inv))
    return jnp.fft.rfftn(x, n, axes, norm=norm)


def _c2r(x, n, axes, norm, hermitian):
    x = x.astype(_complex_dtype(x.dtype))
    if hermitian:  # hfftn: irfftn of the conjugate with the inverse normalisation
        inv = {"backward": "forward", "forward": "backward", "ortho": "ortho"}[norm]
        return jnp.fft.irfftn(jnp.conj(x), n, axes, norm=inv)
    return jnp.fft.irfftn(x, n, axes, norm=norm)


_c2c_op = Op("fft_c2c", _c2c, backward_name="FftC2CBackward0")
_r2c_op = Op("fft_r2c", _r2c, backward_name="FftR2CBackward0")
_c2r_op = Op("fft_c2r", _c2r, backward_name="FftC2RBackward0")


def _fft_dim(dim, ndim):
    """torch wraps FFT dims without treating a 0-dim tensor as 1-dim (wrap_scalar=false)."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim)


def _dims_1d(x, n, dim):
    d = _fft_dim(dim, x.ndim)
    if n is not None and n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return (None if n is None else (int(n),)), (d,)


def _dims_nd(x, s, dim, default_last2=False):
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(_fft_dim(d, x.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > x.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions.")
        dims = tuple(range(x.ndim - len(s), x.ndim))
    elif default_last2:
        dims = tuple(_fft_dim(d, x.ndim) for d in (-2, -1))
    else:
        dims = tuple(range(x.ndim))
    if s is not None:
        s = tuple(int(v) for v in s)
        if any(v < 1 and v != -1 for v in s):
            raise RuntimeError(f"Invalid number of data points ({min(s)}) specified")
        s = tuple(x.shape[d] if v == -1 else v for v, d in zip(s, dims))
    return s, dims


def _last_n(x, s, dims):
    """irfft's default output length: 2 * (m - 1) along the last transformed dim."""
    if s is not None:
        return s
    out = tuple(x.shape[d] for d in dims)
    m = out[-1]
    if 2 * (m - 1) < 1:
        raise RuntimeError(f"Invalid number of data points ({2 * (m - 1)}) specified")
    return out[:-1] + (2 * (m - 1),)


def _c2c_call(name, input, s, dims, norm, inverse, out):
    x = _prep(input, name)
    return write_out(apply(_c2c_op, x, n=s, axes=dims, norm=_check_norm(norm), inverse=inverse), out)


def _r2c_call(name, input, s, dims, norm, inv, out):
    if input.dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got {_cname(input.dtype)}")
    x = _prep(input, name)
    return write_out(apply(_r2c_op, x, n=s, axes=dims, norm=_check_norm(norm), onesided_inverse=inv), out)


def _c2r_call(name, input, s, dims, norm, herm, out):
    x = _prep(input, name)
    s = _last_n(x, s, dims)
    return write_out(apply(_c2r_op, x, n=s, axes=dims, norm=_check_norm(norm), hermitian=herm), out)


def _cname(dt):
    return {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(dt.name, dt.name)


# ---------------------------------------------------------------------------- 1-d
@public(function=False, fft=True)
def fft(input, n=None, dim=-1, norm=None, *, out=None):
    s, d = _dims_1d(input, n, dim)
    return _c2c_call("fft", input, s, d, norm, False, out)


@public(function=False, fft=True)
def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    s, d = _dims_1d(input, n, dim)
    return _c2c_call("ifft", input, s, d, norm, True, out)


@public(function=False, fft=True)
def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    s, d = _dims_1d(input, n, dim)
    return _r2c_call("rfft", input, s, d, norm, False, out)


@public(function=False, fft=True)
def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    s, d = _dims_1d(input, n, dim)
    return _c2r_call("irfft", input, s, d, norm, False, out)


@public(function=False, fft=True)
def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    s, d = _dims_1d(input, n, dim)
    return _c2r_call("hfft", input, s, d, norm, True, out)


@public(function=False, fft=True)
def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    s, d = _dims_1d(input, n, dim)
    return _r2c_call("ihfft", input, s, d, norm, True, out)


# ---------------------------------------------------------------------------- 2-d / n-d
@public(function=False, fft=True)
def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2c_call("fft2", input, s, d, norm, False, out)


@public(function=False, fft=True)
def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2c_call("ifft2", input, s, d, norm, True, out)


@public(function=False, fft=True)
def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _r2c_call("rfft2", input, s, d, norm, False, out)


@public(function=False, fft=True)
def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2r_call("irfft2", input, s, d, norm, False, out)


@public(function=False, fft=True)
def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2r_call("hfft2", input, s, d, norm, True, out)


@public(function=False, fft=True)
def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _r2c_call("ihfft2", input, s, d, norm, True, out)


@public(function=False, fft=True)
def fftn(input, s=None, dim=None, norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2c_call("fftn", input, s, d, norm, False, out)


@public(function=False, fft=True)
def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2c_call("ifftn", input, s, d, norm, True, out)


@public(function=False, fft=True)
def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _r2c_call("rfftn", input, s, d, norm, False, out)


@public(function=False, fft=True)
def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2r_call("irfftn", input, s, d, norm, False, out)


@public(function=False, fft=True)
def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _c2r_call("hfftn", input, s, d, norm, True, out)


@public(function=False, fft=True)
def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    s, d = _dims_nd(input, s, dim)
    return _r2c_call("ihfftn", input, s, d, norm, True, out)


# ---------------------------------------------------------------------------- helpers
@public(function=False, fft=True)
def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Sample frequencies [0, 1, ..., n/2-1, -n/2, ..., -1] / (d n), default float dtype."""
    from .creation import arange
    dtype = dtype or D.get_default_dtype()
    k = [*range(0, (n - 1) // 2 + 1), *range(-(n // 2), 0)]
    from .creation import tensor
    r = tensor(k, dtype=dtype, device=device) / (d * n) if n else arange(0, dtype=dtype, device=device)
    r = r.to(dtype)
    if requires_grad:
        r.requires_grad_(True)
    return write_out(r, out)


@public(function=False, fft=True)
def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    from .creation import arange
    dtype = dtype or D.get_default_dtype()
    r = (arange(n // 2 + 1, dtype=dtype, device=device) / (d * n)).to(dtype)
    if requires_grad:
        r.requires_grad_(True)
    return write_out(r, out)


_roll = Op("fftshift", lambda x, shifts, axes: jnp.roll(x, shifts, axes), saves=False)


def _shift(input, dim, sign):
    if dim is None:
        dims = tuple(range(input.ndim))
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    shifts = tuple((input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims)
    return apply(_roll, input, shifts=shifts, axes=dims)


@public(function=False, fft=True)
def fftshift(input, dim=None):
    return _shift(input, dim, 1)


@public(function=False, fft=True)
def ifftshift(input, dim=None):
    return _shift(input, dim, -1)
