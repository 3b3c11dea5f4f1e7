"""repr/str of tensors equals torch's for the same data."""
import pytest
import torch

import torchlike

CASES = [
    lambda m: m.tensor([1.0, 2.0, 3.0]),
    lambda m: m.tensor([1.5, -2.25, 3.0]),
    lambda m: m.tensor([[1, 2], [3, 4]]),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor(3.5),
    lambda m: m.tensor(7),
    lambda m: m.tensor([1e-5, 1.0, 3.0]),
    lambda m: m.tensor([1e9, 1.0]),
    lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.0]),
    lambda m: m.tensor([0.0, 0.0]),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float16),
    lambda m: m.tensor([1, 2], dtype=m.int32),
    lambda m: m.tensor([1, 2], dtype=m.uint8),
    lambda m: m.zeros(0),
    lambda m: m.zeros(2, 0),
    lambda m: m.zeros(0, dtype=m.int64),
    lambda m: m.arange(2000, dtype=m.float32).reshape(40, 50) / 7,
    lambda m: m.arange(1500),
    lambda m: m.arange(60, dtype=m.float32).reshape(3, 4, 5) * 1.37 - 20,
    lambda m: m.arange(30, dtype=m.float32) * 0.123,
    lambda m: m.tensor([[1.0, 2.0]], requires_grad=True),
    lambda m: m.tensor([123456.789, 0.001]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_repr_matches_torch(case):
    assert repr(CASES[case](torchlike)) == repr(CASES[case](torch))
    assert str(CASES[case](torchlike)) == str(CASES[case](torch))


def test_grad_fn_suffix():
    def build(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        return [x * 2, x + 1, x.sum(), x.mean(), x.exp(), x.view(2, 1)]
    for ours, ref in zip(build(torchlike), build(torch)):
        assert repr(ours) == repr(ref)


def test_printoptions():
    try:
        torchlike.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        assert repr(torchlike.tensor([1.2345, 2.0])) == repr(torch.tensor([1.2345, 2.0]))
    finally:
        torchlike.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_size_repr():
    assert repr(torchlike.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape)
    assert torchlike.zeros(2, 3).shape == (2, 3)
    assert torchlike.zeros(2, 3).shape.numel() == 6
