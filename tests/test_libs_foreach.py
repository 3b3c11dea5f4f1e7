"""torch's ``_foreach_*`` list ops, which timm's optimizers (Lamb, AdamP, Lion, ...) and ``ModelEmaV3`` call,
against torch 2.13: values, result containers, in-place updates, operand forms and length errors."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

SHAPES = [(3,), (2, 4), ()]


def _lists(seed=0, positive=False):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    return [torchlike.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def _same_list(ours, ref):
    assert type(ours) is type(ref) and len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert_same(a, b)


@pytest.mark.parametrize("op", ["abs", "neg", "sqrt", "reciprocal", "exp", "log", "sign", "sigmoid", "rsqrt", "frac"])
def test_unary_and_in_place(op):
    ours, ref = _lists(1, positive=True)
    _same_list(getattr(torchlike, f"_foreach_{op}")(ours), getattr(torch, f"_foreach_{op}")(ref))
    res_o, res_r = getattr(torchlike, f"_foreach_{op}_")(ours), getattr(torch, f"_foreach_{op}_")(ref)
    assert (res_o is None) == (res_r is None)
    _same_list(ours, ref)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "clamp_min", "clamp_max", "pow"])
@pytest.mark.parametrize("form", ["scalar", "scalar_list", "tensor_list", "tensor"])
def test_binary_operand_forms(op, form):
    ours, ref = _lists(2, positive=True)
    o2, r2 = _lists(3, positive=True)
    other = {"scalar": (1.5, 1.5), "scalar_list": ([0.5, 2.0, 3.0],) * 2, "tensor_list": (o2, r2),
             "tensor": (torchlike.tensor(2.0), torch.tensor(2.0))}[form]
    try:
        expected = getattr(torch, f"_foreach_{op}")(ref, other[1])
    except (RuntimeError, TypeError) as e:
        with pytest.raises(type(e)):
            getattr(torchlike, f"_foreach_{op}")(ours, other[0])
        return
    _same_list(getattr(torchlike, f"_foreach_{op}")(ours, other[0]), expected)
    getattr(torchlike, f"_foreach_{op}_")(ours, other[0])
    getattr(torch, f"_foreach_{op}_")(ref, other[1])
    _same_list(ours, ref)


def test_alpha_pow_scalar_base_lerp_addcmul_addcdiv_norm():
    (a, ra), (b, rb) = _lists(4), _lists(5, positive=True)
    _same_list(torchlike._foreach_add(a, b, alpha=-0.5), torch._foreach_add(ra, rb, alpha=-0.5))
    _same_list(torchlike._foreach_pow(2.0, a), torch._foreach_pow(2.0, ra))
    _same_list(torchlike._foreach_lerp(a, b, 0.3), torch._foreach_lerp(ra, rb, 0.3))
    _same_list(torchlike._foreach_lerp(a, b, [0.1, 0.5, 0.9]), torch._foreach_lerp(ra, rb, [0.1, 0.5, 0.9]))
    _same_list(torchlike._foreach_addcmul(a, a, b, 0.5), torch._foreach_addcmul(ra, ra, rb, 0.5))
    _same_list(torchlike._foreach_addcdiv(a, a, b, torchlike.tensor([1.0, 2.0, 3.0])),
               torch._foreach_addcdiv(ra, ra, rb, torch.tensor([1.0, 2.0, 3.0])))
    _same_list(torchlike._foreach_addcdiv(a, a, b, [1.0, -1.0, 0.5]), torch._foreach_addcdiv(ra, ra, rb, [1.0, -1.0, 0.5]))
    for ord in (2, 1, float("inf")):
        _same_list(torchlike._foreach_norm(a, ord), torch._foreach_norm(ra, ord))
    _same_list(torchlike._foreach_max(a), torch._foreach_max(ra))
    torchlike._foreach_lerp_(a, b, 0.25)
    torch._foreach_lerp_(ra, rb, 0.25)
    torchlike._foreach_addcmul_(a, b, b, value=2.0)
    torch._foreach_addcmul_(ra, rb, rb, value=2.0)
    _same_list(a, ra)
    torchlike._foreach_copy_(a, b)
    torch._foreach_copy_(ra, rb)
    _same_list(a, ra)
    torchlike._foreach_zero_(a)
    torch._foreach_zero_(ra)
    _same_list(a, ra)


def test_length_mismatch_raises_as_torch():
    (a, ra), (b, rb) = _lists(6), _lists(7)
    for ours_other, ref_other in ((b[:2], rb[:2]), ([1.0], [1.0])):
        with pytest.raises(RuntimeError) as ref:
            torch._foreach_add(ra, ref_other)
        with pytest.raises(RuntimeError) as ours:
            torchlike._foreach_add(a, ours_other)
        assert str(ours.value) == str(ref.value)


def test_out_of_place_records_gradients():
    (a, ra), (b, rb) = _lists(8), _lists(9)
    for t in a + ra:
        t.requires_grad_(True)
    sum(x.sum() for x in torchlike._foreach_mul(a, b)).backward()
    sum(x.sum() for x in torch._foreach_mul(ra, rb)).backward()
    _same_list([t.grad for t in a], [t.grad for t in ra])
