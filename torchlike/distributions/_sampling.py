"""Samplers torch computes with its own kernels (``torch._standard_gamma``, ``torch.binomial``) and
that torchlike draws with JAX from a key split off the default generator: the numbers come from the
``manual_seed`` stream but are not torch's draws. ``standard_gamma`` is differentiable in the
concentration (implicit reparameterisation, as torch's ``_standard_gamma`` backward)."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from ..ops.registry import Op


def _key_tensor():
    from .._tensor import Tensor
    from ..random import default_generator
    return Tensor._wrap(default_generator.next_key())


def _gamma_fwd(alpha, key):
    # float16/bfloat16 are drawn in float32 and cast back
    dtype = alpha.dtype if alpha.dtype in (jnp.float32, jnp.float64) else jnp.float32
    x = jax.random.gamma(jax.random.wrap_key_data(key), alpha.astype(dtype), dtype=dtype)
    tiny = jnp.finfo(alpha.dtype).tiny
    return jnp.maximum(x.astype(alpha.dtype), tiny)  # torch clamps draws to the smallest normal float


_standard_gamma = Op("_standard_gamma", _gamma_fwd, backward_name="StandardGammaBackward0")


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws of ``alpha``'s shape; gradients flow to ``alpha``."""
    return _standard_gamma(alpha, _key_tensor())


def _binomial_fwd(count, prob, key):
    dtype = prob.dtype if prob.dtype in (jnp.float32, jnp.float64) else jnp.float32
    x = jax.random.binomial(jax.random.wrap_key_data(key), count.astype(dtype), prob.astype(dtype),
                            shape=jnp.broadcast_shapes(count.shape, prob.shape), dtype=dtype)
    return x.astype(prob.dtype)


_binomial = Op("binomial", _binomial_fwd, differentiable=False)


def binomial(count, prob):
    """Binomial(count, prob) draws (no gradient, as torch.binomial)."""
    return _binomial(count, prob, _key_tensor())
