"""``torch.distributions.chi2``: Chi2 lives beside Gamma (``gamma.py``); this module is torch's path."""
from .gamma import Chi2

__all__ = ["Chi2"]
