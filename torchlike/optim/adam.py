"""torch.optim.Adam and AdamW (amsgrad, weight decay coupled or decoupled, maximize)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam; state per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` (+ ``max_exp_avg_sq`` with amsgrad)."""

    _make = staticmethod(_rules.make_adam)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for g in self.param_groups:
            g.setdefault("amsgrad", False)
            g.setdefault("maximize", False)
            g.setdefault("decoupled_weight_decay", False)

    def _hyper(self, g):
        b1, b2 = g["betas"]
        return {"lr": _to_float(g["lr"]), "beta1": _to_float(b1), "beta2": _to_float(b2),
                "eps": _to_float(g["eps"]), "weight_decay": _to_float(g["weight_decay"])}

    def _opts(self, g):
        return {"amsgrad": bool(g["amsgrad"]), "maximize": bool(g["maximize"]),
                "weight_decay": g["weight_decay"] != 0, "decoupled": bool(g["decoupled_weight_decay"])}

    def _init_state(self, p, g):
        st = {"step": self._step0(p), "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}
        if g["amsgrad"]:
            st["max_exp_avg_sq"] = self._zeros(p)
        return st

    def _keys(self, g):
        return ("step", "exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if g["amsgrad"] else ())


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (``param *= 1 - lr * weight_decay``), default 1e-2."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for g in self.param_groups:
            g["decoupled_weight_decay"] = True
