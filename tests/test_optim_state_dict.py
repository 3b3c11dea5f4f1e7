"""Optimizer state dicts in torch's layout, and mid-run resumption across the two libraries."""
import copy

import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same
from test_optim import make_data, leaves, feed

CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)),
    ("SGD", dict(lr=0.1)),  # no momentum: torch keeps no per-parameter state at all
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict()),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01)),
    ("ASGD", dict(lr=0.01, t0=5)),
    ("Rprop", dict(lr=0.01)),
]


def _groups(lib, ps, kw):
    return [{"params": ps[:2]}, {"params": ps[2:], "lr": kw.get("lr", 1.0) * 0.5}]


def _to_lib(sd, lib):
    """A state dict with its tensors moved to ``lib`` through numpy."""
    def conv(v):
        if isinstance(v, (torch.Tensor, torchlike.Tensor)):
            return lib.tensor(np.array(v.detach().numpy()))
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v
    return {"state": conv(sd["state"]), "param_groups": copy.deepcopy(sd["param_groups"])}


def _run(lib, name, kw, p0, grads, opt=None, ps=None):
    if ps is None:
        ps = leaves(lib, p0)
        opt = getattr(lib.optim, name)(_groups(lib, ps, kw), **kw)
    for g in grads:
        feed(ps, g, lib)
        opt.step()
    return ps, opt


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_state_dict_layout_and_values(name, kw):
    p0, grads = make_data(2, steps=10)
    _, topt = _run(torch, name, kw, p0, grads)
    _, lopt = _run(torchlike, name, kw, p0, grads)
    tsd, lsd = topt.state_dict(), lopt.state_dict()
    assert lsd["param_groups"] == tsd["param_groups"]
    assert list(lsd["state"]) == list(tsd["state"])
    for i in tsd["state"]:
        assert list(lsd["state"][i]) == list(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            assert_same(lsd["state"][i][k], v)


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("direction", ["torch_to_torchlike", "torchlike_to_torch"])
def test_resume_in_the_other_library(name, kw, direction):
    p0, grads = make_data(5, steps=20)
    first, second = grads[:10], grads[10:]
    src, dst = (torch, torchlike) if direction == "torch_to_torchlike" else (torchlike, torch)
    ref_ps, _ = _run(torch, name, kw, p0, grads)
    mid_ps, mid_opt = _run(src, name, kw, p0, first)
    mid_vals = [np.array(p.detach().numpy()) for p in mid_ps]
    ps = leaves(dst, mid_vals)
    opt = getattr(dst.optim, name)(_groups(dst, ps, kw), **kw)
    opt.load_state_dict(_to_lib(mid_opt.state_dict(), dst))
    ps, opt = _run(dst, name, kw, None, second, opt=opt, ps=ps)
    for a, b in zip(ps, ref_ps):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_load_checks_and_plain_torch_tensors():
    p0, grads = make_data(6, steps=3)
    _, topt = _run(torch, "Adam", {"lr": 0.01}, p0, grads)
    ps = leaves(torchlike, p0)
    opt = torchlike.optim.Adam(_groups(torchlike, ps, {"lr": 0.01}), lr=0.01)
    opt.load_state_dict(topt.state_dict())  # torch tensors straight in, converted through numpy
    assert isinstance(opt.state[ps[0]]["exp_avg"], torchlike.Tensor)
    assert opt.state[ps[0]]["step"].dtype == torchlike.float32 and float(opt.state[ps[0]]["step"]) == 3.0
    one = torchlike.optim.Adam([ps[0]], lr=0.01)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        one.load_state_dict(opt.state_dict())
    bad = copy.deepcopy(_to_lib(opt.state_dict(), torchlike))
    bad["param_groups"][0]["params"] = [0]
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(bad)
