"""Strides of non-view results against torch 2.13: pointwise ops keep their inputs' layout
(TensorIterator's permutation, with broadcasting), ``clone``/``*_like`` keep it under preserve_format,
conv/batch-norm/pooling keep channels_last, reductions and other ops give contiguous results."""
import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(0)
_A = _RNG.standard_normal((3, 4)).astype(np.float32)
_B = _RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
_C = _RNG.standard_normal((4, 6)).astype(np.float32)


def _inputs(m):
    return {
        "t": m.tensor(_A).t(),                               # (4, 3) strides (1, 4)
        "perm": m.tensor(_B).permute(0, 2, 3, 1),             # (2, 4, 5, 3)
        "cl": m.tensor(_B).contiguous(memory_format=m.channels_last),
        "gap": m.tensor(_C)[:, ::2],                          # not dense
        "exp": m.tensor(_A[:, :1]).expand(3, 4),
        "c": m.tensor(_A.T.copy()),                           # contiguous (4, 3)
    }


CASES = [
    ("add_scalar", lambda m, x: x["t"] + 1),
    ("sin", lambda m, x: x["t"].sin()),
    ("exp_perm", lambda m, x: x["perm"].exp()),
    ("mul_self", lambda m, x: x["t"] * x["t"]),
    ("t_plus_contig", lambda m, x: x["t"] + x["c"]),
    ("contig_plus_t", lambda m, x: x["c"] + x["t"]),
    ("bcast_row", lambda m, x: x["t"] + m.ones(3)),
    ("bcast_lead", lambda m, x: m.ones(2, 1, 1) + x["t"]),
    ("bcast_unsqueeze", lambda m, x: x["t"].unsqueeze(0) * m.ones(2, 1, 1)),
    ("perm_bcast", lambda m, x: x["perm"] - m.ones(3)),
    ("gap", lambda m, x: x["gap"] + 1),
    ("expanded", lambda m, x: x["exp"] * 2),
    ("compare", lambda m, x: x["t"] > 0),
    ("where", lambda m, x: m.where(x["t"] > 0, x["t"], 0.0)),
    ("clamp", lambda m, x: m.clamp(x["t"], min=0)),
    ("to_float64", lambda m, x: x["t"].to(m.float64)),
    ("abs", lambda m, x: x["t"].abs()),
    ("pow", lambda m, x: x["t"].pow(2)),
    ("tensor_pow", lambda m, x: x["t"] ** x["t"]),
    ("gelu", lambda m, x: m.nn.functional.gelu(x["t"])),
    ("relu_cl", lambda m, x: m.relu(x["cl"])),
    ("sigmoid_cl", lambda m, x: m.sigmoid(x["cl"])),
    ("leaky_relu_perm", lambda m, x: m.nn.functional.leaky_relu(x["perm"])),
    ("cl_plus_contig", lambda m, x: x["cl"] + m.tensor(_B)),
    ("cl_plus_bias", lambda m, x: x["cl"] + m.ones(3, 1, 1)),
    ("sum_keepdim0", lambda m, x: x["t"].sum(0, keepdim=True)),
    ("sum_keepdim1", lambda m, x: x["t"].sum(1, keepdim=True)),
    ("sum_perm_keepdim", lambda m, x: x["perm"].sum(1, keepdim=True)),
    ("mean_perm_keepdim", lambda m, x: x["perm"].mean(-1, keepdim=True)),
    ("amax_perm_keepdim", lambda m, x: x["perm"].amax(1, keepdim=True)),
    ("softmax", lambda m, x: x["t"].softmax(0)),
    ("cumsum", lambda m, x: x["t"].cumsum(0)),
    ("layer_norm", lambda m, x: m.nn.functional.layer_norm(x["t"], (3,))),
    ("cat", lambda m, x: m.cat([x["t"], x["t"]])),
    ("stack", lambda m, x: m.stack([x["t"], x["t"]])),
    ("clone", lambda m, x: x["t"].clone()),
    ("clone_perm", lambda m, x: x["perm"].clone()),
    ("clone_gap", lambda m, x: x["gap"].clone()),
    ("clone_contiguous_format", lambda m, x: x["t"].clone(memory_format=m.contiguous_format)),
    ("contiguous", lambda m, x: x["t"].contiguous()),
    ("empty_like", lambda m, x: m.empty_like(x["t"])),
    ("zeros_like_perm", lambda m, x: m.zeros_like(x["perm"])),
    ("ones_like_gap", lambda m, x: m.ones_like(x["gap"])),
    ("full_like", lambda m, x: m.full_like(x["t"], 2.0)),
    ("rand_like", lambda m, x: m.rand_like(x["t"])),
    ("randn_like_cl", lambda m, x: m.randn_like(x["cl"])),
    ("zeros_like_to_cl", lambda m, x: m.zeros_like(x["c"].view(1, 4, 3, 1), memory_format=m.channels_last)),
    ("empty_like_contig_format", lambda m, x: m.empty_like(x["t"], memory_format=m.contiguous_format)),
    ("conv_cl", lambda m, x: m.nn.functional.conv2d(x["cl"], m.ones(4, 3, 3, 3))),
    ("conv_contig", lambda m, x: m.nn.functional.conv2d(m.tensor(_B), m.ones(4, 3, 3, 3))),
    ("batch_norm_cl", lambda m, x: m.nn.functional.batch_norm(x["cl"], m.zeros(3), m.ones(3))),
    ("max_pool_cl", lambda m, x: m.nn.functional.max_pool2d(x["cl"], 2)),
    ("avg_pool_cl", lambda m, x: m.nn.functional.avg_pool2d(x["cl"], 2)),
    ("adaptive_avg_pool_cl", lambda m, x: m.nn.functional.adaptive_avg_pool2d(x["cl"], 1)),
    ("interpolate_nearest_cl", lambda m, x: m.nn.functional.interpolate(x["cl"], scale_factor=2)),
    ("interpolate_bilinear_cl", lambda m, x: m.nn.functional.interpolate(x["cl"], scale_factor=2, mode="bilinear")),
    ("pad_cl", lambda m, x: m.nn.functional.pad(x["cl"], (1, 1))),
    ("pad_reflect_cl", lambda m, x: m.nn.functional.pad(x["cl"], (1, 1, 1, 1), mode="reflect")),
    ("pad_replicate_cl", lambda m, x: m.nn.functional.pad(x["cl"], (1, 1, 1, 1), mode="replicate")),
    ("pad_t", lambda m, x: m.nn.functional.pad(x["t"], (1, 1))),
    ("group_norm_cl", lambda m, x: m.nn.functional.group_norm(x["cl"], 1)),
    ("conv_transpose_cl", lambda m, x: m.nn.functional.conv_transpose2d(x["cl"], m.ones(3, 2, 3, 3))),
    ("softmax_cl", lambda m, x: x["cl"].softmax(1)),
    ("instance_norm_cl", lambda m, x: m.nn.functional.instance_norm(x["cl"])),
    ("mean_hw_keepdim_cl", lambda m, x: x["cl"].mean((2, 3), keepdim=True)),
    ("linear_perm", lambda m, x: m.nn.functional.linear(x["perm"], m.ones(2, 3))),
    ("conv_relu_pool_chain", lambda m, x: m.nn.functional.max_pool2d(
        m.relu(m.nn.functional.conv2d(x["cl"], m.ones(4, 3, 1, 1)) + 1), 2)),
    ("chain_of_pointwise", lambda m, x: ((x["t"] + 1) * 2 - x["t"]).exp().neg()),
]


@pytest.mark.parametrize("name,f", CASES, ids=[n for n, _ in CASES])
def test_result_strides(name, f):
    got = []
    for m in (torchlike, torch):
        with m.no_grad():
            out = f(m, _inputs(m))
        got.append((tuple(out.shape), out.stride(), out.is_contiguous(),
                    out.is_contiguous(memory_format=m.channels_last)))
    assert got[0] == got[1]


def test_result_layout_decides_views_and_writes():
    """A pointwise result of a transposed input is not viewable as 1-d (torch raises); reshape copies."""
    for m in (torchlike, torch):
        y = m.arange(12.0).view(3, 4).t() + 0
        with pytest.raises(RuntimeError):
            y.view(12)
        r = y.reshape(12)
        r.add_(1)
        assert float(y.sum()) == 66.0
        assert y.t().is_contiguous() and y.t().view(12).stride() == (1,)


@pytest.mark.parametrize("name", ["rand_like", "randint_like", "randn_like"])
@pytest.mark.parametrize("layout", ["t", "cl"])
def test_random_like_fills_in_memory_order(name, layout):
    """torch fills a permuted-layout ``*_like`` result in memory order: same values and strides here
    (randn_like on tensors of 16+ elements excepted: torch's non-contiguous normal fill differs)."""
    got = []
    for m in (torchlike, torch):
        x = m.zeros(3, 5).t() if layout == "t" else m.zeros(1, 3, 2, 2).contiguous(memory_format=m.channels_last)
        m.manual_seed(0)
        args = (x, 7) if name == "randint_like" else (x,)
        out = getattr(m, name)(*args)
        got.append((out.numpy().copy(), out.stride()))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    assert got[0][1] == got[1][1]


def test_result_strides_with_the_dispatch_hook_installed():
    """Once a meta tensor exists the dispatch hook stays installed for good; results still get torch's
    strides (they came out contiguous: the hooked path skipped the layout rule)."""
    torchlike.empty(2, 2, device="meta")
    got = []
    for m in (torchlike, torch):
        x = m.tensor(np.arange(12.0).reshape(3, 4))
        with m.autograd.forward_ad.dual_level():
            dual = m.autograd.forward_ad.make_dual(x.t(), m.ones(4, 3))
            fwd = (dual + 1).stride()
        got.append(((x.t() + 1).stride(), (x.t() * 2).is_contiguous(), fwd))
    assert got[0] == got[1]
