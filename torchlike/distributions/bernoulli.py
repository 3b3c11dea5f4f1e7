"""Bernoulli(probs or logits): sample, log_prob (as binary cross-entropy with logits), entropy."""
from __future__ import annotations

from .._functions import bernoulli
from .._size import Size
from .distribution import Distribution


class Bernoulli(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        from .._functions import sigmoid, log
        if probs is not None:
            self.probs = probs
            p = probs.clamp(1e-7, 1 - 1e-7)
            self.logits = log(p) - log(1 - p)
        else:
            self.logits = logits
            self.probs = sigmoid(logits)
        super().__init__(self.probs.shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.probs

    def _sample(self, sample_shape=Size()):
        return bernoulli(self.probs.expand(*self._extended_shape(sample_shape)))

    def log_prob(self, value):
        from ..nn.functional import binary_cross_entropy_with_logits
        return -binary_cross_entropy_with_logits(self.logits, value.to(self.logits.dtype), reduction="none")

    def entropy(self):
        from ..nn.functional import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def _repr_args(self):
        return {"probs": self.probs}
