"""geqrf / householder_product (orgqr) / ormqr against torch: LAPACK's Householder QR form."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

R = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (2, 6, 4)])
def test_geqrf_orgqr_ormqr(shape):
    a = R.standard_normal(shape)
    ours, ref = torchlike.geqrf(torchlike.tensor(a)), torch.geqrf(torch.tensor(a))
    assert_same(ours.a, ref.a, rtol=1e-10, atol=1e-10)
    assert_same(ours.tau, ref.tau, rtol=1e-10, atol=1e-10)
    assert_same(torchlike.linalg.householder_product(ours.a, ours.tau),
                torch.linalg.householder_product(ref.a, ref.tau), rtol=1e-10, atol=1e-10)
    c = R.standard_normal(shape[:-2] + (shape[-2], 2))
    for left, transpose in [(True, False), (True, True)]:
        assert_same(torchlike.ormqr(ours.a, ours.tau, torchlike.tensor(c), left, transpose),
                    torch.ormqr(ref.a, ref.tau, torch.tensor(c), left, transpose), rtol=1e-10, atol=1e-10)
    d = R.standard_normal(shape[:-2] + (2, shape[-2]))
    assert_same(torchlike.ormqr(ours.a, ours.tau, torchlike.tensor(d), False, False),
                torch.ormqr(ref.a, ref.tau, torch.tensor(d), False, False), rtol=1e-10, atol=1e-10)


def test_householder_product_grad_and_errors():
    a = R.standard_normal((5, 3))
    tau = R.uniform(0.5, 1.5, (3,))

    def run(m):
        A = m.tensor(a, requires_grad=True)
        q = m.linalg.householder_product(A, m.tensor(tau))
        (q * m.tensor(np.arange(15.0).reshape(5, 3))).sum().backward()
        return q, A.grad
    assert_same(run(torchlike), run(torch), rtol=1e-8, atol=1e-10)
    with pytest.raises(RuntimeError):
        torchlike.linalg.householder_product(torchlike.ones(2, 3, dtype=torchlike.float64), torchlike.ones(2, dtype=torchlike.float64))
    with pytest.raises(RuntimeError):
        torch.linalg.householder_product(torch.ones(2, 3, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
