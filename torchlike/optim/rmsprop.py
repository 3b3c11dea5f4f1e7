"""torch.optim.RMSprop (alpha, eps after the root, centered, momentum, weight decay, maximize)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _check, _to_float

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop; state: ``step``, ``square_avg`` (+ ``momentum_buffer`` with momentum, ``grad_avg`` if centered)."""

    _make = staticmethod(_rules.make_rmsprop)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check(lr=lr, eps=eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {k: _to_float(g[k]) for k in ("lr", "momentum", "alpha", "eps", "weight_decay")}

    def _opts(self, g):
        return {"momentum": g["momentum"] > 0, "centered": bool(g["centered"]),
                "weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"])}

    def _init_state(self, p, g):
        st = {"step": self._step0(p), "square_avg": self._zeros(p)}
        if g["momentum"] > 0:
            st["momentum_buffer"] = self._zeros(p)
        if g["centered"]:
            st["grad_avg"] = self._zeros(p)
        return st

    def _keys(self, g):
        return (("step", "square_avg") + (("momentum_buffer",) if g["momentum"] > 0 else ())
                + (("grad_avg",) if g["centered"] else ()))
