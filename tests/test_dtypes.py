"""dtype objects, aliases and torch's type promotion (tensors, zero-dim tensors, Python scalars)."""
import itertools

import numpy as np
import pytest
import torch

import torchlike

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
         "complex64", "complex128"]


def test_aliases():
    assert torchlike.float is torchlike.float32
    assert torchlike.double is torchlike.float64
    assert torchlike.half is torchlike.float16
    assert torchlike.long is torchlike.int64
    assert torchlike.int is torchlike.int32
    assert repr(torchlike.float32) == "torch.float32"
    assert torchlike.float32.is_floating_point and not torchlike.int64.is_floating_point
    assert torchlike.get_default_dtype() is torchlike.float32


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(NAMES, 2)))
def test_promote_types(a, b):
    ref = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(torchlike.promote_types(getattr(torchlike, a), getattr(torchlike, b))) == str(ref)


SCALARS = [True, 2, 2.5, 1 + 2j]


@pytest.mark.parametrize("name", ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"])
@pytest.mark.parametrize("scalar", SCALARS)
@pytest.mark.parametrize("zero_dim", [False, True])
def test_result_type_with_scalar(name, scalar, zero_dim):
    if name == "float16" and isinstance(scalar, complex):
        pytest.skip("torch gives complex32, which JAX (and so torchlike) does not have")
    shape = () if zero_dim else (2,)
    t_ref = torch.ones(shape, dtype=getattr(torch, name))
    t_ours = torchlike.ones(shape, dtype=getattr(torchlike, name))
    assert str(torchlike.result_type(t_ours, scalar)) == str(torch.result_type(t_ref, scalar))
    if isinstance(scalar, complex) or (name == "bool" and scalar is True):
        return
    assert str((t_ours + scalar).dtype) == str((t_ref + scalar).dtype)
    assert str((t_ours * scalar).dtype) == str((t_ref * scalar).dtype)


@pytest.mark.parametrize("a,b", [("int64", "float32"), ("int32", "float64"), ("float16", "float32"),
                                 ("uint8", "int8"), ("bool", "int32"), ("float32", "float64")])
def test_zero_dim_vs_dimensioned(a, b):
    for sa, sb in [((), (3,)), ((3,), ()), ((), ())]:
        ra = torch.ones(sa, dtype=getattr(torch, a)) + torch.ones(sb, dtype=getattr(torch, b))
        oa = torchlike.ones(sa, dtype=getattr(torchlike, a)) + torchlike.ones(sb, dtype=getattr(torchlike, b))
        assert str(oa.dtype) == str(ra.dtype)


def test_documented_examples():
    assert torchlike.tensor([1, 2]).dtype is torchlike.int64
    assert torchlike.tensor([1.5]).dtype is torchlike.float32
    assert torchlike.from_numpy(np.zeros(2)).dtype is torchlike.float64
    assert (torchlike.tensor([1, 2]) / 2).dtype is torchlike.float32
    assert (torchlike.tensor([1, 2]) * 2.5).dtype is torchlike.float32
    assert torchlike.tensor([True]).sum().dtype is torchlike.int64


def test_default_dtype_switch():
    try:
        torchlike.set_default_dtype(torchlike.float64)
        assert torchlike.tensor([1.0]).dtype is torchlike.float64
        assert torchlike.zeros(2).dtype is torchlike.float64
    finally:
        torchlike.set_default_dtype(torchlike.float32)
    with pytest.raises(TypeError):
        torchlike.set_default_dtype(torchlike.int64)


def test_finfo_iinfo_can_cast():
    for name in ["float16", "bfloat16", "float32", "float64"]:
        f, g = torchlike.finfo(getattr(torchlike, name)), torch.finfo(getattr(torch, name))
        assert (f.bits, f.eps, f.max, f.min, f.tiny, f.resolution) == (g.bits, g.eps, g.max, g.min, g.tiny, g.resolution)
    for name in ["uint8", "int8", "int16", "int32", "int64"]:
        f, g = torchlike.iinfo(getattr(torchlike, name)), torch.iinfo(getattr(torch, name))
        assert (f.bits, f.min, f.max) == (g.bits, g.min, g.max)
    for a, b in itertools.product(NAMES, NAMES):
        assert torchlike.can_cast(getattr(torchlike, a), getattr(torchlike, b)) == \
            torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


def test_inplace_cast_error():
    x = torchlike.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x += 1.5
    y = torch.tensor([1, 2])
    with pytest.raises(RuntimeError):
        y += 1.5
