"""Poisson(rate): torch's log_prob (``xlogy``), mean/mode/variance. ``sample`` is
``torch.poisson``, seeded from the ``manual_seed`` stream but not torch's draws."""
from __future__ import annotations

from .._size import Size
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _expand_univariate, _is_number, _t, broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if _is_number(rate) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return _expand_univariate(self, Poisson, batch_shape, _instance, ("rate",))

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with _t().no_grad():
            return _t().poisson(self.rate.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()

    @property
    def _natural_params(self):
        return (_t().log(self.rate),)

    def _log_normalizer(self, x):
        return _t().exp(x)
