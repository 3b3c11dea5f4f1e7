"""torch.histogramdd (host-side, torch's ``return_types.histogramdd(hist, bin_edges)``) and
torch.hash_tensor (xor of the elements' 64-bit patterns, torch 2.x's ``mode=0``)."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _type_name
from .reduction import _return_type, dims_of, return_types
from .reduction_more import _from_host, _host, _untraceable
from .registry import Op, apply
from .declare import public

return_types.histogramdd = _return_type("histogramdd", ("hist", "bin_edges"))


# ---------------------------------------------------------------- histogramdd

def _linspace_edges(lo, hi, n, dt):
    """torch's CPU linspace kernel: step in the dtype, then a fused multiply-add from the nearer end
    (float64 arithmetic rounded once reproduces the fma for float32 and narrower)."""
    lo, hi = dt.type(lo), dt.type(hi)
    step = (hi - lo) / dt.type(n - 1)
    i = np.arange(n, dtype=np.float64)
    w = np.float64
    arr = np.where(i < n // 2, w(lo) + w(step) * i, w(hi) - w(step) * (n - 1 - i))
    return arr.astype(dt)


@public
def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """torch.histogramdd: ``input`` is (..., D) points; ``bins`` an int, D ints or D edge tensors;
    ``range`` a flat [lo0, hi0, lo1, hi1, ...]; edges are torch.linspace in the input dtype and every
    bin is half-open except the last, as torch."""
    _untraceable("histogramdd", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_type_name(input.dtype)}'")
    if input.ndim < 2:
        raise RuntimeError(f"torch.histogramdd: input tensor should have at least 2 dimensions, but got "
                           f"{input.ndim}")
    nd = input.shape[-1]
    a = _host(input).reshape(-1, nd)
    dt = a.dtype
    if isinstance(bins, int):
        bins = [bins] * nd
    bins = list(bins)
    if len(bins) != nd:
        raise RuntimeError(f"torch.histogramdd: expected {nd} sequences of bin edges for each dimension "
                           f"of the input tensor, but got {len(bins)}")
    if range is not None:
        range = [float(r) for r in range]
        if len(range) != 2 * nd:
            raise RuntimeError(f"torch.histogramdd: for a {nd}-dimensional histogram range should have "
                               f"{2 * nd} elements, but got {len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b.dtype != input.dtype:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same "
                                   f"dtype, but got input with dtype {_type_name(input.dtype).lower()} and bins "
                                   f"for dimension {d} with dtype {_type_name(b.dtype).lower()}")
            edges.append(_host(b).astype(dt))
            continue
        b = int(b)
        if b <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {b} for dimension {d}")
        if range is not None:
            lo, hi = float(dt.type(range[2 * d])), float(dt.type(range[2 * d + 1]))  # torch casts to input dtype
        elif a.shape[0]:
            lo, hi = float(a[:, d].min()), float(a[:, d].max())
        else:
            lo, hi = 0.0, 1.0  # torch's default range for an empty input
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo} max {hi} "
                               f"for dimension {d}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(_linspace_edges(lo, hi, b + 1, dt))
    shape = tuple(len(e) - 1 for e in edges)
    ok = np.ones(a.shape[0], bool)
    idx = []
    for d, e in enumerate(edges):
        col = a[:, d]
        n = len(e) - 1
        pos = np.searchsorted(e, col, side="right") - 1
        pos = np.where(col == e[-1], n - 1, pos)
        ok &= (col >= e[0]) & (col <= e[-1])
        idx.append(np.clip(pos, 0, max(n - 1, 0)))
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape[:-1]):
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape "
                               f"as the input tensor excluding its innermost dimension, but got input with "
                               f"shape {tuple(input.shape)} and weight with shape {tuple(weight.shape)}")
        w = _host(weight).reshape(-1).astype(np.float64)
    else:
        w = np.ones(a.shape[0], np.float64)
    hist = np.zeros(shape, np.float64)
    if all(shape):
        np.add.at(hist, tuple(i[ok] for i in idx), w[ok])
    if density:
        vol = np.ones(shape, np.float64)
        for d, e in enumerate(edges):
            s = [1] * nd
            s[d] = -1
            vol = vol * np.diff(e.astype(np.float64)).reshape(s)
        hist = hist / (hist.sum() * vol)
    return return_types.histogramdd(_from_host(hist, input.dtype, input),
                                    tuple(_from_host(e, input.dtype, input) for e in edges))


# ---------------------------------------------------------------- hash_tensor

def _bits64(x):
    """Each element widened to its 64-bit float/integer equivalent, then read as uint64."""
    if jnp.issubdtype(x.dtype, jnp.floating):
        return lax.bitcast_convert_type(x.astype(jnp.float64), jnp.uint64)
    if x.dtype == jnp.bool_ or jnp.issubdtype(x.dtype, jnp.unsignedinteger):
        return x.astype(jnp.uint64)
    return lax.bitcast_convert_type(x.astype(jnp.int64), jnp.uint64)


def _hash_xor(x, dims, keepdim):
    bits = _bits64(x)
    out = lax.reduce(bits, np.uint64(0), lax.bitwise_xor, dims)
    if keepdim:
        out = jnp.expand_dims(out, dims)
    return out


_hash_op = Op("hash_tensor", _hash_xor, differentiable=False)


@public(method=True)
def hash_tensor(input, dim=None, *, keepdim=False, mode=0, out=None):
    """torch.hash_tensor: xor-reduction (mode 0) of the elements' 64-bit patterns over ``dim``; uint64."""
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    if input.dtype.is_complex:
        raise RuntimeError(f"hash_tensor not implemented for '{_type_name(input.dtype)}'")
    dims = dims_of(dim, input.ndim)
    if input.numel() == 0 and (dim is None or dim == () or dim == []):
        raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    res = apply(_hash_op, input, dims=dims, keepdim=bool(keepdim))
    if out is not None:
        from .out import write_out
        return write_out(res, out)
    return res
