"""The ``torch.fft`` namespace, generated from the op declarations (``fft=`` in ``ops/declare.py``;
the transforms live in ``ops/fft.py``)."""
from .ops import declare as _declare
from .ops import load as _load

_load()
globals().update(_declare.namespace("fft"))
__all__ = sorted(_declare.namespace("fft"))
