"""The ``torch.linalg`` namespace, generated from the op declarations (``linalg=`` in
``ops/declare.py``; the ops live in ``ops/linalg_*.py`` and ``ops/products.py``)."""
from .ops import declare as _declare
from .ops import load as _load
from .ops.linalg_solve import LinAlgError  # the exception torch.linalg raises (a class, not an op)

_load()
globals().update(_declare.namespace("linalg"))
__all__ = ["LinAlgError", *sorted(_declare.namespace("linalg"))]
