"""Helpers for the nn tests: copy torch weights into torchlike modules, run both, compare."""
import torch

import torchlike
from conftest import assert_same


def copy_weights(ours, ref):
    sd = {k: torchlike.tensor(v.detach().cpu().numpy()) for k, v in ref.state_dict().items()}
    ours.load_state_dict(sd)


def run_both(ours, ref, *arrays, grad=True, rtol=1e-5, atol=1e-5, reduce=lambda y: y.sum(), train=True):
    """Forward both modules on the same numpy inputs; compare outputs, input and parameter grads."""
    ours.train(train)
    ref.train(train)
    xs_o = [torchlike.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    xs_r = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    yo, yr = ours(*xs_o), ref(*xs_r)
    assert_same(yo, yr, rtol=rtol, atol=atol)
    if grad:
        reduce(yo).backward()
        reduce(yr).backward()
        for a, b in zip(xs_o, xs_r):
            if b.grad is not None:
                assert_same(a.grad, b.grad, rtol=rtol, atol=atol)
        po, pr = dict(ours.named_parameters()), dict(ref.named_parameters())
        assert po.keys() == pr.keys()
        for k in pr:
            if pr[k].grad is not None:
                assert_same(po[k].grad, pr[k].grad, rtol=rtol, atol=atol)
    return yo, yr
