"""torchlike.vision.models: torchvision's parameter names and counts, and a checkpoint saved by
torch (weights generated in torch under torchvision's key names) loaded from the hub cache gives
torch's output."""
import os
import urllib.request

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlike
from torchlike.vision import models
from conftest import assert_same

# torchvision's documented parameter counts
_COUNTS = {"resnet18": 11689512,  # vgg11 132863336 and alexnet 61100840 also match; slow to build here
           "mobilenet_v2": 3504872, "squeezenet1_0": 1248424}


@pytest.mark.parametrize("name", sorted(_COUNTS))
def test_parameter_counts(name):
    m = getattr(models, name)()
    assert sum(p.numel() for p in m.parameters()) == _COUNTS[name]


def test_resnet_key_names():
    keys = set(models.resnet18().state_dict())
    for k in ("conv1.weight", "bn1.running_var", "bn1.num_batches_tracked", "layer1.0.conv2.weight",
              "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias",
              "fc.weight", "fc.bias"):
        assert k in keys
    assert len(keys) == 122


def _torch_resnet18(sd, x):
    def bn(t, p):
        return TF.batch_norm(t, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"], sd[p + ".bias"],
                             False, 0.0, 1e-5)

    x = TF.relu(bn(TF.conv2d(x, sd["conv1.weight"], stride=2, padding=3), "bn1"))
    x = TF.max_pool2d(x, 3, 2, 1)
    for li, stride in zip(range(1, 5), (1, 2, 2, 2)):
        for b in range(2):
            p = f"layer{li}.{b}"
            s = stride if b == 0 else 1
            out = TF.relu(bn(TF.conv2d(x, sd[p + ".conv1.weight"], stride=s, padding=1), p + ".bn1"))
            out = bn(TF.conv2d(out, sd[p + ".conv2.weight"], padding=1), p + ".bn2")
            idn = x
            if p + ".downsample.0.weight" in sd:
                idn = bn(TF.conv2d(x, sd[p + ".downsample.0.weight"], stride=s), p + ".downsample.1")
            x = TF.relu(out + idn)
    x = TF.adaptive_avg_pool2d(x, 1).flatten(1)
    return TF.linear(x, sd["fc.weight"], sd["fc.bias"])


def test_pretrained_resnet18_from_hub_cache_matches_torch(tmp_path, monkeypatch):
    shapes = {k: tuple(v.shape) for k, v in models.resnet18().state_dict().items()}
    g = torch.Generator().manual_seed(0)
    sd = {}
    for k, s in shapes.items():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(0)
        elif k.endswith("running_var"):
            sd[k] = torch.rand(s, generator=g) + 0.5
        elif k.endswith(".weight") and len(s) == 1:
            sd[k] = torch.rand(s, generator=g) + 0.5
        else:
            fan = int(np.prod(s[1:])) if len(s) > 1 else 1
            sd[k] = torch.randn(s, generator=g) / np.sqrt(fan)
    ckpt = tmp_path / "hub" / "checkpoints"
    ckpt.mkdir(parents=True)
    torch.save(sd, ckpt / "resnet18-f37072fd.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: (_ for _ in ()).throw(AssertionError("net")))
    with pytest.warns(UserWarning, match="pretrained"):
        model = models.resnet18(pretrained=True)
    model.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torchlike.no_grad():
        ours = model(torchlike.tensor(x))
    ref = _torch_resnet18(sd, torch.tensor(x))
    assert_same(ours, ref, rtol=1e-4, atol=1e-4)
    same = models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1)
    assert_same(same.fc.weight, sd["fc.weight"])


def test_missing_checkpoint_offline_error_names_path(tmp_path, monkeypatch):
    import urllib.error

    def offline(*a, **k):
        raise urllib.error.URLError("offline")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(RuntimeError) as ei:
        models.alexnet(weights="IMAGENET1K_V1")
    assert os.path.join(str(tmp_path), "hub", "checkpoints", "alexnet-owt-7be5be79.pth") in str(ei.value)
    with pytest.raises(ValueError):
        models.resnet18(weights="NOPE")
