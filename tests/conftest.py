"""Shared test helpers: the torch reference and comparisons between torchlike and torch tensors."""
import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")


def to_np(t):
    """numpy value of a torchlike or torch tensor (or a number)."""
    if isinstance(t, torchlike.Tensor):
        return np.asarray(t.detach()._value)
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def assert_same(ours, ref, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Same shape, dtype name and values (within tolerance) for a torchlike and a torch tensor."""
    if isinstance(ref, (tuple, list)):
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref):
            assert_same(a, b, rtol, atol, check_dtype)
        return
    if isinstance(ref, torch.Tensor):
        assert isinstance(ours, torchlike.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(ref.shape), (ours.shape, ref.shape)
        if check_dtype:
            assert str(ours.dtype) == str(ref.dtype), (ours.dtype, ref.dtype)
    np.testing.assert_allclose(to_np(ours).astype(np.float64) if to_np(ours).dtype != bool else to_np(ours),
                               to_np(ref).astype(np.float64) if to_np(ref).dtype != bool else to_np(ref),
                               rtol=rtol, atol=atol)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
