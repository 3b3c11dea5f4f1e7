"""torch.autograd.forward_ad basics: dual_level, make_dual, unpack_dual.

Inside ``dual_level()`` a dual tensor carries a tangent (a JAX array). Every registered op applied
to a dual input computes its output tangents with ``jax.jvp`` of the op's own forward function
(after the same dtype promotion as the primal), so any op has forward-mode AD without a rule of
its own. Leaving the level drops all tangents, as torch does. One level at a time (torch: "Nested
forward mode AD is not supported at the moment"). In-place ops on dual tensors keep the primal
update only.
"""
from __future__ import annotations

import weakref
from collections import namedtuple

import jax
import jax.numpy as jnp

from .. import _intercept
from .. import _trace_hooks as _hooks

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_level = [None]     # the current level number, or None
_duals = []         # weakrefs to tensors holding a tangent at the current level
_jvp_cache = {}


def enter_dual_level():
    if _level[0] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _level[0] = 0
    _intercept.forward_fn = _forward
    _intercept.refresh()
    return 0


def exit_dual_level(*, level=None):
    if _level[0] is None or (level is not None and level != _level[0]):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    for ref in _duals:
        t = ref()
        if t is not None:
            t.__dict__.pop("_fw_tangent", None)
    _duals.clear()
    _level[0] = None
    _intercept.forward_fn = None
    _intercept.refresh()


class dual_level:
    """Context manager for a forward-AD level: dual tensors made inside lose their tangents on exit."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _attach(t, tangent):
    t.__dict__["_fw_tangent"] = tangent
    _duals.append(weakref.ref(t))


def make_dual(tensor, tangent, *, level=None):
    """A tensor with ``tensor``'s value (sharing its autograd history) carrying ``tangent``."""
    if _level[0] is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not (tangent.dtype.is_floating_point or tangent.dtype.is_complex):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    dual = tensor.view_as(tensor)
    _attach(dual, jnp.asarray(tangent._value, tensor._value.dtype))
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent): the primal shares value and history with ``tensor``; tangent is None
    when the tensor carries none at this level."""
    from .._tensor import Tensor
    tan = tensor.__dict__.get("_fw_tangent") if _level[0] is not None else None
    if tan is None:
        return UnpackedDualTensor(tensor, None)
    primal = tensor.view_as(tensor)
    primal.__dict__.pop("_fw_tangent", None)
    return UnpackedDualTensor(primal, Tensor._wrap(tan))


def _jvp_fn(op, statics, casts, idx):
    key = (op, tuple(sorted(statics.items())), casts, idx)
    fn = _jvp_cache.get(key)
    if fn is None:
        def run(arrays, tangents):
            from ..ops.registry import caller, of_inputs
            f = of_inputs(caller(op.plain_fwd, statics, casts), arrays, idx)
            with _hooks.forward_mode_tracing():
                return jax.jvp(f, tuple(arrays[i] for i in idx), tangents)[1]
        fn = _jvp_cache[key] = jax.jit(run)
    return fn


def _forward(op, args, statics):
    """The registry hook: the primal through the normal path, plus tangents for dual inputs."""
    from .._tensor import Tensor
    from ..ops import registry
    idx = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and "_fw_tangent" in a.__dict__)
    out = registry._apply(op, *args, **statics)
    if not idx:
        return out
    casts = None
    if op.promote != "none":
        casts, _ = registry._promotion(op, args)
        if not any(c is not None for c in casts):
            casts = None
    arrays = [a._value if isinstance(a, Tensor) else a for a in args]
    tangents = tuple(args[i].__dict__["_fw_tangent"] for i in idx)
    tan_out = _jvp_fn(op, statics, casts, idx)(arrays, tangents)
    outs = out if isinstance(out, tuple) else (out,)
    touts = tan_out if isinstance(tan_out, (tuple, list)) else (tan_out,)
    for o, t in zip(outs, touts):
        if isinstance(o, Tensor) and jnp.issubdtype(o._value.dtype, jnp.inexact) and \
                jnp.issubdtype(t.dtype, jnp.inexact):
            _attach(o, t)
    return out
