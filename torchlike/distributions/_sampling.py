"""Samplers torch computes with its own kernels (``torch._standard_gamma``, ``torch.binomial``).

Eagerly ``_standard_gamma`` and ``_sample_dirichlet`` draw torch's own CPU numbers from the
``manual_seed`` stream (kornia's mix-up/cut-mix draw Beta through them); the others draw on the host
with numpy seeded from that stream (as ``torch.poisson`` does in torchlike), whose numbers are not
torch's (their distribution is). Inside compiled or transformed code they draw with JAX from a key
split off the same generator. ``standard_gamma`` is differentiable in the concentration by implicit reparameterisation
(``dx/dalpha = -(dF/dalpha) / (dF/dx)``, JAX's ``random_gamma_grad``), as torch's
``_standard_gamma`` backward; no compile is needed for a forward-only draw."""
from __future__ import annotations

import math

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


_F32 = np.float32


def _torch_gamma(mt, alpha, single):
    """One draw of torch's CPU ``sample_gamma`` (Marsaglia-Tsang, boosted below 1) from the generator's
    stream: double uniforms and cached Box-Muller normals, as ``_s_gamma_cpu``/``_s_dirichlet_cpu`` take
    them. ``single``: alpha is a float32 tensor's, so the steps torch does in float (alpha + 1,
    d = alpha - 1/3, 1/alpha) round to float32 here too."""
    def uniform():
        return float(mt._unit(1, "float64")[0])
    scale = 1.0
    if single:
        alpha = _F32(alpha)
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        scale *= (1.0 - uniform()) ** float(_F32(1.0) / alpha if single else 1.0 / alpha)
        alpha = _F32(alpha + _F32(1.0)) if single else alpha + 1.0
    third = _F32(1.0) / _F32(3.0)
    d = float(_F32(alpha - third)) if single else float(alpha) - float(third)
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        y = 0.0
        while y <= 0:
            x = mt._scalar_normal()
            y = 1.0 + c * x
        v = y * y * y
        u = 1.0 - uniform()
        xx = x * x
        if u < 1.0 - float(_F32(0.0331)) * xx * xx or math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _torch_gammas(alpha, single):
    from ..random import default_generator
    mt = default_generator._mt
    a = np.asarray(alpha, np.float64)
    return np.array([_torch_gamma(mt, float(v), single) for v in a.ravel()], np.float64).reshape(a.shape)


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws of ``alpha``'s shape; gradients flow to ``alpha``. Eagerly these are torch's
    own CPU draws after ``manual_seed`` (``torch._standard_gamma``)."""
    if _traced(alpha):
        return _standard_gamma_traced(alpha, _key_tensor())
    dt = np.dtype(alpha._value.dtype)
    x = _torch_gammas(np.asarray(alpha.detach()._value, np.float64), dt != np.float64)
    x = np.maximum(x.astype(dt), np.finfo(dt).tiny)  # torch: max(numeric_limits<scalar_t>::min(), draw)
    return _standard_gamma_host(alpha, _like(x, alpha))


def _dirichlet_bwd(res, g):
    alpha, x, gammas = res
    dtype = alpha.dtype if alpha.dtype in (jnp.float32, jnp.float64) else jnp.float32
    dg = jax.lax.random_gamma_grad(alpha.astype(dtype), gammas.astype(dtype))
    total = gammas.astype(dtype).sum(-1, keepdims=True)
    inner = (g * x).sum(-1, keepdims=True)
    return (dg * (g - inner) / total).astype(alpha.dtype), jnp.zeros_like(x), jnp.zeros_like(gammas)


# forward: the host draw; backward: the implicit gradient through gammas / sum(gammas)
_dirichlet_host = Op("_sample_dirichlet", lambda alpha, x, gammas: x, backward_name="DirichletBackward0",
                     vjp=(lambda alpha, x, gammas: (x, (alpha, x, gammas)), _dirichlet_bwd))


def sample_dirichlet(alpha):
    """Dirichlet(alpha) draws over the last dim, as ``torch._sample_dirichlet`` on CPU: gammas drawn in
    double, normalised in double, cast and clamped to [smallest normal, largest value below 1]."""
    if _traced(alpha):
        gammas = standard_gamma(alpha)
        return (gammas / gammas.sum(-1, keepdim=True)).clamp(min=float(np.finfo(np.dtype(alpha._value.dtype)).tiny))
    dt = np.dtype(alpha._value.dtype)
    gammas = np.maximum(_torch_gammas(np.asarray(alpha.detach()._value, np.float64), False), np.finfo(np.float64).tiny)
    x = (gammas / gammas.sum(-1, keepdims=True)).astype(dt)
    x = np.clip(x, np.finfo(dt).tiny, np.nextafter(dt.type(1), dt.type(0)))
    return _dirichlet_host(alpha, _like(x, alpha), _like(gammas, alpha))


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
