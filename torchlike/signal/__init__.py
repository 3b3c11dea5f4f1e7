"""torch.signal: signal-processing helpers (``torchlike.signal.windows``)."""
from . import windows

__all__ = ["windows"]
