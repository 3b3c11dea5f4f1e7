"""torch.utils: ``data`` (datasets, samplers, DataLoader)."""
from . import data
from . import checkpoint  # noqa: E402,F401  (tensorboard, benchmark: import on use)
