"""Normalisation functions: batch/instance/layer/group/RMS/local-response norm, each one Op.

``batch_norm``/``instance_norm`` in training mode also compute the updated running statistics
inside the same XLA program (momentum ``m``: ``new = (1-m)*old + m*stat``, the variance
unbiased, as torch) and write them into the buffers with ``Tensor._assign`` outside autograd, so
the update works eagerly and under tracing alike. ``momentum`` may be a Tensor count: the
cumulative moving average ``m = 1/count`` of ``momentum=None`` modules, computed on the device.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from ...autograd import grad_mode
from ...ops._upcast import in_float32
from ...ops.registry import Op, apply

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm", "rms_norm"]


def _bshape(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _affine(y, w, b, ndim):
    if w is not None:
        y = y * _bshape(w, ndim).astype(y.dtype)
    if b is not None:
        y = y + _bshape(b, ndim).astype(y.dtype)
    return y


def _momentum(m, cumulative):
    return 1.0 / m.astype(jnp.float64) if cumulative else m


def _bn_train(x, rm, rv, w, b, m, eps, update, cumulative):
    axes = (0,) + tuple(range(2, x.ndim))
    n = x.size // x.shape[1]
    mean = jnp.mean(x, axis=axes)
    var = jnp.mean(jnp.square(x - _bshape(mean, x.ndim)), axis=axes)
    y = (x - _bshape(mean, x.ndim)) * _bshape(jax.lax.rsqrt(var + eps), x.ndim)
    y = _affine(y, w, b, x.ndim)
    if not update:
        return y
    mom = _momentum(m, cumulative)
    unbiased = var * (n / max(n - 1, 1))
    new_rm = ((1 - mom) * rm + mom * mean).astype(rm.dtype)
    new_rv = ((1 - mom) * rv + mom * unbiased).astype(rv.dtype)
    return y, new_rm, new_rv


def _bn_eval(x, rm, rv, w, b, eps):
    inv = jax.lax.rsqrt(rv.astype(x.dtype) + eps)
    y = (x - _bshape(rm.astype(x.dtype), x.ndim)) * _bshape(inv, x.ndim)
    return _affine(y, w, b, x.ndim)


_bn_train_op = Op("native_batch_norm", _bn_train)
_bn_eval_op = Op("native_batch_norm", _bn_eval)


def _store(buf, value):
    with grad_mode.no_grad():
        buf._assign(Tensor._wrap(value._value))


def _check_stats(input, t, name):
    if t is not None and t.numel() != input.shape[1]:
        raise RuntimeError(f"{name} should contain {input.shape[1]} elements not {t.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over all dims but 1; in training, updates the running stats in place."""
    if training:
        size = 1
        for i, s in enumerate(input.shape):
            if i != 1:
                size *= s
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    if input.ndim < 2:
        raise RuntimeError(f"running_mean should contain {input.shape[0] if input.ndim else 1} elements not "
                           f"{running_mean.numel() if running_mean is not None else 0}")
    _check_stats(input, running_mean, "running_mean")
    _check_stats(input, running_var, "running_var")
    _check_stats(input, weight, "weight")
    _check_stats(input, bias, "bias")
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        return apply(_bn_eval_op, input, running_mean._value, running_var._value, weight, bias, eps=float(eps))
    update = running_mean is not None and running_var is not None
    cumulative = isinstance(momentum, Tensor)
    m = momentum if cumulative else float(momentum if momentum is not None else 0.0)
    # running stats enter as raw arrays: they are not differentiated, and their in-place update
    # below must not trip the saved-tensor version check of this node
    res = apply(_bn_train_op, input, running_mean._value if update else None,
                running_var._value if update else None, weight,
                bias, m, eps=float(eps), update=update, cumulative=cumulative)
    if not update:
        return res
    y, new_rm, new_rv = res
    _store(running_mean, new_rm)
    _store(running_var, new_rv)
    return y


def _in_train(x, rm, rv, w, b, m, eps, update):
    axes = tuple(range(2, x.ndim))
    n = int(np.prod(x.shape[2:]))
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    y = (x - mean) * jax.lax.rsqrt(var + eps)
    y = _affine(y, w, b, x.ndim)
    if not update:
        return y
    mean_c = mean.reshape(x.shape[:2]).mean(0)
    var_c = (var.reshape(x.shape[:2]) * (n / max(n - 1, 1))).mean(0)
    new_rm = ((1 - m) * rm + m * mean_c).astype(rm.dtype)
    new_rv = ((1 - m) * rv + m * var_c).astype(rv.dtype)
    return y, new_rm, new_rv


_in_train_op = Op("instance_norm", _in_train, backward_name="NativeBatchNormBackward0")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims; optional running stats as torch."""
    if use_input_stats:
        size = 1
        for s in input.shape[2:]:
            size *= s
        if size == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
        update = running_mean is not None and running_var is not None
        res = apply(_in_train_op, input, running_mean._value if update else None,
                    running_var._value if update else None,
                    weight, bias, float(momentum if momentum is not None else 0.0), eps=float(eps), update=update)
        if not update:
            return res
        y, new_rm, new_rv = res
        _store(running_mean, new_rm)
        _store(running_var, new_rv)
        return y
    return apply(_bn_eval_op, input, running_mean, running_var, weight, bias, eps=float(eps))


@in_float32
def _layer_norm(x, w, b, nd, eps):
    axes = tuple(range(x.ndim - nd, x.ndim))
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    y = (x - mean) * jax.lax.rsqrt(var + eps)
    if w is not None:
        y = y * w.astype(y.dtype)
    if b is not None:
        y = y + b.astype(y.dtype)
    return y


_layer_norm_op = Op("native_layer_norm", _layer_norm)


def _norm_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_norm_shape(input, shape, weight, bias=None):
    n = len(shape)
    if n == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(shape)}")
    if input.ndim < n or tuple(input.shape[input.ndim - n:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance, as torch)."""
    shape = _norm_shape(normalized_shape)
    _check_norm_shape(input, shape, weight, bias)
    return apply(_layer_norm_op, input, weight, bias, nd=len(shape), eps=float(eps))


def _group_norm(x, w, b, groups, eps):
    n, c = x.shape[:2]
    g = x.reshape((n, groups, -1))
    mean = jnp.mean(g, axis=2, keepdims=True)
    var = jnp.mean(jnp.square(g - mean), axis=2, keepdims=True)
    y = ((g - mean) * jax.lax.rsqrt(var + eps)).reshape(x.shape)
    return _affine(y, w, b, x.ndim)


_group_norm_op = Op("native_group_norm", _group_norm)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise over groups of channels and the spatial dims, then a per-channel affine."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    if input.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    return apply(_group_norm_op, input, weight, bias, groups=int(num_groups), eps=float(eps))


def _lrn(x, size, alpha, beta, k):
    c = x.shape[1]
    sq = jnp.square(x)
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    sq = jnp.pad(sq, pad)
    acc = sum(jax.lax.slice_in_dim(sq, i, i + c, axis=1) for i in range(size))
    div = (acc * (alpha / size) + k) ** beta
    return x / div


_lrn_op = Op("local_response_norm", _lrn, backward_name="DivBackward0")


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise each channel by the (averaged) squares of ``size`` neighbouring channels."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    return apply(_lrn_op, input, size=int(size), alpha=float(alpha), beta=float(beta), k=float(k))


def _rms_norm(x, w, nd, eps):
    axes = tuple(range(x.ndim - nd, x.ndim))
    e = float(jnp.finfo(x.dtype).eps) if eps is None else eps
    y = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + e)
    return y if w is None else y * w.astype(y.dtype)


_rms_norm_op = Op("rms_norm", _rms_norm, backward_name="MulBackward0")


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the trailing dims; eps defaults to finfo(dtype).eps."""
    shape = _norm_shape(normalized_shape)
    _check_norm_shape(input, shape, weight)
    return apply(_rms_norm_op, input, weight, nd=len(shape), eps=None if eps is None else float(eps))
