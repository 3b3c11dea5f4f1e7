"""More pointwise math and scans: special functions, binary float ops, bit shifts, closeness tests,
cumulative ops (cumsum, cumprod, cummax, cummin, logcumsumexp) and the real-tensor complex basics.

Every op matches torch's dtype rules (integer inputs of float functions give the default float
dtype; cumsum/cumprod of integers give int64) and torch's gradients: cummax/cummin return values
gathered at the chosen indices, so the gradient reaches the selected element only.
"""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _type_name, _wrap_dim
from .out import write_out
from .pointwise import _check_broadcast, binary, unary
from .reduction import _return_type, return_types
from .registry import Op, apply
from .declare import public

return_types.frexp = _return_type("frexp", ("mantissa", "exponent"))


def _float_only(name, *xs):
    for x in xs:
        if isinstance(x, Tensor) and not (x.dtype.is_floating_point or x.dtype.is_complex):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_type_name(x.dtype)}'")


# ---------------------------------------------------------------- special functions
erf = unary("erf", jax.lax.erf, method=True, inplace=True)
erfc = unary("erfc", jax.lax.erfc, method=True, inplace=True)
erfinv = unary("erfinv", jax.lax.erf_inv, method=True, inplace=True)
lgamma = unary("lgamma", jax.lax.lgamma, method=True, inplace=True)
digamma = unary("digamma", jax.lax.digamma, method=True, inplace=True)
i0 = unary("i0", jsp.i0, method=True, inplace=True)
sinc = unary("sinc", jnp.sinc, method=True, inplace=True)
deg2rad = unary("deg2rad", jnp.deg2rad, method=True, inplace=True)
rad2deg = unary("rad2deg", jnp.rad2deg, method=True, inplace=True)

_polygamma = Op("polygamma", lambda x, n: jsp.polygamma(n, x) if n else jax.lax.digamma(x), promote="float")


@public(method=lambda self, n: polygamma(n, self), inplace=True)
def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma (torch.polygamma(n, input))."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return write_out(apply(_polygamma, input, n=int(n)), out)


_mvlgamma = Op("mvlgamma", lambda x, p: jsp.multigammaln(x, p), promote="float")


@public(method=True, inplace=True)
def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension ``p``."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return write_out(apply(_mvlgamma, input, p=int(p)), out)


def _logit(x, eps):
    if eps is not None:
        x = jnp.clip(x, eps, 1 - eps)
    return jnp.log(x / (1 - x))


_logit_op = Op("logit", _logit, promote="float")


@public(method=True, inplace=True)
def logit(input, eps=None, *, out=None):
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when ``eps`` is given."""
    return write_out(apply(_logit_op, input, eps=None if eps is None else float(eps)), out)


def _unbroadcast(g, shape):
    """Sum a broadcast cotangent back to an input's shape."""
    while g.ndim > len(shape):
        g = g.sum(0)
    return g.sum(tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1), keepdims=True) \
        if g.shape != tuple(shape) else g


def _xlog_vjp(log):
    # torch's derivatives: d/dx = log(y) (0 where x == 0 and log's argument is 0), d/dy = x * log'(y)
    def f(x, y):
        zero = (x == 0) & (y == (0 if log is jnp.log else -1))
        r = jnp.where(x == 0, jnp.zeros_like(x), x * log(jnp.where(zero, jnp.ones_like(y) * (log is jnp.log), y)))
        return jnp.where(jnp.isnan(y), y, r)

    def fwd_res(x, y):
        return f(x, y), (x, y)

    def bwd(res, g):
        x, y = res
        zero = (x == 0) & (y == (0 if log is jnp.log else -1))
        gx = g * jnp.where(zero, 0, log(jnp.where(zero, jnp.ones_like(y) * (log is jnp.log), y)))
        gy = g * x / (y if log is jnp.log else 1 + y)
        return _unbroadcast(gx, x.shape).astype(x.dtype), _unbroadcast(gy, y.shape).astype(y.dtype)

    return f, (fwd_res, bwd)


_xlogy_f, _xlogy_vjp = _xlog_vjp(jnp.log)
_xlog1py_f, _xlog1py_vjp = _xlog_vjp(jnp.log1p)
xlogy = binary("xlogy", _xlogy_f, promote="float", vjp=_xlogy_vjp, method=True, inplace=True)
xlog1py = binary("xlog1py", _xlog1py_f, promote="float", vjp=_xlog1py_vjp, function=True)


def _float_binary(name, f):
    o = Op(name, f, promote="float")

    def fn(input, other, *, out=None):
        _float_only(name, input, other)
        _check_broadcast(input, other)
        return write_out(apply(o, input, other), out)

    fn.__name__ = name
    return fn


hypot = _float_binary("hypot", jnp.hypot)
public(hypot, method=True, inplace=True)
logaddexp = _float_binary("logaddexp", jnp.logaddexp)
public(logaddexp, method=True)
logaddexp2 = _float_binary("logaddexp2", jnp.logaddexp2)
public(logaddexp2, method=True)
atan2 = binary("atan2", jnp.arctan2, promote="float", method=True, inplace=True, aliases=('arctan2',))
copysign = binary("copysign", jnp.copysign, promote="float", method=True, inplace=True)
ldexp = binary("ldexp", lambda x, e: x * jnp.exp2(e), promote="float", method=True, inplace=True)
nextafter = binary("nextafter", jnp.nextafter, promote="same", method=True, inplace=True)
heaviside = binary("heaviside", lambda x, v: jnp.where(x == 0, v, (x > 0).astype(x.dtype)), differentiable=False, method=True, inplace=True)


def _int_binary(name, f):
    o = Op(name, f, promote="same")

    def fn(input, other, *, out=None):
        for x in (input, other):
            if isinstance(x, Tensor) and (x.dtype.is_floating_point or x.dtype.is_complex or x.dtype is D.bool) \
                    or isinstance(x, float):
                dt = _type_name(x.dtype) if isinstance(x, Tensor) else "Float"
                raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt}'")
        _check_broadcast(input, other)
        return write_out(apply(o, input, other), out)

    fn.__name__ = name
    return fn


gcd = _int_binary("gcd", jnp.gcd)
public(gcd, method=True, inplace=True)
lcm = _int_binary("lcm", jnp.lcm)
public(lcm, method=True, inplace=True)


def _shift(name, f):
    o = Op(name, f, promote="same", differentiable=False)

    def fn(input, other, *, out=None):
        for x in (input, other):
            if isinstance(x, Tensor) and (x.dtype.is_floating_point or x.dtype.is_complex) or isinstance(x, float):
                dt = _type_name(x.dtype) if isinstance(x, Tensor) else "Float"
                raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt}'")
        _check_broadcast(input, other)
        return write_out(apply(o, input, other), out)

    fn.__name__ = name
    return fn


def _lshift(a, b):
    if a.dtype == jnp.bool_:
        a, b = a.astype(jnp.uint8), b.astype(jnp.uint8)
    bits = jnp.iinfo(a.dtype).bits
    # shifting by >= the bit width (or by a negative amount) gives 0, as torch
    return jnp.where((b >= bits) | (b < 0), jnp.zeros_like(a), jnp.left_shift(a, jnp.clip(b, 0, bits - 1)))


def _rshift(a, b):
    if a.dtype == jnp.bool_:
        a, b = a.astype(jnp.uint8), b.astype(jnp.uint8)
    bits = jnp.iinfo(a.dtype).bits
    return jnp.right_shift(a, jnp.clip(b, 0, bits - 1)) if jnp.issubdtype(a.dtype, jnp.signedinteger) else \
        jnp.where(b >= bits, jnp.zeros_like(a), jnp.right_shift(a, jnp.clip(b, 0, bits - 1)))


bitwise_left_shift = _shift("bitwise_left_shift", _lshift)
public(bitwise_left_shift, method=True, inplace=True)
bitwise_right_shift = _shift("bitwise_right_shift", _rshift)
public(bitwise_right_shift, method=True, inplace=True)


def _nan_to_num(x, nan, posinf, neginf):
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return x
    fi = jnp.finfo(x.dtype)
    return jnp.nan_to_num(x, nan=nan, posinf=fi.max if posinf is None else posinf,
                          neginf=fi.min if neginf is None else neginf)


_nan_to_num_op = Op("nan_to_num", _nan_to_num)


@public(method=True, inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN/+inf/-inf by ``nan``/``posinf``/``neginf`` (default: the dtype's largest/lowest)."""
    return write_out(apply(_nan_to_num_op, input, nan=float(nan), posinf=None if posinf is None else float(posinf),
                           neginf=None if neginf is None else float(neginf)), out)


def _lerp(x, end, w):
    # torch's formula: weight < 0.5 counts from start, else back from end
    return jnp.where(jnp.abs(w) < 0.5, x + w * (end - x), end - (end - x) * (1 - w))


_lerp_op = Op("lerp", _lerp, promote="same")


@public(method=True, inplace=True)
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input)."""
    _check_broadcast(input, end)
    if isinstance(weight, Tensor):
        _check_broadcast(input, weight)
        if weight.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {input.dtype} for `weight` but got dtype {weight.dtype}")
    if isinstance(end, Tensor) and end.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    return write_out(apply(_lerp_op, input, end, weight), out)


_addcmul = Op("addcmul", lambda x, a, b, v: x + v * a * b, promote="same", n_promote=3)
_addcdiv = Op("addcdiv", lambda x, a, b, v: x + v * (a / b), promote="same", n_promote=3)


@public(method=True, inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    _check_broadcast(tensor1, tensor2)
    return write_out(apply(_addcmul, input, tensor1, tensor2, value), out)


@public(method=True, inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (integer tensor1/tensor2 raise, as in torch)."""
    if not (tensor1.dtype.is_floating_point or tensor1.dtype.is_complex) and \
            not (tensor2.dtype.is_floating_point or tensor2.dtype.is_complex):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
                           "tensor2), for all dtypes.")
    _check_broadcast(tensor1, tensor2)
    return write_out(apply(_addcdiv, input, tensor1, tensor2, value), out)


_frexp = Op("frexp", lambda x: (lambda m, e: (m, e.astype(jnp.int32)))(*jnp.frexp(x)), differentiable=False)


@public(method=True)
def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent; exponent is int32."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = apply(_frexp, input)
    return write_out(return_types.frexp(m, e), out)


# ---------------------------------------------------------------- closeness
def _isclose(a, b, rtol, atol, equal_nan):
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        a, b = a.astype(jnp.float64), b.astype(jnp.float64)
    close = (a == b) | (jnp.isfinite(a) & jnp.isfinite(b) & (jnp.abs(a - b) <= atol + rtol * jnp.abs(b)))
    if equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    return close


_isclose_op = Op("isclose", _isclose, differentiable=False)


@public(method=True)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (inputs must share a dtype, as in torch)."""
    if isinstance(other, Tensor) and other.dtype is not input.dtype:
        raise RuntimeError(f"{_type_name(input.dtype)} did not match {_type_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    _check_broadcast(input, other)
    return apply(_isclose_op, input, other, rtol=float(rtol), atol=float(atol), equal_nan=bool(equal_nan))


@public(method=True)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@public(method=True)
def equal(input, other):
    """True when both have the same shape and equal elements."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    from .pointwise import eq
    return bool(eq(input, other).all())


_isin_op = Op("isin", lambda e, t, invert: jnp.isin(e, t, invert=invert), promote="compare", differentiable=False)


@public(method=True)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a scalar)."""
    if not isinstance(test_elements, Tensor):
        from .creation import tensor
        test_elements = tensor(test_elements)
    return apply(_isin_op, elements, test_elements.reshape(-1), invert=bool(invert))


# ---------------------------------------------------------------- scans
def _on_dim(f):
    """Run ``f(x, dim)`` on a 0-d input as on a 1-element vector."""
    def g(x, dim, **kw):
        if x.ndim == 0:
            r = f(x.reshape(1), 0, **kw)
            return tuple(a.reshape(()) for a in r) if isinstance(r, tuple) else r.reshape(())
        return f(x, dim, **kw)
    return g


def _int_acc(x, dtype):
    if dtype is not None:
        return x.astype(dtype)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return x.astype(jnp.int64)
    return x


_cumsum = Op("cumsum", _on_dim(lambda x, d, dtype: jnp.cumsum(_int_acc(x, dtype), axis=d)))
_cumprod = Op("cumprod", _on_dim(lambda x, d, dtype: jnp.cumprod(_int_acc(x, dtype), axis=d)))


@public(method=True, inplace=True)
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; integer and bool inputs accumulate in int64."""
    d = _wrap_dim(dim, input.ndim)
    return write_out(apply(_cumsum, input, dim=d, dtype=None if dtype is None else D.to_dtype(dtype).np), out)


@public(method=True, inplace=True)
def cumprod(input, dim, *, dtype=None, out=None):
    d = _wrap_dim(dim, input.ndim)
    return write_out(apply(_cumprod, input, dim=d, dtype=None if dtype is None else D.to_dtype(dtype).np), out)


def _cum_extreme(x, dim, better):
    # scan over (value, index, is-nan); a later element wins on ties, a NaN wins and sticks (torch's CPU rule)
    n = x.shape[dim]
    shape = [1] * x.ndim
    shape[dim] = n
    idx = jnp.broadcast_to(jnp.arange(n, dtype=jnp.int64).reshape(shape), x.shape)
    nan = jnp.isnan(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(x.shape, bool)

    def combine(a, b):
        va, ia, na = a
        vb, ib, nb = b
        take_b = nb | (~na & better(vb, va))
        return jnp.where(take_b, vb, va), jnp.where(take_b, ib, ia), jnp.where(take_b, nb, na)

    _, best, _ = lax.associative_scan(combine, (x, idx, nan), axis=dim)
    return jnp.take_along_axis(x, best, axis=dim), best


_cummax = Op("cummax", _on_dim(lambda x, d: _cum_extreme(x, d, lambda b, a: b >= a)))
_cummin = Op("cummin", _on_dim(lambda x, d: _cum_extreme(x, d, lambda b, a: b <= a)))


@public(method=True)
def cummax(input, dim, *, out=None):
    """(values, indices) of the running maximum; ties pick the later index, NaN propagates."""
    v, i = apply(_cummax, input, dim=_wrap_dim(dim, input.ndim))
    return write_out(return_types.cummax(v, i), out)


@public(method=True)
def cummin(input, dim, *, out=None):
    v, i = apply(_cummin, input, dim=_wrap_dim(dim, input.ndim))
    return write_out(return_types.cummin(v, i), out)


_logcumsumexp_op = Op("logcumsumexp", _on_dim(lambda x, d: lax.cumlogsumexp(x, axis=d)))


@public(method=True)
def logcumsumexp(input, dim, *, out=None):
    _float_only("logcumsumexp_out", input)
    return write_out(apply(_logcumsumexp_op, input, dim=_wrap_dim(dim, input.ndim)), out)


def _diff(x, n, dim):
    for _ in range(n):
        a = lax.slice_in_dim(x, 1, x.shape[dim], axis=dim)
        b = lax.slice_in_dim(x, 0, x.shape[dim] - 1, axis=dim)
        x = jnp.logical_xor(a, b) if x.dtype == jnp.bool_ else a - b
    return x


_diff_op = Op("diff", lambda x, n, dim: _diff(x, n, dim))


@public(method=True)
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along ``dim`` (bool inputs use xor), after concatenating prepend/append."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    from .shape import cat
    d = _wrap_dim(dim, input.ndim)
    parts = []
    for extra in (prepend, input, append):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            from .creation import full
            extra = full(tuple(1 if k == d else s for k, s in enumerate(input.shape)), extra, dtype=input.dtype)
        elif extra.ndim == 0:
            extra = extra.reshape(*(1 if k == d else s for k, s in enumerate(input.shape)))
        parts.append(extra)
    x = cat(parts, d) if len(parts) > 1 else input
    n = min(n, x.shape[d])
    return apply(_diff_op, x, n=int(n), dim=d)


# ---------------------------------------------------------------- trapezoid rules
@public(aliases=('trapz',))
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of ``y`` along ``dim`` by the trapezoid rule (spacing ``dx`` or sample points ``x``)."""
    d = _wrap_dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return (y.sum(d) * 0)
    lo, hi = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
    if x is None:
        return ((lo + hi) * ((1.0 if dx is None else dx) / 2)).sum(d)
    if not isinstance(x, Tensor):
        from .creation import tensor
        x = tensor(x)
    dxs = diff(x, dim=-1 if x.ndim == 1 else d)
    if x.ndim == 1:
        dxs = dxs.reshape(*[(-1 if k == d else 1) for k in range(y.ndim)])
    return ((lo + hi) * dxs / 2).sum(d)


@public
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    d = _wrap_dim(dim, y.ndim)
    n = y.shape[d]
    lo, hi = y.narrow(d, 0, max(n - 1, 0)), y.narrow(d, min(1, n), max(n - 1, 0))
    if x is None:
        return cumsum((lo + hi) * ((1.0 if dx is None else dx) / 2), d)
    dxs = diff(x, dim=-1 if x.ndim == 1 else d)
    if x.ndim == 1:
        dxs = dxs.reshape(*[(-1 if k == d else 1) for k in range(y.ndim)])
    return cumsum((lo + hi) * dxs / 2, d)


# ---------------------------------------------------------------- complex basics on real tensors
_conj_op = Op("conj", jnp.conj, saves=False)
_real_op = Op("real", jnp.real, saves=False)
_imag_op = Op("imag", jnp.imag, saves=False)
_angle_op = Op("angle", lambda x: jnp.angle(x) if jnp.issubdtype(x.dtype, jnp.inexact) else
               jnp.where(x < 0, jnp.pi, 0.0).astype(jnp.float32), promote="none")


@public(method=True)
def conj(input):
    """The complex conjugate; real tensors are returned unchanged (as torch's conj view)."""
    return apply(_conj_op, input) if input.dtype.is_complex else input


conj_physical = public(conj, name="conj_physical", method=True, inplace=True)  # a copy here too


@public(method=True)
def resolve_conj(input):
    return input


@public(method=True)
def resolve_neg(input):
    return input


@public(method=True)
def is_conj(input):
    return False


@public(method=True)
def is_neg(input):
    return False


@public(prop=True)
def real(input):
    return apply(_real_op, input) if input.dtype.is_complex else input


@public(prop=True)
def imag(input):
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(_imag_op, input)


@public(method=True)
def angle(input, *, out=None):
    """0 for non-negative reals, pi for negatives (NaN stays NaN); the argument for complex."""
    return write_out(apply(_angle_op, input), out)


