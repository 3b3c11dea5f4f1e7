"""The rest of torch 2.13's distributions (Pareto, Weibull, Kumaraswamy, InverseGamma, HalfCauchy,
FisherSnedecor, GeneralizedPareto, LogisticNormal, NegativeBinomial, LKJCholesky, Wishart) against
torch: the same numpy parameters into both libraries, then values and gradients, shapes, expand,
seeded draws (where torchlike claims torch's numbers), sample statistics (where it does not), the
Pareto KL pairs and validation errors. The checks themselves are ``test_distributions``'s."""
import warnings

import numpy as np
import pytest
import torch

import test_distributions as base
import torchlike
from conftest import assert_same, to_np
from test_distributions import Case

R = np.random.default_rng(1)
F = np.float32


def _pos(*shape):
    return R.uniform(0.5, 2.0, shape).astype(F)


def _corr_cholesky(n):
    a = R.normal(size=(n, n + 2))
    c = a @ a.T
    d = np.sqrt(np.diag(c))
    return np.linalg.cholesky(c / np.outer(d, d)).astype(F)


def _spd(n):
    a = R.normal(size=(n, n + 3))
    return (a @ a.T / n + np.eye(n) * 0.5).astype(F)


_S = _spd(3)

CASES = [
    Case("Pareto", lambda D, P, m: D.Pareto(P["scale"], P["alpha"]),
         dict(scale=np.array([0.5, 1.0, 1.5], F), alpha=np.array([0.8, 1.5, 3.0], F)),
         np.array([0.7, 1.2, 4.0], F), cdf=True, icdf=True),
    Case("Weibull", lambda D, P, m: D.Weibull(P["scale"], P["k"]), dict(scale=_pos(3), k=np.array([0.7, 1.5, 3.0], F)),
         _pos(3), cdf=True, icdf=True),
    Case("Kumaraswamy", lambda D, P, m: D.Kumaraswamy(P["a"], P["b"]),
         dict(a=np.array([0.5, 2.0, 3.0], F), b=np.array([2.0, 0.7, 4.0], F)), np.array([0.2, 0.5, 0.9], F),
         cdf=True, icdf=True, rtol=1e-4, atol=1e-5),
    Case("InverseGamma", lambda D, P, m: D.InverseGamma(P["c"], P["r"]),
         dict(c=np.array([0.8, 1.5, 3.0], F), r=_pos(3)), _pos(3), cdf=True),
    Case("HalfCauchy", lambda D, P, m: D.HalfCauchy(P["scale"]), dict(scale=_pos(3)), _pos(3), cdf=True, icdf=True),
    Case("FisherSnedecor", lambda D, P, m: D.FisherSnedecor(P["d1"], P["d2"]),
         dict(d1=np.array([1.5, 3.0, 6.0], F), d2=np.array([1.5, 3.0, 8.0], F)), _pos(3)),
    Case("GeneralizedPareto", lambda D, P, m: D.GeneralizedPareto(P["loc"], P["scale"], P["c"]),
         dict(loc=np.array([0.0, -1.0, 0.5], F), scale=_pos(3), c=np.array([0.3, 0.0, 0.8], F)),
         np.array([0.5, 0.0, 2.0], F), cdf=True, icdf=True),
    Case("LogisticNormal", lambda D, P, m: D.LogisticNormal(P["loc"], P["scale"]),
         dict(loc=R.normal(size=(2, 3)).astype(F), scale=_pos(2, 3)), base._simplex(2, 4)),
    Case("NegativeBinomial-probs", lambda D, P, m: D.NegativeBinomial(P["n"], probs=P["p"]),
         dict(n=np.array([2.0, 0.5, 5.0], F), p=np.array([0.2, 0.5, 0.8], F)), np.array([0.0, 3.0, 7.0], F)),
    Case("NegativeBinomial-logits", lambda D, P, m: D.NegativeBinomial(3.0, logits=P["l"]),
         dict(l=R.normal(size=3).astype(F)), np.array([1.0, 0.0, 4.0], F)),
    Case("LKJCholesky", lambda D, P, m: D.LKJCholesky(3, P["c"]), dict(c=np.array([0.5, 2.0], F)),
         np.stack([_corr_cholesky(3), _corr_cholesky(3)])),
    Case("Wishart-cov", lambda D, P, m: D.Wishart(P["df"], covariance_matrix=P["S"]),
         dict(df=np.array([4.0, 6.5], F), S=_S), np.stack([_spd(3), _spd(3)]), rtol=1e-4, atol=1e-4),
    Case("Wishart-scale_tril", lambda D, P, m: D.Wishart(P["df"], scale_tril=P["L"]),
         dict(df=np.array(5.0, F), L=np.linalg.cholesky(_S).astype(F)), _spd(3), rtol=1e-4, atol=1e-4),
    Case("Wishart-precision", lambda D, P, m: D.Wishart(P["df"], precision_matrix=P["S"]),
         dict(df=np.array(3.5, F), S=_S), _spd(3), rtol=1e-4, atol=1e-4),
]
IDS = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_and_gradients_match_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Wishart's low-df warning, in both libraries
        base.test_values_and_gradients_match_torch(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_and_expand_shapes(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base.test_sample_and_expand_shapes(case)
        # and every expanded log_prob, on the case's values broadcast to the new batch shape
        d, ref = case.build(torchlike)[0], case.build(torch)[0]
        e, er = d.expand((4,) + tuple(d.batch_shape)), ref.expand((4,) + tuple(ref.batch_shape))
        v = np.broadcast_to(case.value, tuple(er.batch_shape) + tuple(er.event_shape)).copy()
        assert_same(e.log_prob(torchlike.tensor(v)), er.log_prob(torch.tensor(v)), rtol=case.rtol, atol=case.atol)


def test_generalized_pareto_extras_and_support():
    args = (np.array([0.0, 1.0], F), np.array([1.0, 2.0], F), np.array([-0.5, 0.2], F))
    ours = torchlike.distributions.GeneralizedPareto(*map(torchlike.tensor, args))
    ref = torch.distributions.GeneralizedPareto(*map(torch.tensor, args))
    v = np.array([0.5, 3.0], F)
    for name in ("log_survival_function", "log_cdf"):
        assert_same(getattr(ours, name)(torchlike.tensor(v)), getattr(ref, name)(torch.tensor(v)))
    assert repr(ours.support) == repr(ref.support)
    x = np.array([[0.5, 1.5], [2.5, 0.5], [-0.1, 3.0]], F)  # the first support is [0, 2]
    assert_same(ours.support.check(torchlike.tensor(x)), ref.support.check(torch.tensor(x)))
    pareto = torchlike.distributions.Pareto(torchlike.tensor([1.0, 2.0]), 1.0)
    assert repr(pareto.support) == repr(torch.distributions.Pareto(torch.tensor([1.0, 2.0]), 1.0).support)


# ------------------------------------------------------------------ draws

SEEDED = [
    ("Pareto", lambda D, m: D.Pareto(m.tensor([1.0, 2.0]), m.tensor([1.5, 3.0])).rsample((5,))),
    ("Weibull", lambda D, m: D.Weibull(m.tensor([1.0, 2.0]), m.tensor([0.5, 3.0])).rsample((5,))),
    ("Kumaraswamy", lambda D, m: D.Kumaraswamy(m.tensor([1.0, 2.0]), m.tensor([0.5, 3.0])).rsample((5,))),
    ("HalfCauchy", lambda D, m: D.HalfCauchy(m.tensor([1.0, 2.0])).rsample((5,))),
    ("LogisticNormal", lambda D, m: D.LogisticNormal(m.tensor([0.0, 1.0]), m.tensor([1.0, 0.5])).rsample((4,))),
    ("GeneralizedPareto", lambda D, m: D.GeneralizedPareto(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0]),
                                                           m.tensor([0.0, 0.3])).rsample((5,))),
]


@pytest.mark.parametrize("make", [s[1] for s in SEEDED], ids=[s[0] for s in SEEDED])
def test_seeded_samples_equal_torch(make):
    base.test_seeded_samples_equal_torch(make)


@pytest.mark.parametrize("name,make,mean,var", [
    ("InverseGamma", lambda D, m: D.InverseGamma(m.tensor([6.0, 5.0]), m.tensor([2.0, 1.0])), [0.4, 0.25],
     [0.04, 1 / 48]),
    ("FisherSnedecor", lambda D, m: D.FisherSnedecor(m.tensor([5.0]), m.tensor([12.0])), [1.2], None),
    ("NegativeBinomial", lambda D, m: D.NegativeBinomial(m.tensor([3.0, 10.0]), probs=m.tensor([0.4, 0.2])),
     [2.0, 2.5], [10 / 3, 3.125]),
])
def test_sample_statistics(name, make, mean, var):
    base.test_sample_statistics(name, make, mean, var)


def test_lkj_cholesky_and_wishart_draws():
    torchlike.manual_seed(0)
    lkj = torchlike.distributions.LKJCholesky(4, torchlike.tensor([0.5, 3.0]))
    L = lkj.sample((500,))
    assert tuple(L.shape) == (500, 2, 4, 4) and bool(lkj.support.check(L).all())
    corr = L @ L.transpose(-1, -2)
    # off-diagonal correlations have mean 0 and variance 1 / (2 * eta + dim - 1)
    off = to_np(corr[..., 1, 0])
    np.testing.assert_allclose(off.mean(0), [0, 0], atol=0.08)
    np.testing.assert_allclose(off.var(0), [1 / 4, 1 / 9], rtol=0.25)
    S = torchlike.tensor(_S)
    w = torchlike.distributions.Wishart(torchlike.tensor(6.0), covariance_matrix=S)
    with pytest.warns(UserWarning, match="Singular sample detected"):  # torch 2.13 warns on valid draws too
        x = w.rsample((3000,))
    assert tuple(x.shape) == (3000, 3, 3) and bool(w.support.check(x).all())
    np.testing.assert_allclose(to_np(x.mean(0)), 6 * _S, rtol=0.1, atol=0.15)
    # rsample is differentiable in the scale: E[X] = df * S, so d sum(E[X]) / dS_ij = df
    Sg = torchlike.tensor(_S, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torchlike.distributions.Wishart(torchlike.tensor(6.0), covariance_matrix=Sg).rsample((2000,)).mean(0).sum() \
            .backward()
    np.testing.assert_allclose(to_np(Sg.grad), np.full((3, 3), 6.0), rtol=0.1, atol=0.3)


def test_reparameterised_gradients():
    # InverseGamma: E[X] = r / (c - 1); FisherSnedecor draws flow to df1/df2; Kumaraswamy through Uniform
    torchlike.manual_seed(0)
    c = torchlike.tensor([4.0], requires_grad=True)
    r = torchlike.tensor([3.0], requires_grad=True)
    torchlike.distributions.InverseGamma(c, r).rsample((4000,)).mean().backward()
    np.testing.assert_allclose(to_np(c.grad), [-3 / 9], rtol=0.15)
    np.testing.assert_allclose(to_np(r.grad), [1 / 3], rtol=0.1)
    d1 = torchlike.tensor([5.0], requires_grad=True)
    torchlike.distributions.FisherSnedecor(d1, torchlike.tensor([12.0])).rsample((10,)).sum().backward()
    assert d1.grad is not None and bool(d1.grad.isfinite().all())


# ------------------------------------------------------------------ KL pairs with Pareto

def _kl_make(name, lib, k, leaves):
    D = lib.distributions

    def t(a):
        leaves.append(lib.tensor(np.asarray(a, F), requires_grad=True))
        return leaves[-1]
    return {
        "Pareto": lambda: D.Pareto(t([0.5, 1.0, 2.0][::1 - 2 * k]), t([3.0, 2.5, 1.5][::1 - 2 * k])),
        "Normal": lambda: D.Normal(t([0.0, 1.0, 2.0]), t([1.0, 2.0, 0.5])),
        "Gumbel": lambda: D.Gumbel(t([0.0, 1.0, 2.0]), t([1.0, 2.0, 0.5])),
        "Laplace": lambda: D.Laplace(t([0.0, 1.0, 2.0]), t([1.0, 2.0, 0.5])),
        "Exponential": lambda: D.Exponential(t([0.5, 1.0, 2.0])),
        "Gamma": lambda: D.Gamma(t([0.5, 1.0, 2.0]), t([2.0, 1.0, 3.0])),
        "Beta": lambda: D.Beta(t([0.5, 1.0, 2.0]), t([2.0, 1.0, 3.0])),
        "ContinuousBernoulli": lambda: D.ContinuousBernoulli(probs=t([0.2, 0.4, 0.7])),
        "Uniform": lambda: D.Uniform(t([0.6, 1.5, 0.2]), t([2.0, 3.0, 4.0])),
    }[name]()


PARETO_PAIRS = [("Pareto", "Pareto"), ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"),
                ("Pareto", "Beta"), ("Pareto", "ContinuousBernoulli"), ("Pareto", "Uniform"),
                ("Uniform", "Pareto"), ("Normal", "Pareto"), ("Gumbel", "Pareto"), ("Laplace", "Pareto"),
                ("Exponential", "Pareto"), ("Gamma", "Pareto"), ("Beta", "Pareto"), ("ContinuousBernoulli", "Pareto")]


@pytest.mark.parametrize("p,q", PARETO_PAIRS, ids=[f"{p}-{q}" for p, q in PARETO_PAIRS])
def test_pareto_kl_matches_torch(p, q):
    def run(lib):
        leaves = []
        kl = lib.distributions.kl_divergence(_kl_make(p, lib, 0, leaves), _kl_make(q, lib, 1, leaves))
        finite = kl.isfinite()
        grads = lib.autograd.grad(kl[finite].sum(), leaves, allow_unused=True) if bool(finite.any()) else []
        return kl, [g if g is not None else lib.zeros(()) for g in grads]
    (kl, g), (kl_ref, g_ref) = run(torchlike), run(torch)
    assert_same(kl, kl_ref, rtol=1e-4, atol=1e-5)
    assert_same(g, g_ref, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------ validation

INVALID = [
    ("Pareto", lambda D, m: D.Pareto(m.tensor([1.0]), m.tensor([-1.0]))),
    ("Weibull", lambda D, m: D.Weibull(m.tensor([0.0]), m.tensor([1.0]))),
    ("Kumaraswamy", lambda D, m: D.Kumaraswamy(m.tensor([1.0]), m.tensor([0.0]))),
    ("InverseGamma", lambda D, m: D.InverseGamma(m.tensor([-1.0]), m.tensor([1.0]))),
    ("HalfCauchy", lambda D, m: D.HalfCauchy(m.tensor([-1.0]))),
    ("FisherSnedecor", lambda D, m: D.FisherSnedecor(m.tensor([1.0]), m.tensor([0.0]))),
    ("GeneralizedPareto", lambda D, m: D.GeneralizedPareto(m.tensor([0.0]), m.tensor([-1.0]), m.tensor([0.1]))),
    ("LogisticNormal", lambda D, m: D.LogisticNormal(m.tensor([0.0]), m.tensor([-1.0]))),
    ("NegativeBinomial-count", lambda D, m: D.NegativeBinomial(m.tensor([-1.0]), probs=m.tensor([0.5]))),
    ("NegativeBinomial-probs", lambda D, m: D.NegativeBinomial(m.tensor([2.0]), probs=m.tensor([1.0]))),
    ("NegativeBinomial-both", lambda D, m: D.NegativeBinomial(2.0, probs=m.tensor([0.5]), logits=m.tensor([0.0]))),
    ("LKJCholesky-dim", lambda D, m: D.LKJCholesky(1)),
    ("LKJCholesky-conc", lambda D, m: D.LKJCholesky(3, m.tensor([-1.0]))),
    ("Wishart-df", lambda D, m: D.Wishart(m.tensor(1.5), covariance_matrix=m.eye(3))),
    ("Wishart-1d", lambda D, m: D.Wishart(m.tensor(3.5), covariance_matrix=m.ones(3))),
    ("Wishart-cov", lambda D, m: D.Wishart(m.tensor(4.0), covariance_matrix=-m.eye(3))),
    ("Pareto-support", lambda D, m: D.Pareto(m.tensor([2.0]), m.tensor([1.0])).log_prob(m.tensor([1.0]))),
    ("Kumaraswamy-support", lambda D, m: D.Kumaraswamy(m.tensor([2.0]), m.tensor([1.0])).log_prob(m.tensor([1.5]))),
    ("NegativeBinomial-support",
     lambda D, m: D.NegativeBinomial(m.tensor([2.0]), probs=m.tensor([0.5])).log_prob(m.tensor([0.5]))),
]


@pytest.mark.parametrize("make", [i[1] for i in INVALID], ids=[i[0] for i in INVALID])
def test_validation_errors_match_torch(make, validation_on):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base.test_validation_errors_match_torch(make, None)


validation_on = base.validation_on


def test_wishart_requires_exactly_one_matrix():
    for lib in (torch, torchlike):
        with pytest.raises(AssertionError, match="Exactly one of covariance_matrix"):
            lib.distributions.Wishart(lib.tensor(4.0))
