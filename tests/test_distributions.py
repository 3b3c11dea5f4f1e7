"""torch.distributions against torch 2.13: the same numpy parameters into both libraries, then
log_prob, entropy, moments, cdf/icdf, their gradients, KL pairs, shapes, validation errors and
seeded samples (where torchlike claims torch's draws)."""
import math
import warnings

import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same, to_np

R = np.random.default_rng(0)
F = np.float32


def _pos(*shape):
    return (R.uniform(0.5, 2.0, shape)).astype(F)


def _real(*shape):
    return R.normal(size=shape).astype(F)


def _probs(*shape):
    return R.uniform(0.1, 0.9, shape).astype(F)


def _simplex(*shape):
    p = R.uniform(0.1, 1.0, shape)
    return (p / p.sum(-1, keepdims=True)).astype(F)


def _tril(n):
    a = R.normal(size=(n, n)) * 0.3
    return (np.tril(a, -1) + np.diag(R.uniform(0.5, 1.5, n))).astype(F)


_L = _tril(3)
_COV = (_L @ _L.T).astype(F)


class Case:
    """A distribution built the same way in both libraries from numpy ``params``."""

    def __init__(self, name, make, params, value, cdf=False, icdf=False, rtol=1e-5, atol=1e-5, grad=True):
        self.name, self.make, self.params, self.value = name, make, params, value
        self.cdf, self.icdf, self.rtol, self.atol, self.grad = cdf, icdf, rtol, atol, grad

    def build(self, lib, requires_grad=False):
        P = {k: lib.tensor(v, requires_grad=requires_grad and v.dtype.kind == "f") for k, v in self.params.items()}
        return self.make(lib.distributions, P, lib), P


CASES = [
    Case("Normal", lambda D, P, m: D.Normal(P["loc"], P["scale"]), dict(loc=_real(3), scale=_pos(3)), _real(3),
         cdf=True, icdf=True),
    Case("Uniform", lambda D, P, m: D.Uniform(P["low"], P["high"]), dict(low=_real(3) - 2, high=_real(3) + 2),
         np.array([-0.5, 0.1, 0.7], F), cdf=True, icdf=True),
    Case("Exponential", lambda D, P, m: D.Exponential(P["rate"]), dict(rate=_pos(3)), _pos(3), cdf=True, icdf=True),
    Case("Laplace", lambda D, P, m: D.Laplace(P["loc"], P["scale"]), dict(loc=_real(3), scale=_pos(3)), _real(3),
         cdf=True, icdf=True),
    Case("Cauchy", lambda D, P, m: D.Cauchy(P["loc"], P["scale"]), dict(loc=_real(3), scale=_pos(3)), _real(3),
         cdf=True, icdf=True),
    Case("Gamma", lambda D, P, m: D.Gamma(P["c"], P["r"]), dict(c=_pos(3), r=_pos(3)), _pos(3), cdf=True),
    Case("Chi2", lambda D, P, m: D.Chi2(P["df"]), dict(df=_pos(3) * 2), _pos(3)),
    Case("Beta", lambda D, P, m: D.Beta(P["a"], P["b"]), dict(a=_pos(3), b=_pos(3)), _probs(3)),
    Case("Dirichlet", lambda D, P, m: D.Dirichlet(P["c"]), dict(c=_pos(2, 3)), _simplex(2, 3)),
    Case("Bernoulli-probs", lambda D, P, m: D.Bernoulli(probs=P["p"]), dict(p=_probs(3)),
         np.array([1.0, 0.0, 1.0], F)),
    Case("Bernoulli-logits", lambda D, P, m: D.Bernoulli(logits=P["l"]), dict(l=_real(3)),
         np.array([0.0, 0.0, 1.0], F)),
    Case("Categorical-probs", lambda D, P, m: D.Categorical(probs=P["p"]), dict(p=_simplex(2, 4)),
         np.array([3, 0])),
    Case("Categorical-logits", lambda D, P, m: D.Categorical(logits=P["l"]), dict(l=_real(2, 4)),
         np.array([1, 2])),
    Case("OneHotCategorical", lambda D, P, m: D.OneHotCategorical(probs=P["p"]), dict(p=_simplex(2, 4)),
         np.eye(4, dtype=F)[[1, 3]]),
    Case("Binomial", lambda D, P, m: D.Binomial(5, probs=P["p"]), dict(p=_probs(3)), np.array([0.0, 2.0, 5.0], F)),
    Case("Binomial-logits", lambda D, P, m: D.Binomial(m.tensor([4.0, 6.0, 5.0]), logits=P["l"]), dict(l=_real(3)),
         np.array([1.0, 6.0, 3.0], F)),
    Case("Multinomial", lambda D, P, m: D.Multinomial(4, probs=P["p"]), dict(p=_simplex(2, 3)),
         np.array([[1.0, 1.0, 2.0], [0.0, 4.0, 0.0]], F)),
    Case("Poisson", lambda D, P, m: D.Poisson(P["rate"]), dict(rate=_pos(3)), np.array([0.0, 1.0, 4.0], F)),
    Case("Geometric", lambda D, P, m: D.Geometric(P["p"]), dict(p=_probs(3)), np.array([0.0, 1.0, 4.0], F)),
    Case("LogNormal", lambda D, P, m: D.LogNormal(P["loc"], P["scale"]), dict(loc=_real(3), scale=_pos(3)),
         _pos(3), cdf=True, icdf=True),
    Case("HalfNormal", lambda D, P, m: D.HalfNormal(P["scale"]), dict(scale=_pos(3)), _pos(3), cdf=True, icdf=True),
    Case("Gumbel", lambda D, P, m: D.Gumbel(P["loc"], P["scale"]), dict(loc=_real(3), scale=_pos(3)), _real(3),
         cdf=True, icdf=True),
    Case("StudentT", lambda D, P, m: D.StudentT(P["df"], P["loc"], P["scale"]),
         dict(df=np.array([0.8, 1.5, 4.0], F), loc=_real(3), scale=_pos(3)), _real(3)),
    Case("ContinuousBernoulli", lambda D, P, m: D.ContinuousBernoulli(probs=P["p"]),
         dict(p=np.array([0.2, 0.4995, 0.8], F)), np.array([0.3, 0.5, 0.9], F), cdf=True, icdf=True),
    Case("VonMises", lambda D, P, m: D.VonMises(P["loc"], P["k"]), dict(loc=_real(3), k=np.array([0.5, 2.0, 5.0], F)),
         _real(3)),
    Case("MVN-scale_tril", lambda D, P, m: D.MultivariateNormal(P["loc"], scale_tril=P["L"]),
         dict(loc=_real(2, 3), L=_L), _real(2, 3)),
    Case("MVN-cov", lambda D, P, m: D.MultivariateNormal(P["loc"], covariance_matrix=P["S"]),
         dict(loc=_real(3), S=_COV), _real(2, 3), rtol=1e-4, atol=1e-4),
    Case("MVN-precision", lambda D, P, m: D.MultivariateNormal(P["loc"], precision_matrix=P["S"]),
         dict(loc=_real(3), S=_COV), _real(3), rtol=1e-4, atol=1e-4),
    Case("LowRankMVN", lambda D, P, m: D.LowRankMultivariateNormal(P["loc"], P["W"], P["d"]),
         dict(loc=_real(2, 3), W=_real(3, 2), d=_pos(3)), _real(2, 3), rtol=1e-4, atol=1e-4),
    Case("RelaxedBernoulli", lambda D, P, m: D.RelaxedBernoulli(P["t"], probs=P["p"]),
         dict(t=np.array(0.7, F), p=_probs(3)), _probs(3)),
    Case("RelaxedOneHotCategorical", lambda D, P, m: D.RelaxedOneHotCategorical(P["t"], logits=P["l"]),
         dict(t=np.array(0.5, F), l=_real(2, 3)), _simplex(2, 3)),
    Case("Independent", lambda D, P, m: D.Independent(D.Normal(P["loc"], P["scale"]), 1),
         dict(loc=_real(2, 3), scale=_pos(2, 3)), _real(2, 3)),
    Case("MixtureSameFamily", lambda D, P, m: D.MixtureSameFamily(D.Categorical(logits=P["w"]),
                                                                  D.Normal(P["loc"], P["scale"])),
         dict(w=_real(2, 3), loc=_real(2, 3), scale=_pos(2, 3)), _real(2), cdf=True),
    Case("Transformed-affine-exp", lambda D, P, m: D.TransformedDistribution(
        D.Normal(P["loc"], P["scale"]), [D.AffineTransform(P["a"], P["b"]), D.ExpTransform()]),
        dict(loc=_real(3), scale=_pos(3), a=_real(3), b=_pos(3)), _pos(3), cdf=True, icdf=True),
    Case("Transformed-sigmoid-tanh", lambda D, P, m: D.TransformedDistribution(
        D.Normal(P["loc"], P["scale"]), [D.TanhTransform(), D.AffineTransform(0.0, -2.0)]),
        dict(loc=_real(3), scale=_pos(3)), np.array([-1.5, 0.2, 1.0], F), cdf=True, icdf=True),
    Case("Transformed-stickbreaking", lambda D, P, m: D.TransformedDistribution(
        D.Normal(P["loc"], P["scale"]), D.StickBreakingTransform()),
        dict(loc=_real(2), scale=_pos(2)), _simplex(3)),
]
IDS = [c.name for c in CASES]


def _attr(d, name):
    """(value, None) or (None, exception type) for a property or zero-argument method."""
    try:
        v = getattr(d, name)
        return (v() if callable(v) else v), None
    except NotImplementedError as e:
        return None, type(e)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_and_gradients_match_torch(case):
    ours, P = case.build(torchlike, requires_grad=case.grad)
    ref, Pr = case.build(torch, requires_grad=case.grad)
    assert ours.batch_shape == ref.batch_shape and ours.event_shape == ref.event_shape
    assert type(ours.batch_shape).__name__ == "Size"
    assert ours.has_rsample == ref.has_rsample
    assert ours.has_enumerate_support == ref.has_enumerate_support
    assert repr(ours.support) == repr(ref.support)
    lp, lp_ref = ours.log_prob(torchlike.tensor(case.value)), ref.log_prob(torch.tensor(case.value))
    assert_same(lp, lp_ref, rtol=case.rtol, atol=case.atol)
    loss, loss_ref = lp.sum(), lp_ref.sum()
    for name in ("mean", "variance", "stddev", "mode", "entropy", "perplexity"):
        a, ea = _attr(ours, name)
        b, eb = _attr(ref, name)
        assert ea == eb, (name, ea, eb)
        if eb is None:
            assert_same(a, b, rtol=case.rtol, atol=case.atol)
            if name == "entropy":
                loss, loss_ref = loss + a.sum(), loss_ref + b.sum()
    if case.cdf:
        assert_same(ours.cdf(torchlike.tensor(case.value)), ref.cdf(torch.tensor(case.value)),
                    rtol=case.rtol, atol=case.atol)
    if case.icdf:
        q = np.array([0.1, 0.5, 0.8], F)
        assert_same(ours.icdf(torchlike.tensor(q)), ref.icdf(torch.tensor(q)), rtol=1e-4, atol=1e-5)
    if ref.has_enumerate_support:
        a, ea = _attr(ours, "enumerate_support")
        b, eb = _attr(ref, "enumerate_support")
        assert ea == eb
        if eb is None:
            assert_same(a, b)
            assert_same(ours.enumerate_support(False), ref.enumerate_support(False))
    if case.grad:  # gradients of log_prob + entropy with respect to every float parameter
        loss.backward()
        loss_ref.backward()
        for k in Pr:
            assert (P[k].grad is None) == (Pr[k].grad is None), k
            if Pr[k].grad is not None:
                assert_same(P[k].grad, Pr[k].grad, rtol=1e-4, atol=1e-4)


# distributions whose ``expand`` does more than expand each parameter: their expanded log_prob is compared
_EXPAND_LP = {"Categorical-logits", "OneHotCategorical", "Multinomial", "Beta", "Dirichlet", "Chi2", "StudentT",
              "Gumbel", "MVN-cov", "LowRankMVN", "RelaxedOneHotCategorical", "Independent", "MixtureSameFamily",
              "Transformed-stickbreaking"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_and_expand_shapes(case):
    d, _ = case.build(torchlike)
    ref, _ = case.build(torch)
    s, sr = d.sample((2,)), ref.sample((2,))
    assert tuple(s.shape) == tuple(sr.shape) and str(s.dtype) == str(sr.dtype)
    if d.has_rsample:
        assert tuple(d.rsample((2,)).shape) == tuple(sr.shape)
    new_batch = (4,) + tuple(d.batch_shape)
    e, er = d.expand(new_batch), ref.expand(new_batch)
    assert type(e) is type(d)
    assert e.batch_shape == er.batch_shape and e.event_shape == er.event_shape
    if case.name in _EXPAND_LP:
        one = case.value[(0,) * (case.value.ndim - len(er.event_shape))]  # a single event
        v = np.broadcast_to(one, tuple(er.batch_shape) + tuple(er.event_shape)).copy()
        assert_same(e.log_prob(torchlike.tensor(v)), er.log_prob(torch.tensor(v)), rtol=case.rtol, atol=case.atol)


# ------------------------------------------------------------------ seeded samples equal torch's

SEEDED = [
    ("Normal-rsample", lambda D, m: D.Normal(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0])).rsample((20,))),
    ("Normal-sample", lambda D, m: D.Normal(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0])).sample((5,))),
    ("Uniform", lambda D, m: D.Uniform(m.tensor([0.0, -1.0]), m.tensor([1.0, 3.0])).sample((5,))),
    ("Exponential", lambda D, m: D.Exponential(m.tensor([0.5, 2.0])).rsample((5,))),
    ("Laplace", lambda D, m: D.Laplace(m.tensor([0.0, 1.0]), m.tensor([1.0, 0.5])).rsample((5,))),
    ("Bernoulli", lambda D, m: D.Bernoulli(probs=m.tensor([0.2, 0.7, 0.5])).sample((6,))),
    ("Categorical", lambda D, m: D.Categorical(logits=m.tensor([[0.1, 1.0, -1.0], [2.0, 0.0, 0.5]])).sample((7,))),
    ("OneHotCategorical", lambda D, m: D.OneHotCategorical(probs=m.tensor([0.2, 0.5, 0.3])).sample((4,))),
    ("Multinomial", lambda D, m: D.Multinomial(6, probs=m.tensor([0.2, 0.5, 0.3])).sample((3,))),
    ("Geometric", lambda D, m: D.Geometric(probs=m.tensor([0.2, 0.6])).sample((5,))),
    ("Gumbel", lambda D, m: D.Gumbel(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0])).sample((5,))),
    ("LogNormal", lambda D, m: D.LogNormal(m.tensor([0.0, 1.0]), m.tensor([0.5, 0.2])).sample((5,))),
    ("HalfNormal", lambda D, m: D.HalfNormal(m.tensor([1.0, 2.0])).sample((5,))),
    ("RelaxedBernoulli", lambda D, m: D.RelaxedBernoulli(m.tensor(0.5), probs=m.tensor([0.3, 0.8])).rsample((4,))),
    ("RelaxedOneHotCategorical",
     lambda D, m: D.RelaxedOneHotCategorical(m.tensor(0.5), probs=m.tensor([0.2, 0.5, 0.3])).rsample((4,))),
    ("ContinuousBernoulli", lambda D, m: D.ContinuousBernoulli(probs=m.tensor([0.2, 0.7])).rsample((5,))),
    ("VonMises", lambda D, m: D.VonMises(m.tensor([0.0, 1.0]), m.tensor([0.5, 4.0])).sample((5,))),
    ("MVN", lambda D, m: D.MultivariateNormal(m.zeros(3), scale_tril=m.tensor(_L)).rsample((4,))),
    ("LowRankMVN", lambda D, m: D.LowRankMultivariateNormal(m.zeros(3), m.ones(3, 2), m.ones(3)).rsample((4,))),
    ("MixtureSameFamily", lambda D, m: D.MixtureSameFamily(D.Categorical(probs=m.tensor([0.3, 0.7])),
                                                           D.Normal(m.tensor([-5.0, 5.0]), m.ones(2))).sample((6,))),
]


@pytest.mark.parametrize("make", [s[1] for s in SEEDED], ids=[s[0] for s in SEEDED])
def test_seeded_samples_equal_torch(make):
    torchlike.manual_seed(7)
    torch.manual_seed(7)
    a = make(torchlike.distributions, torchlike)
    b = make(torch.distributions, torch)
    assert_same(a, b, rtol=1e-5, atol=1e-6)
    # the generators are left in the same state
    assert_same(torchlike.rand(3), torch.rand(3))


# ------------------------------------------------------------------ samplers that are not torch's draws

@pytest.mark.parametrize("name,make,mean,var", [
    ("Gamma", lambda D, m: D.Gamma(m.tensor([0.5, 3.0]), m.tensor([1.0, 2.0])), [0.5, 1.5], [0.5, 0.75]),
    ("Beta", lambda D, m: D.Beta(m.tensor([2.0, 0.5]), m.tensor([3.0, 0.5])), [0.4, 0.5], [0.04, 0.125]),
    ("Dirichlet", lambda D, m: D.Dirichlet(m.tensor([1.0, 2.0, 3.0])), [1 / 6, 1 / 3, 0.5], None),
    ("Chi2", lambda D, m: D.Chi2(m.tensor([3.0])), [3.0], [6.0]),
    ("StudentT", lambda D, m: D.StudentT(m.tensor([5.0]), m.tensor([1.0]), m.tensor([2.0])), [1.0], [20 / 3]),
    ("Poisson", lambda D, m: D.Poisson(m.tensor([0.5, 4.0])), [0.5, 4.0], [0.5, 4.0]),
    ("Binomial", lambda D, m: D.Binomial(m.tensor([10.0, 3.0]), m.tensor([0.3, 0.9])), [3.0, 2.7], [2.1, 0.27]),
])
def test_sample_statistics(name, make, mean, var):
    torchlike.manual_seed(0)
    d = make(torchlike.distributions, torchlike)
    s = d.sample((4000,))
    assert tuple(s.shape) == (4000,) + tuple(d.batch_shape) + tuple(d.event_shape)
    assert str(s.dtype) == "torch.float32"
    np.testing.assert_allclose(to_np(s.mean(0)), mean, rtol=0.08, atol=0.03)
    if var is not None:
        np.testing.assert_allclose(to_np(s.var(0)), var, rtol=0.15, atol=0.02)
    assert bool(d.support.check(s).all())


def test_rsample_gradients_reach_parameters():
    # Gamma: E[x] = c / r, so d/dc mean(x) ~ 1/r and d/dr mean(x) ~ -c/r^2
    torchlike.manual_seed(0)
    c = torchlike.tensor([2.0, 5.0], requires_grad=True)
    r = torchlike.tensor([1.0, 2.0], requires_grad=True)
    torchlike.distributions.Gamma(c, r).rsample((2000,)).mean(0).sum().backward()
    np.testing.assert_allclose(to_np(c.grad), [1.0, 0.5], rtol=0.05)
    np.testing.assert_allclose(to_np(r.grad), [-2.0, -1.25], rtol=0.05)
    # Beta: E[x] = a / (a + b)
    a = torchlike.tensor([2.0], requires_grad=True)
    b = torchlike.tensor([3.0], requires_grad=True)
    torchlike.distributions.Beta(a, b).rsample((2000,)).mean().backward()
    np.testing.assert_allclose(to_np(a.grad), [3 / 25], rtol=0.15)
    np.testing.assert_allclose(to_np(b.grad), [-2 / 25], rtol=0.15)
    # Normal: d/dloc of mean is 1, d/dscale of mean(eps * scale) is mean(eps)
    loc = torchlike.tensor([0.5], requires_grad=True)
    torchlike.distributions.Normal(loc, 1.0).rsample((10,)).sum().backward()
    assert to_np(loc.grad).tolist() == [10.0]
    for D in (torchlike.distributions.Gamma, torchlike.distributions.Poisson):
        assert D.has_rsample == getattr(torch.distributions, D.__name__).has_rsample


# ------------------------------------------------------------------ KL divergence

KL_PAIRS = [
    ("Normal", "Normal"), ("Normal", "Laplace"), ("Normal", "Gumbel"), ("Normal", "Uniform"),
    ("Uniform", "Uniform"), ("Uniform", "Normal"), ("Uniform", "Gamma"), ("Uniform", "Beta"),
    ("Uniform", "Exponential"), ("Uniform", "Gumbel"),
    ("Exponential", "Exponential"), ("Exponential", "Gamma"), ("Exponential", "Normal"), ("Exponential", "Gumbel"),
    ("Gamma", "Gamma"), ("Gamma", "Exponential"), ("Gamma", "Normal"), ("Gamma", "Gumbel"),
    ("Beta", "Beta"), ("Beta", "Normal"), ("Beta", "Gamma"), ("Beta", "Exponential"), ("Beta", "Uniform"),
    ("Laplace", "Laplace"), ("Laplace", "Normal"), ("Gumbel", "Gumbel"), ("Gumbel", "Normal"),
    ("Bernoulli", "Bernoulli"), ("Bernoulli", "Poisson"), ("Categorical", "Categorical"),
    ("OneHotCategorical", "OneHotCategorical"), ("Poisson", "Poisson"), ("Geometric", "Geometric"),
    ("Binomial", "Binomial"), ("Dirichlet", "Dirichlet"), ("HalfNormal", "HalfNormal"), ("Cauchy", "Cauchy"),
    ("MVN", "MVN"), ("MVN", "LowRankMVN"), ("LowRankMVN", "MVN"), ("LowRankMVN", "LowRankMVN"),
    ("Independent", "Independent"), ("LogNormal", "LogNormal"), ("ContinuousBernoulli", "ContinuousBernoulli"),
    ("Beta", "ContinuousBernoulli"), ("ContinuousBernoulli", "Normal"), ("ContinuousBernoulli", "Uniform"),
    ("Chi2", "Chi2"), ("Gamma", "Uniform"), ("Poisson", "Binomial"),
]


def _kl_dist(name, lib, P, k, leaves):
    D = lib.distributions

    def t(a):
        leaves.append(lib.tensor(a, requires_grad=True))
        return leaves[-1]
    a, b = P["a"][k], P["b"][k]
    return {
        "Normal": lambda: D.Normal(t(a), t(b)), "Laplace": lambda: D.Laplace(t(a), t(b)),
        "Gumbel": lambda: D.Gumbel(t(a), t(b)), "Cauchy": lambda: D.Cauchy(t(a), t(b)),
        "Uniform": lambda: D.Uniform(t(b * 0.2), t(b * 0.2 + 0.5)),
        "Exponential": lambda: D.Exponential(t(b)), "Gamma": lambda: D.Gamma(t(b), t(b[::-1].copy())),
        "Chi2": lambda: D.Chi2(t(b)), "Beta": lambda: D.Beta(t(b), t(b[::-1].copy())),
        "Bernoulli": lambda: D.Bernoulli(logits=t(a)), "Poisson": lambda: D.Poisson(t(b)),
        "Geometric": lambda: D.Geometric(probs=t(b / 3)), "HalfNormal": lambda: D.HalfNormal(t(b)),
        "Binomial": lambda: D.Binomial(4, logits=t(a)), "LogNormal": lambda: D.LogNormal(t(a), t(b)),
        "ContinuousBernoulli": lambda: D.ContinuousBernoulli(probs=t(b / 3)),
        "Categorical": lambda: D.Categorical(logits=t(P["m"][k])),
        "OneHotCategorical": lambda: D.OneHotCategorical(logits=t(P["m"][k])),
        "Dirichlet": lambda: D.Dirichlet(t(np.abs(P["m"][k]) + 0.5)),
        "Independent": lambda: D.Independent(D.Normal(t(P["m"][k]), t(np.abs(P["m"][k]) + 0.5)), 1),
        "MVN": lambda: D.MultivariateNormal(t(a), scale_tril=t(P["L"][k])),
        "LowRankMVN": lambda: D.LowRankMultivariateNormal(t(a), t(P["W"][k]), t(b)),
    }[name]()


_KLP = dict(a=[_real(3), _real(3)], b=[_pos(3), _pos(3)], m=[_real(2, 3), _real(2, 3)], L=[_tril(3), _tril(3)],
            W=[_real(3, 2), _real(3, 2)])


@pytest.mark.parametrize("p,q", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence_matches_torch(p, q):
    def run(lib):
        params = []
        dp, dq = _kl_dist(p, lib, _KLP, 0, params), _kl_dist(q, lib, _KLP, 1, params)
        kl = lib.distributions.kl_divergence(dp, dq)
        finite = kl[kl.isfinite()] if kl.dim() else kl
        grads = lib.autograd.grad(finite.sum(), params, allow_unused=True) if bool(kl.isfinite().any()) else []
        return kl, [g if g is not None else lib.zeros(()) for g in grads]
    (kl, g), (kl_ref, g_ref) = run(torchlike), run(torch)
    assert_same(kl, kl_ref, rtol=1e-4, atol=1e-5)
    assert len(g) == len(g_ref)
    assert_same(g, g_ref, rtol=1e-4, atol=1e-4)


def test_kl_registry_dispatch_and_errors():
    TD = torchlike.distributions
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Cauchy and q "
                                                  "type Normal"):
        TD.kl_divergence(TD.Cauchy(0.0, 1.0), TD.Normal(0.0, 1.0))

    class MyNormal(TD.Normal):
        pass

    # subclasses dispatch to the most specific registered pair; a new registration takes precedence
    p, q = MyNormal(torchlike.tensor([0.0]), torchlike.tensor([1.0])), TD.Normal(torchlike.tensor([1.0]),
                                                                                torchlike.tensor([2.0]))
    base = TD.kl_divergence(p, q)
    assert_same(base, TD.kl_divergence(TD.Normal(torchlike.tensor([0.0]), torchlike.tensor([1.0])), q))

    @TD.register_kl(MyNormal, TD.Normal)
    def _mine(p, q):
        return torchlike.zeros(1)

    assert TD.kl_divergence(p, q).tolist() == [0.0]
    with pytest.raises(TypeError):
        TD.register_kl(int, TD.Normal)
    # ExponentialFamily's Bregman fallback, for a family without a closed form registered (none here): same type
    from torchlike.distributions.kl import _kl_expfamily_expfamily
    ref = torch.distributions.kl._kl_expfamily_expfamily(torch.distributions.Poisson(torch.tensor([2.0])),
                                                         torch.distributions.Poisson(torch.tensor([3.0])))
    ours = _kl_expfamily_expfamily(TD.Poisson(torchlike.tensor([2.0])), TD.Poisson(torchlike.tensor([3.0])))
    assert_same(ours, ref, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ validation errors

INVALID = [
    ("Normal", lambda D, m: D.Normal(m.tensor([0.0]), m.tensor([-1.0]))),
    ("Bernoulli", lambda D, m: D.Bernoulli(probs=m.tensor([1.5]))),
    ("Categorical", lambda D, m: D.Categorical(probs=m.tensor([[-0.1, 0.5]]))),
    ("Uniform", lambda D, m: D.Uniform(m.tensor([1.0]), m.tensor([0.0]))),
    ("Gamma", lambda D, m: D.Gamma(m.tensor([0.0]), m.tensor([1.0]))),
    ("Beta", lambda D, m: D.Beta(m.tensor([1.0]), m.tensor([-1.0]))),
    ("Dirichlet", lambda D, m: D.Dirichlet(m.tensor([1.0, 0.0]))),
    ("Poisson", lambda D, m: D.Poisson(m.tensor([-1.0]))),
    ("MVN", lambda D, m: D.MultivariateNormal(m.zeros(2), scale_tril=m.tensor([[1.0, 0.0], [0.5, -1.0]]))),
    ("Both", lambda D, m: D.Bernoulli(probs=m.tensor([0.5]), logits=m.tensor([0.0]))),
    ("CatDim", lambda D, m: D.Categorical(probs=m.tensor(0.5))),
    ("MVN-none", lambda D, m: D.MultivariateNormal(m.zeros(2))),
    ("log_prob-support", lambda D, m: D.Exponential(m.tensor([1.0])).log_prob(m.tensor([-1.0]))),
    ("log_prob-int-support", lambda D, m: D.Poisson(m.tensor([1.0])).log_prob(m.tensor([0.5]))),
    ("log_prob-shape", lambda D, m: D.Normal(m.zeros(3), m.ones(3)).log_prob(m.zeros(2))),
    ("log_prob-event", lambda D, m: D.Dirichlet(m.ones(3)).log_prob(m.ones(2))),
    ("log_prob-not-tensor", lambda D, m: D.Normal(0.0, 1.0).log_prob(0.5)),
]


@pytest.fixture
def validation_on():
    """Argument validation enabled in both libraries (its default is global state another test in the
    same worker process may have changed), restored afterwards."""
    saved = [(D, D._validate_args) for D in (torch.distributions.Distribution,
                                              torchlike.distributions.Distribution)]
    for D, _ in saved:
        D.set_default_validate_args(True)
    yield
    for D, value in saved:
        D.set_default_validate_args(value)


@pytest.mark.parametrize("make", [i[1] for i in INVALID], ids=[i[0] for i in INVALID])
def test_validation_errors_match_torch(make, validation_on):
    with pytest.raises(ValueError) as ref:
        make(torch.distributions, torch)
    with pytest.raises(ValueError) as ours:
        make(torchlike.distributions, torchlike)
    assert str(ours.value) == str(ref.value)


def test_set_default_validate_args():
    D = torchlike.distributions.Distribution
    try:
        D.set_default_validate_args(False)
        d = torchlike.distributions.Normal(torchlike.tensor([0.0]), torchlike.tensor([-1.0]))  # accepted
        assert d.scale.item() == -1.0
        torchlike.distributions.Exponential(torchlike.tensor([1.0])).log_prob(torchlike.tensor([-1.0]))
    finally:
        D.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.set_default_validate_args(3)
    d = torchlike.distributions.Normal(torchlike.tensor([0.0]), torchlike.tensor([-1.0]), validate_args=False)
    assert d.scale.item() == -1.0


# ------------------------------------------------------------------ transforms, constraints, biject_to

TRANSFORMS = [
    ("Exp", lambda T, m: T.ExpTransform(), _real(2, 3)),
    ("Affine", lambda T, m: T.AffineTransform(m.tensor([0.5, -1.0, 2.0]), m.tensor([2.0, -0.5, 1.5])), _real(2, 3)),
    ("Affine-event", lambda T, m: T.AffineTransform(1.0, m.tensor([2.0, -0.5, 1.5]), event_dim=1), _real(2, 3)),
    ("Sigmoid", lambda T, m: T.SigmoidTransform(), _real(2, 3)),
    ("Tanh", lambda T, m: T.TanhTransform(), _real(2, 3)),
    ("Softplus", lambda T, m: T.SoftplusTransform(), _real(2, 3)),
    ("Power", lambda T, m: T.PowerTransform(m.tensor(2.5)), _pos(2, 3)),
    ("StickBreaking", lambda T, m: T.StickBreakingTransform(), _real(2, 3)),
    ("Compose", lambda T, m: T.ComposeTransform([T.AffineTransform(1.0, 2.0), T.ExpTransform()]), _real(2, 3)),
    ("Inverse", lambda T, m: T.ExpTransform().inv, _pos(2, 3)),
    ("Independent", lambda T, m: T.IndependentTransform(T.SigmoidTransform(), 1), _real(2, 3)),
    ("Reshape", lambda T, m: T.ReshapeTransform((3,), (3, 1)), _real(2, 3)),
    ("CorrCholesky", lambda T, m: T.CorrCholeskyTransform(), _real(2, 3)),
    ("Cat", lambda T, m: T.CatTransform([T.ExpTransform(), T.AffineTransform(0.0, 3.0)], dim=1, lengths=[1, 2]),
     _real(2, 3)),
    ("Stack", lambda T, m: T.StackTransform([T.ExpTransform(), T.SigmoidTransform()], dim=0), _real(2, 3)),
]


@pytest.mark.parametrize("make,x", [(t[1], t[2]) for t in TRANSFORMS], ids=[t[0] for t in TRANSFORMS])
def test_transforms_match_torch(make, x):
    def run(lib):
        t = make(lib.distributions.transforms, lib)
        xt = lib.tensor(x, requires_grad=True)
        y = t(xt)
        ladj = t.log_abs_det_jacobian(xt, y)
        x_back = t.inv(y)
        (y.sum() + ladj.sum()).backward()
        return t, y, ladj, x_back, xt.grad
    (t, *ours), (tr, *ref) = run(torchlike), run(torch)
    assert_same(ours, ref, rtol=1e-4, atol=1e-5)
    assert t.bijective == tr.bijective and repr(t.domain) == repr(tr.domain)
    assert repr(t.codomain) == repr(tr.codomain)
    assert tuple(t.forward_shape((2, 3))) == tuple(tr.forward_shape((2, 3)))


def test_non_bijective_transforms_and_caching():
    for name, x in [("SoftmaxTransform", _real(2, 3)), ("AbsTransform", _real(3)),
                    ("LowerCholeskyTransform", _real(3, 3)), ("PositiveDefiniteTransform", _real(3, 3))]:
        ours = getattr(torchlike.distributions.transforms, name)()(torchlike.tensor(x))
        ref = getattr(torch.distributions.transforms, name)()(torch.tensor(x))
        assert_same(ours, ref, rtol=1e-5, atol=1e-5)
    T = torchlike.distributions.transforms
    t = T.ExpTransform(cache_size=1)
    x = torchlike.tensor([0.5])
    y = t(x)
    assert t(x) is y and t.inv(y) is x and t.inv.inv is t
    assert T.ExpTransform() == T.ExpTransform() and T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.AffineTransform(1.0, -2.0).sign == -1 and T.ExpTransform().inv.sign == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)
    assert repr(T.identity_transform) == repr(torch.distributions.transforms.identity_transform)


def test_constraints_and_biject_to():
    C, Cr = torchlike.distributions.constraints, torch.distributions.constraints
    vals = np.array([[-1.0, 0.0, 0.5, 1.0, 2.5]], F)
    for name in ["real", "positive", "nonnegative", "unit_interval", "boolean", "nonnegative_integer",
                 "positive_integer"]:
        assert_same(getattr(C, name).check(torchlike.tensor(vals)), getattr(Cr, name).check(torch.tensor(vals)))
        assert repr(getattr(C, name)) == repr(getattr(Cr, name))
    for c, cr in [(C.interval(0.0, 1.0), Cr.interval(0.0, 1.0)), (C.greater_than(0.5), Cr.greater_than(0.5)),
                  (C.half_open_interval(-1.0, 1.0), Cr.half_open_interval(-1.0, 1.0)),
                  (C.integer_interval(0, 2), Cr.integer_interval(0, 2)), (C.less_than(1.0), Cr.less_than(1.0)),
                  (C.independent(C.positive, 1), Cr.independent(Cr.positive, 1)), (C.simplex, Cr.simplex),
                  (C.real_vector, Cr.real_vector), (C.one_hot, Cr.one_hot)]:
        assert_same(c.check(torchlike.tensor(vals)), cr.check(torch.tensor(vals)))
        assert repr(c) == repr(cr) and c.event_dim == cr.event_dim and c.is_discrete == cr.is_discrete
    m = np.array([[[2.0, 0.0], [0.5, 1.0]], [[1.0, 0.3], [0.3, 1.0]]], F)
    for name in ["lower_cholesky", "lower_triangular", "positive_definite", "symmetric", "square", "corr_cholesky"]:
        assert_same(getattr(C, name).check(torchlike.tensor(m)), getattr(Cr, name).check(torch.tensor(m)))
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        C.dependent.check(torchlike.zeros(1))
    B, Br = torchlike.distributions.biject_to, torch.distributions.biject_to
    Tt, Tr = torchlike.distributions.transform_to, torch.distributions.transform_to
    x = _real(2, 3)
    for c, cr in [(C.positive, Cr.positive), (C.interval(-2.0, 3.0), Cr.interval(-2.0, 3.0)),
                  (C.unit_interval, Cr.unit_interval), (C.simplex, Cr.simplex), (C.real_vector, Cr.real_vector),
                  (C.greater_than(1.0), Cr.greater_than(1.0)), (C.less_than(1.0), Cr.less_than(1.0))]:
        assert_same(B(c)(torchlike.tensor(x)), Br(cr)(torch.tensor(x)), rtol=1e-5, atol=1e-6)
        assert_same(Tt(c)(torchlike.tensor(x)), Tr(cr)(torch.tensor(x)), rtol=1e-5, atol=1e-6)
    assert_same(Tt(C.lower_cholesky)(torchlike.tensor(m)), Tr(Cr.lower_cholesky)(torch.tensor(m)))
    with pytest.raises(NotImplementedError, match="Cannot transform _LowerCholesky constraints"):
        B(C.lower_cholesky)
    # Normal's scale parameter optimised in unconstrained space, as in tutorials
    scale = torchlike.tensor([0.5])
    u = torchlike.distributions.transform_to(torchlike.distributions.Normal.arg_constraints["scale"]).inv(scale)
    np.testing.assert_allclose(to_np(u), np.log([0.5]), rtol=1e-6)


def test_module_layout_and_names():
    import importlib
    for mod, name in [("normal", "Normal"), ("categorical", "Categorical"), ("kl", "kl_divergence"),
                      ("transforms", "ExpTransform"), ("constraints", "positive"), ("utils", "broadcast_all"),
                      ("constraint_registry", "biject_to"), ("multivariate_normal", "MultivariateNormal"),
                      ("lowrank_multivariate_normal", "LowRankMultivariateNormal"), ("studentT", "StudentT"),
                      ("relaxed_categorical", "RelaxedOneHotCategorical"), ("exp_family", "ExponentialFamily"),
                      ("mixture_same_family", "MixtureSameFamily"), ("von_mises", "VonMises")]:
        assert hasattr(importlib.import_module(f"torchlike.distributions.{mod}"), name)
        assert hasattr(importlib.import_module(f"torch.distributions.{mod}"), name)
    missing = [n for n in torch.distributions.__all__ if not hasattr(torchlike.distributions, n)]
    assert not missing, missing
    # every module torch.distributions has, with the names it defines
    import pkgutil
    for info in pkgutil.iter_modules(torch.distributions.__path__):
        ref, ours = (importlib.import_module(f"{lib}.distributions.{info.name}") for lib in ("torch", "torchlike"))
        names = [n for n in getattr(ref, "__all__", []) if not hasattr(ours, n)]
        assert not names, (info.name, names)


def test_distribution_repr_and_sample_n():
    d = torchlike.distributions.Normal(torchlike.tensor([0.0, 1.0]), torchlike.tensor([1.0, 2.0]))
    r = torch.distributions.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    assert repr(d) == repr(r)
    assert repr(torchlike.distributions.Normal(0.0, 1.0)) == repr(torch.distributions.Normal(0.0, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert tuple(d.sample_n(3).shape) == (3, 2)
    assert math.isclose(torchlike.distributions.Normal(0.0, 1.0).log_prob(torchlike.tensor(0.0)).item(),
                        -0.5 * math.log(2 * math.pi), rel_tol=1e-6)
