"""Masked reductions and normalisations, as torch.masked defines them for strided tensors.

``mask`` (broadcastable to the input, never of higher dimension) marks the elements that take part;
masked-out elements are replaced by the operation's identity (0 for sum, 1 for prod, -inf for
amax/logsumexp/softmax, +inf for amin/softmin, NaN for median) before the ordinary torch op runs, so
fully masked-out slices give what that identity gives (0, 1, -inf, NaN for mean/var/std, ...).
Gradients flow to the kept elements only, as torch's ``where``-based implementation does.
"""
from __future__ import annotations

import math

import torchlike as _t



def _canonical_dim(dim, ndim):
    """``dim`` as a sorted tuple of non-negative dims (None or () meaning all), checked as torch's."""
    if dim == () or dim is None:
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    dims = []
    for d in ((dim,) if isinstance(dim, int) else dim):
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                             f"but got {d})")
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _input_mask(input, mask):
    """``mask`` broadcast to ``input``'s shape, as bool."""
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality higher than of "
                             "the input)")
        mask = _t.broadcast_to(mask, input.shape)
    return mask.to(dtype=_t.bool)


def _identity(op, input, ord=None):
    """The value that leaves ``op``'s result unchanged (torch.masked's reduction identity)."""
    dt = input.dtype
    if op in ("sum", "cumsum", "normalize"):
        return 0
    if op in ("prod", "cumprod"):
        return 1
    if op == "norm":
        return math.inf if ord == -math.inf else 0
    if op == "median":
        return math.nan
    lowest = op in ("amax", "argmax", "logaddexp", "logsumexp", "softmax", "log_softmax")
    if dt.is_floating_point or dt.is_complex:
        return -math.inf if lowest else math.inf
    if dt == _t.bool:
        return not lowest
    info = _t.iinfo(dt)
    return info.min if lowest else info.max


def _combine(op, input, mask, ord=None):
    """``input`` with its masked-out elements replaced by ``op``'s identity (``input`` when no mask)."""
    if mask is None:
        return input
    fill = _t.tensor(_identity(op, input, ord), dtype=input.dtype, device=input.device)
    return _t.where(_input_mask(input, mask), input, fill)


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Sum of the kept elements (0 where none is kept)."""
    dtype = input.dtype if dtype is None else dtype
    dims = _canonical_dim(dim, input.ndim)
    x = _combine("sum", input, mask)
    if not dims:
        return x.to(dtype=dtype)
    return _t.sum(x, dims, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Product of the kept elements (1 where none is kept)."""
    dtype = input.dtype if dtype is None else dtype
    dims = _canonical_dim(dim, input.ndim)
    result = _combine("prod", input, mask).to(dtype=dtype)
    for d in reversed(dims):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def cumsum(input, dim, *, dtype=None, mask=None):
    """Cumulative sum along ``dim`` treating masked-out elements as 0."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _t.cumsum(_combine("sum", input, mask), d, dtype=dtype).to(dtype=dtype)


def cumprod(input, dim, *, dtype=None, mask=None):
    """Cumulative product along ``dim`` treating masked-out elements as 1."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _t.cumprod(_combine("prod", input, mask), d, dtype=dtype).to(dtype=dtype)


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Largest kept element (the dtype's lowest value, -inf for floats, where none is kept)."""
    dtype = input.dtype if dtype is None else dtype
    x = _combine("amax", input, mask)
    return _t.amax(x, _canonical_dim(dim, x.ndim), bool(keepdim)).to(dtype=dtype)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Smallest kept element (the dtype's highest value, +inf for floats, where none is kept)."""
    dtype = input.dtype if dtype is None else dtype
    x = _combine("amin", input, mask)
    return _t.amin(x, _canonical_dim(dim, x.ndim), bool(keepdim)).to(dtype=dtype)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Index of the largest kept element, in ``dtype`` (default: the input's dtype, as torch.masked)."""
    dtype = input.dtype if dtype is None else dtype
    return _t.argmax(_combine("argmax", input, mask), dim, bool(keepdim)).to(dtype=dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Index of the smallest kept element, in ``dtype`` (default: the input's dtype, as torch.masked)."""
    dtype = input.dtype if dtype is None else dtype
    return _t.argmin(_combine("argmin", input, mask), dim, bool(keepdim)).to(dtype=dtype)


def _count(input, dim, keepdim, mask):
    ones = _t.ones(input.shape, dtype=_t.int64, device=input.device) if mask is None else _input_mask(input, mask)
    return sum(ones, dim, keepdim=keepdim, dtype=_t.int64)


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Mean of the kept elements (NaN where none is kept); floating or complex dtypes only."""
    source = "Optional" if dtype is not None else "Input"
    dtype = input.dtype if dtype is None else dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either a floating point "
                         f"or complex dtype. Got: {dtype}")
    total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=mask)
    return total / _count(input, dim, keepdim, mask)


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    """Median of the kept elements along one dim (torch.nanmedian of the NaN-filled input)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=_t.float32)
    out = _t.nanmedian(_combine("median", input, mask), d, keepdim).values
    if is_float:
        return out
    if bool(_t.isnan(out).any()):
        raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")
    return out.to(dtype=dtype)


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """log(sum(exp)) of the kept elements (-inf where none is kept)."""
    dtype = input.dtype if dtype is None else dtype
    dims = _canonical_dim(dim, input.ndim)
    return _t.logsumexp(_combine("logsumexp", input, mask), dims, keepdim=keepdim).to(dtype=dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    """Elementwise log(exp(input) + exp(other)), each operand's masked-out elements taken as -inf."""
    dtype = input.dtype if dtype is None else dtype
    return _t.logaddexp(_combine("logaddexp", input, input_mask),
                        _combine("logaddexp", other, other_mask)).to(dtype=dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Vector ``ord``-norm of the kept elements (linalg.vector_norm with masked-out elements as 0, or
    +inf for ord=-inf)."""
    dtype = input.dtype if dtype is None else dtype
    x = _combine("norm", input, mask, ord)
    return _t.linalg.vector_norm(x, ord, _canonical_dim(dim, input.ndim), bool(keepdim), dtype=dtype)


def _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt):
    if unbiased is not None and correction is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    corr = 1.0
    if unbiased is not None:
        corr = 1.0 if unbiased else 0.0
    if correction is not None:
        corr = float(correction)
    if dtype is None:
        dtype = input.dtype
        if not (dtype.is_floating_point or dtype.is_complex):
            dtype = _t.float32
    compute = dtype if (dtype.is_floating_point or dtype.is_complex) else _t.float32
    count = _count(input, dim, True, mask)
    sample_mean = _t.divide(sum(input, dim, keepdim=True, dtype=dtype, mask=mask), count)
    x = _t.subtract(input, sample_mean)
    total = sum(x * x.conj(), dim, keepdim=keepdim, dtype=compute, mask=mask)
    if not keepdim:
        count = count.reshape(total.shape)
    if corr != 0:
        real = compute.to_real() if compute.is_complex else compute
        count = count.to(real)
        count = _t.subtract(count, corr)
        count = _t.maximum(count, count.new_zeros([]))
    out = _t.divide(total, count).to(dtype=dtype)
    return _t.sqrt(out) if take_sqrt else out


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    """Variance of the kept elements (``correction`` defaults to 1; NaN where none is kept)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    """Standard deviation of the kept elements (``correction`` defaults to 1; NaN where none is kept)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=True)


def softmax(input, dim, *, dtype=None, mask=None):
    """Softmax along ``dim`` over the kept elements (masked-out ones get probability 0)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _t.nn.functional.softmax(_combine("amax", input, mask), d, dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):
    """Log-softmax along ``dim`` over the kept elements (masked-out ones give -inf)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _t.nn.functional.log_softmax(_combine("amax", input, mask), d, dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):
    """Softmin along ``dim`` over the kept elements (masked-out ones get probability 0)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _t.nn.functional.softmin(_combine("amin", input, mask), d, dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    """``input / max(norm, eps)`` with the masked norm along ``dim``; masked-out elements give 0."""
    dtype = input.dtype if dtype is None else dtype
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    denom = _t.maximum(nrm, nrm.new_full([], eps))
    return _t.divide(_combine("sum", input, mask), denom)
