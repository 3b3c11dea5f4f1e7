"""More elementwise arithmetic: hypot, atan2, logaddexp(2), lerp, addcmul/addcdiv, copysign,
nextafter, ldexp, frexp, heaviside, gcd/lcm, bit shifts, nan_to_num, deg2rad/rad2deg.

Dtype rules are torch's (integer inputs of float functions give the default float dtype; gcd, lcm
and the shifts take integers only)."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _dtype as D
from .._tensor import Tensor, _type_name
from .declare import public
from .out import write_out
from .pointwise import _check_broadcast, binary, unary
from .reductions import _return_type, return_types
from .registry import Op, apply
from .signature import binary_args

return_types.frexp = _return_type("frexp", ("mantissa", "exponent"))


def _float_only(name, *xs):
    for x in xs:
        if isinstance(x, Tensor) and not (x.dtype.is_floating_point or x.dtype.is_complex):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_type_name(x.dtype)}'")


deg2rad = unary("deg2rad", jnp.deg2rad, method=True, inplace=True, torch_inplace=True)


rad2deg = unary("rad2deg", jnp.rad2deg, method=True, inplace=True, torch_inplace=True)


def _float_binary(name, f):
    o = Op(name, f, promote="float")

    def fn(input, other, *, out=None):
        if input.__class__ is not Tensor or other.__class__ is not Tensor:
            binary_args(name, "tensors", input, other)
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


atan2 = binary("atan2", jnp.arctan2, promote="float", args="tensors", method=True, inplace=True, aliases=('arctan2',))


copysign = binary("copysign", jnp.copysign, promote="float", args="other", method=True, inplace=True)


ldexp = binary("ldexp", lambda x, e: x * jnp.exp2(e), promote="float", args="tensors", method=True, inplace=True, torch_inplace=True)


@jax.custom_jvp
def _nextafter(x, other):
    return jnp.nextafter(x, other)


# torch's NextafterBackward0: the gradient passes to input where input != other (0 where they are equal,
# the result is then other itself) and is zero for other
_nextafter.defjvp(lambda primals, tangents: (_nextafter(*primals),
                                             jnp.where(primals[0] != primals[1], tangents[0], 0) + 0 * tangents[1]))


nextafter = binary("nextafter", _nextafter, promote="same", args="tensors", method=True, inplace=True)


heaviside = binary("heaviside", lambda x, v: jnp.where(x == 0, v, (x > 0).astype(x.dtype)), differentiable=False, args="tensors", arg_names=("input", "values"), method=True, inplace=True)


def _int_binary(name, f):
    o = Op(name, f, promote="same")

    def fn(input, other, *, out=None):
        if input.__class__ is not Tensor or other.__class__ is not Tensor:
            binary_args(name, "tensors", input, other)
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


public(gcd, method=True, inplace=True, torch_inplace=True)


lcm = _int_binary("lcm", jnp.lcm)


public(lcm, method=True, inplace=True, torch_inplace=True)


def _shift(name, f):
    o = Op(name, f, promote="same", differentiable=False)

    def fn(input, other, *, out=None):
        if input.__class__ is not Tensor and other.__class__ is not Tensor:
            binary_args(name, "either", input, other)
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


@public(method=True, inplace=True, torch_inplace=True)
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


@jax.custom_jvp
def _mantissa(x):
    return jnp.frexp(x)[0]


@_mantissa.defjvp
def _mantissa_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _mantissa(x), t / jnp.exp2(jnp.frexp(x)[1]).astype(t.dtype)  # torch: grad / exponent.exp2()


# the mantissa is differentiable (as torch's FrexpBackward0), the int32 exponent is not
_frexp = Op("frexp", lambda x: (_mantissa(x), jnp.frexp(x)[1].astype(jnp.int32)))


@public(method=True)
def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent; exponent is int32."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = apply(_frexp, input)
    return write_out(return_types.frexp(m, e), out)
