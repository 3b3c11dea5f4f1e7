"""torchlike.optim against torch.optim: the same gradient sequence gives the same parameters."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

SHAPES = [(3, 4), (5,), ()]
STEPS = 50

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.05)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("ASGD", dict(lr=0.01, t0=10, lambd=0.01, weight_decay=0.01)),
    ("Rprop", dict(lr=0.01, maximize=True)),
]


def make_data(seed, steps=STEPS, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    p0 = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(steps)]
    return p0, grads


def leaves(lib, arrays):
    return [lib.tensor(a, requires_grad=True) for a in arrays]


def feed(params, grads, lib):
    for p, g in zip(params, grads):
        p.grad = None if g is None else lib.tensor(g)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory_matches_torch(name, kw):
    p0, grads = make_data(0)
    tp, lp = leaves(torch, p0), leaves(torchlike, p0)
    topt, lopt = getattr(torch.optim, name)(tp, **kw), getattr(torchlike.optim, name)(lp, **kw)
    for g in grads:
        feed(tp, g, torch)
        feed(lp, g, torchlike)
        topt.step()
        lopt.step()
    for a, b in zip(lp, tp):
        assert_same(a.detach(), b.detach(), rtol=1e-5, atol=1e-6)
    for i, p in enumerate(tp):
        for k, v in topt.state[p].items():
            ours = lopt.state[lp[i]][k]
            assert_same(ours, v, rtol=1e-5, atol=1e-6)


def test_groups_with_options_scheduler_and_skipped_grads():
    p0, grads = make_data(1)
    sched = lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)  # noqa: E731
    runs = []
    for lib in (torch, torchlike):
        ps = leaves(lib, p0)
        opt = lib.optim.Adam([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05, "amsgrad": True,
                                                    "betas": (0.8, 0.99)}], lr=0.01, weight_decay=0.01)
        s = sched(lib, opt)
        for i, g in enumerate(grads):
            g = [None if (i % 5 == 0 and j == 1) else gj for j, gj in enumerate(g)]  # a skipped parameter
            feed(ps, g, lib)
            opt.step()
            s.step()
            if i == 20:
                opt.param_groups[0]["lr"] = 0.003  # a direct change takes effect at the next step
        runs.append((ps, opt))
    (tp, topt), (lp, lopt) = runs
    for a, b in zip(lp, tp):
        assert_same(a.detach(), b.detach())
    assert float(lopt.state[lp[1]]["step"]) == float(topt.state[tp[1]]["step"]) == 40.0


def test_lr_change_does_not_recompile():
    from torchlike.optim import optimizer as O
    p = torchlike.tensor([1.0, 2.0], requires_grad=True)
    opt = torchlike.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = torchlike.tensor([1.0, 1.0])
    opt.step()
    opt.step()  # second step: the momentum buffer exists now
    fn = O._kernel(torchlike.optim.SGD._make, opt._opts(opt.param_groups[0]))
    n = fn._cache_size()
    for lr in (0.2, 0.3, 0.05):
        opt.param_groups[0]["lr"] = lr
        opt.step()
    assert fn._cache_size() == n


@pytest.mark.parametrize("width,opt_cls,kw,second", [
    (3, torchlike.optim.Adam, dict(lr=1e-3), 0), (4, torchlike.optim.NAdam, dict(lr=1e-3), 0),
    (5, torchlike.optim.ASGD, dict(lr=0.1), 0), (6, torchlike.optim.Adagrad, dict(lr=0.1), 0),
    (7, torchlike.optim.Rprop, dict(lr=0.1), 0),
    (8, torchlike.optim.SGD, dict(lr=0.1, momentum=0.9), 1)])  # the momentum buffer appears in step one, as in torch
def test_eager_training_compiles_only_in_its_first_step(width, opt_cls, kw, second, xla_compiles):
    """Every op, the BatchNorm buffer updates and the optimizer's update compile in the first step and never
    again: state that starts unplaced (``zeros()`` in a fresh buffer, a new ``step`` counter) and comes back
    placed would compile each of them a second time in step two. (Each case has its own width, so that no
    case finds its programs compiled by another.)"""
    nn, F = torchlike.nn, torchlike.nn.functional
    torchlike.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, width, 3), nn.BatchNorm2d(width), nn.ReLU(), nn.Flatten(),
                      nn.Linear(width * 6 * 6, 3))
    opt = opt_cls(m.parameters(), **kw)
    x, y = torchlike.randn(5, 1, 8, 8), torchlike.randint(0, 3, (5,))
    per_step = []
    for _ in range(3):
        del xla_compiles[:]
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        opt.step()
        float(m[1].running_mean.sum())
        per_step.append(len(xla_compiles))
    assert per_step[0] > 0 and per_step[1:] == [second, 0], per_step


def test_step_closure_hooks_and_zero_grad():
    p = torchlike.tensor([1.0, -2.0], requires_grad=True)
    opt = torchlike.optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 5.0 and calls == ["pre", "post"]
    np.testing.assert_allclose(p.detach().numpy(), [0.8, -1.6], rtol=1e-6)
    h1.remove()
    opt.step(closure)
    assert calls == ["pre", "post", "post"]
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and float(p.grad.abs().sum()) == 0.0
    opt.zero_grad()
    assert p.grad is None
    before = p.detach().numpy().copy()
    opt.step()  # no grads: nothing changes
    np.testing.assert_array_equal(p.detach().numpy(), before)


def test_named_params_and_add_param_group():
    a, b = torchlike.zeros(2, requires_grad=True), torchlike.zeros(3, requires_grad=True)
    opt = torchlike.optim.SGD([("a", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a"]
    opt.add_param_group({"params": [("b", b)], "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [("a2", a)]})


@pytest.mark.parametrize("make", [
    lambda lib, p: lib.optim.SGD([p], lr=-0.1),
    lambda lib, p: lib.optim.SGD([p], lr=0.1, momentum=-1),
    lambda lib, p: lib.optim.SGD([p], lr=0.1, nesterov=True),
    lambda lib, p: lib.optim.Adam([p], betas=(1.0, 0.999)),
    lambda lib, p: lib.optim.Adam([p], betas=(0.9, -0.1)),
    lambda lib, p: lib.optim.Adam([p], eps=-1.0),
    lambda lib, p: lib.optim.AdamW([p], weight_decay=-1.0),
    lambda lib, p: lib.optim.RMSprop([p], alpha=-1.0),
    lambda lib, p: lib.optim.Adagrad([p], lr_decay=-1.0),
    lambda lib, p: lib.optim.Adadelta([p], rho=1.5),
    lambda lib, p: lib.optim.Rprop([p], etas=(1.5, 1.2)),
    lambda lib, p: lib.optim.SGD([], lr=0.1),
    lambda lib, p: lib.optim.SGD(p, lr=0.1),
    lambda lib, p: lib.optim.SGD([p, 3.0], lr=0.1),
    lambda lib, p: lib.optim.SGD([p * 2], lr=0.1),
    lambda lib, p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
])
def test_validation_errors_match_torch(make):
    errors = []
    for lib in (torch, torchlike):
        p = lib.zeros(3, requires_grad=True)
        with pytest.raises(Exception) as info:
            make(lib, p)
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1])
    assert str(errors[1]) == str(errors[0]) or type(errors[0]) is TypeError


# ---------------------------------------------------------------------- LBFGS
A = np.random.default_rng(3).standard_normal((8, 3)).astype(np.float32)
B = np.random.default_rng(4).standard_normal(8).astype(np.float32)


def _lbfgs_run(lib, problem, line_search, steps, **kw):
    if problem == "lsq":
        x = lib.tensor(np.zeros(3, np.float32), requires_grad=True)
        a, b = lib.tensor(A), lib.tensor(B)
        f = lambda: ((a @ x - b) ** 2).sum()  # noqa: E731
    else:
        x = lib.tensor(np.array([-1.5, 2.0], np.float32), requires_grad=True)
        f = lambda: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    opt = lib.optim.LBFGS([x], line_search_fn=line_search, **kw)

    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append((np.array(x.detach().numpy()), float(loss.detach()), opt.state[x]["func_evals"], opt.state[x]["n_iter"]))
    return out


@pytest.mark.parametrize("problem,line_search,steps,kw", [
    ("lsq", None, 1, dict(max_iter=5, history_size=4)),
    ("lsq", "strong_wolfe", 1, dict(max_iter=5, history_size=4)),
    ("rosen", None, 6, dict(lr=0.05, max_iter=4, history_size=3)),
    ("rosen", "strong_wolfe", 8, dict(max_iter=2, history_size=5)),
])
def test_lbfgs_iterates_match_torch(problem, line_search, steps, kw):
    ours = _lbfgs_run(torchlike, problem, line_search, steps, **kw)
    ref = _lbfgs_run(torch, problem, line_search, steps, **kw)
    for (x1, l1, fe1, n1), (x2, l2, fe2, n2) in zip(ours, ref):
        np.testing.assert_allclose(x1, x2, rtol=1e-4, atol=1e-5)  # iterates of a nonlinear solve: float32 noise
        np.testing.assert_allclose(l1, l2, rtol=1e-4, atol=1e-6)
        assert (fe1, n1) == (fe2, n2)


def test_lbfgs_rejects_groups():
    a, b = torchlike.zeros(2, requires_grad=True), torchlike.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        torchlike.optim.LBFGS([{"params": [a]}, {"params": [b]}])
