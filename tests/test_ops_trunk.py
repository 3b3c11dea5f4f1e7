"""The trunk's first set of ops against torch: values, dtypes, shapes and gradients."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

R = np.random.default_rng(0)
A34 = R.standard_normal((3, 4)).astype(np.float32)
B34 = R.standard_normal((3, 4)).astype(np.float32)
B4 = R.standard_normal((4,)).astype(np.float32)
P34 = (np.abs(A34) + 0.5).astype(np.float32)
S0 = np.float32(1.7)

# name -> (function of (module, *tensors), list of input arrays)
UNARY = {
    "neg": lambda m, x: -x, "abs": lambda m, x: x.abs(), "exp": lambda m, x: m.exp(x),
    "log": lambda m, x: m.log(x.abs() + 0.5), "log1p": lambda m, x: m.log1p(x.abs()),
    "sqrt": lambda m, x: (x.abs() + 0.1).sqrt(), "rsqrt": lambda m, x: m.rsqrt(x.abs() + 0.1),
    "sin": lambda m, x: m.sin(x), "cos": lambda m, x: x.cos(), "tanh": lambda m, x: m.tanh(x),
    "sigmoid": lambda m, x: m.sigmoid(x), "relu": lambda m, x: m.relu(x), "square": lambda m, x: x ** 2,
    "pow3": lambda m, x: m.pow(x, 3), "rpow": lambda m, x: 2 ** x, "clamp": lambda m, x: m.clamp(x, -0.5, 0.5),
    "clamp_min": lambda m, x: x.clamp(min=0.1), "sum": lambda m, x: x.sum(), "sum1": lambda m, x: x.sum(1),
    "sum_keep": lambda m, x: m.sum(x, dim=(0, 1), keepdim=True), "mean": lambda m, x: x.mean(),
    "mean0": lambda m, x: x.mean(0, keepdim=True), "prod": lambda m, x: x.prod(1),
    "max": lambda m, x: x.max(), "amax": lambda m, x: m.amax(x, dim=-1), "min": lambda m, x: x.min(),
    "std": lambda m, x: x.std(), "std_dim": lambda m, x: x.std(1, unbiased=False),
    "var_corr": lambda m, x: m.var(x, dim=0, correction=0, keepdim=True), "logsumexp": lambda m, x: m.logsumexp(x, 1),
    "norm": lambda m, x: x.norm(), "norm1": lambda m, x: m.norm(x, p=1, dim=1), "view": lambda m, x: x.view(2, 6),
    "reshape": lambda m, x: x.reshape(-1), "permute": lambda m, x: x.permute(1, 0),
    "transpose": lambda m, x: x.transpose(0, 1), "t": lambda m, x: x.t(), "T": lambda m, x: x.T,
    "unsqueeze": lambda m, x: x.unsqueeze(1), "squeeze": lambda m, x: x.unsqueeze(0).squeeze(0),
    "flatten": lambda m, x: m.flatten(x), "expand": lambda m, x: x[:1].expand(5, 4),
    "repeat": lambda m, x: x.repeat(2, 1, 3), "getitem_int": lambda m, x: x[1], "getitem_slice": lambda m, x: x[:, 1:3],
    "getitem_neg": lambda m, x: x[-1, ::2], "getitem_none": lambda m, x: x[None, ..., 0],
    "getitem_idx": lambda m, x: x[m.tensor([2, 0, 2])], "getitem_mask": lambda m, x: x[x > 0],
    "getitem_2idx": lambda m, x: x[m.tensor([0, 1]), m.tensor([3, 2])],
    "split": lambda m, x: m.cat(x.split([1, 3], 1)[::-1], 1), "chunk": lambda m, x: m.stack(x.chunk(2, 1), 0),
    "stack": lambda m, x: m.stack([x, x * 2], 1), "cat": lambda m, x: m.cat([x, x], dim=-1),
    "where": lambda m, x: m.where(x > 0, x, x * 0.1), "einsum": lambda m, x: m.einsum("ij,kj->ik", x, x),
    "matmul": lambda m, x: x @ x.t(), "mm": lambda m, x: m.mm(x.t(), x), "bmm": lambda m, x: m.bmm(x[None], x.t()[None]),
    "max_dim": lambda m, x: x.max(1)[0], "min_dim": lambda m, x: m.min(x, 0, keepdim=True).values,
    "unbind": lambda m, x: x.unbind(1)[2], "div_floor": lambda m, x: m.div(x, 0.3, rounding_mode="floor"),
    "remainder": lambda m, x: x % 0.7, "floordiv": lambda m, x: (x // 0.5).detach(),  # torch has no floor_divide derivative
}


def _grad_check(fn, arrays):
    ours_in = [torchlike.tensor(a, requires_grad=True) for a in arrays]
    ref_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours = fn(torchlike, *ours_in)
    ref = fn(torch, *ref_in)
    assert_same(ours, ref, rtol=1e-4, atol=1e-5)
    if ref.requires_grad:
        w = np.random.default_rng(1).standard_normal(tuple(ref.shape)).astype(np.float32)
        (ours * torchlike.tensor(w)).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        for a, b in zip(ours_in, ref_in):
            assert_same(a.grad, b.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_and_shape_ops(name):
    _grad_check(UNARY[name], [A34])


BINARY = {
    "add": lambda m, x, y: x + y, "add_alpha": lambda m, x, y: m.add(x, y, alpha=2.5), "sub": lambda m, x, y: x - y,
    "sub_alpha": lambda m, x, y: x.sub(y, alpha=0.5), "mul": lambda m, x, y: x * y, "div": lambda m, x, y: x / (y.abs() + 1),
    "pow": lambda m, x, y: (x.abs() + 0.1) ** y, "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: m.minimum(x, y), "clamp_t": lambda m, x, y: m.clamp(x, min=y),
    "where": lambda m, x, y: m.where(x > y, x, y), "matmul": lambda m, x, y: m.matmul(x, y.t()),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", ["same", "broadcast", "zero_dim"])
def test_binary_ops(name, shapes):
    if name == "matmul" and shapes != "same":
        pytest.skip("matmul shapes are covered separately")
    other = {"same": B34, "broadcast": B4, "zero_dim": S0}[shapes]
    _grad_check(BINARY[name], [A34, np.asarray(other)])


def test_matmul_broadcasting_shapes():
    for sa, sb in [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2))]:
        a = R.standard_normal(sa).astype(np.float32)
        b = R.standard_normal(sb).astype(np.float32)
        _grad_check(lambda m, x, y: m.matmul(x, y), [a, b])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float64"])
def test_integer_and_bool_dtypes(dtype):
    a = (R.standard_normal((3, 4)) * 5).astype(dtype)
    b = (R.standard_normal((3, 4)) * 5 + 0.5).astype(dtype)
    b[b == 0] = 1
    ops = [lambda m, x, y: x + y, lambda m, x, y: x * y, lambda m, x, y: x == y, lambda m, x, y: x < y,
           lambda m, x, y: x.sum(), lambda m, x, y: m.where(x > y, x, y), lambda m, x, y: x.max(1).indices,
           lambda m, x, y: x.argmax(), lambda m, x, y: x.all(), lambda m, x, y: m.any(x, 0),
           lambda m, x, y: x.prod(0)]
    if dtype != "bool":
        ops += [lambda m, x, y: x / y, lambda m, x, y: x // y, lambda m, x, y: x % y, lambda m, x, y: x.abs(),
                lambda m, x, y: m.div(x, y, rounding_mode="trunc"), lambda m, x, y: x.clamp(-1, 2), lambda m, x, y: -x,
                lambda m, x, y: x.amax(0), lambda m, x, y: m.exp(x)]
    if dtype != "float64":
        ops += [lambda m, x, y: x & y, lambda m, x, y: x | y, lambda m, x, y: x ^ y, lambda m, x, y: ~x]
    for op in ops:
        try:
            ref = op(torch, torch.tensor(a), torch.tensor(b))
        except RuntimeError:
            with pytest.raises(RuntimeError):
                op(torchlike, torchlike.tensor(a), torchlike.tensor(b))
            continue
        assert_same(op(torchlike, torchlike.tensor(a), torchlike.tensor(b)), ref)


def test_zero_dim_and_empty():
    for arr in [np.float32(2.5), np.zeros((0, 3), np.float32)]:
        x, y = torchlike.tensor(arr), torch.tensor(arr)
        for op in [lambda t: t * 2, lambda t: t.sum(), lambda t: t.exp(), lambda t: t.reshape(-1)]:
            assert_same(op(x), op(y))


def test_namedtuple_returns():
    x = torchlike.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    r = torch.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    ours, ref = torchlike.max(x, 1), torch.max(r, 1)
    assert_same(ours.values, ref.values)
    assert_same(ours.indices, ref.indices)  # first maximal index, as torch
    assert type(ours).__name__ == "max"
    v, i = x.min(dim=0)
    assert_same(v, r.min(dim=0)[0])
    assert_same(i, r.min(dim=0)[1])
    assert repr(ours) == repr(ref)


def test_setitem_kinds():
    for setter in [lambda m, x: x.__setitem__(0, 5), lambda m, x: x.__setitem__((slice(None), 1), m.tensor([1., 2., 3.])),
                   lambda m, x: x.__setitem__(x > 0, 0.0), lambda m, x: x.__setitem__(m.tensor([0, 2]), -1.0),
                   lambda m, x: x.__setitem__((m.tensor([0, 1]), m.tensor([1, 2])), m.tensor([7., 8.])),
                   lambda m, x: x.__setitem__((Ellipsis, -1), 3)]:
        a, b = torchlike.tensor(A34.copy()), torch.tensor(A34.copy())
        setter(torchlike, a)
        setter(torch, b)
        assert_same(a, b)


def test_setitem_grad_flows():
    def run(m):
        w = m.tensor(B4, requires_grad=True)
        x = m.zeros(3, 4)
        x[1] = w * 2
        (x * m.tensor(A34)).sum().backward()
        return w.grad
    assert_same(run(torchlike), run(torch))


def test_inplace_operators():
    def run(m):
        x = m.tensor(A34, requires_grad=True)
        y = x * 1
        y += 2
        y *= x
        y.sub_(1).div_(3)
        y.clamp_(-1, 1)
        y.sum().backward()
        return y, x.grad
    assert_same(run(torchlike), run(torch))


ERRORS = [
    lambda m: m.ones(2, 3) + m.ones(4, 3),
    lambda m: m.ones(2, 3).view(4, 2),
    lambda m: m.ones(2, 3) @ m.ones(2, 3),
    lambda m: m.ones(2, 3, dtype=m.int64) @ m.ones(3, 2),
    lambda m: m.ones(2, 3)[5],
    lambda m: m.ones(2, 3)[0, 0, 0],
    lambda m: m.ones(2, 3).sum(2),
    lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
    lambda m: m.stack([m.ones(2, 3), m.ones(2, 4)]),
    lambda m: -m.tensor([True]),
    lambda m: m.tensor([True]) - m.tensor([False]),
    lambda m: m.ones(2).mean(dtype=None) if False else m.tensor([1, 2]).mean(),
    lambda m: m.ones(2, 3).expand(3, 3),
    lambda m: m.ones(2, 3).permute(0),
    lambda m: m.ones(3)[m.tensor([5])],
    lambda m: m.ones(3).item(),
    lambda m: m.tensor([1, 2]).requires_grad_(),
    lambda m: m.ones(2, 3).t().t().t()[0].view(3, 2),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch_types(i):
    with pytest.raises(Exception) as ref:
        ERRORS[i](torch)
    with pytest.raises(Exception) as ours:
        ERRORS[i](torchlike)
    assert isinstance(ours.value, type(ref.value)) or type(ours.value).__name__ == type(ref.value).__name__, \
        (ours.value, ref.value)


def test_error_messages_name_shapes():
    with pytest.raises(RuntimeError, match=r"shape '\[-1, 4096\]' is invalid for input of size 3136"):
        torchlike.ones(1, 64, 7, 7).view(-1, 64 * 8 * 8)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"):
        torchlike.ones(2, 3) @ torchlike.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size of tensor b \(4\)"):
        torchlike.ones(2, 3) + torchlike.ones(4, 3)
