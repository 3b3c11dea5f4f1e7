"""torchvision.transforms: PIL and tensor image transforms (classes here, functions in ``functional``)."""
from . import functional
from .functional import InterpolationMode
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _all

__all__ = list(_all) + ["functional"]
