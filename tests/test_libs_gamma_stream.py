"""Gamma, Beta and Dirichlet draws are torch's own CPU numbers after ``manual_seed`` (kornia's
``RandomCutMixV2`` draws its cut sizes from a Beta), against torch 2.13: ``torch._standard_gamma``
(float32 and float64, concentrations below and above 1), ``torch._sample_dirichlet``, the distributions
built on them, and the stream position afterwards."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

ALPHAS = [0.3, 1.0, 2.5, 0.05, 7.0, 1e-3]


def _both(fn, seed=0):
    out = []
    for m in (torchlike, torch):
        m.manual_seed(seed)
        out.append((fn(m), m.rand(3)))
    (ours, next_o), (ref, next_r) = out
    assert_same(next_o, next_r)  # the same number of draws taken from the stream
    return ours, ref


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_draws_are_torchs(dtype):
    ours, ref = _both(lambda m: m._standard_gamma(m.tensor(ALPHAS * 3, dtype=getattr(m, dtype))))
    assert_same(ours, ref, rtol=1e-6 if dtype == "float32" else 1e-12, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_dirichlet_draws_are_torchs(dtype):
    alpha = np.array([[0.5, 1.0, 2.0], [3.0, 0.2, 0.7]])
    ours, ref = _both(lambda m: m._sample_dirichlet(m.tensor(alpha, dtype=getattr(m, dtype))), seed=3)
    assert_same(ours, ref, rtol=1e-6 if dtype == "float32" else 1e-12, atol=0)


@pytest.mark.parametrize("make", [
    lambda m: m.distributions.Gamma(m.tensor([0.5, 2.0]), m.tensor([1.0, 3.0])).sample((4,)),
    lambda m: m.distributions.Beta(m.tensor(1.0), m.tensor(1.0)).rsample((5,)),
    lambda m: m.distributions.Beta(m.tensor([0.4, 2.0]), m.tensor([3.0, 0.6])).sample((3,)),
    lambda m: m.distributions.Dirichlet(m.tensor([1.0, 2.0, 0.5])).sample((2,)),
    lambda m: m.distributions.Chi2(m.tensor([3.0])).sample((4,)),
], ids=["gamma", "beta_uniform", "beta", "dirichlet", "chi2"])
def test_distributions_draw_torchs_numbers(make):
    ours, ref = _both(make, seed=7)
    assert_same(ours, ref, rtol=1e-6, atol=0)


def test_dirichlet_and_gamma_rsample_carry_gradients():
    conc = torchlike.tensor([1.0, 2.0, 0.5], requires_grad=True)
    torchlike.manual_seed(0)
    x = torchlike.distributions.Dirichlet(conc).rsample((4,))
    (x[:, 0] * 2 + x[:, 1]).sum().backward()
    assert conc.grad is not None and conc.grad.shape == conc.shape and bool(torchlike.isfinite(conc.grad).all())
    # the gradient of sum(x) over the simplex is zero, as torch's
    conc.grad = None
    torchlike.distributions.Dirichlet(conc).rsample((4,)).sum().backward()
    np.testing.assert_allclose(conc.grad.numpy(), 0.0, atol=1e-5)
