"""nn.functional against torch: pad, interpolate, grid_sample, affine_grid, one_hot, normalize,
softmax family, gumbel_softmax, linear/bilinear, embedding, dropout options and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlike
import torchlike.nn.functional as F
from conftest import assert_same

R = np.random.default_rng(2)


def _f(*s):
    return R.standard_normal(s).astype(np.float32)


def both(fn_o, fn_r, *arrays, grad=True, rtol=1e-5, atol=1e-5, **kw):
    xo = [torchlike.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    xr = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    yo, yr = fn_o(*xo, **kw), fn_r(*xr, **kw)
    assert_same(yo, yr, rtol=rtol, atol=atol)
    if grad:
        w = _f(*yr.shape)
        (yo * torchlike.tensor(w)).sum().backward()
        (yr * torch.tensor(w)).sum().backward()
        for a, b in zip(xo, xr):
            if b.grad is not None:
                assert_same(a.grad, b.grad, rtol=rtol, atol=atol)


@pytest.mark.parametrize("pad,mode,shape", [((1, 2), "constant", (2, 3)), ((1, -1, 2, 0), "constant", (1, 3, 4)),
                                            ((2, 1), "reflect", (1, 2, 4)), ((1, 1, 2, 0), "replicate", (1, 2, 3, 3)),
                                            ((1, 2, 1, 0), "circular", (1, 1, 3, 4))])
def test_pad(pad, mode, shape):
    both(F.pad, TF.pad, _f(*shape), pad=pad, mode=mode)


def test_pad_value_and_errors():
    both(F.pad, TF.pad, _f(2, 2), pad=(1, 1), value=2.5)
    with pytest.raises(RuntimeError):
        F.pad(torchlike.ones(1, 2, 3), (3, 3), mode="reflect")
    with pytest.raises(RuntimeError):
        F.pad(torchlike.ones(2), (1,))


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="nearest"), dict(size=(5, 3), mode="nearest"),
                                dict(scale_factor=1.7, mode="nearest-exact"),
                                dict(size=(5, 7), mode="bilinear", align_corners=False),
                                dict(scale_factor=(0.5, 1.5), mode="bilinear", align_corners=True),
                                dict(size=(6, 5), mode="bicubic", align_corners=False),
                                dict(size=(2, 3), mode="area")])
def test_interpolate_2d(kw):
    both(F.interpolate, TF.interpolate, _f(2, 3, 4, 5), rtol=1e-4, **kw)


def test_interpolate_1d_3d():
    both(F.interpolate, TF.interpolate, _f(2, 3, 5), size=8, mode="linear", align_corners=False)
    both(F.interpolate, TF.interpolate, _f(1, 2, 3, 4, 2), scale_factor=2, mode="trilinear", align_corners=True,
         rtol=1e-4)
    with pytest.raises(NotImplementedError):
        F.interpolate(torchlike.ones(1, 1, 3), scale_factor=2, mode="bilinear")


@pytest.mark.parametrize("mode,padding_mode,align", [("bilinear", "zeros", False), ("bilinear", "border", True),
                                                      ("nearest", "zeros", True),
                                                      ("bilinear", "reflection", False)])
def test_grid_sample(mode, padding_mode, align):
    x = _f(2, 3, 4, 5)
    grid = (R.random((2, 3, 6, 2)) * 2.4 - 1.2).astype(np.float32)
    both(F.grid_sample, TF.grid_sample, x, grid, mode=mode, padding_mode=padding_mode, align_corners=align,
         rtol=1e-4, atol=1e-5, grad=mode == "bilinear")


@pytest.mark.parametrize("size,align", [((2, 3, 4, 5), False), ((2, 3, 4, 5), True), ((2, 1, 3, 4, 2), False)])
def test_affine_grid(size, align):
    theta = _f(2, len(size) - 2, len(size) - 1)
    both(lambda t, **k: F.affine_grid(t, size, **k), lambda t, **k: TF.affine_grid(t, size, **k), theta,
         align_corners=align)


def test_one_hot():
    x = np.array([[0, 2], [1, 3]])
    assert_same(F.one_hot(torchlike.tensor(x)), TF.one_hot(torch.tensor(x)))
    assert_same(F.one_hot(torchlike.tensor(x), 6), TF.one_hot(torch.tensor(x), 6))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(torchlike.tensor([4]), 3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(torchlike.tensor([1.0]))


def test_normalize_cosine_pairwise():
    both(F.normalize, TF.normalize, _f(3, 4), p=2.0, dim=1)
    both(F.normalize, TF.normalize, _f(3, 4, 2), p=1.0, dim=-1)
    both(F.cosine_similarity, TF.cosine_similarity, _f(4, 5), _f(1, 5), dim=1)
    both(F.pairwise_distance, TF.pairwise_distance, _f(4, 5), _f(4, 5), p=1.5, keepdim=True)
    both(F.pdist, TF.pdist, _f(4, 3), rtol=1e-4)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family(name):
    both(getattr(F, name), getattr(TF, name), _f(3, 4, 2), dim=1)
    both(getattr(F, name), getattr(TF, name), _f(3, 4), dim=-1, dtype=torch.float64 if False else None)
    yo = getattr(F, name)(torchlike.tensor(_f(3, 4)), dim=1, dtype=torchlike.float64)
    assert yo.dtype is torchlike.float64
    with pytest.warns(UserWarning, match="Implicit dimension"):
        getattr(F, name)(torchlike.ones(2, 3))


def test_activation_functional_options():
    both(F.gelu, TF.gelu, _f(5), approximate="tanh")
    both(F.elu, TF.elu, _f(5), alpha=0.5)
    both(F.leaky_relu, TF.leaky_relu, _f(5), negative_slope=0.3)
    both(F.hardtanh, TF.hardtanh, _f(5) * 2, min_val=-0.5, max_val=1.5)
    both(F.glu, TF.glu, _f(4, 6), dim=1)
    both(F.prelu, TF.prelu, _f(2, 3, 4), np.array([0.1, 0.2, 0.3], np.float32))
    both(F.threshold, TF.threshold, _f(5), threshold=0.2, value=-1.0)
    x = torchlike.tensor(_f(5))
    y = F.relu_(x.clone())
    assert_same(y, torch.relu(torch.tensor(np.asarray(x._value))))


def test_linear_bilinear_functional():
    both(F.linear, TF.linear, _f(2, 3, 4), _f(5, 4), _f(5))
    both(F.linear, TF.linear, _f(3, 4), _f(5, 4))
    both(F.bilinear, TF.bilinear, _f(3, 2), _f(3, 4), _f(5, 2, 4), _f(5))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(6x3 and 4x5\)"):
        F.linear(torchlike.ones(2, 3, 3), torchlike.ones(5, 4))


def test_embedding_functional_and_errors():
    w = _f(6, 3)
    idx = np.array([[0, 5], [2, 2]])
    yo = F.embedding(torchlike.tensor(idx), torchlike.tensor(w), padding_idx=2)
    yr = TF.embedding(torch.tensor(idx), torch.tensor(w), padding_idx=2)
    assert_same(yo, yr)
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(torchlike.tensor([1.0]), torchlike.tensor(w))


def test_dropout_functional():
    x = torchlike.ones(10, 10)
    assert F.dropout(x, 0.5, training=False) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0
    y = F.dropout1d(torchlike.ones(3, 4, 5), 0.5)
    a = np.asarray(y._value)
    assert np.all(a.min(-1) == a.max(-1))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(torchlike.ones(3), 0.5)
    with pytest.raises(ValueError):
        F.dropout(x, -0.1)


@pytest.mark.parametrize("x64", [True, False])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_keep_mask_statistics(p, x64):
    """Masks use 16 random bits per element (four per 64-bit threefry draw, two per 32-bit one):
    keep rate 1 - p, neighbours independent, new keys give new masks, odd sizes fill every element."""
    import jax
    from torchlike.nn._functional.dropout import keep_mask
    key = jax.random.key_data(jax.random.key(3))
    with jax.enable_x64(x64):
        m = np.asarray(keep_mask(key, p, (601, 333)))  # 200,133 elements: not a multiple of 4
        other = np.asarray(keep_mask(jax.random.fold_in(key, 1), p, (601, 333)))
    n, q = m.size, 1 - p
    sd = np.sqrt(q * p / n)
    assert abs(m.mean() - q) < 5 * sd
    assert abs(m[:, -1].mean() - q) < 5 * np.sqrt(q * p / m.shape[0])  # the last, partial word is used
    flat = m.reshape(-1)
    for lag in (1, 2, 3, 4):  # elements sharing a random word are independent
        assert abs((flat[:-lag] & flat[lag:]).mean() - q * q) < 5 * np.sqrt(q * q * (1 - q * q) / n)
    assert (m != other).mean() > p * q  # a different key gives a different mask


def test_gumbel_softmax():
    torchlike.manual_seed(0)
    logits = torchlike.tensor(_f(4, 5), requires_grad=True)
    y = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(np.asarray(y.detach().sum(-1)._value), 1.0, rtol=1e-5)
    h = F.gumbel_softmax(logits, hard=True)
    a = np.asarray(h.detach()._value)
    assert set(np.unique(a).tolist()) <= {0.0, 1.0} and np.all(a.sum(-1) == 1)
    h.sum().backward()
    assert logits.grad is not None


def test_pixel_channel_shuffle_errors():
    with pytest.raises(RuntimeError, match="divisible by the square"):
        F.pixel_shuffle(torchlike.ones(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError):
        F.channel_shuffle(torchlike.ones(1, 3, 2), 2)


def test_namespace_has_part2_and_core_names():
    for name in ("linear", "relu", "softmax", "cross_entropy", "mse_loss", "batch_norm", "layer_norm", "dropout",
                 "embedding", "pad", "interpolate", "one_hot", "normalize", "conv2d", "max_pool2d"):
        assert hasattr(F, name), name


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kw", [{"size": (5, 4)}, {"size": (30, 7)}, {"scale_factor": 0.37}])
def test_interpolate_antialias_matches_torch(mode, kw):
    """antialias=True: torch's widened triangle / cubic (a=-0.5) kernels when downsampling, plain
    resampling when upsampling; values and input gradients as torch's."""
    x = np.random.default_rng(0).standard_normal((2, 3, 17, 13)).astype(np.float32)
    res = []
    for lib in (torch, torchlike):
        xi = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.interpolate(xi, mode=mode, antialias=True, **kw)
        (y * lib.tensor(np.linspace(-1, 1, y.numel(), dtype=np.float32).reshape(tuple(y.shape)))).sum().backward()
        res.append((y.detach().numpy(), xi.grad.numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        torchlike.nn.functional.interpolate(torchlike.tensor(x), size=(4, 4), mode="nearest", antialias=True)
