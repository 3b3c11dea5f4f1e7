"""HalfCauchy(scale) = |Cauchy(0, scale)|: torch's log_prob/cdf/icdf/entropy; the mean is inf and the
variance that of the Cauchy (inf), as torch reports."""
from __future__ import annotations

import math

from ._folded import FoldedAtZero, _t
from .cauchy import Cauchy

__all__ = ["HalfCauchy"]


class HalfCauchy(FoldedAtZero):
    _base = Cauchy
    _value_as_tensor = True

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _t().full(self._extended_shape(), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def variance(self):
        return self.base_dist.variance
