"""torch.distributions: the distributions, transforms, constraints and KL registry that tutorials,
RL and VAE code use, with torch's module layout (``torch.distributions.normal.Normal`` and
``torch.distributions.Normal``), constructor arguments, validation messages and values.

Seeded draws equal torch's where torch samples from its CPU stream with ops torchlike reproduces
(Normal, Uniform, Exponential, Laplace, Bernoulli, Categorical, OneHotCategorical, Multinomial,
Geometric, Gumbel, LogNormal, Relaxed*, MultivariateNormal's eps, Pareto, Weibull, Kumaraswamy,
HalfCauchy, LogisticNormal, GeneralizedPareto). Gamma, Beta, Dirichlet, Chi2, StudentT, Binomial,
Poisson and those built on them (InverseGamma, FisherSnedecor, NegativeBinomial, LKJCholesky,
Wishart) draw from the same ``manual_seed`` stream with other algorithms, so their samples match
torch's in distribution, not bit for bit."""
from . import chi2, constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Chi2, Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F401,F403
from .uniform import Uniform
from .von_mises import VonMises
from .weibull import Weibull
from .wishart import Wishart

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "ContinuousBernoulli", "Dirichlet",
           "Distribution", "Exponential", "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfNormal",
           "Independent", "Laplace", "LogNormal", "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial",
           "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson",
           "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution", "Uniform",
           "VonMises", "biject_to", "kl_divergence", "register_kl", "transform_to"]
__all__ += ["FisherSnedecor", "GeneralizedPareto", "HalfCauchy", "InverseGamma", "Kumaraswamy", "LKJCholesky",
            "LogisticNormal", "NegativeBinomial", "Pareto", "Weibull", "Wishart"]
__all__.extend(transforms.__all__)
