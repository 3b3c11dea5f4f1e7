"""torch.special polynomials, Bessel/Airy functions and torch.igamma/igammac vs torch 2.13."""
import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")

POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
         "legendre_polynomial_p"]
X = np.array([-1.5, -1.0, -0.3, 0.0, 0.25, 0.7, 1.0, 2.0], dtype=np.float32)
N = np.array([0, 1, 2, 3, 5, 6, -1, 4])


@pytest.mark.parametrize("name", POLYS)
def test_polynomials(name):
    f, tf = getattr(torchlike.special, name), getattr(torch.special, name)
    assert_same(f(torchlike.tensor(X), torchlike.tensor(N)), tf(torch.tensor(X), torch.tensor(N)), rtol=1e-5,
                atol=1e-5)
    # scalar degree, float64 input, broadcasting
    x64 = X.astype(np.float64)[:, None]
    assert_same(f(torchlike.tensor(x64), torchlike.tensor(N[:6])), tf(torch.tensor(x64), torch.tensor(N[:6])),
                rtol=1e-9, atol=1e-9)
    assert_same(f(torchlike.tensor(X), 3), tf(torch.tensor(X), 3), rtol=1e-5, atol=1e-5)


def test_polynomial_dtypes_and_no_grad():
    f, tf = torchlike.special.legendre_polynomial_p, torch.special.legendre_polynomial_p
    assert_same(f(torchlike.tensor([1, 2]), torchlike.tensor([2, 3])), tf(torch.tensor([1, 2]), torch.tensor([2, 3])))
    x = torchlike.tensor(X, requires_grad=True)
    assert not f(x, 2).requires_grad and not torchlike.special.bessel_j0(x).requires_grad


BESSEL = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
          "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
          "spherical_bessel_j0", "airy_ai"]
XB = np.concatenate([np.linspace(-30, 30, 121), [0.0, 1e-6, 0.01, 16.9, 17.1, 45.0, np.inf, -np.inf, np.nan]])


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_airy(name):
    f, tf = getattr(torchlike.special, name), getattr(torch.special, name)
    for dt in (np.float32, np.float64):
        got, ref = f(torchlike.tensor(XB.astype(dt))), tf(torch.tensor(XB.astype(dt)))
        # torch's float64 kernels are themselves accurate to only ~1e-6 (e.g. J0 near 5)
        assert_same(got, ref, rtol=2e-5, atol=2e-6)
    assert_same(f(torchlike.tensor([1, 3])), tf(torch.tensor([1, 3])), rtol=2e-5, atol=2e-6)


def test_igamma():
    a = np.array([0.5, 1.0, 2.5, 4.0], dtype=np.float32)
    x = np.array([0.2, 1.0, 3.0, 0.5], dtype=np.float32)
    for name in ("igamma", "igammac"):
        assert_same(getattr(torchlike, name)(torchlike.tensor(a), torchlike.tensor(x)),
                    getattr(torch, name)(torch.tensor(a), torch.tensor(x)), rtol=1e-5)
        t, tt = torchlike.tensor(a), torch.tensor(a)
        assert_same(getattr(t, name + "_")(torchlike.tensor(x)), getattr(tt, name + "_")(torch.tensor(x)), rtol=1e-5)
        with pytest.raises(NotImplementedError):
            getattr(torchlike, name)(torchlike.tensor([1, 2]), torchlike.tensor([1, 2]))
    xs, txs = torchlike.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    torchlike.igamma(torchlike.tensor(a), xs).sum().backward()
    torch.igamma(torch.tensor(a), txs).sum().backward()
    assert_same(xs.grad, txs.grad, rtol=1e-4, atol=1e-6)
