"""torch.complex32 / torch.chalf: a dtype torchlike can name, compare, promote and give to finfo as
torch does (kornia lists it among accepted dtypes), while tensors of it -- which JAX cannot hold --
raise a clear TypeError instead of silently becoming complex64."""
import pickle

import pytest
import torch

import torchlike

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
         "complex32", "complex64", "complex128"]


def test_the_dtype_object_matches_torch():
    ours, ref = torchlike.complex32, torch.complex32
    assert torchlike.chalf is ours and torch.chalf is ref
    assert repr(ours) == repr(ref) == "torch.complex32"
    for attr in ("is_complex", "is_floating_point", "is_signed", "itemsize"):
        assert getattr(ours, attr) == getattr(ref, attr), attr
    assert repr(ours.to_real()) == repr(ref.to_real())
    assert ours != torchlike.complex64 and ours in (torchlike.float16, torchlike.complex32)
    assert pickle.loads(pickle.dumps(ours)) is ours
    fi, fr = torchlike.finfo(ours), torch.finfo(ref)
    for attr in ("bits", "eps", "max", "min", "tiny", "resolution", "dtype"):
        assert getattr(fi, attr) == getattr(fr, attr), attr


@pytest.mark.parametrize("other", NAMES)
def test_promotion_matches_torch(other):
    for a, b in [("complex32", other), (other, "complex32")]:
        ref = torch.promote_types(getattr(torch, a), getattr(torch, b))
        assert repr(torchlike.promote_types(getattr(torchlike, a), getattr(torchlike, b))) == repr(ref)


def test_tensors_of_it_raise_a_clear_error():
    for make in (lambda: torchlike.zeros(2, dtype=torchlike.complex32),
                 lambda: torchlike.tensor([1 + 2j], dtype=torchlike.chalf),
                 lambda: torchlike.ones(2).to(torchlike.complex32)):
        with pytest.raises(TypeError, match="complex32 .ComplexHalf. tensors are not supported by torchlike"):
            make()
