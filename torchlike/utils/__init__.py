"""torch.utils: ``data`` (datasets, samplers, DataLoader), ``checkpoint``, ``swap_tensors``."""
from . import data
from . import checkpoint  # noqa: E402,F401  (tensorboard, benchmark: import on use)
from ._swap import swap_tensors  # noqa: E402,F401
