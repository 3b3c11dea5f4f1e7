"""nn.init against torch: gains, fan computation, deterministic initialisers exactly, random
initialisers by bounds/moments (and exactly where the generator already reproduces torch's stream)."""
import math

import numpy as np
import pytest
import torch

import torchlike
import torchlike.nn as nn
from conftest import assert_same

init, tinit = nn.init, torch.nn.init


def test_calculate_gain():
    for nl, p in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                  ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(nl, p) == pytest.approx(tinit.calculate_gain(nl, p))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("foo")


def test_fan_and_errors():
    assert init._calculate_fan_in_and_fan_out(torchlike.empty(4, 3, 2, 2)) == \
        tinit._calculate_fan_in_and_fan_out(torch.empty(4, 3, 2, 2))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(torchlike.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(torchlike.empty(3, 3), mode="fan_avg")


def test_deterministic_initialisers_exact():
    for fo, fr in [(lambda t: init.constant_(t, 0.3), lambda t: tinit.constant_(t, 0.3)),
                   (init.ones_, tinit.ones_), (init.zeros_, tinit.zeros_), (init.eye_, tinit.eye_)]:
        assert_same(fo(torchlike.empty(3, 4)), fr(torch.empty(3, 4)))
    for groups in (1, 2):
        assert_same(init.dirac_(torchlike.empty(4, 2, 3, 3), groups), tinit.dirac_(torch.empty(4, 2, 3, 3), groups))
    with pytest.raises(ValueError):
        init.eye_(torchlike.empty(2, 2, 2))


def test_init_keeps_parameter_and_skips_autograd():
    p = nn.Parameter(torchlike.empty(5, 4))
    out = init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")
    assert out is p and p.requires_grad and p.grad_fn is None


@pytest.mark.parametrize("name,kw,check", [
    ("uniform_", dict(a=-0.5, b=0.25), lambda a: a.min() >= -0.5 and a.max() <= 0.25),
    ("normal_", dict(mean=1.0, std=0.1), lambda a: abs(a.mean() - 1) < 0.01 and abs(a.std() - 0.1) < 0.01),
    ("trunc_normal_", dict(std=1.0, a=-0.5, b=0.5), lambda a: a.min() >= -0.5 and a.max() <= 0.5),
    ("xavier_uniform_", dict(gain=2.0), lambda a: np.abs(a).max() <= 2 * math.sqrt(6 / (200 + 100))),
    ("xavier_normal_", dict(), lambda a: abs(a.std() - math.sqrt(2 / 300)) < 0.01),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), lambda a: np.abs(a).max() <= 1 / math.sqrt(100)),
    ("kaiming_normal_", dict(nonlinearity="relu"), lambda a: abs(a.std() - math.sqrt(2 / 100)) < 0.01),
])
def test_random_initialisers_distribution(name, kw, check):
    t = getattr(init, name)(torchlike.empty(200, 100), **kw)
    assert check(np.asarray(t._value))


def test_orthogonal_and_sparse():
    for shape in ((6, 4), (3, 7), (4, 2, 2)):
        q = np.asarray(init.orthogonal_(torchlike.empty(*shape), gain=1.5)._value).reshape(shape[0], -1)
        small = q if q.shape[0] <= q.shape[1] else q.T
        np.testing.assert_allclose(small @ small.T, 1.5 ** 2 * np.eye(small.shape[0]), atol=1e-5)
    s = np.asarray(init.sparse_(torchlike.empty(10, 6), sparsity=0.3)._value)
    assert np.all((s == 0).sum(0) >= 3)


def test_same_stream_as_torch_for_seeded_init():
    # kaiming_uniform_ + bias uniform draw in torch's order: equal weights under the same seed
    torchlike.manual_seed(3)
    torch.manual_seed(3)
    for args in ((3, 4), (7, 2)):
        ours, ref = nn.Linear(*args), torch.nn.Linear(*args)
        assert_same(ours.weight.detach(), ref.weight.detach())
        assert_same(ours.bias.detach(), ref.bias.detach())
    assert_same(init.uniform_(torchlike.empty(5), -2, 2), tinit.uniform_(torch.empty(5), -2, 2))


@pytest.mark.parametrize("args", [(), (0.0, 1.0, -0.5, 0.5), (0.0, 1.0, 1.5, 3.0), (5.0, 2.0, 0.0, 1.0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trunc_normal_same_numbers_as_torch(args, dtype):
    """torch 2.13's rejection sampler (normal redraws, or uniform proposals for narrow intervals):
    after the same seed, the same values."""
    torch.manual_seed(0)
    ref = torch.nn.init.trunc_normal_(torch.empty(5, 7, dtype=getattr(torch, dtype)), *args)
    torchlike.manual_seed(0)
    ours = torchlike.nn.init.trunc_normal_(torchlike.empty(5, 7, dtype=getattr(torchlike, dtype)), *args)
    assert_same(ours, ref, rtol=0, atol=0)
