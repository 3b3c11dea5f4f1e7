"""Jagged nested tensors against torch 2.13: construction, sizes, padding, unbind, pointwise ops, linear,
matmul, softmax, transpose/unflatten/flatten/chunk, scaled_dot_product_attention — values and gradients."""
import numpy as np
import pytest

import torchlike
import torchlike.nn.functional as F
from conftest import assert_same

torch = pytest.importorskip("torch")
TF = torch.nn.functional

LENS = (2, 4, 1)


def comps(shape_tail=(3,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n,) + shape_tail).astype(np.float32) for n in LENS]


def pair(shape_tail=(3,), grad=False, seed=0):
    cs = comps(shape_tail, seed)
    o = torchlike.nested.nested_tensor([torchlike.tensor(c) for c in cs], layout=torchlike.jagged,
                                       requires_grad=grad)
    t = torch.nested.nested_tensor([torch.tensor(c) for c in cs], layout=torch.jagged, requires_grad=grad)
    return o, t


def same_nested(o, t, **tol):
    assert o.is_nested and t.is_nested and o.dim() == t.dim()
    assert str(o.shape).replace(str(o.shape[o._ragged_idx]), "j") == \
        str(t.shape).replace(str(t.shape[t._ragged_idx]), "j")
    assert o._ragged_idx == t._ragged_idx
    assert_same(o.values(), t.values(), **tol)
    assert_same(o.offsets(), t.offsets())
    for a, b in zip(o.unbind(), t.unbind()):
        assert_same(a, b, **tol)


def test_construction_sizes_and_repr():
    o, t = pair()
    same_nested(o, t)
    assert o.layout is torchlike.jagged and o.size(0) == t.size(0) and o.size(-1) == t.size(-1)
    assert repr(o.shape[1]).startswith("j") and o.shape[1] == o.shape[1]
    assert repr(o).split("offsets")[1] == repr(t).split("offsets")[1]
    assert repr(o).startswith("NestedTensor(size=(3, j")
    assert o.is_contiguous() and not o.transpose(1, 2).is_contiguous()
    oa = torchlike.nested.as_nested_tensor([torchlike.tensor(c) for c in comps()], layout=torchlike.jagged)
    same_nested(oa, t)
    with pytest.raises(RuntimeError):
        torchlike.nested.nested_tensor([torchlike.ones(2, 3), torchlike.ones(3, 4)], layout=torchlike.jagged)
    with pytest.raises(RuntimeError):
        torch.nested.nested_tensor([torch.ones(2, 3), torch.ones(3, 4)], layout=torch.jagged)
    same_nested(torchlike.nested.nested_tensor([torchlike.ones(2, 3), torchlike.ones(2, 4)], layout=torchlike.jagged),
                torch.nested.nested_tensor([torch.ones(2, 3), torch.ones(2, 4)], layout=torch.jagged))


def test_to_padded_and_unbind():
    o, t = pair((2, 3))
    assert_same(o.to_padded_tensor(-1.0), t.to_padded_tensor(-1.0))
    assert_same(torchlike.nested.to_padded_tensor(o, 0.5), torch.nested.to_padded_tensor(t, 0.5))
    ot, tt = o.transpose(1, 2), t.transpose(1, 2)
    assert_same(ot.to_padded_tensor(0.0), tt.to_padded_tensor(0.0))
    assert [tuple(x.shape) for x in ot.unbind()] == [tuple(x.shape) for x in tt.unbind()]


def test_pointwise_and_grads():
    o, t = pair(grad=True)
    oo = torchlike.sin(o * 2 + 1).relu() - o / 3
    tt = torch.sin(t * 2 + 1).relu() - t / 3
    same_nested(oo, tt)
    bias = np.array([0.5, -1.0, 2.0], np.float32)
    same_nested(oo + torchlike.tensor(bias), tt + torch.tensor(bias))
    same_nested(oo * oo, tt * tt)
    oo.to_padded_tensor(0.0).pow(2).sum().backward()
    tt.to_padded_tensor(0.0).pow(2).sum().backward()
    same_nested(o.grad, t.grad)


def test_linear_matmul_and_shape_ops():
    o, t = pair((8,), grad=True)
    torch.manual_seed(0)
    lin_t = torch.nn.Linear(8, 6)
    lin_o = torchlike.nn.Linear(8, 6)
    lin_o.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in lin_t.state_dict().items()})
    ro, rt = lin_o(o), lin_t(t)
    same_nested(ro, rt, rtol=1e-5, atol=1e-5)
    w = np.arange(12, dtype=np.float32).reshape(6, 2) / 10
    mo, mt = torchlike.matmul(ro, torchlike.tensor(w)), torch.matmul(rt, torch.tensor(w))
    same_nested(mo, mt, rtol=1e-5, atol=1e-5)
    uo, ut = ro.unflatten(-1, [2, 3]).transpose(1, 2), rt.unflatten(-1, [2, 3]).transpose(1, 2)
    same_nested(uo, ut, rtol=1e-5, atol=1e-5)
    fo, ft = uo.transpose(1, 2).flatten(-2), ut.transpose(1, 2).flatten(-2)
    same_nested(fo, ft, rtol=1e-5, atol=1e-5)
    for a, b in zip(torchlike.chunk(ro, 3, dim=-1), torch.chunk(rt, 3, dim=-1)):
        same_nested(a, b, rtol=1e-5, atol=1e-5)
    (mo.to_padded_tensor(0.0) * 3).sum().backward()
    (mt.to_padded_tensor(0.0) * 3).sum().backward()
    same_nested(o.grad, t.grad, rtol=1e-4, atol=1e-5)
    assert_same(lin_o.weight.grad, lin_t.weight.grad, rtol=1e-4, atol=1e-5)
    assert_same(lin_o.bias.grad, lin_t.bias.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dim", [-1, 1])
def test_softmax(dim):
    o, t = pair(grad=True)
    ro, rt = o.softmax(dim), t.softmax(dim)
    same_nested(ro, rt)
    if dim == -1:
        same_nested(F.log_softmax(o, dim), TF.log_softmax(t, dim))
    else:  # torch has no log_softmax over the ragged dim; it must be the log of the softmax
        same_nested(F.log_softmax(o, dim), rt.log())
    wv = np.arange(21, dtype=np.float32).reshape(7, 3)
    (ro.values() * torchlike.tensor(wv)).sum().backward()
    if dim == -1:
        (rt.values() * torch.tensor(wv)).sum().backward()
        same_nested(o.grad, t.grad, rtol=1e-5, atol=1e-6)
        return
    # torch 2.13's NJT backward of softmax over the ragged dim disagrees with the per-sequence softmax
    # (the function it computes); compare with that dense per-sequence reference instead
    xs = [torch.tensor(c, requires_grad=True) for c in comps()]
    sum((x.softmax(0) * w).sum() for x, w in zip(xs, torch.tensor(wv).split(list(LENS)))).backward()
    for got, x in zip(o.grad.unbind(), xs):
        assert_same(got, x.grad, rtol=1e-5, atol=1e-6)


def _heads(x, m):
    return x.unflatten(-1, [2, 4]).transpose(1, 2)


def test_sdpa_matches_torch_with_grads():
    o, t = pair((8,), grad=True)
    ko, kt = pair((8,), grad=True, seed=1)
    ro = F.scaled_dot_product_attention(_heads(o, torchlike), _heads(ko, torchlike), _heads(ko, torchlike))
    rt = TF.scaled_dot_product_attention(_heads(t, torch), _heads(kt, torch), _heads(kt, torch))
    same_nested(ro, rt, rtol=1e-5, atol=1e-5)
    g = np.random.default_rng(3).standard_normal((2, 7, 4)).astype(np.float32)  # values: (H, sum(LENS), E)
    (ro.values() * torchlike.tensor(g)).sum().backward()
    (rt.values() * torch.tensor(g)).sum().backward()
    same_nested(o.grad, t.grad, rtol=1e-4, atol=1e-5)
    same_nested(ko.grad, kt.grad, rtol=1e-4, atol=1e-5)


def test_sdpa_causal_matches_per_sequence_torch():
    """torch's CPU build has no nested causal SDPA kernel: compare with dense causal SDPA per sequence."""
    o, _ = pair((8,))
    ro = F.scaled_dot_product_attention(_heads(o, torchlike), _heads(o, torchlike), _heads(o, torchlike),
                                        is_causal=True)
    for got, c in zip(ro.unbind(), comps((8,))):
        q = torch.tensor(c).unflatten(-1, [2, 4]).transpose(0, 1)
        assert_same(got, TF.scaled_dot_product_attention(q, q, q, is_causal=True), rtol=1e-5, atol=1e-5)


def test_sdpa_under_compile_matches_torch_with_grads():
    """A nested tensor is a compiled function's argument and result (its packed values traced, its
    offsets static): one trace serves repeated calls, values and gradients are torch's eager ones."""
    o, t = pair((8,), grad=True)
    fo = torchlike.compile(lambda q: F.scaled_dot_product_attention(q, q, q))
    for _ in range(3):
        o.grad, t.grad = None, None
        ro = fo(_heads(o, torchlike))
        rt = TF.scaled_dot_product_attention(_heads(t, torch), _heads(t, torch), _heads(t, torch))
        assert ro.is_nested
        same_nested(ro, rt, rtol=1e-5, atol=1e-5)
        (ro.values() ** 2).sum().backward()
        (rt.values() ** 2).sum().backward()
        same_nested(o.grad, t.grad, rtol=1e-4, atol=1e-5)
    assert fo.trace_count == 1
