"""Gaps the PyTorch beginner tutorials hit (basics/transforms, blitz/neural_networks), against torch."""
import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("case", [
    lambda T: T.zeros(10).scatter_(0, T.tensor(3), value=1),          # transforms_tutorial's one-hot
    lambda T: T.zeros(10).scatter_(dim=0, index=T.tensor(7), value=1),
    lambda T: T.zeros(10).scatter(0, T.tensor(3), T.tensor(5.0)),
    lambda T: T.zeros(10).scatter(0, T.tensor([3]), T.tensor(5.0)),
    lambda T: T.zeros(10).scatter(0, T.tensor(3), T.ones(3)),
    lambda T: T.tensor(2.0).scatter(0, T.tensor([0]), 7.0),
    lambda T: T.zeros(10).scatter_add(0, T.tensor(3), T.tensor(5.0)),
    lambda T: T.zeros(4).scatter_reduce(0, T.tensor(2), T.tensor(3.0), "amax"),
    lambda T: T.arange(5.0).gather(0, T.tensor(3)),
    lambda T: T.tensor(4.0).gather(0, T.tensor([0, 0])),
])
def test_zero_dim_index_counts_as_one_dim(case):
    assert_same(case(torchlike), case(torch))


@pytest.mark.parametrize("case", [
    lambda T: T.zeros(2, 3).scatter(0, T.tensor(1), 7.0),
    lambda T: T.zeros(2, 3).gather(0, T.tensor(1)),
    lambda T: T.zeros(3).scatter(0, T.tensor([[1]]), 7.0),
])
def test_index_dims_still_checked(case):
    with pytest.raises(RuntimeError) as ref:
        case(torch)
    with pytest.raises(RuntimeError) as ours:
        case(torchlike)
    assert "same number of dimensions" in str(ref.value) and "same number of dimensions" in str(ours.value)


def _linear_graph(T, bias, x_grad):
    T.manual_seed(0)
    lin = T.nn.Linear(3, 2, bias=bias)
    x = T.randn(4, 3, requires_grad=x_grad)
    h = x.relu() if x_grad else x
    y = lin(h)
    nf = y.grad_fn.next_functions
    names = [None if n is None else n.name() for n, _ in nf]
    t_node = nf[-1][0]
    below = [n.name() for n, _ in t_node.next_functions]
    return y.grad_fn.name(), names, below, repr(y.grad_fn).split(" object")[0], repr(t_node).split(" object")[0]


@pytest.mark.parametrize("bias,x_grad", [(True, True), (True, False), (False, True)])
def test_linear_next_functions_as_torch(bias, x_grad):
    """blitz/neural_networks prints ``loss.grad_fn.next_functions[0][0].next_functions[0][0]``."""
    assert _linear_graph(torchlike, bias, x_grad) == _linear_graph(torch, bias, x_grad)


def test_linear_backward_unchanged_by_graph_view():
    w = np.random.RandomState(0).randn(2, 3).astype(np.float32)
    x = np.random.RandomState(1).randn(4, 3).astype(np.float32)
    grads = []
    for T in (torchlike, torch):
        lin = T.nn.Linear(3, 2)
        with T.no_grad():
            lin.weight.copy_(T.tensor(w))
        xi = T.tensor(x, requires_grad=True)
        y = lin(xi)
        y.grad_fn.next_functions  # building the torch-shaped view must not disturb the backward
        (y ** 2).sum().backward()
        grads.append((xi.grad, lin.weight.grad, lin.bias.grad))
    assert_same(grads[0], grads[1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda T: [T.tensor(1.0), T.tensor(2.0)],
    lambda T: [T.ones(2), T.tensor(2.0)],
])
def test_cat_of_zero_dim_raises_as_torch(make):
    """nlp/advanced_tutorial (older revisions) concatenates 0-d scores: torch refuses, naming the position."""
    with pytest.raises(RuntimeError) as ref:
        torch.cat(make(torch))
    with pytest.raises(RuntimeError) as ours:
        torchlike.cat(make(torchlike))
    assert str(ours.value) == str(ref.value)


_INDEXES = ["w[:, 1]", "w[1, :]", "w[:, 1:2]", "w[0, 1:2]", "w[1:2, 0]", "w[None]", "w[:]", "w[...]", "w[0:3]",
            "w[:, 0:4]", "w[1][2]", "w[::2]", "w[None, 1]", "w[1, None]", "w[..., 1]", "w[-1]", "w[:, -1:]",
            "w[:, :10]", "w[0]"]


@pytest.mark.parametrize("expr", _INDEXES)
def test_basic_index_grad_fn_named_as_torch(expr):
    """nlp/deep_learning_tutorial prints ``param[:, i]``: torch shows ``grad_fn=<SelectBackward0>``."""
    names = []
    for T in (torchlike, torch):
        w = T.ones(3, 4, requires_grad=True)
        r = eval(expr, {"w": w})
        names.append(r.grad_fn.name())
        if T is torchlike:
            ours_repr = repr(r)
        else:
            ref_repr = repr(r)
    assert names[0] == names[1]
    assert ours_repr == ref_repr


def test_basic_index_backward_unchanged():
    for T in (torchlike, torch):
        w = T.arange(12.0).reshape(3, 4).requires_grad_()
        (w[:, 1] * 2 + w[1:2, 0] + w[None, 2].sum()).sum().backward()
        if T is torchlike:
            ours = w.grad
        else:
            ref = w.grad
    assert_same(ours, ref)


_EXPRS = ["a+1", "2*a", "a.pow(2)", "a+b", "a*b", "a.sin()", "T.where(a>0,a,b)", "a.sum()", "a-1", "a/2",
          "(2*a.sin()+1)", "a*a", "T.cat([a,b])", "T.stack([b,a])", "a.exp()*b", "a.mean()"]


@pytest.mark.parametrize("expr", _EXPRS)
def test_next_functions_list_every_input_as_torch(expr):
    """introyt/autogradyt prints ``d.grad_fn.next_functions`` for ``d = 2 * sin(a) + 1``: torch lists
    ``(None, 0)`` for inputs that need no grad, a Python number included for add/sub/mul/div."""
    seen = []
    for T in (torchlike, torch):
        a = T.ones(3, requires_grad=True)
        b = T.ones(3)
        g = eval(expr, {"T": T, "a": a, "b": b}).grad_fn
        seen.append([(None if n is None else n.name(), k, None if n is None else repr(n).split(" object")[0])
                     for n, k in g.next_functions])
    assert seen[0] == seen[1]
