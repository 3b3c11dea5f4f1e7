"""Categorical over the last dim of ``probs`` (normalised) or ``logits`` (log-normalised)."""
from __future__ import annotations

from .. import ops  # noqa: F401
from .._functions import multinomial
from .._size import Size
from .distribution import Distribution


class Categorical(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = self.probs.clamp(min=_tiny(probs)).log()
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = self.logits.exp()
        self._num_events = self.probs.size(-1)
        super().__init__(self.probs.shape[:-1], validate_args=validate_args)

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        import math
        return self.probs.new_full(self._extended_shape(), math.nan)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def _sample(self, sample_shape=Size()):
        n = 1
        for s in sample_shape:
            n *= s
        probs_2d = self.probs.reshape(-1, self._num_events)
        samples = multinomial(probs_2d, n, True).T
        return samples.reshape(self._extended_shape(Size(sample_shape)))

    def log_prob(self, value):
        value = value.long().unsqueeze(-1)
        value, log_pmf = _broadcast(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        min_real = _min_real(self.logits)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        from .._functions import arange
        values = arange(self._num_events, device=self.probs.device).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    def _repr_args(self):
        return {"probs": self.probs}


def _broadcast(value, logits):
    import numpy as np
    shape = np.broadcast_shapes(tuple(value.shape[:-1]), tuple(logits.shape[:-1]))
    return value.expand(*shape, 1), logits.expand(*shape, logits.shape[-1])


def _tiny(t):
    from .._types import finfo
    return finfo(t.dtype).eps


def _min_real(t):
    from .._types import finfo
    return finfo(t.dtype).min
