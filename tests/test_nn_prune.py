"""torch.nn.utils.prune against torch: the pruning tutorial's sequence (random, L1, structured,
iterative pruning through a PruningContainer, global pruning, remove) with the same seed."""
import numpy as np
import pytest
import torch
import torch.nn.utils.prune

import torchlike
import torchlike.nn.utils.prune


def _lenet(m):
    class LeNet(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = m.nn.Conv2d(1, 6, 3)
            self.conv2 = m.nn.Conv2d(6, 16, 3)
            self.fc1 = m.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = m.nn.Linear(120, 84)

        def forward(self, x):
            return self.fc2(self.fc1(self.conv2(self.conv1(x)).flatten(1)))
    m.manual_seed(0)
    return LeNet()


def _np(t):
    return np.array(t.detach().numpy())


def _tutorial(m):
    P = m.nn.utils.prune
    model = _lenet(m)
    out = {}
    module = model.conv1
    P.random_unstructured(module, name="weight", amount=0.3)
    P.l1_unstructured(module, name="bias", amount=3)
    out["names"] = sorted(n for n, _ in module.named_parameters()) + sorted(n for n, _ in module.named_buffers())
    out["weight_mask"] = _np(module.weight_mask)
    out["bias"] = _np(module.bias)
    P.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)  # iterative: a PruningContainer now
    hook = next(h for h in module._forward_pre_hooks.values() if h._tensor_name == "weight")
    out["history"] = [type(h).__name__ for h in hook]
    out["weight_after_ln"] = _np(module.weight)
    P.random_structured(model.conv2, "weight", amount=2, dim=1)
    out["conv2_mask"] = _np(model.conv2.weight_mask)
    P.remove(module, "weight")
    out["after_remove"] = sorted(n for n, _ in module.named_parameters())
    out["weight_removed"] = _np(module.weight)
    P.global_unstructured([(model.fc1, "weight"), (model.fc2, "weight"), (model.conv2, "weight")],
                          pruning_method=P.L1Unstructured, amount=0.2)
    out["global_zeros"] = [int((_np(getattr(model, k).weight) == 0).sum()) for k in ("fc1", "fc2", "conv2")]
    out["is_pruned"] = P.is_pruned(model)
    x = m.tensor(np.linspace(-1, 1, 2 * 9 * 9, dtype=np.float32).reshape(2, 1, 9, 9))
    out["forward"] = _np(model(x))
    return out


def test_pruning_tutorial_sequence_matches_torch():
    a, b = _tutorial(torchlike), _tutorial(torch)
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)
        else:
            assert a[k] == b[k], k


@pytest.mark.parametrize("call,exc", [
    (lambda P, lin: P.l1_unstructured(lin, "weight", amount=1.5), ValueError),
    (lambda P, lin: P.l1_unstructured(lin, "weight", amount=-1), ValueError),
    (lambda P, lin: P.l1_unstructured(lin, "weight", amount=100), ValueError),
    (lambda P, lin: P.ln_structured(lin, "bias", amount=1, n=2, dim=0), ValueError),
    (lambda P, lin: P.ln_structured(lin, "weight", amount=1, n=2, dim=5), IndexError),
    (lambda P, lin: P.remove(lin, "weight"), ValueError),
    (lambda P, lin: P.global_unstructured([(lin, "weight")], pruning_method=P.LnStructured, amount=1, n=1,
                                          dim=0), TypeError),
])
def test_pruning_errors_match_torch(call, exc):
    for m in (torchlike, torch):
        with pytest.raises(exc):
            call(m.nn.utils.prune, m.nn.Linear(4, 3))
