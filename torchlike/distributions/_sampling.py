"""Samplers torch computes with its own kernels (``torch._standard_gamma``, ``torch.binomial``).

Eagerly they draw on the host with numpy, seeded from the ``manual_seed`` stream (as
``torch.poisson`` does in torchlike); inside compiled or transformed code they draw with JAX from a
key split off the same generator. Either way the numbers are not torch's draws (their distribution
is). ``standard_gamma`` is differentiable in the concentration by implicit reparameterisation
(``dx/dalpha = -(dF/dalpha) / (dF/dx)``, JAX's ``random_gamma_grad``), as torch's
``_standard_gamma`` backward; no compile is needed for a forward-only draw."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _trace_hooks as _hooks
from ..ops.registry import Op


def _traced(t):
    return _hooks.rng is not None or isinstance(t._value, jax.core.Tracer)


def _host_rng():
    from ..random import default_generator
    return np.random.default_rng(int(default_generator.randint(0, 2 ** 62, (1,))[0]))


def _key_tensor():
    from .._tensor import Tensor
    from ..random import default_generator
    return Tensor._wrap(default_generator.next_key())


def _like(arr, ref):
    """A tensor holding numpy ``arr`` with ``ref``'s dtype and device."""
    from .. import _functions as F
    return F.tensor(arr, dtype=ref.dtype, device=ref.device)


def _tiny_clamp(x, dtype):
    return jnp.maximum(x.astype(dtype), jnp.finfo(dtype).tiny)  # torch clamps draws to the smallest normal


def _gamma_fwd(alpha, key):
    dtype = alpha.dtype if alpha.dtype in (jnp.float32, jnp.float64) else jnp.float32
    x = jax.random.gamma(jax.random.wrap_key_data(key), alpha.astype(dtype), dtype=dtype)
    return _tiny_clamp(x, alpha.dtype)


_standard_gamma_traced = Op("_standard_gamma", _gamma_fwd, backward_name="StandardGammaBackward0")


def _reparam_bwd(res, g):
    alpha, x = res
    dtype = alpha.dtype if alpha.dtype in (jnp.float32, jnp.float64) else jnp.float32
    dx = jax.lax.random_gamma_grad(alpha.astype(dtype), x.astype(dtype)).astype(alpha.dtype)
    return g * dx, jnp.zeros_like(x)


# forward is the identity on the host draw ``x``; backward is the implicit gradient in ``alpha``
_standard_gamma_host = Op("_standard_gamma", lambda alpha, x: x, backward_name="StandardGammaBackward0",
                          vjp=(lambda alpha, x: (x, (alpha, x)), _reparam_bwd))


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws of ``alpha``'s shape; gradients flow to ``alpha``."""
    if _traced(alpha):
        return _standard_gamma_traced(alpha, _key_tensor())
    a = np.asarray(alpha.detach()._value, np.float64)
    x = np.maximum(_host_rng().standard_gamma(a), np.finfo(np.dtype(alpha._value.dtype)).tiny)
    return _standard_gamma_host(alpha, _like(x, alpha))


def _binomial_fwd(count, prob, key):
    dtype = prob.dtype if prob.dtype in (jnp.float32, jnp.float64) else jnp.float32
    x = jax.random.binomial(jax.random.wrap_key_data(key), count.astype(dtype), prob.astype(dtype),
                            shape=jnp.broadcast_shapes(count.shape, prob.shape), dtype=dtype)
    return x.astype(prob.dtype)


_binomial_traced = Op("binomial", _binomial_fwd, differentiable=False)


def binomial(count, prob):
    """Binomial(count, prob) draws (no gradient, as torch.binomial)."""
    if _traced(count) or _traced(prob):
        return _binomial_traced(count, prob, _key_tensor())
    n = np.asarray(count.detach()._value, np.float64).astype(np.int64)
    p = np.clip(np.asarray(prob.detach()._value, np.float64), 0.0, 1.0)
    return _like(_host_rng().binomial(n, p).astype(np.float64), prob)
