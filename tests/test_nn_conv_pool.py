"""Conv, transposed conv, fold/unfold and pooling layers against torch: outputs, input and
parameter gradients after copying the weights through state_dict, reprs and error types."""
import numpy as np
import pytest
import torch

import torchlike
import torchlike.nn as nn
import torchlike.nn.functional as F
from conftest import assert_same


def _copy(ours, ref):
    ours.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})


def _run_pair(ours, ref, x, rtol=1e-4, atol=1e-5):
    """Forward + backward of a module pair on the same input; compares output and all grads."""
    xt = torch.tensor(x, requires_grad=True)
    xl = torchlike.tensor(x, requires_grad=True)
    yt, yl = ref(xt), ours(xl)
    if isinstance(yt, tuple):
        assert_same(yl[1], yt[1])
        yt, yl = yt[0], yl[0]
    assert_same(yl, yt, rtol, atol)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(x.dtype)
    (yt * torch.tensor(g)).sum().backward()
    (yl * torchlike.tensor(g)).sum().backward()
    assert_same(xl.grad, xt.grad, rtol, atol)
    pt = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert_same(p.grad, pt[name].grad, rtol, atol)


@pytest.mark.parametrize("nd,kw", [
    (2, dict(in_channels=4, out_channels=6, kernel_size=3)),
    (2, dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2), groups=2)),
    (2, dict(in_channels=4, out_channels=4, kernel_size=3, padding="same", dilation=2, groups=4, bias=False)),
    (2, dict(in_channels=4, out_channels=6, kernel_size=3, padding=2, padding_mode="reflect")),
    (2, dict(in_channels=4, out_channels=6, kernel_size=3, padding=(1, 2), padding_mode="circular")),
    (1, dict(in_channels=4, out_channels=3, kernel_size=4, padding="same", padding_mode="replicate")),
    (1, dict(in_channels=4, out_channels=2, kernel_size=3, stride=2, padding="valid")),
    (3, dict(in_channels=4, out_channels=2, kernel_size=2, stride=(1, 2, 1), padding=1)),
    # the CPU routes: grouped convs split per group, 3-d as 2-d convs per depth tap, 1-d depthwise as 2-d
    (2, dict(in_channels=4, out_channels=8, kernel_size=3, padding=1, groups=2, dilation=(2, 1))),
    (3, dict(in_channels=4, out_channels=4, kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1),
             dilation=(2, 1, 1), groups=2)),
    (1, dict(in_channels=4, out_channels=8, kernel_size=3, stride=2, padding=1, groups=4)),
])
def test_conv_module(nd, kw, rng):
    torch.manual_seed(0)
    ref = getattr(torch.nn, f"Conv{nd}d")(**kw)
    ours = getattr(nn, f"Conv{nd}d")(**kw)
    _copy(ours, ref)
    assert repr(ours) == repr(ref)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    x = rng.standard_normal((2, 4) + (7, 6, 5)[:nd]).astype(np.float32)
    _run_pair(ours, ref, x)
    ref.zero_grad(set_to_none=True)
    ours.zero_grad(set_to_none=True)
    _run_pair(ours.double(), ref.double(), x.astype(np.float64), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("nd,kw,out_size", [
    (2, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1, groups=2), None),
    (2, dict(in_channels=4, out_channels=3, kernel_size=(2, 3), stride=(3, 2), dilation=2, bias=False), None),
    (2, dict(in_channels=4, out_channels=3, kernel_size=3, stride=2, padding=1), (14, 12)),
    (1, dict(in_channels=4, out_channels=2, kernel_size=5, stride=3, padding=3), None),
    (3, dict(in_channels=4, out_channels=2, kernel_size=2, stride=2), None),
    (2, dict(in_channels=4, out_channels=3, kernel_size=4, stride=2, padding=1, bias=False), None),  # DCGAN's
])
def test_conv_transpose_module(nd, kw, out_size, rng):
    torch.manual_seed(0)
    ref = getattr(torch.nn, f"ConvTranspose{nd}d")(**kw)
    ours = getattr(nn, f"ConvTranspose{nd}d")(**kw)
    _copy(ours, ref)
    assert repr(ours) == repr(ref)
    x = rng.standard_normal((2, 4) + (7, 6, 5)[:nd]).astype(np.float32)
    if out_size is None:
        _run_pair(ours, ref, x)
        ref.zero_grad(set_to_none=True)
        ours.zero_grad(set_to_none=True)
        # float64 too: on CPU the backward is written out
        _run_pair(ours.double(), ref.double(), x.astype(np.float64), rtol=1e-10, atol=1e-10)
    else:
        yt = ref(torch.tensor(x), output_size=out_size)
        yl = ours(torchlike.tensor(x), output_size=out_size)
        assert_same(yl, yt, 1e-4, 1e-5)


@pytest.mark.parametrize("shape,kw,lowering", [
    ((3, 1, 28, 28), dict(in_channels=1, out_channels=10, kernel_size=5), "banded"),  # MNIST's first layer
    ((3, 10, 12, 12), dict(in_channels=10, out_channels=20, kernel_size=5), "banded"),  # MNIST's second
    ((2, 3, 16, 13), dict(in_channels=3, out_channels=6, kernel_size=(3, 5), stride=(2, 3), dilation=(1, 2)), "banded"),
    ((2, 6, 14, 14), dict(in_channels=6, out_channels=16, kernel_size=5), "banded"),  # LeNet's second: a partial block
    ((2, 2, 11, 17), dict(in_channels=2, out_channels=3, kernel_size=(4, 6), dilation=(2, 1), bias=False), "banded"),
    ((2, 3, 9, 23), dict(in_channels=3, out_channels=4, kernel_size=(2, 5), stride=2), "banded"),  # strided, partial
    ((2, 1, 9, 9), dict(in_channels=1, out_channels=4, kernel_size=3, padding=1, stride=2), "patches"),  # 1-channel
    ((2, 1, 12, 11), dict(in_channels=1, out_channels=3, kernel_size=3, padding=2, dilation=2), "patches"),
    ((2, 64, 2, 2), dict(in_channels=64, out_channels=32, kernel_size=3, padding=1), "patches"),  # tiny output
    ((2, 256, 7, 7), dict(in_channels=256, out_channels=8, kernel_size=3, padding=1, stride=2), "patches"),
    ((2, 8, 6, 6), dict(in_channels=8, out_channels=8, kernel_size=3, padding=1), "xla"),
    # one input channel but a 12x12 kernel: 144 slices compile slowly, so XLA's convolution
    ((1, 1, 14, 14), dict(in_channels=1, out_channels=3, kernel_size=12, padding=6), "xla"),
])
def test_conv2d_cpu_lowerings(shape, kw, lowering, rng):
    """The CPU-only lowerings of 2-d convs (banded GEMM, shifted slices) match torch, and are chosen
    where they were measured to pay."""
    from torchlike.nn._functional import conv_cpu as conv_impl
    torch.manual_seed(0)
    ref, ours = torch.nn.Conv2d(**kw), nn.Conv2d(**kw)
    pads = ((kw.get("padding", 0),) * 2,) * 2
    banded = conv_impl._banded_pays(shape, tuple(ours.weight.shape), pads)
    patches = conv_impl._patches_pay(shape, tuple(ours.weight.shape), ours.stride, pads, ours.dilation)
    assert (banded, not banded and patches) == (lowering == "banded", lowering == "patches")
    _copy(ours, ref)
    _run_pair(ours, ref, rng.standard_normal(shape).astype(np.float32), atol=1e-4)  # grads sum ~2k terms of ~50
    ref.zero_grad(set_to_none=True)
    ours.zero_grad(set_to_none=True)
    _run_pair(ours.double(), ref.double(), rng.standard_normal(shape), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("shape,kw", [
    ((2, 4, 9, 8), dict(kernel_size=3, padding=1)),
    ((2, 4, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 10, 11), dict(kernel_size=(3, 2), stride=(2, 1), dilation=(2, 1), padding=(2, 0))),
    ((2, 3, 8, 8), dict(kernel_size=4, padding="same")),  # asymmetric padding (1, 2)
    ((1, 2, 7, 7), dict(kernel_size=3, stride=3, out_channels=6)),  # channel multiplier 3
    ((2, 4, 6, 6), dict(kernel_size=3, padding=1, padding_mode="reflect")),
])
def test_depthwise_conv2d(shape, kw, rng):
    """Depthwise convs (groups == in_channels; on CPU the shifted multiply-add lowering with its own
    backward) match torch's values and gradients in float32 and float64."""
    from torchlike.nn._functional import conv_cpu
    kw = dict(kw)
    c = shape[1]
    kw.setdefault("out_channels", c)
    torch.manual_seed(0)
    ref, ours = torch.nn.Conv2d(c, groups=c, **kw), nn.Conv2d(c, groups=c, **kw)
    x = torchlike.randn(*shape)
    assert conv_cpu.cpu_lowering(x._value, ours.weight._value, ours.stride, ((0, 0), (0, 0)), ours.dilation,
                                 c) == "depthwise"
    _copy(ours, ref)
    _run_pair(ours, ref, rng.standard_normal(shape).astype(np.float32), atol=1e-5)
    ref.zero_grad(set_to_none=True)
    ours.zero_grad(set_to_none=True)
    _run_pair(ours.double(), ref.double(), rng.standard_normal(shape), rtol=1e-10, atol=1e-10)


def test_conv_unbatched_and_float64(rng):
    x = rng.standard_normal((3, 8, 8))
    w = rng.standard_normal((5, 3, 3, 3))
    assert_same(F.conv2d(torchlike.tensor(x), torchlike.tensor(w), stride=2),
                torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=2), 1e-10, 1e-10)


def test_conv_errors():
    # seed002_layers_verbatim: 1-channel conv applied to a 2-channel input
    x = torchlike.relu(torchlike.randn(2, 2, 3, 3))
    conv1 = nn.Conv2d(1, 64, kernel_size=32, padding=16)
    with pytest.raises(RuntimeError, match="expected input\\[2, 2, 3, 3\\] to have 1 channels, but got 2"):
        conv1(x)
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        nn.Conv2d(2, 3, 5)(torchlike.randn(1, 2, 3, 3))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        nn.Conv2d(2, 3, 1)(torchlike.randn(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 1, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(RuntimeError):
        F.conv2d(torchlike.randn(1, 2, 5, 5), torchlike.randn(3, 2, 3, 3, dtype=torchlike.float64))
    with pytest.raises(RuntimeError):
        torch.nn.functional.conv2d(torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3, dtype=torch.float64))


def test_fold_unfold(rng):
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    kw = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2)
    ref, ours = torch.nn.Unfold(**kw), nn.Unfold(**kw)
    assert repr(ours) == repr(ref)
    _run_pair(ours, ref, x)
    cols = rng.standard_normal((2, 18, 15)).astype(np.float32)
    ref, ours = torch.nn.Fold((9, 8), **kw), nn.Fold((9, 8), **kw)
    assert repr(ours) == repr(ref)
    _run_pair(ours, ref, cols)
    with pytest.raises(RuntimeError):
        F.fold(torchlike.randn(2, 18, 14), (9, 8), **kw)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("cls,args,kw", [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3, 2, 1), dict(return_indices=True)),
    ("MaxPool2d", ((3, 2), (2, 1), (1, 0)), dict(dilation=(1, 2), ceil_mode=True, return_indices=True)),
    ("MaxPool2d", (2,), dict(ceil_mode=True)),
    ("MaxPool1d", (3, 2, 1), dict(return_indices=True)),
    ("MaxPool3d", ((1, 2, 2),), dict(return_indices=True)),
])
def test_max_pool(cls, args, kw, ties, rng):
    nd = int(cls[-2])
    x = rng.standard_normal((2, 3) + (9, 8, 7)[:nd]).astype(np.float32)
    if ties:  # ReLU-like inputs: many equal maxima; torch's gradient goes to the first
        x = np.maximum(x, 0).round(1)
    ref, ours = getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw)
    assert repr(ours) == repr(ref)
    _run_pair(ours, ref, x)


@pytest.mark.parametrize("cls,args,kw", [
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 2, 1), dict(ceil_mode=True)),
    ("AvgPool2d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
    ("AvgPool2d", ((3, 2), 2), dict(divisor_override=5)),
    ("AvgPool1d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
    ("AvgPool3d", (2, 1, 1), {}),
    ("AdaptiveAvgPool2d", ((3, 4),), {}),
    ("AdaptiveAvgPool2d", ((None, 4),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool1d", (5,), {}),
    ("AdaptiveAvgPool3d", ((2, 3, 5),), {}),
    ("AdaptiveMaxPool2d", ((4, 3),), dict(return_indices=True)),
    ("AdaptiveMaxPool1d", (5,), {}),
    ("LPPool2d", (2, 3, 2), {}),
    ("LPPool1d", (1.5, 3), dict(ceil_mode=True)),
])
def test_other_pools(cls, args, kw, rng):
    nd = int(cls[-2])
    x = np.abs(rng.standard_normal((2, 3) + (9, 8, 7)[:nd])).astype(np.float32)
    ref, ours = getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw)
    assert repr(ours) == repr(ref)
    _run_pair(ours, ref, x)


def test_max_unpool(rng):
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    yl, il = F.max_pool2d(torchlike.tensor(x), 2, return_indices=True)
    assert_same(il, it)
    for out_size in (None, (9, 8)):
        ref, ours = torch.nn.MaxUnpool2d(2), nn.MaxUnpool2d(2)
        assert repr(ours) == repr(ref)
        assert_same(ours(yl, il, output_size=out_size), ref(yt, it, output_size=out_size))
    # unpool grads flow back to the pooled values
    v = torchlike.tensor(yt.numpy(), requires_grad=True)
    nn.MaxUnpool2d(2)(v, il).sum().backward()
    assert_same(v.grad, torch.ones_like(yt))


def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(torchlike.randn(1, 1, 5, 5), 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(torchlike.randn(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError):
        torch.nn.functional.max_pool2d(torch.randn(1, 1, 2, 2), 3)


def test_fractional_max_pool2d_matches_torch_under_seed():
    import numpy as np
    import torch
    import torchlike
    x = np.random.default_rng(0).standard_normal((2, 3, 11, 9)).astype(np.float32)

    def run(m, **kw):
        m.manual_seed(5)
        xs = m.tensor(x, requires_grad=True)
        out, idx = m.nn.functional.fractional_max_pool2d(xs, 3, return_indices=True, **kw)
        (out * m.arange(out.numel(), dtype=m.float32).reshape(out.shape)).sum().backward()
        return out, idx, xs.grad
    for kw in [dict(output_size=(5, 4)), dict(output_ratio=(0.5, 0.5))]:
        ours, ref = run(torchlike, **kw), run(torch, **kw)
        for a, b in zip(ours, ref):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
    m = torchlike.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 0.5))
    assert tuple(m(torchlike.randn(1, 2, 8, 8)).shape) == (1, 2, 4, 4)
