"""``torch.special``: special functions with torch's names, dtype rules and gradients.

Generated from the op declarations (``special=`` in ``ops/declare.py``): the functions live in their
concept files (``ops/special.py`` for most, ``ops/pointwise.py`` for ``expit``/``exp2``/...,
``ops/reductions.py`` for ``logsumexp``).
"""
from .ops import declare as _declare
from .ops import load as _load

_load()
globals().update(_declare.namespace("special"))
__all__ = sorted(_declare.namespace("special"))
