"""The ``torch.*`` op functions as a module (``from .. import _functions as F``), generated from the
op declarations (``ops/declare.py``); ``torchlike/__init__.py`` copies the same names."""
from . import _nn_functions  # noqa: F401  declares torch.softmax, torch.conv2d, ... (nn.functional under torch's names)
from . import ops as _ops

globals().update(_ops.load())
__all__ = sorted(_ops.declare.functions())
