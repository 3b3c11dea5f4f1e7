"""Dropout family. In eval mode (``training=False``) every function is the identity, as in torch.

Where the masks come from:
- eager on the CPU, ``dropout`` and ``dropout1d/2d/3d`` draw torch's own noise from torch's CPU stream
  (``empty(noise_shape).bernoulli_(1 - p).div_(1 - p)``, then ``input * noise``, as torch's CPU kernel
  does), so a seeded script drops the same elements as under torch and prints the same numbers;
- under ``torchlike.compile``/``func`` transforms, on accelerators, and for the alpha variants, masks
  come from JAX keys split off torch's generator (``default_generator.next_key()``), so one call is one
  XLA program on any device (torch's CUDA dropout differs from its CPU one in the same way).
"""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ...ops.registry import Op, apply

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_ALPHA_P = -1.7580993408473766  # -scale * alpha of SELU: the value dropped units take


def keep_mask(key, p, shape):
    """Boolean mask that is True with probability ``1 - p`` per element, from raw threefry key data.

    Each element compares 16 random bits with ``round((1 - p) * 2**16)``, so one threefry call (64
    bits) serves four elements where ``jax.random.bernoulli`` spends a 32-bit uniform on each: the
    Transformer benchmark's masks were ~3x faster to draw on CPU. The keep probability is resolved to
    2**-16 (p=0.1 keeps 0.899994 of the elements on average; torch draws its mask from a 24-bit
    uniform). Used by every dropout in torchlike (functional, attention, between RNN layers).
    """
    n = math.prod(shape)
    wide = jnp.dtype(jnp.uint64 if jax.config.jax_enable_x64 else jnp.uint32)
    per_word = wide.itemsize // 2
    words = jax.random.bits(jax.random.wrap_key_data(key), (-(-n // per_word),), wide)
    bits16 = lax.bitcast_convert_type(words, jnp.uint16).reshape(-1)[:n].reshape(shape)
    return bits16.astype(jnp.uint32) < round((1.0 - p) * 65536)


def _dropout(x, key, p, feature_dims):
    # feature_dims: number of leading dims the mask spans (None: elementwise)
    if p >= 1.0:
        return jnp.zeros_like(x)
    shape = x.shape if feature_dims is None else x.shape[:feature_dims] + (1,) * (x.ndim - feature_dims)
    keep = keep_mask(key, p, shape)
    return jnp.where(keep, x * jnp.asarray(1.0 / (1.0 - p), x.dtype), jnp.zeros((), x.dtype))


def _alpha_dropout(x, key, p, feature_dims):
    if p >= 1.0:
        return jnp.zeros_like(x)
    shape = x.shape if feature_dims is None else x.shape[:feature_dims] + (1,) * (x.ndim - feature_dims)
    keep = keep_mask(key, p, shape)
    a = ((1 - p) * (1 + p * _SELU_ALPHA_P ** 2)) ** -0.5
    b = -a * _SELU_ALPHA_P * p
    dropped = jnp.where(keep, x, jnp.asarray(_SELU_ALPHA_P, x.dtype))
    return dropped * jnp.asarray(a, x.dtype) + jnp.asarray(b, x.dtype)


_dropout_op = Op("dropout", _dropout, backward_name="MulBackward0")
_noise_op = Op("dropout", lambda x, noise: x * noise, backward_name="MulBackward0")
_alpha_dropout_op = Op("alpha_dropout", _alpha_dropout, backward_name="AddBackward0")


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _run(op, input, p, training, inplace, feature_dims):
    _check_p(p)
    if not training or p == 0.0 and op is _dropout_op:
        return input
    from ... import _trace_hooks, random as _random
    if op is _dropout_op and _trace_hooks.rng is None and not isinstance(input._value, jax.core.Tracer) \
            and input.device.type == "cpu":
        res = apply(_noise_op, input, _torch_cpu_noise(input, float(p), feature_dims))
    else:
        key = _random.default_generator.next_key()
        res = apply(op, input, key, p=float(p), feature_dims=feature_dims)
    return input._assign(res) if inplace else res


def _torch_cpu_noise(input, p, feature_dims):
    """torch's CPU dropout noise: ``bernoulli_(1 - p)`` on a tensor of the noise's shape (the input's,
    or (N, C, 1, ...) for feature dropout), from torch's CPU stream, then ``div_(1 - p)`` in the input's
    dtype (computed in float32 for half types). With p == 1 torch draws nothing and multiplies by 0."""
    from ... import random as _random
    dt = np.dtype(input.dtype.np)
    shape = tuple(input.shape)
    if feature_dims is not None:
        shape = shape[:feature_dims] + (1,) * (len(shape) - feature_dims)
    if p >= 1.0:
        return np.zeros((), dt)
    keep = _random.default_generator.uniform(shape, np.float64) < (1.0 - p)  # as Tensor.bernoulli_(1 - p)
    math_dt = np.float64 if dt == np.float64 else np.float32
    scale = (math_dt(1) / math_dt(1.0 - p)).astype(dt)
    return keep.astype(dt) * scale


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements with probability ``p`` and scale the rest by 1/(1-p)."""
    return _run(_dropout_op, input, p, training, inplace, None)


def _feature(name, input, p, training, inplace, spatial, op=_dropout_op):
    nd = input.dim()
    if nd not in (spatial + 1, spatial + 2):
        if spatial == 1:
            raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that "
                               "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                               "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
        warn = {2: "dropout2d: Received a {}-D input to dropout2d, which is deprecated and will result in an error "
                   "in a future release. To retain the behavior and silence this warning, please use dropout "
                   "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                   "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                3: "dropout3d: Received a {}-D input to dropout3d, which is deprecated and will result in an error "
                   "in a future release. To retain the behavior and silence this warning, please use dropout "
                   "instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
                   "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs)."}
        warnings.warn(warn[spatial].format(nd), stacklevel=3)
    # torch's dropout1d/3d add a batch dim to unbatched inputs (noise over dim 0 only); dropout2d never
    # does: its noise always spans the first two dims (elementwise for a 2-D input, (N, C) for 3-D and 5-D)
    batched = nd == spatial + 2 or spatial == 2
    if spatial == 2 and nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=3)
    if nd < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _run(op, input, p, training, inplace, 2 if batched else 1)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (dim -2) of (N, C, L) or (C, L) inputs."""
    return _feature("dropout1d", input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature("dropout2d", input, p, training, inplace, 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature("dropout3d", input, p, training, inplace, 3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    return _run(_alpha_dropout_op, input, p, training, inplace, None)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _run(_alpha_dropout_op, input, p, training, inplace, 2)
