"""Pointwise (elementwise) operations, with torch's type promotion and broadcasting errors.

Each op is defined once with :func:`unary`/:func:`binary` (an :class:`Op` plus its public function)
or as a function declared with :func:`~.declare.public`; the declaration generates its ``torch.*``
name, Tensor method and in-place twins (``operators.py`` maps Python's operators onto them).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor
from .declare import public
from .out import write_out
from .registry import Op, apply
from .signature import binary_args, check_kind


def _check_broadcast(a, b):
    sa = a._value.shape if isinstance(a, Tensor) else ()
    sb = b._value.shape if isinstance(b, Tensor) else ()
    if sa == sb or not sa or not sb:
        return
    for i in range(1, min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {max(len(sa), len(sb)) - i}")


_DECL_KEYS = ("function", "method", "inplace", "torch_inplace", "aliases", "linalg", "fft", "special")


def _split_decl(kw):
    return {k: kw.pop(k) for k in _DECL_KEYS if k in kw}


def unary(name, f, promote="float", **kw):
    """Define ``name(input, *, out=None)`` from a JAX function of one array. Keywords of
    :func:`~.declare.public` (``method=True, inplace=True, ...``) declare its public names; the rest
    go to :class:`Op`."""
    decl = _split_decl(kw)
    o = Op(name, f, promote=promote, **kw)

    def fn(input, *, out=None):
        return write_out(apply(o, input), out)

    fn.__name__ = fn.__qualname__ = name
    fn.op = o
    return public(fn, **decl) if decl else fn


def binary(name, f, promote="same", args=None, arg_names=("input", "other"), **kw):
    """Define ``name(input, other, *, out=None)`` from a JAX function of two arrays (keywords as
    :func:`unary`). ``args`` says which operands torch lets be Python numbers ("tensors", "other",
    "either": see ``signature.py``; None accepts numbers in both places); ``arg_names`` are torch's
    names for the two, for its TypeError."""
    decl = _split_decl(kw)
    o = Op(name, f, promote=promote, check=_check_broadcast, **kw)
    kind = check_kind(args)
    other_free = kind in (None, "other")  # `x == 0` (a number as other) skips the check call

    def fn(input, other, *, out=None):
        if kind is not None and (input.__class__ is not Tensor or not other_free and other.__class__ is not Tensor):
            binary_args(name, kind, input, other, arg_names)
        return write_out(apply(o, input, other), out) if out is not None else apply(o, input, other)

    fn.__name__ = fn.__qualname__ = name
    fn.op = o
    return public(fn, **decl) if decl else fn


def _is_bool(x):
    return isinstance(x, Tensor) and x.dtype is D.bool or isinstance(x, bool)


# ---------------------------------------------------------------- arithmetic
_add = Op("add", jnp.add, promote="same", saves=False, check=_check_broadcast)
_sub = Op("sub", jnp.subtract, promote="same", saves=False, check=_check_broadcast)
_mul = binary("mul", lambda a, b: jnp.logical_and(a, b) if a.dtype == jnp.bool_ else a * b)


def _scaled(other, alpha):
    if alpha == 1:
        return other
    if isinstance(other, Tensor):
        return mul(other, alpha)
    return other * alpha


@public(method=True, inplace=True)
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other."""
    if not isinstance(input, Tensor):  # scalar + tensor
        input, other = other, input
    if alpha != 1:
        other = _scaled(other, alpha)
    r = apply(_add, input, other)
    return r if out is None else write_out(r, out)


@public(method=True, inplace=True, aliases=('subtract',))
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other (bool tensors cannot be subtracted, as in torch)."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return write_out(apply(_sub, input, _scaled(other, alpha)), out)


@public
def rsub(input, other, *, alpha=1):
    if input.__class__ is not Tensor:
        binary_args("rsub", "other", input, other)
    return sub(other, _scaled(input, alpha)) if isinstance(other, Tensor) else apply(_sub, other, _scaled(input, alpha))


mul = _mul
public(mul, method=True, inplace=True, aliases=('multiply',))

_true_div = Op("div", jnp.true_divide, promote="float", check=_check_broadcast)


def _trunc_div(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        a, b = jnp.broadcast_arrays(a, b)  # lax.div does not broadcast
        return lax.div(a, jnp.where(b == 0, 1, b))
    return jnp.trunc(a / b)


def _floor_div(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        return jnp.floor_divide(a, jnp.where(b == 0, 1, b))
    return jnp.floor(a / b)


_trunc_div_op = Op("div", _trunc_div, promote="same")
_floor_div_op = Op("div", _floor_div, promote="same")


@public(method=True, inplace=True, aliases=('divide', 'true_divide'))
def div(input, other, *, rounding_mode=None, out=None):
    """True division (ints give the default float), or 'trunc' / 'floor' rounding in input dtype."""
    if rounding_mode is None:
        return write_out(apply(_true_div, input, other), out)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    _check_int_zero(input, other)
    return write_out(apply(_trunc_div_op if rounding_mode == "trunc" else _floor_div_op, input, other), out)


def _check_int_zero(input, other):
    o = other
    if isinstance(o, Tensor):
        if o.dtype.is_floating_point or o.dtype.is_complex:
            return
        if isinstance(o._value, jax.core.Tracer):
            return
        if not (input.dtype.is_floating_point if isinstance(input, Tensor) else isinstance(input, float)) \
                and bool(jnp.any(o._value == 0)):
            raise RuntimeError("ZeroDivisionError")
    elif isinstance(o, int) and o == 0 and isinstance(input, Tensor) and not input.dtype.is_floating_point:
        raise RuntimeError("ZeroDivisionError")


@public(method=True, inplace=True)
def floor_divide(input, other, *, out=None):
    _check_int_zero(input, other)
    return write_out(apply(_floor_div_op, input, other), out)


remainder = binary("remainder", jnp.remainder, args="either", method=True, inplace=True)
fmod = binary("fmod", jnp.fmod, args="other", method=True, inplace=True)


def _pow(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer) and jnp.issubdtype(b.dtype, jnp.integer):
        return _int_pow(a, b)
    return jnp.power(a, b)


def _int_pow(a, b):
    """Integer power by square-and-multiply over all exponent bits, wrapping on overflow as torch's
    (jnp.power stops squaring early, so 2 ** 70 gave 64 instead of torch's 0); negative exponents give
    0 except for bases 1 and -1, as torch's integer pow."""
    a, b = jnp.broadcast_arrays(a, b)
    result = jnp.ones_like(a)
    base, e = a, jnp.maximum(b, 0)
    for _ in range(jnp.iinfo(b.dtype).bits - (1 if jnp.issubdtype(b.dtype, jnp.signedinteger) else 0)):
        result = jnp.where((e & 1) == 1, result * base, result)
        base = base * base
        e = e >> 1
    if jnp.issubdtype(b.dtype, jnp.signedinteger):
        neg = jnp.where(a == 1, 1, jnp.where(a == -1, jnp.where((b & 1) == 1, -1, 1), 0)).astype(a.dtype)
        result = jnp.where(b < 0, neg, result)
    return result


_pow_op = Op("pow", _pow, promote="same")


@public(method=True, inplace=True)
def pow(input, exponent, *, out=None):
    """input ** exponent; integer tensors to negative integer powers raise, as in torch."""
    if input.__class__ is not Tensor and exponent.__class__ is not Tensor:
        binary_args("pow", "either", input, exponent, ("input", "exponent"))
    if isinstance(input, Tensor) and not (input.dtype.is_floating_point or input.dtype.is_complex):
        if isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    _check_broadcast(input, exponent)
    return write_out(apply(_pow_op, input, exponent), out)


float_power = binary("float_power", lambda a, b: jnp.power(a.astype(jnp.float64), b.astype(jnp.float64)), promote="none", args="either", arg_names=("input", "exponent"))


def _float_power_(input, exponent):
    """x.float_power_(e): torch computes in double and refuses a base of any other dtype (no downcast)."""
    if input.dtype is not D.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_tn(input.dtype)} but the operation's "
                           f"result requires dtype Double")
    return input._assign(float_power(input, exponent))


public(float_power, method=True, inplace=_float_power_)


def _neg(x):
    return -x


_neg_op = Op("neg", _neg, promote="none", saves=False)


@public(method=True, inplace=True, torch_inplace=True, aliases=('negative',))
def neg(input, *, out=None):
    if input.dtype is D.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return write_out(apply(_neg_op, input), out)


@public(method=True)
def positive(input):
    """``input`` itself (torch.positive; an error for bool tensors in torch, not checked here)."""
    return input

abs = unary("abs", jnp.abs, promote="none", method=True, inplace=True, torch_inplace=True)
public(abs, name="absolute", method=True, inplace=True)  # no torch.absolute_
sign = unary("sign", jnp.sign, promote="none", method=True, inplace=True, aliases=('sgn',))
exp = unary("exp", saves_result=True, f=jnp.exp, method=True, inplace=True, torch_inplace=True)
exp2 = unary("exp2", jnp.exp2, method=True, inplace=True, torch_inplace=True, special=True)
expm1 = unary("expm1", jnp.expm1, method=True, inplace=True, torch_inplace=True, special=True)
log = unary("log", jnp.log, method=True, inplace=True, torch_inplace=True)
log1p = unary("log1p", jnp.log1p, method=True, inplace=True, torch_inplace=True, special=True)
log2 = unary("log2", jnp.log2, method=True, inplace=True, torch_inplace=True)
log10 = unary("log10", jnp.log10, method=True, inplace=True, torch_inplace=True)
sqrt = unary("sqrt", saves_result=True, f=jnp.sqrt, method=True, inplace=True, torch_inplace=True)
rsqrt = unary("rsqrt", saves_result=True, f=lax.rsqrt, method=True, inplace=True, torch_inplace=True)
square = unary("square", jnp.square, promote="none", method=True, inplace=True, torch_inplace=True)
reciprocal = unary("reciprocal", jnp.reciprocal, method=True, inplace=True, torch_inplace=True)
sin = unary("sin", jnp.sin, method=True, inplace=True, torch_inplace=True)
cos = unary("cos", jnp.cos, method=True, inplace=True, torch_inplace=True)
tan = unary("tan", jnp.tan, method=True, inplace=True, torch_inplace=True)
asin = unary("asin", jnp.arcsin, method=True, inplace=True, torch_inplace=True, aliases=('arcsin',))
acos = unary("acos", jnp.arccos, method=True, inplace=True, torch_inplace=True, aliases=('arccos',))
atan = unary("atan", jnp.arctan, method=True, inplace=True, torch_inplace=True, aliases=('arctan',))
sinh = unary("sinh", jnp.sinh, method=True, inplace=True, torch_inplace=True)
cosh = unary("cosh", jnp.cosh, method=True, inplace=True, torch_inplace=True)
tanh = unary("tanh", saves_result=True, f=jnp.tanh, method=True, inplace=True, torch_inplace=True)
asinh = unary("asinh", jnp.arcsinh, method=True, inplace=True, torch_inplace=True, aliases=('arcsinh',))
acosh = unary("acosh", jnp.arccosh, method=True, inplace=True, torch_inplace=True, aliases=('arccosh',))
atanh = unary("atanh", jnp.arctanh, method=True, inplace=True, torch_inplace=True, aliases=('arctanh',))
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
sigmoid = unary("sigmoid", saves_result=True, f=jax.nn.sigmoid, method=True, inplace=True, torch_inplace=True,
                special="expit")
floor = unary("floor", lambda x: jnp.floor(x) if jnp.issubdtype(x.dtype, jnp.inexact) else x, promote="none", method=True, inplace=True, torch_inplace=True)
ceil = unary("ceil", lambda x: jnp.ceil(x) if jnp.issubdtype(x.dtype, jnp.inexact) else x, promote="none", method=True, inplace=True, torch_inplace=True)
trunc = unary("trunc", lambda x: jnp.trunc(x) if jnp.issubdtype(x.dtype, jnp.inexact) else x, promote="none", method=True, inplace=True, torch_inplace=True, aliases=('fix',))
frac = unary("frac", lambda x: x - jnp.trunc(x), promote="none", method=True, inplace=True, torch_inplace=True)


def _relu(x):
    return jnp.maximum(x, jnp.zeros((), x.dtype)) if x.dtype != jnp.bool_ else x


relu = unary("relu", _relu, promote="none", saves_result=True, method=True, inplace=True, torch_inplace=True)

_round_op = Op("round", lambda x, decimals: jnp.round(x, decimals), promote="none")


@public(method=True, inplace=True, torch_inplace=True, special=True)
def round(input, *, decimals=0, out=None):
    """Round half to even, as torch does; ``decimals`` scales first."""
    return write_out(apply(_round_op, input, decimals=decimals), out)


# ---------------------------------------------------------------- clamp / where / min-max
def _clamp(x, lo, hi):
    if lo is not None:
        x = jnp.maximum(x, lo)
    if hi is not None:
        x = jnp.minimum(x, hi)
    return x


_clamp_op = Op("clamp", _clamp, promote="same")


@public(method=True, inplace=True, torch_inplace=True, aliases=('clip',))
def clamp(input, min=None, max=None, *, out=None):
    """Limit to [min, max] (either may be None, a number or a tensor); min > max gives max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return write_out(apply(_clamp_op, input, min, max), out)


@public(method=True, inplace=True, torch_inplace=True)
def clamp_min(input, min, *, out=None):
    if input.__class__ is not Tensor:
        binary_args("clamp_min", "other", input, min, ("input", "min"))
    return clamp(input, min=min, out=out)


@public(method=True, inplace=True, torch_inplace=True)
def clamp_max(input, max, *, out=None):
    if input.__class__ is not Tensor:
        binary_args("clamp_max", "other", input, max, ("input", "max"))
    return clamp(input, max=max, out=out)


# saves=False: the backward reads only the condition, so (as in torch) x and y may be modified in place
# after the where (kornia's rgb_to_hls divides its lightness in place after a where read it)
_where_vals = Op("where", lambda x, y, c: jnp.where(c, x, y), promote="same", n_promote=2, saves=False)


def _where_method(self, condition, other):
    return where(condition, self, other)


@public(method=_where_method)
def where(condition, input=None, other=None, *, out=None):
    """where(cond, x, y) elementwise; where(cond) is nonzero(cond, as_tuple=True)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if isinstance(condition, Tensor) and condition.dtype is not D.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {_tn(condition.dtype)}")
    _check_broadcast(condition, input)
    _check_broadcast(condition, other)
    return write_out(apply(_where_vals, input, other, condition), out)


def _tn(d):
    from .._tensor import _type_name
    return _type_name(d)


maximum = binary("maximum", jnp.maximum, args="tensors", method=True)
minimum = binary("minimum", jnp.minimum, args="tensors", method=True)
fmax = binary("fmax", jnp.fmax, args="tensors", method=True)
fmin = binary("fmin", jnp.fmin, args="tensors", method=True)

# ---------------------------------------------------------------- comparisons and logic
eq = binary("eq", jnp.equal, promote="compare", args="other", method=True, inplace=True)
ne = binary("ne", jnp.not_equal, promote="compare", args="other", method=True, inplace=True, aliases=('not_equal',))
lt = binary("lt", jnp.less, promote="compare", args="other", method=True, inplace=True, aliases=('less',))
le = binary("le", jnp.less_equal, promote="compare", args="other", method=True, inplace=True, aliases=('less_equal',))
gt = binary("gt", jnp.greater, promote="compare", args="other", method=True, inplace=True, aliases=('greater',))
ge = binary("ge", jnp.greater_equal, promote="compare", args="other", method=True, inplace=True, aliases=('greater_equal',))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

logical_and = binary("logical_and", jnp.logical_and, promote="none", args="tensors", method=True, inplace=True)
logical_or = binary("logical_or", jnp.logical_or, promote="none", args="tensors", method=True, inplace=True)
logical_xor = binary("logical_xor", jnp.logical_xor, promote="none", args="tensors", method=True, inplace=True)
logical_not = unary("logical_not", jnp.logical_not, promote="none", method=True, inplace=True)


def _bitwise(name, f):
    o = Op(name, f, promote="same")

    def fn(input, other, *, out=None):
        if input.__class__ is not Tensor and other.__class__ is not Tensor:
            binary_args(name, "either", input, other)
        for x in (input, other):
            if isinstance(x, Tensor) and (x.dtype.is_floating_point or x.dtype.is_complex) or isinstance(x, float):
                raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_tn(x.dtype) if isinstance(x, Tensor) else 'Float'}'")
        _check_broadcast(input, other)
        return write_out(apply(o, input, other), out)

    fn.__name__ = name
    return fn


bitwise_and = _bitwise("bitwise_and", jnp.bitwise_and)
public(bitwise_and, method=True, inplace=True)
bitwise_or = _bitwise("bitwise_or", jnp.bitwise_or)
public(bitwise_or, method=True, inplace=True)
bitwise_xor = _bitwise("bitwise_xor", jnp.bitwise_xor)
public(bitwise_xor, method=True, inplace=True)
_bitwise_not = Op("bitwise_not", jnp.invert)


@public(method=True, inplace=True)
def bitwise_not(input, *, out=None):
    if input.dtype.is_floating_point or input.dtype.is_complex:
        raise TypeError(f"bitwise_not is only supported for integer and boolean tensors, got {input.dtype}")
    return write_out(apply(_bitwise_not, input), out)


isnan = unary("isnan", jnp.isnan, promote="none", method=True)
isinf = unary("isinf", jnp.isinf, promote="none", method=True)
isfinite = unary("isfinite", jnp.isfinite, promote="none", method=True)
isposinf = unary("isposinf", jnp.isposinf, promote="none", method=True)
isneginf = unary("isneginf", jnp.isneginf, promote="none", method=True)
signbit = unary("signbit", jnp.signbit, promote="none", method=True)
