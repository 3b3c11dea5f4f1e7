"""clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_.

The total norm and the scaling are one Op over all gradients (no host sync), so a compiled
training step can include clipping; gradients are scaled in place, keeping their identity.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from ...autograd import grad_mode
from ...ops.registry import Op, apply

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _norm(g, p):
    g = g.astype(jnp.float64) if g.dtype == jnp.float64 else g.astype(jnp.float32)
    if p == math.inf:
        return jnp.max(jnp.abs(g)) if g.size else jnp.zeros((), g.dtype)
    if p == -math.inf:
        return jnp.min(jnp.abs(g)) if g.size else jnp.zeros((), g.dtype)
    if p == 0:
        return jnp.sum(g != 0).astype(g.dtype)
    if p == 2:
        return jnp.sqrt(jnp.sum(g * g))
    return jnp.sum(jnp.abs(g) ** p) ** (1.0 / p)


def _total_norm(*grads, p):
    norms = jnp.stack([_norm(g, p) for g in grads])
    return _norm(norms, p)


def _clip(*grads, p, max_norm):
    total = _total_norm(*grads, p=p)
    coef = jnp.minimum(max_norm / (total + 1e-6), 1.0)
    return (total,) + tuple((g * coef.astype(g.dtype)).astype(g.dtype) for g in grads)


_total_norm_op = Op("total_norm", _total_norm, differentiable=False)
_clip_op = Op("clip_grad_norm", _clip, differentiable=False)


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    from ...ops.creation import tensor as _tensor
    if not tensors:
        return _tensor(0.0)
    total = apply(_total_norm_op, *tensors, p=float(norm_type))
    _check_finite(total, norm_type, error_if_nonfinite)
    return total


def _check_finite(total, norm_type, error_if_nonfinite):
    if error_if_nonfinite and not isinstance(total._value, jax.core.Tracer):
        if not np.isfinite(np.asarray(total._value)):
            raise RuntimeError(f"The total norm of order {float(norm_type)} for gradients from `parameters` is "
                               "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                               "by the non-finite norm anyway, set `error_if_nonfinite=False`")


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    grads = _grads(parameters)
    if not grads:
        return
    from ...ops import pointwise as P
    coef = P.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
    with grad_mode.no_grad():
        for g in grads:
            g._assign(g * coef.to(g.dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients so their joint ``norm_type``-norm is at most ``max_norm``; returns the norm."""
    grads = _grads(parameters)
    from ...ops.creation import tensor as _tensor
    if not grads:
        return _tensor(0.0)
    with grad_mode.no_grad():
        res = apply(_clip_op, *grads, p=float(norm_type), max_norm=float(max_norm))
        total, new = res[0], res[1:]
        _check_finite(total, norm_type, error_if_nonfinite)
        for g, n in zip(grads, new):
            g._assign(Tensor._wrap(n._value))
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


_clip_value_op = Op("clip_grad_value", lambda *gs, v: tuple(jnp.clip(g, -v, v) for g in gs), differentiable=False)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient elementwise into [-clip_value, clip_value], in place."""
    grads = _grads(parameters)
    if not grads:
        return
    with grad_mode.no_grad():
        new = apply(_clip_value_op, *grads, v=float(clip_value))
        for g, n in zip(grads, new):
            g._assign(Tensor._wrap(n._value))
