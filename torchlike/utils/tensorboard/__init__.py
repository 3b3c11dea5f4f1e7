"""torch.utils.tensorboard: SummaryWriter (needs the ``tensorboard`` package)."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
