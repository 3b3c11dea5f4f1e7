"""torchlike.optim.lr_scheduler against torch's: the same lr sequence, state dicts and warnings."""
import warnings

import numpy as np
import pytest
import torch

import torchlike

S = "optim.lr_scheduler"


def _sched(lib, name):
    ls = lib.optim.lr_scheduler
    table = {
        "LambdaLR": lambda o: ls.LambdaLR(o, lambda e: 0.95 ** e),
        "MultiplicativeLR": lambda o: ls.MultiplicativeLR(o, lambda e: 0.9),
        "StepLR": lambda o: ls.StepLR(o, step_size=3, gamma=0.5),
        "MultiStepLR": lambda o: ls.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
        "ConstantLR": lambda o: ls.ConstantLR(o, factor=0.25, total_iters=4),
        "LinearLR": lambda o: ls.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6),
        "ExponentialLR": lambda o: ls.ExponentialLR(o, gamma=0.9),
        "PolynomialLR": lambda o: ls.PolynomialLR(o, total_iters=8, power=2.0),
        "CosineAnnealingLR": lambda o: ls.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
        "CosineAnnealingWarmRestarts": lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
        "CyclicLR": lambda o: ls.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2"),
        "CyclicLR-exp": lambda o: ls.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=2,
                                              step_size_down=4, mode="exp_range", gamma=0.9),
        "OneCycleLR": lambda o: ls.OneCycleLR(o, max_lr=0.5, total_steps=25),
        "OneCycleLR-3": lambda o: ls.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=25, three_phase=True,
                                                anneal_strategy="linear"),
        "SequentialLR": lambda o: ls.SequentialLR(o, [ls.LinearLR(o, start_factor=0.1, total_iters=3),
                                                      ls.ExponentialLR(o, gamma=0.8)], milestones=[4]),
        "ChainedScheduler": lambda o: ls.ChainedScheduler([ls.ConstantLR(o, factor=0.5, total_iters=3),
                                                           ls.ExponentialLR(o, gamma=0.9)]),
    }
    return table[name]


NAMES = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
         "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "CyclicLR-exp",
         "OneCycleLR", "OneCycleLR-3", "SequentialLR", "ChainedScheduler"]


def _setup(lib, opt_name="SGD"):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    kw = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(lib.optim, opt_name)([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.1, **kw)
    return opt, (a, b)


def _trace(lib, name, steps=24, opt_name="SGD"):
    opt, ps = _setup(lib, opt_name)
    sched = _sched(lib, name)(opt)
    lrs, moms = [sched.get_last_lr()], []
    for _ in range(steps):
        for p in ps:
            p.grad = lib.ones_like(p)
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        moms.append([g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
    return lrs, moms, sched, opt, ps


@pytest.mark.parametrize("name", NAMES)
def test_lr_sequence_matches_torch(name):
    ours, ours_m, *_ = _trace(torchlike, name)
    ref, ref_m, *_ = _trace(torch, name)
    np.testing.assert_allclose(np.array(ours, float), np.array(ref, float), rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.array(ours_m, float), np.array(ref_m, float), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["OneCycleLR", "CyclicLR"])
def test_momentum_cycling_on_adam_betas(name):
    ours, ours_m, *_ = _trace(torchlike, name, opt_name="Adam")
    ref, ref_m, *_ = _trace(torch, name, opt_name="Adam")
    np.testing.assert_allclose(np.array(ours_m, float), np.array(ref_m, float), rtol=1e-12)


def test_reduce_on_plateau():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    out = []
    for lib in (torch, torchlike):
        opt, _ = _setup(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=[0.0, 0.06])
        seq = []
        for m in metrics:
            s.step(m)
            seq.append(s.get_last_lr())
        out.append(seq)
    assert out[0] == out[1]


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "SequentialLR", "LambdaLR"])
def test_state_dict_roundtrip(name):
    _, _, s, opt, _ = _trace(torchlike, name, steps=7)
    ref_lrs, _, rs, *_ = _trace(torch, name, steps=7)
    sd = s.state_dict()
    assert "optimizer" not in sd
    assert sorted(sd) == sorted(rs.state_dict())
    opt2, _ = _setup(torchlike)
    s2 = _sched(torchlike, name)(opt2)
    s2.load_state_dict(sd)
    assert s2.last_epoch == s.last_epoch and s2.get_last_lr() == s.get_last_lr()


def test_warning_when_scheduler_steps_first():
    for lib in (torch, torchlike):
        opt, _ = _setup(lib)
        s = lib.optim.lr_scheduler.StepLR(opt, 2)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            s.step()
    opt, ps = _setup(torchlike)
    s = torchlike.optim.lr_scheduler.StepLR(opt, 2)
    for p in ps:
        p.grad = torchlike.ones_like(p)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()


@pytest.mark.parametrize("make", [
    lambda ls, o: ls.ConstantLR(o, factor=2.0),
    lambda ls, o: ls.LinearLR(o, start_factor=0.0),
    lambda ls, o: ls.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda ls, o: ls.OneCycleLR(o, max_lr=0.1),
    lambda ls, o: ls.ReduceLROnPlateau(o, factor=1.5),
    lambda ls, o: ls.StepLR(object(), 3),
    lambda ls, o: ls.LambdaLR(o, [lambda e: 1.0]),
])
def test_errors_match_torch(make):
    errs = []
    for lib in (torch, torchlike):
        opt, _ = _setup(lib)
        with pytest.raises(Exception) as info:
            make(lib.optim.lr_scheduler, opt)
        errs.append(info.value)
    assert type(errs[0]) is type(errs[1]) and str(errs[0]) == str(errs[1])


def test_swa_averaged_model_and_swalr():
    out = []
    for lib in (torch, torchlike):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2)
        avg = lib.optim.swa_utils.AveragedModel(m)
        ema = lib.optim.swa_utils.AveragedModel(m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.9))
        opt = lib.optim.SGD(m.parameters(), lr=0.5)
        s = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3)
        lrs = []
        for _ in range(5):
            opt.zero_grad()
            m(lib.ones(4, 3)).sum().backward()
            opt.step()
            s.step()
            avg.update_parameters(m)
            ema.update_parameters(m)
            lrs.append(s.get_last_lr())
        out.append((lrs, avg.module.weight.detach().numpy(), ema.module.bias.detach().numpy(),
                    int(avg.n_averaged), avg(lib.ones(1, 3)).detach().numpy()))
    (l1, w1, b1, n1, y1), (l2, w2, b2, n2, y2) = out
    assert l1 == l2 and n1 == n2 == 5
    np.testing.assert_allclose(w2, w1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b2, b1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y2, y1, rtol=1e-5, atol=1e-5)
