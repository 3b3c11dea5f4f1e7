"""Bad arguments raise torch's exception type with torch's wording (torch's argument parser and the
checks its kernels make before computing), and the argument combinations torch accepts still work."""
from __future__ import annotations

import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")


def _lib_call(lib, path, args):
    fn = lib
    for part in path.split("."):
        fn = getattr(fn, part)
    vals = [lib.tensor(np.array([1.0, 2.0, 3.0], np.float32)) if a == "T" else a for a in args]
    return fn(*vals)


def _outcome(lib, path, args):
    try:
        _lib_call(lib, path, args)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e), str(e)
    return None, ""


# (function, operands): "T" is a float tensor, numbers are Python numbers
_BINARY = [(name, args) for name in ("atan2", "maximum", "minimum", "fmax", "fmin", "logical_and", "logical_or",
                                     "logical_xor", "ldexp", "nextafter", "heaviside", "hypot", "logaddexp",
                                     "logaddexp2", "isclose", "igamma", "igammac")
           for args in (("T", 2), (2, "T"), (2, 3), ("T", "T"))]
_BINARY += [(name, args) for name in ("eq", "ne", "lt", "le", "gt", "ge", "fmod", "copysign", "clamp_min",
                                      "clamp_max", "rsub", "max", "min")
            for args in (("T", 2.0), (2, "T"), (2, 3), ("T", "T"))]
_BINARY += [(name, args) for name in ("pow", "float_power", "remainder", "xlogy", "special.xlog1py", "special.zeta",
                                      "special.chebyshev_polynomial_t", "special.hermite_polynomial_he")
            for args in (("T", 2), (2, "T"), (2, 3), ("T", "T"))]


@pytest.mark.parametrize("name,args", _BINARY, ids=[f"{n}{a}" for n, a in _BINARY])
def test_number_operands_as_torch(name, args):
    ref_type, ref_msg = _outcome(torch, name, args)
    ours_type, ours_msg = _outcome(torchlike, name, args)
    if ref_type is None:
        assert ours_type is None, f"torch accepts {name}{args}; torchlike raised {ours_type}: {ours_msg}"
        return
    assert ours_type is ref_type, f"{name}{args}: torch {ref_type.__name__}({ref_msg}); torchlike {ours_type}({ours_msg})"
    if ref_type is TypeError:  # the parser's first line: which argument, or "invalid combination"
        assert ours_msg.splitlines()[0].split(", but")[0] == ref_msg.splitlines()[0].split(", but")[0]


@pytest.mark.parametrize("dunder", ["__radd__", "__rmul__", "__rand__", "__ror__", "__rxor__", "__add__", "__eq__"])
def test_reflected_dunder_unbound_on_a_number(dunder):
    x = torchlike.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        getattr(torchlike.Tensor, dunder)(2, x)
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        getattr(torch.Tensor, dunder)(2, torch.tensor([1, 2, 3]))


def test_python_operators_with_numbers_on_either_side():
    a = np.array([1.0, 2.0, 4.0], np.float32)
    x, t = torchlike.tensor(a), torch.tensor(a)
    for f in (lambda v: 2 + v, lambda v: 2 - v, lambda v: 2 * v, lambda v: 2 / v, lambda v: 2 ** v,
              lambda v: 2 % v, lambda v: 2 < v, lambda v: 2 == v, lambda v: v >= 2):
        np.testing.assert_array_equal(f(x).numpy(), f(t).numpy())
    xi, ti = torchlike.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    for f in (lambda v: 6 & v, lambda v: 6 | v, lambda v: 6 ^ v, lambda v: 1 << v, lambda v: 64 >> v):
        np.testing.assert_array_equal(f(xi).numpy(), f(ti).numpy())


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_write_out(name):
    a = np.array([[3.0, -1.0], [0.5, 7.0]], np.float32)
    b = np.array([[1.0, 2.0], [5.0, -3.0]], np.float32)
    for extra in ((), ("B",)):
        outs = []
        for lib in (torch, torchlike):
            out = lib.zeros(() if not extra else (2, 2))
            args = [lib.tensor(a)] + [lib.tensor(b) for _ in extra]
            res = getattr(lib, name)(*args, out=out)
            assert res is out
            outs.append(out.numpy())
        np.testing.assert_array_equal(outs[1], outs[0])


@pytest.mark.parametrize("dunder", ["__rpow__", "__rfloordiv__", "__rmod__", "__rlshift__"])
def test_python_level_dunders_unbound_as_torch(dunder):
    """torch writes these in Python: unbound on a number they do not raise the descriptor error."""
    ref = getattr(torch.Tensor, dunder)(2, torch.tensor([1, 2, 3]))
    ours = getattr(torchlike.Tensor, dunder)(2, torchlike.tensor([1, 2, 3]))
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def _f32(*shape):
    return np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) / 7 + 0.5


# (id, call(lib)) for bad inputs: torchlike must raise torch's exception type, sharing a key word
_BAD = [
    ("fft_0dim", lambda L: L.fft.fft(L.tensor(1.0))),
    ("rfft2_0dim", lambda L: L.fft.rfft2(L.tensor(1.0), dim=(0,))),
    ("irfft_0dim", lambda L: L.fft.irfft(L.tensor(1.0))),
    ("avg_pool2d_negative_pad", lambda L: L.nn.functional.avg_pool2d(L.tensor(_f32(1, 4, 4)), 2, padding=-1)),
    ("max_pool1d_negative_pad", lambda L: L.nn.functional.max_pool1d(L.tensor(_f32(1, 1, 8)), 2, padding=-1)),
    ("adaptive_avg_pool2d_1dim_short", lambda L: L.nn.functional.adaptive_avg_pool2d(L.tensor(_f32(2, 2)), (2, 2))),
    ("adaptive_avg_pool2d_negative", lambda L: L.nn.functional.adaptive_avg_pool2d(L.tensor(_f32(1, 1, 2, 2)), (-1, 1))),
    ("adaptive_max_pool2d_negative", lambda L: L.nn.functional.adaptive_max_pool2d(L.tensor(_f32(1, 1, 2, 2)), (-1, 1))),
    ("amax_empty_no_dim", lambda L: L.amax(L.ones(5, 0, 5))),
    ("amax_empty_dim", lambda L: L.amax(L.ones(5, 0, 5), 1)),
    ("aminmax_empty", lambda L: L.aminmax(L.ones(5, 0, 5))),
    ("amin_65_dims", lambda L: L.amin(L.ones([1] * 65), -1)),
    ("eye_negative", lambda L: L.eye(-1)),
    ("eye_negative_m", lambda L: L.eye(2, -3)),
    ("narrow_0dim", lambda L: L.narrow(L.tensor(1.0), 0, 0, 1)),
    ("narrow_copy_dim", lambda L: L.narrow_copy(L.ones(2, 3), 2, 0, 1)),
    ("hstack_empty", lambda L: L.hstack([])),
    ("movedim_lengths", lambda L: L.movedim(L.ones(2, 3, 4), (0, 1), (2,))),
    ("movedim_repeated", lambda L: L.movedim(L.ones(2, 3, 4), (0, 0), (1, 2))),
    ("diff_negative", lambda L: L.diff(L.ones(3), -1)),
    ("gradient_spacing_length", lambda L: L.gradient(L.ones(3, 3), spacing=[0.1], dim=(1, 0))),
    ("gradient_spacing_no_dim", lambda L: L.gradient(L.ones(3, 3), spacing=[0.1])),
    ("gradient_repeated_dim", lambda L: L.gradient(L.ones(3, 3), spacing=0.1, dim=(1, 1))),
    ("cov_fweights_2d", lambda L: L.cov(L.ones(5), fweights=L.ones(5, 5, dtype=L.int64))),
    ("multinomial_int", lambda L: L.multinomial(L.ones(1, 2, dtype=L.int64), 2)),
    ("masked_fill_complex", lambda L: L.ones(2).masked_fill(L.tensor(False), 1j)),
    ("cauchy_sigma", lambda L: L.ones(3).cauchy_(0, 0)),
    ("empty_permuted_len", lambda L: L.empty_permuted((2,), (0, 1))),
    ("empty_permuted_dup", lambda L: L.empty_permuted((2, 3), (0, 0))),
    ("linspace_float_steps", lambda L: L.linspace(0, 3, 1.0)),
    ("linspace_1d_start", lambda L: L.linspace(L.ones(2), L.ones(2), 1)),
    ("kthvalue_k", lambda L: L.kthvalue(L.ones(2, 2), 3, 0)),
    ("hsplit_str", lambda L: L.hsplit(L.ones(5, 5), "abc")),
    ("embedding_weight_1d", lambda L: L.nn.functional.embedding(L.tensor([0, 1]), L.ones(3))),
    ("prelu_weight_2d", lambda L: L.nn.functional.prelu(L.ones(2, 8, 3), L.ones(2, 4))),
    ("rrelu_bounds", lambda L: L.nn.functional.rrelu(L.ones(3), 0.3, 0.1)),
    ("triplet_margin", lambda L: L.nn.functional.triplet_margin_loss(L.ones(3, 4), L.ones(3, 4), L.ones(3, 4), margin=-1.0)),
    ("multi_margin_empty", lambda L: L.nn.functional.multi_margin_loss(L.ones(5, 0), L.zeros(5, dtype=L.int64))),
    ("layer_norm_empty_shape", lambda L: L.nn.functional.layer_norm(L.ones(1, 2, 3), ())),
    ("rms_norm_empty_shape", lambda L: L.nn.functional.rms_norm(L.ones(1, 2, 3), ())),
    ("layer_norm_bias_shape", lambda L: L.nn.functional.layer_norm(L.ones(1, 2, 3), (3,), None, L.ones(2))),
    ("conv1d_negative_stride", lambda L: L.nn.functional.conv1d(L.ones(1, 1, 4), L.ones(1, 2, 2), stride=-1)),
    ("gather_out_dtype", lambda L: L.gather(L.ones(2, 2), 1, L.zeros(2, 2, dtype=L.int64),
                                            out=L.zeros(2, 2, dtype=L.float64))),
    ("complex_dtypes", lambda L: L.complex(L.ones(2), L.ones(2, dtype=L.float64))),
    ("complex_int", lambda L: L.complex(L.ones(2), L.ones(2, dtype=L.int32))),
    ("complex_out", lambda L: L.complex(L.ones(2), L.ones(2), out=L.zeros(2, dtype=L.complex128))),
    ("linear_cross_entropy_weight_1d", lambda L: L.nn.functional.linear_cross_entropy(
        L.ones(2, 3), L.ones(2), L.zeros(2, dtype=L.int64))),
    ("narrow_start_range", lambda L: L.narrow(L.ones(10), 0, 11, 0)),
    ("narrow_float_start", lambda L: L.narrow(L.ones(10), 0, L.tensor(1.0), 2)),
    ("roll_0dim", lambda L: L.roll(L.tensor(1.0), 1, 0)),
    ("arange_inf", lambda L: L.arange(0, float("inf"))),
    ("conv1d_negative_padding", lambda L: L.nn.functional.conv1d(L.ones(1, 1, 4), L.ones(1, 2, 2), padding=-1)),
    ("conv1d_zero_dilation", lambda L: L.nn.functional.conv1d(L.ones(1, 1, 4), L.ones(1, 2, 2), dilation=0)),
    ("max_pool1d_empty_channels", lambda L: L.nn.functional.max_pool1d(L.ones(0, 10), 1)),
    ("max_pool3d_empty_channels", lambda L: L.nn.functional.max_pool3d(L.ones(0, 1, 2, 10), 1)),
    ("avg_pool3d_rank", lambda L: L.nn.functional.avg_pool3d(L.ones(0, 1, 49), 2)),
    ("cov_float_fweights", lambda L: L.cov(L.ones(5), fweights=L.ones(5))),
    ("cov_int_aweights", lambda L: L.cov(L.ones(5), aweights=L.ones(5, dtype=L.int64))),
    ("multinomial_zero_samples", lambda L: L.multinomial(L.ones(3), 0)),
    ("multi_margin_float_target", lambda L: L.nn.functional.multi_margin_loss(L.ones(5, 4), L.zeros(5))),
    ("take_out_is_input", lambda L: (lambda x: L.take(x, L.tensor([0, 1]), out=x[:2]))(L.ones(6))),
    ("masked_select_out_expanded", lambda L: L.masked_select(L.ones(6), L.ones(6, dtype=L.bool),
                                                             out=L.ones(1).expand(6))),
    ("cat_empty", lambda L: L.cat([])),
]


@pytest.mark.parametrize("call", [c for _, c in _BAD], ids=[i for i, _ in _BAD])
def test_bad_input_raises_as_torch(call):
    import re
    try:
        call(torch)
    except Exception as e:  # noqa: BLE001
        ref = e
    else:
        pytest.skip("torch accepts it in this version")
    with pytest.raises(Exception) as info:
        call(torchlike)
    assert type(info.value) is type(ref), f"torch {type(ref).__name__}: {ref}; torchlike {info.type.__name__}: {info.value}"
    words = {w.lower() for w in re.findall(r"[A-Za-z_]{4,}", str(ref))}
    assert words & {w.lower() for w in re.findall(r"[A-Za-z_]{4,}", str(info.value))}, (str(ref), str(info.value))


# ---------------------------------------------------------------- out= and in-place variants

_OUT = [
    ("argmax", lambda L, x, out: L.argmax(x, 1, out=out), "int64"),
    ("argmin", lambda L, x, out: L.argmin(x, out=out), "int64"),
    ("nansum", lambda L, x, out: L.nansum(x, 0, out=out), "float32"),
    ("nanmean", lambda L, x, out: L.nanmean(x, out=out), "float32"),
    ("clamp_min", lambda L, x, out: L.clamp_min(x, 0.3, out=out), "float32"),
    ("clamp_max", lambda L, x, out: L.clamp_max(x, 0.3, out=out), "float32"),
    ("diff", lambda L, x, out: L.diff(x, dim=0, out=out), "float32"),
    ("hstack", lambda L, x, out: L.hstack([x, x], out=out), "float32"),
    ("vstack", lambda L, x, out: L.vstack([x, x], out=out), "float32"),
    ("dstack", lambda L, x, out: L.dstack([x, x], out=out), "float32"),
    ("column_stack", lambda L, x, out: L.column_stack([x, x], out=out), "float32"),
    ("isin", lambda L, x, out: L.isin(x, x[0], out=out), "bool"),
    ("softmax", lambda L, x, out: L.softmax(x, 1, out=out), "float32"),
    ("log_softmax", lambda L, x, out: L.log_softmax(x, 0, out=out), "float32"),
    ("gelu", lambda L, x, out: L._C._nn.gelu(x, out=out) if L is torch else L.nn.functional.gelu(x, out=out), "float32"),
    ("softplus", lambda L, x, out: L._C._nn.softplus(x, out=out) if L is torch else L.nn.functional.softplus(x, out=out), "float32"),
    ("logsigmoid", lambda L, x, out: L._C._nn.log_sigmoid(x, out=out) if L is torch else L.nn.functional.logsigmoid(x, out=out), "float32"),
    ("hardshrink", lambda L, x, out: L.hardshrink(x, 0.4, out=out) if L is torch else L.nn.functional.hardshrink(x, 0.4, out=out), "float32"),
    ("linear", lambda L, x, out: L._C._nn.linear(x, x, out=out) if L is torch else L.nn.functional.linear(x, x, out=out), "float32"),
    ("avg_pool2d", lambda L, x, out: (L._C._nn if L is torch else L.nn.functional).avg_pool2d(x[None], 2, out=out), "float32"),
    ("slice_scatter", lambda L, x, out: L.slice_scatter(x, x[:1], 0, 0, 1, out=out), "float32"),
    ("conj_physical", lambda L, x, out: L.conj_physical(x, out=out), "float32"),
    ("norm_nuc", lambda L, x, out: L.norm(x, "nuc", out=out), "float32"),
    ("nonzero", lambda L, x, out: L.nonzero(x > 0.5, out=out), "int64"),
    ("index_select_0dim", lambda L, x, out: L.index_select(x[0, 0], 0, L.tensor([0]), out=out), "float32"),
]


@pytest.mark.parametrize("call,dtype", [(c, d) for _, c, d in _OUT], ids=[i for i, _, _ in _OUT])
def test_out_variants(call, dtype):
    a = np.array([[0.1, 0.9, 0.4], [0.7, 0.2, 0.6], [0.3, 0.8, 0.5]], np.float32)
    results = []
    for L in (torch, torchlike):
        out = L.empty(0, dtype=getattr(L, dtype))  # empty: resized without a warning
        res = call(L, L.tensor(a), out)
        assert res is out and out.dtype == getattr(L, dtype)
        results.append((out.numpy(), call(L, L.tensor(a), None).numpy()))
    np.testing.assert_allclose(results[1][0], results[1][1], rtol=1e-6, atol=1e-6)  # out= equals the result
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6, atol=1e-6)  # and torch's


def test_out_resize_warns_and_bad_cast_raises():
    for L in (torch, torchlike):
        with pytest.warns(UserWarning, match="was resized"):
            out = L.zeros(2)
            L.add(L.ones(3), 1, out=out)
        assert tuple(out.shape) == (3,)
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            L.add(L.ones(3), 1.5, out=L.zeros(3, dtype=L.int64))


def test_float_power_in_place_needs_a_double_base():
    for L in (torch, torchlike):
        with pytest.raises(RuntimeError, match="float_power_ has dtype Float"):
            L.ones(3).float_power_(2)
        x = L.tensor([1.0, 2.0, 3.0], dtype=L.float64)
        x.float_power_(2)
        np.testing.assert_array_equal(x.numpy(), [1.0, 4.0, 9.0])
