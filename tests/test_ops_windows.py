"""Window functions against torch."""
import pytest
import torch

import torchlike
from conftest import assert_same


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows(name, n, periodic):
    assert_same(getattr(torchlike, name)(n, periodic), getattr(torch, name)(n, periodic), rtol=1e-5, atol=2e-6)
    assert_same(getattr(torchlike, name)(n, periodic, dtype=torchlike.float64),
                getattr(torch, name)(n, periodic, dtype=torch.float64), rtol=1e-12, atol=1e-12)


def test_window_errors():
    with pytest.raises(RuntimeError):
        torchlike.hann_window(4, dtype=torchlike.int64)
    with pytest.raises(RuntimeError):
        torch.hann_window(4, dtype=torch.int64)
