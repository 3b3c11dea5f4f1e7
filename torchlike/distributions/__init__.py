"""torch.distributions: the distributions tutorials use (Categorical, Normal, Bernoulli), with
torch's constructor arguments, ``sample``/``rsample``/``log_prob``/``entropy`` and properties."""
from .categorical import Categorical
from .distribution import Distribution
from .normal import Normal
from .bernoulli import Bernoulli

__all__ = ["Distribution", "Categorical", "Normal", "Bernoulli"]
