"""Activation functions of ``torch.nn.functional``; each is one Op (one XLA dispatch).

Formulas and boundary gradients follow torch's kernels (e.g. hardtanh passes gradient only
strictly inside (min_val, max_val), relu's gradient at 0 is 0, softplus reverts to the identity
above ``threshold``). ``inplace=True`` writes the result into the input and returns it.
"""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._tensor import Tensor
from ...ops.out import write_out
from ...ops._upcast import in_float32
from ...ops.registry import Op, apply

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_",
           "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_",
           "hardswish", "hardsigmoid", "softplus", "softsign", "softmax", "log_softmax", "softmin", "threshold",
           "threshold_", "tanhshrink", "softshrink", "hardshrink", "glu", "logsigmoid"]


def _done(input, result, inplace):
    if inplace:
        return input._assign(result)
    return result


def _check(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


# ------------------------------------------------------------------------ rectifiers
_relu_op = Op("relu", lambda x: jnp.where(x > 0, x, jnp.zeros((), x.dtype)))


def relu(input, inplace=False):
    _check(input, "relu")
    return _done(input, apply(_relu_op, input), inplace)


def relu_(input):
    return relu(input, inplace=True)


def _hardtanh(x, lo, hi):
    # where-based so the gradient is 1 strictly inside (lo, hi) and 0 elsewhere, as torch
    return jnp.where(x <= lo, jnp.asarray(lo, x.dtype), jnp.where(x >= hi, jnp.asarray(hi, x.dtype), x))


_hardtanh_op = Op("hardtanh", _hardtanh)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    _check(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _done(input, apply(_hardtanh_op, input, lo=float(min_val), hi=float(max_val)), inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    _check(input, "relu6")
    return _done(input, apply(_hardtanh_op, input, lo=0.0, hi=6.0), inplace)


_leaky_op = Op("leaky_relu", lambda x, slope: jnp.where(x > 0, x, x * jnp.asarray(slope, x.dtype)))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _check(input, "leaky_relu")
    return _done(input, apply(_leaky_op, input, slope=float(negative_slope)), inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def _prelu(x, w):
    if w.size > 1 and x.ndim >= 2:
        w = w.reshape((1, -1) + (1,) * (x.ndim - 2))
    elif w.size == 1:
        w = w.reshape(())
    return jnp.where(x > 0, x, w.astype(x.dtype) * x)


_prelu_op = Op("prelu", _prelu, backward_name="PreluKernelBackward0")


def prelu(input, weight):
    """PReLU: ``max(0,x) + weight * min(0,x)``, weight per channel (dim 1) or shared."""
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{weight.numel()} and channel size = {channels}.")
    return apply(_prelu_op, input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: slopes drawn from U(lower, upper) in training, their mean otherwise."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ... import _trace_hooks, random as _random
    if _trace_hooks.rng is None and not isinstance(input._value, jax.core.Tracer):
        # eager: torch's CPU kernel walks the elements in order and draws one 53-bit uniform double
        # (a 64-bit draw) for each element <= 0, from the same generator stream
        x = np.asarray(input._value)
        neg = x <= 0
        bits = _random.default_generator._mt.random64(int(neg.sum()))
        mask53 = np.uint64((1 << 53) - 1)
        r = (bits & mask53).astype(np.float64) * 2.0 ** -53 * (upper - lower) + lower
        noise = np.ones(x.shape, x.dtype)
        noise[neg] = r.astype(x.dtype)
        res = apply(_rrelu_noise_op, input, jnp.asarray(noise))
        return _done(input, res, inplace)
    key = _random.default_generator.next_key()
    res = apply(_rrelu_train_op, input, key, lower=float(lower), upper=float(upper))
    return _done(input, res, inplace)


def _rrelu_train(x, key, lower, upper):
    a = jax.random.uniform(jax.random.wrap_key_data(key), x.shape, jnp.float32, lower, upper).astype(x.dtype)
    return jnp.where(x >= 0, x, x * a)


_rrelu_train_op = Op("rrelu_with_noise", _rrelu_train)
_rrelu_noise_op = Op("rrelu_with_noise", lambda x, noise: x * noise)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def _elu(x, alpha, scale, input_scale):
    neg = jnp.asarray(alpha * scale, x.dtype) * jnp.expm1(jnp.minimum(x, 0) * jnp.asarray(input_scale, x.dtype))
    return jnp.where(x > 0, x * jnp.asarray(scale, x.dtype), neg)


_elu_op = Op("elu", _elu)


def elu(input, alpha=1.0, inplace=False):
    _check(input, "elu")
    return _done(input, apply(_elu_op, input, alpha=float(alpha), scale=1.0, input_scale=1.0), inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    _check(input, "selu")
    return _done(input, apply(_elu_op, input, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0), inplace)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    _check(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _done(input, apply(_elu_op, input, alpha=float(alpha), scale=1.0, input_scale=1.0 / alpha), inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


# ------------------------------------------------------------------------ smooth
@in_float32
def _gelu(x, approximate):
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1 + jnp.tanh(c * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + lax.erf(x * (1 / math.sqrt(2.0))))


_gelu_op = Op("gelu", _gelu)


def gelu(input, approximate="none", *, out=None):
    _check(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return write_out(apply(_gelu_op, input, approximate=approximate), out)


_silu_op = Op("silu", lambda x: x * jax.nn.sigmoid(x))


def silu(input, inplace=False):
    _check(input, "silu")
    return _done(input, apply(_silu_op, input), inplace)


_mish_op = Op("mish", lambda x: x * jnp.tanh(jax.nn.softplus(x)))


def mish(input, inplace=False):
    _check(input, "mish")
    return _done(input, apply(_mish_op, input), inplace)


_sigmoid_op = Op("sigmoid", jax.nn.sigmoid, promote="float")
_tanh_op = Op("tanh", jnp.tanh, promote="float")


def sigmoid(input):
    return apply(_sigmoid_op, input)


def tanh(input):
    return apply(_tanh_op, input)


_hardswish_op = Op("hardswish", lambda x: x * jnp.clip(x + 3, 0, 6) / 6)


def hardswish(input, inplace=False):
    _check(input, "hardswish")
    return _done(input, apply(_hardswish_op, input), inplace)


def _hardsigmoid(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype), jnp.where(x >= 3, jnp.ones((), x.dtype), x / 6 + 0.5))


_hardsigmoid_op = Op("hardsigmoid", _hardsigmoid)


def hardsigmoid(input, inplace=False):
    _check(input, "hardsigmoid")
    return _done(input, apply(_hardsigmoid_op, input), inplace)


def _softplus(x, beta, threshold):
    bx = x * beta
    return jnp.where(bx > threshold, x, jnp.log1p(jnp.exp(jnp.minimum(bx, threshold))) / beta)


_softplus_op = Op("softplus", _softplus)


def softplus(input, beta=1.0, threshold=20.0, *, out=None):
    _check(input, "softplus")
    return write_out(apply(_softplus_op, input, beta=float(beta), threshold=float(threshold)), out)


_softsign_op = Op("softsign", lambda x: x / (1 + jnp.abs(x)), promote="float", backward_name="DivBackward0")


def softsign(input):
    return apply(_softsign_op, input)


_logsigmoid_op = Op("log_sigmoid", jax.nn.log_sigmoid, backward_name="LogSigmoidBackward0")


def logsigmoid(input, *, out=None):
    _check(input, "logsigmoid")
    return write_out(apply(_logsigmoid_op, input), out)


_tanhshrink_op = Op("tanhshrink", lambda x: x - jnp.tanh(x), promote="float", backward_name="SubBackward0")


def tanhshrink(input):
    return apply(_tanhshrink_op, input)


def _softshrink(x, lambd):
    lam = jnp.asarray(lambd, x.dtype)
    return jnp.where(x > lam, x - lam, jnp.where(x < -lam, x + lam, jnp.zeros((), x.dtype)))


_softshrink_op = Op("softshrink", _softshrink)


def softshrink(input, lambd=0.5, *, out=None):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return write_out(apply(_softshrink_op, input, lambd=float(lambd)), out)


_hardshrink_op = Op("hardshrink", lambda x, lambd: jnp.where((x > lambd) | (x < -lambd), x, jnp.zeros((), x.dtype)))


def hardshrink(input, lambd=0.5, *, out=None):
    return write_out(apply(_hardshrink_op, input, lambd=float(lambd)), out)


_threshold_op = Op("threshold", lambda x, th, value: jnp.where(x > th, x, jnp.asarray(value, x.dtype)))


def threshold(input, threshold, value, inplace=False):
    return _done(input, apply(_threshold_op, input, th=float(threshold), value=float(value)), inplace)


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


_threshold = threshold


def _glu(x, dim):
    a, b = jnp.split(x, 2, axis=dim)
    return a * jax.nn.sigmoid(b)


_glu_op = Op("glu", _glu)


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return apply(_glu_op, input, dim=d)


# ------------------------------------------------------------------------ softmax family
def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


@in_float32
def _softmax(x, dim, dtype):
    if dtype is not None:
        x = x.astype(dtype)
    return jax.nn.softmax(x, axis=dim)


@in_float32
def _log_softmax(x, dim, dtype):
    if dtype is not None:
        x = x.astype(dtype)
    return jax.nn.log_softmax(x, axis=dim)


@in_float32
def _softmin(x, dim, dtype):
    if dtype is not None:
        x = x.astype(dtype)
    return jax.nn.softmax(-x, axis=dim)


_softmax_op = Op("softmax", _softmax)
_log_softmax_op = Op("log_softmax", _log_softmax)
_softmin_op = Op("softmin", _softmin, backward_name="SoftmaxBackward0")


def _softmax_like(op, name, input, dim, dtype, stacklevel):
    _check(input, name)
    if dim is None:
        dim = _get_softmax_dim(name, input.ndim, stacklevel + 1)
    n = max(input.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    np_dtype = None
    if dtype is not None:
        from ... import _dtype as D
        np_dtype = D.to_dtype(dtype).np
    elif not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f'"{name}_lastdim_kernel_impl" not implemented for \'{_long_name(input.dtype)}\'')
    return apply(op, input, dim=dim % n if input.ndim else 0, dtype=np_dtype)


def _long_name(d):
    from ..._tensor import _type_name
    return _type_name(d)


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, out=None):
    r = _softmax_like(_softmax_op, "softmax", input, dim, dtype, _stacklevel)
    return r if out is None else write_out(r, out)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_softmin_op, "softmin", input, dim, dtype, _stacklevel)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, out=None):
    r = _softmax_like(_log_softmax_op, "log_softmax", input, dim, dtype, _stacklevel)
    return r if out is None else write_out(r, out)
