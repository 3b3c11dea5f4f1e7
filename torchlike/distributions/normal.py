"""Normal(loc, scale): reparameterised ``rsample`` (loc + eps * scale), log_prob, entropy, cdf."""
from __future__ import annotations

import math

from .._functions import normal
from .._size import Size
from .distribution import Distribution


class Normal(Distribution):
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        from .._tensor import Tensor
        from .._functions import tensor, broadcast_tensors
        loc = loc if isinstance(loc, Tensor) else tensor(float(loc))
        scale = scale if isinstance(scale, Tensor) else tensor(float(scale))
        self.loc, self.scale = broadcast_tensors(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=Size()):
        from .._functions import zeros, ones
        shape = self._extended_shape(sample_shape)
        eps = normal(zeros(shape, dtype=self.loc.dtype), ones(shape, dtype=self.loc.dtype))
        return self.loc + eps * self.scale

    def log_prob(self, value):
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    def cdf(self, value):
        from ..ops.special import erf
        return 0.5 * (1 + erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def _repr_args(self):
        return {"loc": self.loc, "scale": self.scale}
