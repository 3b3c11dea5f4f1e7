"""GeneralizedPareto(loc, scale, concentration): torch's log_prob, log_cdf/cdf/icdf and survival
function (with the concentration == 0 limit taken where ``isclose(concentration, 0)``), moments
(NaN where undefined) and the dependent support. ``rsample`` is ``icdf(rand)``, so seeded draws equal
torch's."""
from __future__ import annotations

import math

from .._size import Size
from . import constraints
from .distribution import Distribution
from .utils import _is_number, _t, broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        batch_shape = Size() if _is_number(loc, scale, concentration) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = Size(batch_shape)
        for name in ("loc", "scale", "concentration"):
            setattr(new, name, getattr(self, name).expand(batch_shape))
        super(GeneralizedPareto, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return self.icdf(_t().rand(shape, dtype=self.loc.dtype, device=self.loc.device))

    def _z(self, x):
        return (x - self.loc) / self.scale

    def _safe_concentration(self):
        """(mask of concentration ~ 0, concentration with those entries replaced by 1)."""
        torch = _t()
        eq_zero = torch.isclose(self.concentration, torch.zeros_like(self.concentration))
        return eq_zero, torch.where(eq_zero, torch.ones_like(self.concentration), self.concentration)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        torch = _t()
        z = self._z(value)
        eq_zero, c = self._safe_concentration()
        y = 1 / c + torch.ones_like(z)
        nonzero = torch.where(y == 0, y, y * torch.log1p(c * z))
        return -self.scale.log() - torch.where(eq_zero, z, nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        torch = _t()
        z = self._z(value)
        eq_zero, c = self._safe_concentration()
        return torch.where(eq_zero, -z, -torch.log1p(c * z) / c)

    def log_cdf(self, value):
        return _t().log1p(-_t().exp(self.log_survival_function(value)))

    def cdf(self, value):
        return _t().exp(self.log_cdf(value))

    def icdf(self, value):
        torch = _t()
        eq_zero, c = self._safe_concentration()
        logu = torch.log1p(-value)
        nonzero = self.loc + self.scale / c * torch.expm1(-c * logu)
        return torch.where(eq_zero, self.loc - self.scale * logu, nonzero)

    @property
    def mean(self):
        valid = self.concentration < 1
        c = _t().where(valid, self.concentration, 0.5)
        return _t().where(valid, self.loc + self.scale / (1 - c), math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5
        c = _t().where(valid, self.concentration, 0.25)
        return _t().where(valid, self.scale ** 2 / ((1 - c) ** 2 * (1 - 2 * c)), math.nan)

    def entropy(self):
        return _t().broadcast_to(_t().log(self.scale) + self.concentration + 1, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = _t().where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)
