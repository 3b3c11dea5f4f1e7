"""torch._inductor, for the one helper compile recipes use: ``utils.fresh_inductor_cache()``."""
from . import utils

__all__ = ["utils"]
