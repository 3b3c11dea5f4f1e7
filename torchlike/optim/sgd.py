"""torch.optim.SGD: momentum, dampening, nesterov, weight decay, maximize (rule: ``_rules.make_sgd``)."""
from __future__ import annotations

from . import _rules
from .optimizer import Optimizer, _to_float, required

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with torch's momentum buffer (``state[p]['momentum_buffer']``)."""

    _make = staticmethod(_rules.make_sgd)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        from .._tensor import Tensor
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _hyper(self, g):
        return {k: _to_float(g[k]) for k in ("lr", "momentum", "dampening", "weight_decay")}

    def _opts(self, g):
        return {"momentum": g["momentum"] != 0, "dampening": g["dampening"] != 0, "nesterov": bool(g["nesterov"]),
                "weight_decay": g["weight_decay"] != 0, "maximize": bool(g["maximize"])}

    def _keys(self, g):
        return ("momentum_buffer",) if g["momentum"] != 0 else ()
