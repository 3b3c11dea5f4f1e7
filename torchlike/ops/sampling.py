"""In-place random fills drawn from torch's CPU stream: ``uniform_``, ``normal_``, ``random_``,
``exponential_``, ``geometric_``, ``cauchy_``, ``log_normal_``, ``bernoulli_``.

They draw on the host from ``torchlike.random.default_generator`` (or ``generator=``) with torch's
transforms, so a seeded program fills the same numbers as torch where the recipe is known."""
from __future__ import annotations

import jax
import numpy as np

from .. import _dtype as D
from .. import random as _random
from .._tensor import Tensor, _type_name
from ..autograd import grad_mode
from .declare import public
from .registry import Op, apply


def _gen(generator):
    return _random.default_generator if generator is None else generator


_ZERO_GRAD_FILLS = {}


def _fill_host(self, arr, node=None):
    """Write host values ``arr`` into self. With ``node`` (torch's backward node name, e.g.
    NormalBackward0), a tensor in a graph gets that node, whose gradient is zero as torch's: the old
    value's history no longer reaches the result."""
    from .creation import _place
    if isinstance(self._value, jax.core.Tracer):
        from .._errors import raise_untraceable
        raise_untraceable("in-place random fills (host sampling)")
    value = Tensor._wrap(_place(np.asarray(arr).astype(self.dtype.np), self.device))
    self._check_inplace()
    if node is not None and self.requires_grad and grad_mode.is_grad_enabled():
        op = _ZERO_GRAD_FILLS.get(node)
        if op is None:
            op = _ZERO_GRAD_FILLS[node] = Op(node, lambda x, v: v, backward_name=node)
        return self._assign(apply(op, self, value._value))
    with grad_mode.no_grad():
        return self._assign(value)


def _on_meta(self):
    """torch's random fills of a meta tensor draw nothing (the generator does not advance)."""
    from .._meta import is_meta
    return is_meta(self._value)


def _need_float(self, name):
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"{name} expects a floating point tensor, got {_type_name(self.dtype)}")


@public(function=False, method=True)
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with U[from, to) (torch's ``rand`` stream, scaled)."""
    from_ = kw.pop("from", from_)
    _need_float(self, "uniform_")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    if _on_meta(self):
        return self
    return _fill_host(self, _gen(generator).uniform(tuple(self.shape), self.dtype.np, from_, to),
                      node="UniformBackward0")


@public(function=False, method=True)
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    _need_float(self, "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if _on_meta(self):
        return self
    return _fill_host(self, _gen(generator).normal(tuple(self.shape), self.dtype.np, mean, std),
                      node="NormalBackward0")


@public(function=False, method=True)
def random_(self, from_=None, to=None, *, generator=None, **kw):
    """random_() : integers in [0, 2**mantissa] (floats) or [0, max]; random_(to); random_(from, to)."""
    from_ = kw.pop("from", from_)
    if from_ is not None and to is None:
        from_, to = 0, from_
    if from_ is None:
        from_ = 0
        if self.dtype.is_floating_point:
            to = (1 << (np.finfo(self.dtype.np).nmant + 1)) + 1
        elif self.dtype is D.bool:
            to = 2
        else:
            to = int(np.iinfo(self.dtype.np).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    if _on_meta(self):
        return self
    return _fill_host(self, _gen(generator).randint(int(from_), int(to), tuple(self.shape)), node="RandomBackward0")


def _u64(self, generator):
    return _gen(generator).uniform(tuple(self.shape), np.float64)


@public(function=False, method=True)
def exponential_(self, lambd=1.0, *, generator=None):
    _need_float(self, "exponential_")
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    if _on_meta(self):
        return self
    return _fill_host(self, -np.log1p(-_u64(self, generator)) / lambd, node="ExponentialBackward0")


@public(function=False, method=True)
def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    if _on_meta(self):
        return self
    u = _u64(self, generator)
    return _fill_host(self, np.ceil(np.log(u) / np.log1p(-p)), node="GeometricBackward0")


@public(function=False, method=True)
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _need_float(self, "cauchy_")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    if _on_meta(self):
        return self
    return _fill_host(self, median + sigma * np.tan(np.pi * (_u64(self, generator) - 0.5)), node="CauchyBackward0")


@public(function=False, method=True)
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _need_float(self, "log_normal_")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    if _on_meta(self):
        return self
    return _fill_host(self, np.exp(_gen(generator).normal(tuple(self.shape), np.float64, mean, std)),
                      node="LogNormalBackward0")


@public(function=False, method=True)
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 drawn with probability ``p`` (a float or a broadcastable tensor)."""
    probs = np.asarray(p._value, np.float64) if isinstance(p, Tensor) else np.float64(p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    if _on_meta(self):
        return self
    u = _u64(self, generator)
    return _fill_host(self, u < np.broadcast_to(probs, u.shape), node="BernoulliBackward2")
