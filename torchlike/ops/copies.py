"""Out-of-place copies of view ops (``torch.*_copy``), strided-memory ops expressed over contiguous
data, and small composite ops from torch's operator database: ``split_with_sizes``,
``unsafe_split``/``unsafe_chunk``, ``sum_to_size``, ``scalar_tensor``, ``isreal``,
``constant_pad_nd``, ``renorm``, ``unravel_index``, ``empty_strided``/``empty_permuted``,
``nonzero_static``, ``as_strided`` (+ ``_copy``/``_scatter``), ``cov``/``corrcoef``, ``gradient``,
``complex``/``polar``/``view_as_complex``/``view_as_real``.

JAX arrays have no strides. ``as_strided`` therefore reads the input as its contiguous (row-major)
storage and gathers ``offset + sum(i_k * stride_k)``: it gives torch's values for contiguous
inputs and returns a copy, not a view. ``view_as_real``/``view_as_complex`` likewise return copies.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from .out import write_out
from .registry import Op, apply
from .shape import split as _split
from .declare import public


# ------------------------------------------------------------------------- copies of view ops
def _copy(view, out):
    return write_out(view.clone(), out)


@public
def alias_copy(input, *, out=None):
    return _copy(input, out)


@public
def view_copy(input, size, *, out=None):
    return _copy(input.view(size), out)


@public
def expand_copy(input, size, *, implicit=False, out=None):
    return _copy(input.expand(size), out)


@public
def permute_copy(input, dims, *, out=None):
    return _copy(input.permute(*dims), out)


@public
def t_copy(input, *, out=None):
    return _copy(input.t(), out)


@public
def transpose_copy(input, dim0, dim1, *, out=None):
    return _copy(input.transpose(dim0, dim1), out)


@public
def squeeze_copy(input, dim=None, *, out=None):
    return _copy(input.squeeze() if dim is None else input.squeeze(dim), out)


@public
def unsqueeze_copy(input, dim, *, out=None):
    return _copy(input.unsqueeze(dim), out)


@public
def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    return _copy(input.diagonal(offset, dim1, dim2), out)


@public
def unfold_copy(input, dimension, size, step, *, out=None):
    return _copy(input.unfold(dimension, size, step), out)


@public(method=True)
def narrow_copy(input, dim, start, length, *, out=None):
    return _copy(input.narrow(dim, start, length), out)


@public
def slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None):
    """``aten::slice`` as a copy: Python slice semantics (clamped bounds) along ``dim``; step > 0."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = _wrap_dim(dim, input.ndim)
    return _copy(input[(slice(None),) * d + (slice(start, end, step),)], out)


@public
def unbind_copy(input, dim=0, *, out=None):
    return write_out(tuple(v.clone() for v in input.unbind(dim)), out)


@public(method=True)
def split_with_sizes(input, split_sizes, dim=0):
    return _split(input, [int(s) for s in split_sizes], dim)


@public
def split_with_sizes_copy(input, split_sizes, dim=0, *, out=None):
    return write_out(tuple(v.clone() for v in split_with_sizes(input, split_sizes, dim)), out)


@public(method=True)
def unsafe_split(input, split_size, dim=0):
    """``split`` whose pieces are not tracked as views (here: independent copies)."""
    return tuple(v.clone() for v in _split(input, split_size, dim))


@public(method=True)
def unsafe_chunk(input, chunks, dim=0):
    return tuple(v.clone() for v in input.chunk(chunks, dim))


# ------------------------------------------------------------------------------- small ops
@public(name="sum_to_size", function=False, method=True)
def _sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (which ``self`` must be expandable from), keeping dims."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(s) for s in size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, shape))}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    if not dims:
        return self
    r = self.sum(dims, keepdim=True)
    return r.reshape(size) if lead else r


@public
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A 0-d tensor holding ``s``, of the default float dtype unless ``dtype`` is given."""
    from .creation import tensor
    if isinstance(s, Tensor):
        s = s.item()
    return tensor(s, dtype=D.get_default_dtype() if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


_isreal = Op("isreal", lambda x: jnp.imag(x) == 0 if jnp.iscomplexobj(x) else jnp.ones(x.shape, bool),
             differentiable=False)


@public(method=True)
def isreal(input):
    """True where the element has no imaginary part (all True for real dtypes)."""
    return apply(_isreal, input)


@public
def constant_pad_nd(input, pad, value=0):
    from ..nn._functional.misc import pad as _pad
    return _pad(input, pad, "constant", value)


def _renorm_fwd(x, maxnorm, p, dim):
    axes = tuple(i for i in range(x.ndim) if i != dim)
    a = jnp.abs(x)
    if p == math.inf:
        n = jnp.max(a, axis=axes, keepdims=True)
    elif p == 0:
        n = jnp.sum(a != 0, axis=axes, keepdims=True).astype(x.dtype)
    else:
        n = jnp.sum(a ** p, axis=axes, keepdims=True) ** (1.0 / p)
    factor = jnp.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0).astype(x.dtype)
    return x * factor


_renorm = Op("renorm", _renorm_fwd, promote="none")


@public(method=True, inplace=True)
def renorm(input, p, dim, maxnorm, *, out=None):
    """Rescale each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` to norm ``maxnorm``
    (as torch: factor ``maxnorm / (norm + 1e-7)``)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"renorm: expected a floating point or complex input, but got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    return write_out(apply(_renorm, input, maxnorm=float(maxnorm), p=float(p), dim=_wrap_dim(dim, input.ndim)), out)


def _unravel(i, shape):
    out = []
    for s in reversed(shape):
        out.append(i % s)
        i = i // s
    return tuple(reversed(out))


_unravel_op = Op("unravel_index", _unravel, differentiable=False)


@public
def unravel_index(indices, shape):
    """Tuple of coordinate tensors (int64) of flat ``indices`` in an array of ``shape``."""
    from .creation import tensor
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is D.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    return apply(_unravel_op, indices.long(), shape=shape)


@public
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Zero-filled (JAX has no uninitialised memory); the strides are not represented."""
    from .creation import zeros
    return zeros(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


@public
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    from .creation import zeros
    return zeros(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


@public(name="new_empty_strided", function=False, method=True)
def _new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                       pin_memory=False):
    from .creation import zeros
    return zeros(tuple(size), dtype=self.dtype if dtype is None else dtype,
                 device=self.device if device is None else device, requires_grad=requires_grad)


def _nonzero_static(x, size, fill_value):
    if x.ndim == 0:
        return jnp.zeros((size, 0), jnp.int64)
    return jnp.stack(jnp.nonzero(x, size=size, fill_value=fill_value), axis=1).astype(jnp.int64)


_nonzero_static_op = Op("nonzero_static", _nonzero_static, differentiable=False)


@public(method=True)
def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero`` padded with ``fill_value`` rows (or truncated) to exactly ``size`` rows."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got {size}")
    return apply(_nonzero_static_op, input, size=int(size), fill_value=int(fill_value))


# -------------------------------------------------------------------------------- as_strided
def _strided_index(size, stride, offset):
    idx = np.full(size, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


def _check_strided(input, size, stride, offset):
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    offset = 0 if offset is None else int(offset)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > input.numel():
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input.element_size()} requiring a storage size of "
                           f"{need * input.element_size()} are out of bounds for storage of size "
                           f"{input.numel() * input.element_size()}")
    return size, stride, offset


_as_strided = Op("as_strided", lambda x, size, stride, offset:
                 x.reshape(-1)[_strided_index(size, stride, offset)])


@public(method=True)
def as_strided(input, size, stride, storage_offset=None):
    """torch's ``as_strided`` read over the contiguous storage of ``input``; returns a copy."""
    size, stride, offset = _check_strided(input, size, stride, storage_offset)
    return apply(_as_strided, input, size=size, stride=stride, offset=offset)


@public
def as_strided_copy(input, size, stride, storage_offset=None, *, out=None):
    return write_out(as_strided(input, size, stride, storage_offset), out)


_as_strided_scatter = Op("as_strided_scatter", lambda x, src, size, stride, offset:
                         x.reshape(-1).at[_strided_index(size, stride, offset)].set(src.astype(x.dtype))
                         .reshape(x.shape))


@public(method=True)
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """Copy of ``input`` whose ``as_strided(size, stride, storage_offset)`` window holds ``src``."""
    size, stride, offset = _check_strided(input, size, stride, storage_offset)
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(size)}")
    return apply(_as_strided_scatter, input, src, size=size, stride=stride, offset=offset)


# ----------------------------------------------------------------------------- cov / corrcoef
def _cov_fwd(x, fw, aw, correction):
    if not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.iscomplexobj(x)):
        x = x.astype(D.get_default_dtype().np)
    x = x.reshape(1, -1) if x.ndim < 2 else x
    n = x.shape[1]
    w = None
    if fw is not None:
        w = fw.astype(x.real.dtype)
    if aw is not None:
        w = aw.astype(x.real.dtype) if w is None else w * aw.astype(x.real.dtype)
    if w is None:
        avg = jnp.mean(x, axis=1)
        wsum = jnp.asarray(n, x.real.dtype)
        norm = wsum - correction
    else:
        wsum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1) / wsum
        norm = wsum - (correction * jnp.sum(w * aw.astype(w.dtype)) / wsum if aw is not None else correction)
    norm = jnp.maximum(norm, 0)
    xm = x - avg[:, None]
    c = (xm * w if w is not None else xm) @ jnp.conj(xm).T / norm
    return jnp.squeeze(c)


_cov = Op("cov", _cov_fwd, promote="none")


@public(method=True)
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) of a 1-D or 2-D ``input`` over its columns (observations)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    return apply(_cov, input, fweights, aweights, correction=int(correction))


def _corrcoef_fwd(x):
    c = _cov_fwd(x, None, None, 1)
    if c.ndim == 0:
        return c / c
    s = jnp.sqrt(jnp.diagonal(c).real)
    c = c / s[:, None] / s[None, :]
    return c if jnp.iscomplexobj(c) else jnp.clip(c, -1, 1)


_corrcoef = Op("corrcoef", _corrcoef_fwd, promote="none")


@public(method=True)
def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (``cov`` normalised, clipped to
    [-1, 1] for real inputs)."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    return apply(_corrcoef, input)


# ----------------------------------------------------------------------------------- gradient
def _take(f, axis, sl):
    idx = [slice(None)] * f.ndim
    idx[axis] = sl
    return f[tuple(idx)]


def _bshape(v, ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


def _gradient_uniform(f, h, axis, edge_order):
    t = lambda sl: _take(f, axis, sl)  # noqa: E731
    mid = (t(slice(2, None)) - t(slice(None, -2))) / (2 * h)
    if edge_order == 1:
        lo = (t(slice(1, 2)) - t(slice(0, 1))) / h
        hi = (t(slice(-1, None)) - t(slice(-2, -1))) / h
    else:
        lo = (-1.5 * t(slice(0, 1)) + 2 * t(slice(1, 2)) - 0.5 * t(slice(2, 3))) / h
        hi = (0.5 * t(slice(-3, -2)) - 2 * t(slice(-2, -1)) + 1.5 * t(slice(-1, None))) / h
    return jnp.concatenate([lo, mid, hi], axis=axis)


def _gradient_coords(f, x, axis, edge_order):
    t = lambda sl: _take(f, axis, sl)  # noqa: E731
    dx = jnp.diff(x).astype(f.dtype)
    a_, b_ = _bshape(dx[:-1], f.ndim, axis), _bshape(dx[1:], f.ndim, axis)
    mid = (-b_ / (a_ * (a_ + b_)) * t(slice(None, -2)) + (b_ - a_) / (a_ * b_) * t(slice(1, -1))
           + a_ / (b_ * (a_ + b_)) * t(slice(2, None)))
    if edge_order == 1:
        lo = (t(slice(1, 2)) - t(slice(0, 1))) / dx[0]
        hi = (t(slice(-1, None)) - t(slice(-2, -1))) / dx[-1]
    else:
        d1, d2 = dx[0], dx[1]
        lo = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * t(slice(0, 1)) + (d1 + d2) / (d1 * d2) * t(slice(1, 2))
              - d1 / (d2 * (d1 + d2)) * t(slice(2, 3)))
        d1, d2 = dx[-2], dx[-1]
        hi = (d2 / (d1 * (d1 + d2)) * t(slice(-3, -2)) - (d2 + d1) / (d1 * d2) * t(slice(-2, -1))
              + (2 * d2 + d1) / (d2 * (d1 + d2)) * t(slice(-1, None)))
    return jnp.concatenate([lo, mid, hi], axis=axis)


def _gradient_fwd(f, x, h, axis, edge_order):
    if not (jnp.issubdtype(f.dtype, jnp.floating) or jnp.iscomplexobj(f)):
        f = f.astype(D.get_default_dtype().np)
    if x is None:
        return _gradient_uniform(f, jnp.asarray(h, f.dtype), axis, edge_order)
    return _gradient_coords(f, x, axis, edge_order)


_gradient = Op("gradient", _gradient_fwd, promote="none")


@public
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences in the interior and one-sided (``edge_order`` 1 or 2) differences at the
    boundaries, along each of ``dim`` (all dims by default); ``spacing`` is one number, one number
    per dim, or one coordinate tensor per dim. Returns a tuple of tensors."""
    if dim is None:
        dims = tuple(range(input.ndim))
    elif isinstance(dim, int):
        dims = (_wrap_dim(dim, input.ndim),)
    else:
        dims = tuple(_wrap_dim(d, input.ndim) for d in dim)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if isinstance(spacing, (list, tuple)):
        sp = list(spacing)
        if len(sp) == 1 and len(dims) > 1 and not isinstance(sp[0], Tensor):
            sp = sp * len(dims)
        if len(sp) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                               f"dim arguments to have the same length, but got a spacing argument of length "
                               f"{len(sp)} and a dim argument of length {len(dims)}.")
    else:
        sp = [spacing] * len(dims)
    out = []
    for d, s in zip(dims, sp):
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(s, Tensor) and s.ndim == 1:
            out.append(apply(_gradient, input, s, h=None, axis=d, edge_order=edge_order))
        else:
            h = s.item() if isinstance(s, Tensor) else s
            out.append(apply(_gradient, input, None, h=float(h), axis=d, edge_order=edge_order))
    return tuple(out)


# ----------------------------------------------------------------------------------- complex
def _check_same_float(a, b, name):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {b.dtype} but got scalar type {a.dtype} for second "
                           f"argument")
    if a.dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {a.dtype} and "
                           f"{b.dtype}")


def _cdtype(x):
    return np.complex128 if x.dtype == np.float64 else np.complex64


_complex = Op("complex", lambda re, im: re.astype(_cdtype(re)) + 1j * im.astype(_cdtype(im)))
_polar = Op("polar", lambda r, th: (r * jnp.cos(th)).astype(_cdtype(r)) + 1j * (r * jnp.sin(th)).astype(_cdtype(r)))


@public
def complex(real, imag, *, out=None):
    """``real + 1j * imag`` (both Half/Float/Double of the same dtype; broadcast)."""
    _check_same_float(real, imag, "complex")
    return write_out(apply(_complex, real, imag), out)


@public
def polar(abs, angle, *, out=None):
    """``abs * (cos(angle) + 1j * sin(angle))``."""
    _check_same_float(abs, angle, "polar")
    return write_out(apply(_polar, abs, angle), out)


_view_as_complex = Op("view_as_complex", lambda x: x[..., 0].astype(_cdtype(x)) + 1j * x[..., 1].astype(_cdtype(x)))
_view_as_real = Op("view_as_real", lambda x: jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1))


@public
def view_as_complex(input):
    """Complex tensor from a float tensor whose last dimension has size 2 (a copy here, not a view)."""
    if input.dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"view_as_complex is only supported for floating point tensors, but got a tensor of "
                           f"scalar type: {input.dtype}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return apply(_view_as_complex, input)


@public
def view_as_real(input):
    """Float tensor with a trailing dimension of size 2 (real, imag) (a copy here, not a view)."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(_view_as_real, input)
