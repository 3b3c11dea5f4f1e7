"""torch.amp.GradScaler: dynamic loss scaling with inf/NaN step skipping.

Matches torch's bookkeeping: the scale is a float32 scalar tensor created lazily by the first
``scale()``; ``unscale_`` multiplies every gradient by ``1/scale`` (computed in float64 then cast to
float32, like torch) and records whether any was inf/NaN; ``step`` skips ``optimizer.step()`` when
one was; ``update`` backs the scale off by ``backoff_factor`` after a skipped step and grows it by
``growth_factor`` after ``growth_interval`` clean steps in a row. Works with any optimizer that has
``param_groups``. ``enabled=False`` makes every method a pass-through.
"""
from __future__ import annotations

import enum
import warnings
from collections import defaultdict

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["GradScaler", "OptState"]


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state():
    return {"stage": OptState.READY, "found_inf_per_device": {}}


@jax.jit
def _unscale_all(grads, inv_scale):
    """torch._amp_foreach_non_finite_check_and_unscale_: (grads * inv_scale, any non-finite)."""
    found = jnp.zeros((), jnp.float32)
    out = []
    for g in grads:
        bad = jnp.logical_not(jnp.all(jnp.isfinite(g)))
        found = jnp.maximum(found, bad.astype(jnp.float32))
        out.append((g.astype(jnp.float32) * inv_scale).astype(g.dtype) if g.dtype != jnp.float64 else g * inv_scale)
    return out, found


@jax.jit
def _update_scale(scale, tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    """torch._amp_update_scale_: back off on inf, grow after growth_interval clean steps."""
    grown = scale * growth_factor
    successful = tracker + 1
    grow_now = successful == growth_interval
    new_scale = jnp.where(found_inf > 0, scale * backoff_factor,
                          jnp.where(grow_now & jnp.isfinite(grown), grown, scale))
    new_tracker = jnp.where((found_inf > 0) | grow_now, 0, successful).astype(tracker.dtype)
    return new_scale.astype(scale.dtype), new_tracker


class GradScaler:
    """``GradScaler(device='cuda', init_scale=2.**16, growth_factor=2., backoff_factor=.5,
    growth_interval=2000, enabled=True)``. As in torch, a 'cuda' scaler disables itself with a
    warning when no GPU exists."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = str(device)
        self._enabled = bool(enabled)
        if self._device == "cuda" and self._enabled:
            from .._cuda_base import is_available
            if not is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = defaultdict(_fresh_state)

    # ------------------------------------------------------------------ helpers
    def _lazy_init(self):
        from .._tensor import Tensor
        self._scale = Tensor._wrap(jnp.asarray(self._init_scale, jnp.float32))
        self._growth_tracker = Tensor._wrap(jnp.asarray(self._init_growth_tracker, jnp.int32))

    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    # ------------------------------------------------------------------ the training-loop API
    def scale(self, outputs):
        """Multiply a tensor (or a nested list/tuple of tensors) by the scale factor."""
        if not self._enabled:
            return outputs
        from .._tensor import Tensor
        if self._scale is None:
            self._lazy_init()
        scale = self._scale

        def apply_scale(val):
            if isinstance(val, Tensor):
                return val * scale
            if isinstance(val, (list, tuple)):
                return type(val)(apply_scale(v) for v in val)
            if hasattr(val, "__iter__"):
                return map(apply_scale, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply_scale(outputs)

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale, in place, and record inf/NaN."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = jnp.asarray(1.0 / np.float64(self._scale._value), jnp.float32)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, allow_fp16=False)
        state["stage"] = OptState.UNSCALED

    def _unscale_grads_(self, optimizer, inv_scale, allow_fp16):
        from .. import _dtype as D
        from .._tensor import Tensor
        from ..autograd.grad_mode import no_grad
        grads = []
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if not allow_fp16 and g.dtype is D.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                grads.append(g)
        if not grads:
            return {}
        new, found = _unscale_all([g._value for g in grads], inv_scale)
        with no_grad():
            for g, v in zip(grads, new):
                g._assign(Tensor._wrap(v))
        return {self._scale.device: Tensor._wrap(found)}

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless done already) and run ``optimizer.step()`` unless a gradient was inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(float(v.item()) for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Adjust the scale from this iteration's inf checks (or set it to ``new_scale``)."""
        if not self._enabled:
            return
        from .._tensor import Tensor
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                scale._write_value(jnp.asarray(new_scale, jnp.float32))
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if not isinstance(new_scale, Tensor) or new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                scale._write_value(jnp.asarray(new_scale._value, jnp.float32).reshape(()))
        else:
            found = [f._value for st in self._per_optimizer_states.values()
                     for f in st["found_inf_per_device"].values()]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            combined = found[0]
            for f in found[1:]:
                combined = combined + f
            s, t = _update_scale(scale._value, tracker._value, combined, jnp.float32(self._growth_factor),
                                 jnp.float32(self._backoff_factor), jnp.int32(self._growth_interval))
            scale._write_value(s)
            tracker._write_value(t)
        self._per_optimizer_states = defaultdict(_fresh_state)

    # ------------------------------------------------------------------ settings and state
    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def _get_scale_async(self):
        return self._scale

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())

    def state_dict(self):
        """{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'}; {} if disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale._write_value(jnp.asarray(state_dict["scale"], jnp.float32))
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker._write_value(jnp.asarray(state_dict["_growth_tracker"], jnp.int32))

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self._enabled and self._per_optimizer_states is None:
            self._per_optimizer_states = defaultdict(_fresh_state)
