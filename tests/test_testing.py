"""torchlike.testing.assert_close / make_tensor against torch.testing, and torch interop helpers."""
import numpy as np
import pytest

import torchlike as tl

torch = pytest.importorskip("torch")


def _message(lib, actual, expected, **kw):
    try:
        lib.testing.assert_close(actual, expected, **kw)
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


CASES = [
    ("float_close", lambda L: (L.tensor([1., 2., 3.]), L.tensor([1., 2.5, 3.1])), {}),
    ("int_equal", lambda L: (L.tensor([1, 2]), L.tensor([1, 3])), {}),
    ("dtype", lambda L: (L.tensor([1.]), L.tensor([1.], dtype=L.float64)), {}),
    ("shape", lambda L: (L.ones(2), L.ones(3)), {}),
    ("custom_msg", lambda L: (L.ones(2), L.ones(2) * 1.0001), dict(rtol=0, atol=0, msg="custom")),
    ("nan", lambda L: (L.tensor([float("nan")]), L.tensor([float("nan")])), {}),
    ("nan_equal", lambda L: (L.tensor([float("nan"), 1.]), L.tensor([float("nan"), 1.])), dict(equal_nan=True)),
    ("seq", lambda L: ([1., 2.], [1., 2.1]), {}),
    ("scalar", lambda L: (1.0, 1.1), {}),
    ("dict", lambda L: ({"a": L.ones(1)}, {"a": L.zeros(1)}), {}),
    ("nested", lambda L: ([{"w": L.ones(2, 2)}], [{"w": L.ones(2, 2) * 1.5}]), {}),
    ("ok_tolerance", lambda L: (L.tensor([1.0]), L.tensor([1.0 + 1e-6])), {}),
    ("explicit_tol", lambda L: (L.tensor([1.0]), L.tensor([1.2])), dict(rtol=0.0, atol=0.1)),
    ("float64", lambda L: (L.tensor([1.0], dtype=L.float64), L.tensor([1.0 + 1e-6], dtype=L.float64)), {}),
    ("half", lambda L: (L.tensor([1.0], dtype=L.float16), L.tensor([1.01], dtype=L.float16)), {}),
    ("bool", lambda L: (L.tensor([True, False]), L.tensor([True, True])), {}),
    ("no_dtype_check", lambda L: (L.tensor([1, 2]), L.tensor([1., 2.5])), dict(check_dtype=False)),
    ("2d_index", lambda L: (L.zeros(2, 3), L.tensor([[0., 0., 0.], [0., 7., 0.]])), {}),
    ("empty", lambda L: (L.zeros(0, 3), L.zeros(0, 3)), {}),
]


@pytest.mark.parametrize("name,make,kw", CASES, ids=[c[0] for c in CASES])
def test_assert_close_matches_torch(name, make, kw):
    ours = _message(tl, *make(tl), **kw)
    ref = _message(torch, *make(torch), **kw)
    assert ours == ref


def test_rtol_atol_must_come_together():
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        tl.testing.assert_close(tl.ones(1), tl.ones(1), rtol=0.1)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        torch.testing.assert_close(torch.ones(1), torch.ones(1), rtol=0.1)


def test_callable_msg():
    with pytest.raises(AssertionError, match="^wrapped: Tensor-likes"):
        tl.testing.assert_close(tl.ones(1), tl.zeros(1), msg=lambda m: "wrapped: " + m)


def test_compares_across_libraries():
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    tl.testing.assert_close(tl.tensor(x).exp(), torch.tensor(x).exp())
    tl.testing.assert_close(tl.tensor(x).to(tl.bfloat16), torch.tensor(x).to(torch.bfloat16))
    with pytest.raises(AssertionError, match="attribute 'dtype'"):
        tl.testing.assert_close(tl.tensor(x), torch.tensor(x, dtype=torch.float64))
    with pytest.raises(AssertionError, match="Tensor-likes are not close"):
        tl.testing.assert_close(tl.tensor(x) + 1e-3, torch.tensor(x))


def test_make_tensor():
    tl.manual_seed(0)
    t = tl.testing.make_tensor(3, 4, dtype=tl.float32, device="cpu", low=-2, high=2)
    assert t.shape == (3, 4) and t.dtype == tl.float32
    assert float(t.min()) >= -2 and float(t.max()) < 2
    i = tl.testing.make_tensor((50,), dtype=tl.int64, device="cpu", low=0, high=5)
    assert i.dtype == tl.int64 and int(i.min()) >= 0 and int(i.max()) < 5
    b = tl.testing.make_tensor(6, dtype=tl.bool, device="cpu")
    assert b.dtype == tl.bool
    z = tl.testing.make_tensor(200, dtype=tl.int8, device="cpu", low=-1, high=1, exclude_zero=True)
    assert not bool((z == 0).any())
    g = tl.testing.make_tensor(2, dtype=tl.float64, device="cpu", requires_grad=True)
    assert g.requires_grad
    with pytest.raises(ValueError):
        tl.testing.make_tensor(2, dtype=tl.float32, device="cpu", low=3, high=1)


def test_allclose_isclose_equal_like_torch():
    a = np.array([1.0, 2.0, np.nan, 4.0], np.float32)
    b = np.array([1.0, 2.0 + 1e-7, np.nan, 4.1], np.float32)
    assert tl.allclose(tl.tensor(a), tl.tensor(b)) == torch.allclose(torch.tensor(a), torch.tensor(b))
    assert tl.allclose(tl.tensor(a), tl.tensor(a), equal_nan=True)
    np.testing.assert_array_equal(np.asarray(tl.isclose(tl.tensor(a), tl.tensor(b))._value),
                                  torch.isclose(torch.tensor(a), torch.tensor(b)).numpy())
    assert tl.equal(tl.tensor([1, 2]), tl.tensor([1, 2])) and not tl.equal(tl.tensor([1, 2]), tl.tensor([1, 3]))


# ------------------------------------------------------------------------------ interop

@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8",
                                   "bool", "complex64"])
def test_from_torch_to_torch_roundtrip(dtype):
    ref = (torch.arange(6) % 4).to(getattr(torch, dtype)).reshape(2, 3)
    ours = tl.from_torch(ref)
    assert str(ours.dtype) == str(ref.dtype) and tuple(ours.shape) == (2, 3)
    back = ours.to_torch()
    assert back.dtype == ref.dtype and torch.equal(back, ref)


def test_from_torch_keeps_grad_flags_params_and_state_dicts():
    lin = torch.nn.Linear(2, 3)
    sd = tl.from_torch(lin.state_dict())
    assert list(sd) == ["weight", "bias"] and sd._metadata == lin.state_dict()._metadata
    p = tl.from_torch(lin.weight)
    assert type(p).__name__ == "Parameter" and p.requires_grad
    nonleaf = lin.weight * 2
    assert not tl.from_torch(nonleaf).requires_grad  # a copy of values, not of the graph
    t = tl.ones(2, requires_grad=True).to_torch()
    assert t.requires_grad and t.is_leaf
    noncontig = torch.arange(12.).reshape(3, 4).t()
    assert np.array_equal(np.asarray(tl.from_torch(noncontig)._value), noncontig.numpy())


def test_dlpack_both_ways():
    from torchlike.utils import dlpack
    a = dlpack.from_dlpack(torch.arange(5.))
    assert np.array_equal(np.asarray(a._value), np.arange(5.))
    cap = dlpack.to_dlpack(tl.arange(4))
    assert torch.equal(torch.utils.dlpack.from_dlpack(cap), torch.arange(4))
    assert torch.equal(torch.from_dlpack(tl.arange(3)), torch.arange(3))
    with pytest.raises(RuntimeError, match="require gradient"):
        dlpack.from_dlpack(torch.ones(2, requires_grad=True))


def test_deprecated_assert_allclose_as_torch():
    import warnings

    for m in (tl, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.testing.assert_allclose(m.ones(2), [1.0, 1.00001])
        assert w[0].category is FutureWarning
        with pytest.raises(AssertionError, match="Tensor-likes are not close") as e:
            m.testing.assert_allclose(m.ones(2), m.zeros(2))
        assert "up to 1e-05 allowed" in str(e.value) and "up to 0.0001 allowed" in str(e.value)
    with pytest.raises(RuntimeError, match="but got 3 and 4 elements"):
        tl.dot(tl.ones(3), tl.ones(4))
