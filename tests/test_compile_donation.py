"""Buffer donation in compiled steps (torchlike/compile/donation.py): by default the state a step writes is
donated to XLA when nothing else holds it, and whatever a user still holds stays valid, with torch's
semantics where torch has them (views follow updates, a held .grad is updated in place or keeps its
values exactly when torch's is)."""
import numpy as np
import pytest
import torch as real_torch

import torchlike as torch
from conftest import assert_same
from torchlike.compile import step as step_mod


@pytest.fixture
def passed_arrays(monkeypatch):
    """The state-value arrays each compiled call handed to XLA (after any private copies)."""
    seen = []
    orig = step_mod._Program.__call__

    def spy(self, inputs, state):
        out = orig(self, inputs, state)
        seen.append(dict(zip(map(id, state), inputs[0])))
        return out
    monkeypatch.setattr(step_mod._Program, "__call__", spy)
    return seen


def _setup(T, donate=None, frozen_head=False):
    T.manual_seed(0)
    w1 = np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32) / 4
    w2 = np.random.default_rng(1).standard_normal((3, 16)).astype(np.float32) / 4
    m = T.nn.Sequential(T.nn.Linear(8, 16), T.nn.ReLU(), T.nn.Linear(16, 3))
    with T.no_grad():
        m[0].weight.copy_(T.tensor(w1))
        m[2].weight.copy_(T.tensor(w2))
        m[0].bias.zero_()
        m[2].bias.zero_()
    if frozen_head:
        m[2].requires_grad_(False)
    opt = T.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=0.1, momentum=0.9)
    x = T.tensor(np.random.default_rng(2).standard_normal((32, 8)).astype(np.float32))
    y = T.tensor(np.arange(32) % 3)

    def step(x, y):
        opt.zero_grad()
        loss = T.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        return loss
    if T is torch:
        step = torch.compile(step, donate=donate)
    return m, opt, (lambda: step(x, y))


@pytest.mark.parametrize("donate", [None, False])
def test_written_state_is_donated_by_default(passed_arrays, donate):
    m, opt, step = _setup(torch, donate=donate, frozen_head=True)
    for _ in range(4):
        step()
    last = passed_arrays[-1]
    written = [m[0].weight, m[0].bias] + [opt.state[p]["momentum_buffer"] for p in m[0].parameters()]
    frozen = [m[2].weight, m[2].bias]
    # a donated input is dead after the call; the frozen head is neither an output nor donated
    assert all(last[id(t)].is_deleted() == (donate is None) for t in written)
    assert not any(last[id(t)].is_deleted() for t in frozen)
    assert all(last[id(t)] is t._value for t in frozen)


def test_held_arrays_stay_valid_with_torch_semantics(passed_arrays):
    """What a user holds across steps: a detached view (follows the parameter, as in torch), the previous
    .grad tensor (keeps its values, as in torch with zero_grad(set_to_none=True)), a NumPy array of a
    parameter (unchanged: JAX arrays are immutable) and a copy made with .to(copy=True)."""
    mods = {}
    for T in (real_torch, torch):
        m, opt, step = _setup(T)
        for _ in range(3):
            step()
        w = m[0].weight
        held = dict(view=w.detach(), grad=w.grad, numpy=w.detach().numpy().copy(), to_copy=w.detach().to("cpu", copy=True))
        if T is torch:
            numpy_view = w.detach().numpy()
        for _ in range(3):
            step()
        mods[T.__name__] = (m, held)
    (m_t, held_t), (m_l, held_l) = mods["torch"], mods["torchlike"]
    np.testing.assert_allclose(m_l[0].weight.detach().numpy(), m_t[0].weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    for k in ("view", "grad", "to_copy"):
        np.testing.assert_allclose(held_l[k].numpy(), held_t[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    np.testing.assert_array_equal(numpy_view, held_l["numpy"])
    # the steps after the view was taken still donated the weight (the view is re-derived, not a holder)
    assert passed_arrays[-1][id(m_l[0].weight)].is_deleted()


def test_array_shared_with_another_tensor_is_copied_not_donated(passed_arrays):
    m, opt, step = _setup(torch)
    for _ in range(3):
        step()
    other = torch.zeros(16, 8)
    other.data = m[0].weight  # shares the array object
    before = other.numpy().copy()
    step()
    assert not other._value.is_deleted()
    np.testing.assert_array_equal(other.numpy(), before)
    assert passed_arrays[-1][id(m[0].weight)] is not other._value  # XLA got a private copy


def test_second_compiled_function_keeps_donation(passed_arrays):
    """An evaluation step compiled beside the training step reads the parameters without writing them:
    they are not its outputs, and the training step still donates them."""
    m, opt, step = _setup(torch)
    evaluate = torch.compile(lambda x: m(x).sum())
    x = torch.ones(2, 8)
    for _ in range(3):
        step()
        before = m[0].weight._value
        evaluate(x)
        assert m[0].weight._value is before
    step()
    assert passed_arrays[-1][id(m[0].weight)].is_deleted()


def _accumulating_run(T, compiled, set_to_none=None):
    """Three steps, then a fourth with a reference to ``.grad`` and a view of it held across it."""
    p = T.ones(3, requires_grad=True)
    opt = T.optim.SGD([p], lr=0.1)

    def step():
        if set_to_none is not None:
            opt.zero_grad(set_to_none=set_to_none)
        (p * p).sum().backward()
        opt.step()
    step = torch.compile(step) if compiled else step
    for _ in range(3):
        step()
    held = p.grad
    view, version = held[1:], held._version
    step()
    return p, held, view, held._version - version


@pytest.mark.parametrize("set_to_none", [None, False, True])
def test_held_grad_follows_the_step_as_in_torch(set_to_none):
    """A step that accumulates into ``.grad`` (no zero_grad, or zero_grad(set_to_none=False)) updates the
    very tensor the user holds, as torch's AccumulateGrad does in place (a held reference and its views see
    the new values, its version counts the writes); after zero_grad() the step makes a new ``.grad`` and
    the held one keeps the old values. The held grad's array is donated only when nothing else holds it."""
    p, held, view, bumps = _accumulating_run(torch, True, set_to_none)
    rp, rheld, rview, rbumps = _accumulating_run(real_torch, False, set_to_none)
    assert (held is p.grad) == (rheld is rp.grad) == (set_to_none is not True)
    assert_same(held, rheld)
    assert_same(view, rview)
    assert_same(p.grad, rp.grad)
    assert_same(p.detach(), rp.detach())
    assert bumps == rbumps
