"""torch.optim.Rprop (resilient backpropagation: per-element step sizes from gradient signs)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop; state: ``step``, ``prev``, ``step_size`` (starting at ``lr``)."""

    _make = staticmethod(_rules.make_rprop)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {"etaminus": _to_float(g["etas"][0]), "etaplus": _to_float(g["etas"][1]),
                "step_size_min": _to_float(g["step_sizes"][0]), "step_size_max": _to_float(g["step_sizes"][1])}

    def _opts(self, g):
        return {"maximize": bool(g["maximize"])}

    def _init_state(self, p, g):
        return {"step": self._step0(p), "prev": self._zeros(p), "step_size": self._full(p, _to_float(g["lr"]))}

    def _keys(self, g):
        return ("step", "prev", "step_size")
