"""torch.optim.Adagrad (lr_decay, initial_accumulator_value, eps, weight decay, maximize)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad; state: ``step``, ``sum`` (starting at ``initial_accumulator_value``)."""

    _make = staticmethod(_rules.make_adagrad)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check(lr=lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # torch creates Adagrad's state eagerly, at construction
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._init_state(p, group))

    def _hyper(self, g):
        return {k: _to_float(g[k]) for k in ("lr", "lr_decay", "eps", "weight_decay")}

    def _opts(self, g):
        return {"weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "sum": self._full(p, g["initial_accumulator_value"])}

    def _keys(self, g):
        return ("step", "sum")
