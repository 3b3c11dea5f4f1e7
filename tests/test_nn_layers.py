"""Layers against torch: weights copied via state_dict, outputs and input/parameter grads compared
in train and eval modes; reprs; BatchNorm running statistics over several steps."""
import numpy as np
import pytest
import torch

import torchlike
import torchlike.nn as nn
from conftest import assert_same
from _nn_helpers import copy_weights, run_both

R = np.random.default_rng(0)


def _x(*shape):
    return R.standard_normal(shape).astype(np.float32)


# (constructor taking the nn namespace, input arrays)
CASES = [
    (lambda n: n.Linear(5, 3), [(4, 5)]),
    (lambda n: n.Linear(5, 3, bias=False), [(2, 6, 5)]),
    (lambda n: n.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    (lambda n: n.LayerNorm(6), [(3, 6)]),
    (lambda n: n.LayerNorm((2, 3), elementwise_affine=False), [(4, 2, 3)]),
    (lambda n: n.GroupNorm(2, 4), [(3, 4, 5)]),
    (lambda n: n.InstanceNorm1d(3, affine=True), [(2, 3, 6)]),
    (lambda n: n.InstanceNorm2d(3, track_running_stats=True), [(2, 3, 4, 4)]),
    (lambda n: n.LocalResponseNorm(3), [(2, 5, 4)]),
    (lambda n: n.RMSNorm(4), [(3, 4)]),
    (lambda n: n.BatchNorm1d(4), [(6, 4)]),
    (lambda n: n.BatchNorm1d(4, affine=False, momentum=None), [(5, 4, 3)]),
    (lambda n: n.BatchNorm2d(3), [(4, 3, 2, 2)]),
    (lambda n: n.BatchNorm3d(2, track_running_stats=False), [(2, 2, 2, 2, 3)]),
    (lambda n: n.PReLU(3), [(4, 3, 2)]),
    (lambda n: n.Sequential(n.Linear(4, 8), n.ReLU(), n.Dropout(0.0), n.Linear(8, 2), n.LogSoftmax(1)), [(3, 4)]),
    (lambda n: n.Flatten(), [(2, 3, 4)]),
    (lambda n: n.Unflatten(1, (2, 3)), [(4, 6)]),
    (lambda n: n.Upsample(scale_factor=2, mode="bilinear", align_corners=False), [(1, 2, 3, 4)]),
    (lambda n: n.Upsample(size=(5, 7), mode="bicubic", align_corners=True), [(1, 2, 3, 4)]),
    (lambda n: n.Upsample(scale_factor=2), [(1, 2, 3, 4)]),
    (lambda n: n.PixelShuffle(2), [(2, 8, 3, 3)]),
    (lambda n: n.PixelUnshuffle(2), [(2, 2, 4, 6)]),
    (lambda n: n.ChannelShuffle(2), [(2, 4, 3)]),
    (lambda n: n.ReflectionPad2d((1, 2, 0, 1)), [(1, 2, 3, 4)]),
    (lambda n: n.ReplicationPad1d(2), [(2, 3, 4)]),
    (lambda n: n.CircularPad2d(1), [(1, 2, 3, 3)]),
    (lambda n: n.ConstantPad2d((1, -1, 2, 0), 0.5), [(1, 2, 3, 3)]),
    (lambda n: n.ZeroPad2d(1), [(1, 1, 2, 2)]),
    (lambda n: n.CosineSimilarity(dim=1), [(4, 5), (4, 5)]),
    (lambda n: n.PairwiseDistance(p=3.0), [(4, 5), (4, 5)]),
]


@pytest.mark.parametrize("idx", range(len(CASES)))
def test_layer_matches_torch(idx):
    make, shapes = CASES[idx]
    ours, ref = make(nn), make(torch.nn)
    assert repr(ours) == repr(ref)
    assert list(ours.state_dict()) == list(ref.state_dict())
    copy_weights(ours, ref)
    arrays = [_x(*s) for s in shapes]
    w = _x(*run_both(ours, ref, *arrays, grad=False)[1].shape)  # random cotangent
    for train in (True, False):
        run_both(ours, ref, *arrays, train=train, rtol=1e-4, atol=1e-5,
                 reduce=lambda y: (y * (torchlike.tensor(w) if isinstance(y, torchlike.Tensor)
                                        else torch.tensor(w))).sum())
    for (k, a), b in zip(ours.state_dict().items(), ref.state_dict().values()):
        assert_same(a, b, rtol=1e-4, atol=1e-5)


ACTIVATIONS = ["ReLU()", "ReLU6()", "LeakyReLU(0.2)", "ELU(alpha=0.7)", "SELU()", "CELU(1.3)", "GELU()",
               "GELU(approximate='tanh')", "SiLU()", "Mish()", "Sigmoid()", "Tanh()", "Hardtanh(-0.5, 0.7)",
               "Hardswish()", "Hardsigmoid()", "Softplus(beta=2, threshold=3)", "Softsign()", "Softmax(dim=1)",
               "LogSoftmax(dim=0)", "Softmin(dim=1)", "Threshold(0.1, 20.0)", "Tanhshrink()", "Softshrink(0.3)",
               "Hardshrink(0.4)", "GLU(dim=1)", "LogSigmoid()", "Softmax2d()", "RReLU()"]


@pytest.mark.parametrize("expr", ACTIVATIONS)
def test_activation_matches_torch(expr):
    ours, ref = eval("nn." + expr), eval("torch.nn." + expr)
    assert repr(ours) == repr(ref)
    x = _x(3, 4, 2) * 3
    run_both(ours, ref, x, train=False, reduce=lambda y: (y * y).sum())


def test_inplace_activation_returns_input():
    x = torchlike.randn(3)
    y = x.clone()
    assert nn.ReLU(inplace=True)(y) is y
    assert_same(y, torch.relu(torch.tensor(np.asarray(x._value))))


def test_batchnorm_running_stats_over_steps():
    for momentum in (0.1, None):
        ours, ref = nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
        for step in range(4):
            x = _x(4, 3, 2, 2) * (step + 1) + step
            run_both(ours, ref, x, train=True, rtol=1e-4, atol=1e-5)
        for a, b in zip(ours.state_dict().values(), ref.state_dict().values()):
            assert_same(a, b, rtol=1e-5, atol=1e-6)
        run_both(ours, ref, _x(2, 3, 2, 2), train=False, rtol=1e-4, atol=1e-5)


def test_norm_input_errors():
    for L in (torchlike, torch):
        with pytest.raises(ValueError, match="expected 4D input"):
            L.nn.BatchNorm2d(3)(L.ones(2, 3, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(torchlike.ones(1, 3))
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.LayerNorm(4)(torchlike.ones(2, 3))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(2, 3)


def test_dropout_train_eval_and_scaling():
    torchlike.manual_seed(0)
    x = torchlike.ones(2000)
    d = nn.Dropout(0.25)
    y = d(x)
    vals = np.unique(np.asarray(y._value))
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    assert 0.15 < float((y == 0).float().mean()) < 0.35
    d.eval()
    assert d(x) is x
    y2 = nn.Dropout2d(0.5)(torchlike.ones(4, 6, 3, 3))
    per_channel = np.asarray(y2._value).reshape(4, 6, 9)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))
    assert repr(nn.AlphaDropout(0.2)) == repr(torch.nn.AlphaDropout(0.2))
    xa = torchlike.randn(4000, requires_grad=True)
    ya = nn.AlphaDropout(0.2).train()(xa)
    assert abs(float(ya.mean())) < 0.1 and abs(float(ya.std()) - 1) < 0.1
    ya.sum().backward()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_embedding_matches_torch():
    for kw in (dict(), dict(padding_idx=1), dict(scale_grad_by_freq=True), dict(max_norm=1.0)):
        ours, ref = nn.Embedding(6, 3, **kw), torch.nn.Embedding(6, 3, **kw)
        assert repr(ours) == repr(ref)
        copy_weights(ours, ref)
        idx = np.array([[1, 2, 1], [4, 1, 5]])
        yo, yr = ours(torchlike.tensor(idx)), ref(torch.tensor(idx))
        assert_same(yo, yr, rtol=1e-5, atol=1e-6)
        (yo * yo).sum().backward()
        (yr * yr).sum().backward()
        assert_same(ours.weight.grad, ref.weight.grad, rtol=1e-5, atol=1e-6)
        assert_same(ours.weight.detach(), ref.weight.detach(), rtol=1e-5, atol=1e-6)
    with pytest.raises(IndexError, match="index out of range"):
        nn.Embedding(3, 2)(torchlike.tensor([3]))
    pre = nn.Embedding.from_pretrained(torchlike.ones(3, 2))
    assert not pre.weight.requires_grad


def test_embedding_bag_matches_torch():
    for mode in ("sum", "mean", "max"):
        ours, ref = nn.EmbeddingBag(7, 3, mode=mode), torch.nn.EmbeddingBag(7, 3, mode=mode)
        assert repr(ours) == repr(ref)
        copy_weights(ours, ref)
        idx, off = np.array([1, 2, 4, 5, 4, 3, 2, 6]), np.array([0, 3, 5])
        yo = ours(torchlike.tensor(idx), torchlike.tensor(off))
        yr = ref(torch.tensor(idx), torch.tensor(off))
        assert_same(yo, yr)
        yo.sum().backward()
        yr.sum().backward()
        assert_same(ours.weight.grad, ref.weight.grad)
        assert_same(ours(torchlike.tensor(idx.reshape(2, 4))), ref(torch.tensor(idx.reshape(2, 4))))
