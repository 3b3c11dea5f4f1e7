"""torch.optim.Adadelta (rho, eps, weight decay, maximize)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta; state: ``step``, ``square_avg``, ``acc_delta``."""

    _make = staticmethod(_rules.make_adadelta)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {k: _to_float(g[k]) for k in ("lr", "rho", "eps", "weight_decay")}

    def _opts(self, g):
        return {"weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "square_avg": self._zeros(p), "acc_delta": self._zeros(p)}

    def _keys(self, g):
        return ("step", "square_avg", "acc_delta")
