"""torch.optim.RAdam (rectified Adam)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam; state: ``step``, ``exp_avg``, ``exp_avg_sq``."""

    _make = staticmethod(_rules.make_radam)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {"lr": _to_float(g["lr"]), "beta1": _to_float(g["betas"][0]), "beta2": _to_float(g["betas"][1]),
                "eps": _to_float(g["eps"]), "weight_decay": _to_float(g["weight_decay"])}

    def _opts(self, g):
        return {"weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"]),
                "decoupled": bool(g["decoupled_weight_decay"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}

    def _keys(self, g):
        return ("step", "exp_avg", "exp_avg_sq")
