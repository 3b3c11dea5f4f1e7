"""The autograd engine against torch: accumulation, retain_grad, autograd.grad, higher order,
hooks, grad modes, custom Functions, torch's errors, and running under jax.jit."""
import gc

import jax
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def both(fn):
    return fn(torchlike), fn(torch)


def test_leaf_grad_accumulates():
    def run(m):
        x = m.tensor(X, requires_grad=True)
        (x * x).sum().backward()
        (x.exp()).sum().backward()
        return x.grad
    assert_same(*both(run))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_grad_accumulates_in_place_into_the_existing_grad_tensor():
    """torch's AccumulateGrad adds into the existing .grad in place (a held reference and its views see
    the sum, the version counter counts it), also for backward(inputs=...); under create_graph=True the sum
    is a new tensor, and a retained non-leaf grad is replaced, not updated."""
    def run(m):
        x = m.tensor(X, requires_grad=True)
        (x * x).sum().backward()
        held = x.grad
        view, version = held[0], held._version
        x.exp().sum().backward()
        x.sin().sum().backward(inputs=[x])
        same = x.grad is held
        y = x * 2
        y.retain_grad()
        y.sum().backward(retain_graph=True)
        y_held = y.grad
        (y * y).sum().backward(retain_graph=True)
        graph_held = x.grad
        (x * x).sum().backward(create_graph=True)
        return same, held._version - version, held, view, y.grad is y_held, x.grad is graph_held, x.grad
    ours, ref = both(run)
    assert ours[0] is ref[0] is True
    assert ours[1] == ref[1]
    assert_same(ours[2], ref[2])
    assert_same(ours[3], ref[3])
    assert ours[4] is ref[4] is False
    assert ours[5] is ref[5] is False
    assert_same(ours[6].detach(), ref[6].detach())
    assert ours[6].grad_fn is not None and ref[6].grad_fn is not None


def test_backward_with_gradient_and_retain_graph():
    def run(m):
        x = m.tensor(X, requires_grad=True)
        y = x.tanh() * 3
        y.backward(m.ones(2, 3), retain_graph=True)
        y.backward(m.full((2, 3), 0.5))
        return x.grad
    assert_same(*both(run))


def test_non_leaf_grad_warning_and_retain_grad():
    x = torchlike.tensor(X, requires_grad=True)
    y = x * 2
    z = y.sum()
    y.retain_grad()
    z.backward()
    assert_same(y.grad, torch.ones(2, 3))
    w = x * 3
    w.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert w.grad is None
    assert x.is_leaf and not y.is_leaf


def test_autograd_grad_and_allow_unused():
    def run(m):
        x = m.tensor(X, requires_grad=True)
        y = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        u = m.tensor([1.0], requires_grad=True)
        out = (x * y).pow(2).sum()
        gx, gy, gu = m.autograd.grad(out, [x, y, u], allow_unused=True)
        assert gu is None and x.grad is None
        return gx, gy
    assert_same(*both(run))
    x = torchlike.tensor([1.0], requires_grad=True)
    u = torchlike.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        torchlike.autograd.grad((x * 2).sum(), [x, u])


def test_grad_of_non_leaf_input():
    def run(m):
        x = m.tensor(X, requires_grad=True)
        h = x.sin()
        out = (h * h).sum()
        return m.autograd.grad(out, h)[0]
    assert_same(*both(run))


def test_higher_order_create_graph():
    def run(m):
        x = m.tensor([0.3, -1.2, 2.0], requires_grad=True)
        y = (x ** 3 * x.sin()).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g.sum(), x, create_graph=True)
        (g3,) = m.autograd.grad((g2 * g2).sum(), x)
        return g, g2, g3
    assert_same(*both(run), rtol=1e-4, atol=1e-5)


def test_double_backward_via_backward():
    def run(m):
        x = m.tensor([0.3, -1.2, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        g.pow(2).sum().backward()
        return x.grad
    assert_same(*both(run), rtol=1e-4)


def test_tensor_hooks():
    def run(m):
        seen = []
        x = m.tensor(X, requires_grad=True)
        x.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        y = x * 3
        h = y.register_hook(lambda g: g + 1)
        y.sum().backward()
        h.remove()
        return x.grad, seen[0]
    assert_same(*both(run))


def test_grad_modes():
    x = torchlike.tensor(X, requires_grad=True)
    with torchlike.no_grad():
        assert not (x * 2).requires_grad
        with torchlike.enable_grad():
            assert (x * 2).requires_grad
    with torchlike.set_grad_enabled(False):
        assert not torchlike.is_grad_enabled()
    assert torchlike.is_grad_enabled()
    torchlike.set_grad_enabled(False)
    assert not torchlike.is_grad_enabled()
    torchlike.set_grad_enabled(True)
    with torchlike.inference_mode():
        assert not (x * 2).requires_grad

    @torchlike.no_grad()
    def f(t):
        return t * 2

    @torchlike.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert torchlike.is_grad_enabled()


def test_detach_and_requires_grad():
    x = torchlike.tensor(X, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * 2).detach_()
    assert y.is_leaf and not y.requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        torchlike.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).requires_grad_()


class _Exp:
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def _function_cls(m):
    return type("MyExp", (m.autograd.Function,), {"forward": staticmethod(_Exp.forward),
                                                    "backward": staticmethod(_Exp.backward)})


def test_custom_function():
    def run(m):
        x = m.tensor(X, requires_grad=True)
        y = _function_cls(m).apply(x * 2)
        (y * 3).sum().backward()
        return y, x.grad
    ours, ref = both(run)
    assert_same(ours, ref)
    x = torchlike.tensor(X, requires_grad=True)
    assert _function_cls(torchlike).apply(x).grad_fn.name() == "MyExpBackward"


def test_function_needs_input_grad_and_non_differentiable():
    class Split(torchlike.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.flags = ctx.needs_input_grad
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(w)
            return x * w, idx

        @staticmethod
        def backward(ctx, g, gi):
            (w,) = ctx.saved_tensors
            return g * w, None

    x = torchlike.tensor([1.0, 3.0, 2.0], requires_grad=True)
    w = torchlike.tensor([2.0, 2.0, 2.0])
    y, idx = Split.apply(x, w)
    assert not idx.requires_grad
    y.sum().backward()
    assert_same(x.grad, torch.tensor([2.0, 2.0, 2.0]))


ERRORS = [
    lambda m: m.tensor(X, requires_grad=True).mul(2).backward(),
    lambda m: m.tensor(X).sum().backward(),
    lambda m: _twice(m),
    lambda m: _modified(m),
    lambda m: _leaf_inplace(m),
]


def _twice(m):
    x = m.tensor(X, requires_grad=True)
    y = (x.exp()).sum()
    y.backward()
    y.backward()


def _modified(m):
    x = m.tensor(X, requires_grad=True)
    y = x * 1
    z = y.exp()
    z.mul_(2)
    z.sum().backward()


def _leaf_inplace(m):
    x = m.tensor(X, requires_grad=True)
    x.add_(1)


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    with pytest.raises(RuntimeError) as ref:
        ERRORS[i](torch)
    with pytest.raises(RuntimeError) as ours:
        ERRORS[i](torchlike)
    key = {0: "implicitly created only for scalar", 1: "does not require grad", 2: "second time",
           3: "modified by an inplace operation", 4: "leaf Variable that requires grad"}[i]
    assert key in str(ours.value) and key in str(ref.value)


def test_engine_runs_under_jax_jit():
    """A function that builds a graph from Tensors and calls backward() traces with jax.jit."""
    w0 = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], np.float32)

    def step(x_arr, w_arr):
        x = torchlike.Tensor._wrap(x_arr)
        w = torchlike.Tensor._wrap(w_arr).requires_grad_()
        loss = torchlike.tanh(x @ w).pow(2).mean()
        loss.backward()
        return loss._value, w.grad._value

    loss, g = jax.jit(step)(X, w0)
    w = torch.tensor(w0, requires_grad=True)
    ref = torch.tanh(torch.tensor(X) @ w).pow(2).mean()
    ref.backward()
    np.testing.assert_allclose(np.asarray(loss), ref.item(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(g), w.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_graph_is_freed_after_backward():
    """Nodes (and their saved residuals) are released by backward: no growth over many steps."""
    import weakref
    w = torchlike.randn(8, 8, requires_grad=True)
    x = torchlike.randn(4, 8)
    refs = []
    for _ in range(50):
        loss = torchlike.relu(x @ w).sum()
        refs.append(weakref.ref(loss.grad_fn))
        loss.backward()
        assert loss.grad_fn.vjp is None  # residuals released
        del loss
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_where_inputs_may_be_modified_in_place_after_it():
    """torch's WhereBackward saves only the condition: kornia's rgb_to_hls divides ``l`` in place after
    ``where(l < 1, l, 2 - l)`` read it, and backward works; the gradients equal torch's."""
    x0 = np.random.default_rng(5).random((2, 3, 4, 4)).astype(np.float32)

    def run(m):
        x = m.tensor(x0, requires_grad=True)
        lo, hi = x.min(-3)[0], x.max(-3)[0]
        light = hi + lo
        denom = m.where(light < 1.0, light, 2.0 - light)
        light /= 2
        (light.sum() + (hi - lo).div(denom + 1e-3).sum()).backward()
        return x.grad
    assert_same(run(torchlike), run(torch))
