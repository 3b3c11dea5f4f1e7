"""torch.optim.Adamax (infinity-norm Adam variant)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax; state: ``step``, ``exp_avg``, ``exp_inf``."""

    _make = staticmethod(_rules.make_adamax)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {"lr": _to_float(g["lr"]), "beta1": _to_float(g["betas"][0]), "beta2": _to_float(g["betas"][1]),
                "eps": _to_float(g["eps"]), "weight_decay": _to_float(g["weight_decay"])}

    def _opts(self, g):
        return {"weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "exp_avg": self._zeros(p), "exp_inf": self._zeros(p)}

    def _keys(self, g):
        return ("step", "exp_avg", "exp_inf")
