"""torch.optim.NAdam (Nesterov-momentum Adam with torch's momentum-decay schedule)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam; state: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``."""

    _make = staticmethod(_rules.make_nadam)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {"lr": _to_float(g["lr"]), "beta1": _to_float(g["betas"][0]), "beta2": _to_float(g["betas"][1]),
                "eps": _to_float(g["eps"]), "weight_decay": _to_float(g["weight_decay"]),
                "momentum_decay": _to_float(g["momentum_decay"])}

    def _opts(self, g):
        return {"weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"]),
                "decoupled": bool(g["decoupled_weight_decay"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "mu_product": self._scalar(p, 1.0),
                "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}

    def _keys(self, g):
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")
