"""Losses (modules and functional) against torch: values and input gradients for each reduction,
weights, ignore_index, label smoothing, K-dim inputs; errors and broadcasting warnings."""
import warnings

import numpy as np
import pytest
import torch

import torchlike
import torchlike.nn as nn
from conftest import assert_same

R = np.random.default_rng(1)


def _f(*s):
    return R.standard_normal(s).astype(np.float32)


def _compare(make, arrays, rtol=1e-5, atol=1e-6, n_grad=1):
    """make(nn) -> module; arrays: numpy inputs (the first ``n_grad`` get gradients)."""
    lo, lr = make(nn), make(torch.nn)
    xo = [torchlike.tensor(a, requires_grad=i < n_grad) for i, a in enumerate(arrays)]
    xr = [torch.tensor(a, requires_grad=i < n_grad) for i, a in enumerate(arrays)]
    yo, yr = lo(*xo), lr(*xr)
    assert_same(yo, yr, rtol=rtol, atol=atol)
    if yr.requires_grad:
        yo.sum().backward()
        yr.sum().backward()
        for a, b in zip(xo, xr):
            if b.grad is not None:
                assert_same(a.grad, b.grad, rtol=rtol, atol=atol)


def _probs(*s):
    return (1 / (1 + np.exp(-_f(*s)))).astype(np.float32)


def _sign(*s):
    return np.sign(_f(*s)).astype(np.float32)


W4 = np.array([0.2, 1.0, 0.5, 2.0], np.float32)


def _t(L, a):
    return L.tensor(a)


CASES = {
    "l1": (lambda n: n.L1Loss(), lambda: [_f(3, 4), _f(3, 4)]),
    "mse_sum": (lambda n: n.MSELoss(reduction="sum"), lambda: [_f(3, 4), _f(3, 4)]),
    "mse_none": (lambda n: n.MSELoss(reduction="none"), lambda: [_f(3, 4), _f(3, 4)]),
    "ce": (lambda n: n.CrossEntropyLoss(), lambda: [_f(5, 4), np.array([0, 3, 1, 2, 1])]),
    "ce_1d": (lambda n: n.CrossEntropyLoss(), lambda: [_f(4), np.array(2)]),
    "ce_w_ignore": (lambda n: n.CrossEntropyLoss(weight=_t(n is nn and torchlike or torch, W4), ignore_index=1),
                    lambda: [_f(5, 4), np.array([0, 3, 1, 2, 1])]),
    "ce_smooth_kdim": (lambda n: n.CrossEntropyLoss(label_smoothing=0.15, reduction="none"),
                       lambda: [_f(2, 4, 3, 2), R.integers(0, 4, (2, 3, 2))]),
    "ce_smooth_w": (lambda n: n.CrossEntropyLoss(weight=_t(n is nn and torchlike or torch, W4), label_smoothing=0.2,
                                                 ignore_index=0),
                    lambda: [_f(6, 4), np.array([0, 3, 1, 2, 1, 3])]),
    "ce_probs": (lambda n: n.CrossEntropyLoss(label_smoothing=0.1, weight=_t(n is nn and torchlike or torch, W4)),
                 lambda: [_f(3, 4), _probs(3, 4)]),
    "nll": (lambda n: n.NLLLoss(reduction="sum"), lambda: [_f(4, 3), np.array([0, 2, 1, 2])]),
    "nll_kdim": (lambda n: n.NLLLoss(), lambda: [_f(2, 3, 4), R.integers(0, 3, (2, 4))]),
    "bce": (lambda n: n.BCELoss(), lambda: [_probs(3, 4), _probs(3, 4)]),
    "bce_w": (lambda n: n.BCELoss(weight=_t(n is nn and torchlike or torch, W4), reduction="none"),
              lambda: [_probs(3, 4), _probs(3, 4)]),
    "bce_logits": (lambda n: n.BCEWithLogitsLoss(pos_weight=_t(n is nn and torchlike or torch, W4)),
                   lambda: [_f(3, 4) * 3, _probs(3, 4)]),
    "kl": (lambda n: n.KLDivLoss(reduction="batchmean"), lambda: [np.log(_probs(3, 4)), _probs(3, 4)]),
    "kl_log": (lambda n: n.KLDivLoss(reduction="sum", log_target=True), lambda: [_f(3, 4), _f(3, 4)]),
    "smooth_l1": (lambda n: n.SmoothL1Loss(beta=0.5), lambda: [_f(3, 4), _f(3, 4)]),
    "huber": (lambda n: n.HuberLoss(delta=0.7, reduction="sum"), lambda: [_f(3, 4), _f(3, 4)]),
    "soft_margin": (lambda n: n.SoftMarginLoss(), lambda: [_f(3, 4), _sign(3, 4)]),
    "mlsm": (lambda n: n.MultiLabelSoftMarginLoss(weight=_t(n is nn and torchlike or torch, W4)),
             lambda: [_f(3, 4), (_f(3, 4) > 0).astype(np.float32)]),
    "margin_rank": (lambda n: n.MarginRankingLoss(margin=0.3), lambda: [_f(5), _f(5), _sign(5)]),
    "hinge": (lambda n: n.HingeEmbeddingLoss(margin=0.5), lambda: [_f(3, 4), _sign(3, 4)]),
    "cos_emb": (lambda n: n.CosineEmbeddingLoss(margin=0.1), lambda: [_f(4, 5), _f(4, 5), _sign(4)]),
    "triplet": (lambda n: n.TripletMarginLoss(margin=0.5, swap=True), lambda: [_f(4, 5), _f(4, 5), _f(4, 5)]),
    "triplet_dist": (lambda n: n.TripletMarginWithDistanceLoss(), lambda: [_f(4, 5), _f(4, 5), _f(4, 5)]),
    "multi_margin": (lambda n: n.MultiMarginLoss(p=2, margin=0.8), lambda: [_f(4, 5), np.array([0, 4, 2, 1])]),
    "multilabel_margin": (lambda n: n.MultiLabelMarginLoss(),
                          lambda: [_f(2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])]),
    "poisson": (lambda n: n.PoissonNLLLoss(full=True), lambda: [_f(3, 4), np.abs(_f(3, 4)) * 3]),
    "poisson_lin": (lambda n: n.PoissonNLLLoss(log_input=False), lambda: [_probs(3, 4), np.abs(_f(3, 4))]),
    "gaussian": (lambda n: n.GaussianNLLLoss(full=True), lambda: [_f(3, 4), _f(3, 4), _probs(3, 4)]),
    "gaussian_hetero": (lambda n: n.GaussianNLLLoss(reduction="none"), lambda: [_f(3, 4), _f(3, 4), _probs(3, 1)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_matches_torch(name):
    make, arrays = CASES[name]
    n_grad = {"triplet": 3, "triplet_dist": 3, "margin_rank": 2, "cos_emb": 2, "gaussian": 3, "l1": 2}.get(name, 1)
    _compare(make, arrays(), rtol=1e-4, atol=1e-5, n_grad=n_grad)


def test_ctc_loss_matches_torch():
    T, N, C = 6, 2, 4
    lp = np.log(np.exp(_f(T, N, C)) / np.exp(_f(T, N, C)).sum(-1, keepdims=True) + 1e-3).astype(np.float32)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    targets = np.array([[1, 2, 2], [3, 1, 0]])
    il, tl = np.array([6, 5]), np.array([3, 2])
    for red in ("mean", "none"):
        xo, xr = torchlike.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        yo = nn.functional.ctc_loss(xo, torchlike.tensor(targets), torchlike.tensor(il), torchlike.tensor(tl),
                                    reduction=red)
        yr = torch.nn.functional.ctc_loss(xr, torch.tensor(targets), torch.tensor(il), torch.tensor(tl),
                                          reduction=red)
        assert_same(yo, yr, rtol=1e-4, atol=1e-5)
        yo.sum().backward()
        yr.sum().backward()
        # torch's CTC gradient is w.r.t. log_probs assuming they are normalised; compare where it is defined
        assert_same(xo.grad, xr.grad, rtol=1e-3, atol=1e-4)


def test_loss_errors_and_warnings_match_torch():
    def err(L, fn):
        try:
            fn(L)
        except Exception as e:  # noqa: BLE001
            return type(e), str(e).replace("torchlike", "torch")
        return None
    F = "nn.functional"
    cases = [
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 4])),
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1])),
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0.0, 1.0, 1.0])),
        lambda L: L.nn.functional.nll_loss(L.zeros(3, 4, 5), L.tensor([0, 1, 2])),
        lambda L: L.nn.functional.binary_cross_entropy(L.ones(3) * 0.5, L.ones(3, 1)),
        lambda L: L.nn.functional.binary_cross_entropy(L.ones(3) * 2, L.ones(3)),
        lambda L: L.nn.functional.binary_cross_entropy_with_logits(L.ones(3), L.ones(3, 1)),
        lambda L: L.nn.functional.mse_loss(L.ones(3), L.ones(3), reduction="foo"),
        lambda L: L.nn.functional.mse_loss(L.ones(3, 4), L.ones(3, 5)),
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 2]), label_smoothing=1.5),
    ]
    del F
    for c in cases:
        eo, er = err(torchlike, c), err(torch, c)
        assert eo is not None and eo == er, (eo, er)
    for L in (torchlike, torch):
        with pytest.warns(UserWarning, match="target size"):
            L.nn.functional.mse_loss(L.ones(3, 4), L.ones(4))


def test_cross_entropy_all_ignored_is_nan_and_grad_fn():
    y = nn.functional.cross_entropy(torchlike.zeros(2, 3, requires_grad=True), torchlike.tensor([-100, -100]))
    assert np.isnan(float(y.detach()))
    assert y.grad_fn.name() == "NllLossBackward0"


def test_legacy_size_average_reduce():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.MSELoss(size_average=False).reduction == torch.nn.MSELoss(size_average=False).reduction
        assert nn.L1Loss(reduce=False).reduction == torch.nn.L1Loss(reduce=False).reduction


def test_linear_cross_entropy_matches_torch():
    import numpy as np
    import torch
    import torchlike
    from conftest import assert_same
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(6, 4), (5, 4), (5,)])
    t = np.array([0, 4, 2, 1, 3, 0])

    def run(m):
        xs, ws = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        loss = m.nn.functional.linear_cross_entropy(xs, ws, m.tensor(t), linear_bias=m.tensor(b),
                                                    label_smoothing=0.1)
        loss.backward()
        return loss, xs.grad, ws.grad
    assert_same(run(torchlike), run(torch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_gradients_at_saturated_probabilities_match_torch(reduction, weighted):
    """Probabilities of exactly 0 or 1 (a saturated sigmoid) give torch's finite input gradients
    ((x - t) / max(x (1 - x), 1e-12)), not nan, and torch's target gradients."""
    x = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.999]], np.float32)
    t = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.2]], np.float32)
    w = np.array([1.0, 2.0, 0.5], np.float32)
    outs = []
    for lib in (torch, torchlike):
        xi, ti = lib.tensor(x, requires_grad=True), lib.tensor(t, requires_grad=True)
        kw = {"weight": lib.tensor(w)} if weighted else {}
        loss = lib.nn.functional.binary_cross_entropy(xi, ti, reduction=reduction, **kw)
        loss.sum().backward()
        outs.append([loss.detach().numpy(), xi.grad.numpy(), ti.grad.numpy()])
    for a, b in zip(outs[1], outs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
