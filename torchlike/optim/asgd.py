"""torch.optim.ASGD (averaged SGD: eta/mu schedules and the running average ``ax``)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """ASGD; state: ``step``, ``eta``, ``mu`` (float32 0-d tensors), ``ax``."""

    _make = staticmethod(_rules.make_asgd)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check(lr=lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {k: _to_float(g[k]) for k in ("lr", "lambd", "alpha", "t0", "weight_decay")}

    def _opts(self, g):
        return {"weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "eta": self._scalar(p, _to_float(g["lr"])), "mu": self._scalar(p, 1.0),
                "ax": self._zeros(p)}

    def _keys(self, g):
        return ("step", "eta", "mu", "ax")
