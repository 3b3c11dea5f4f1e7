"""torch.fft against torch 2.13: values (real and imaginary parts), dtypes and shapes for real and
complex inputs, ``n``/``s``, ``dim``, ``norm``; gradients of real losses for real inputs."""
import numpy as np
import pytest

import torchlike
from conftest import to_np

torch = pytest.importorskip("torch")
TL = torchlike


def same(ours, ref, rtol=1e-4, atol=1e-5):
    assert tuple(ours.shape) == tuple(ref.shape), (ours.shape, ref.shape)
    assert str(ours.dtype) == str(ref.dtype), (ours.dtype, ref.dtype)
    np.testing.assert_allclose(to_np(ours), to_np(ref.resolve_conj()), rtol=rtol, atol=atol)


def _run(name, a, **kw):
    return getattr(TL.fft, name)(TL.tensor(a), **kw), getattr(torch.fft, name)(torch.tensor(a), **kw)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "ihfft"])
@pytest.mark.parametrize("kw", [{}, {"n": 5, "norm": "ortho"}, {"n": 12, "dim": 0, "norm": "forward"}])
def test_forward_1d_real(rng, name, kw):
    a = rng.standard_normal((8, 6)).astype(np.float32)
    same(*_run(name, a, **kw))


@pytest.mark.parametrize("name", ["fft", "ifft", "irfft", "hfft"])
@pytest.mark.parametrize("kw", [{}, {"n": 7, "norm": "ortho"}, {"n": 4, "dim": 0, "norm": "forward"}])
def test_1d_complex(rng, name, kw):
    a = (rng.standard_normal((5, 6)) + 1j * rng.standard_normal((5, 6))).astype(np.complex64)
    same(*_run(name, a, **kw))


def test_dtypes(rng):
    a64 = rng.standard_normal(6)
    same(*_run("fft", a64), rtol=1e-10, atol=1e-10)
    same(*_run("rfft", a64), rtol=1e-10, atol=1e-10)
    same(*_run("fft", np.arange(6)))  # integer input -> complex64
    c = TL.fft.rfft(TL.tensor(a64))
    same(TL.fft.irfft(c), torch.fft.irfft(torch.fft.rfft(torch.tensor(a64))), rtol=1e-10, atol=1e-10)
    assert TL.fft.irfft(c, n=6).dtype == TL.float64


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "fftn", "ifftn", "rfftn", "ihfft2", "ihfftn"])
def test_nd_real(rng, name):
    a = rng.standard_normal((3, 4, 6)).astype(np.float32)
    same(*_run(name, a))
    same(*_run(name, a, s=(5, 4), dim=(0, 2), norm="ortho"))


@pytest.mark.parametrize("name", ["fft2", "ifft2", "irfft2", "fftn", "ifftn", "irfftn", "hfft2", "hfftn"])
def test_nd_complex(rng, name):
    a = (rng.standard_normal((3, 4, 5)) + 1j * rng.standard_normal((3, 4, 5))).astype(np.complex64)
    same(*_run(name, a))
    same(*_run(name, a, s=(4, 6), norm="forward"))


def test_roundtrips(rng):
    a = rng.standard_normal((4, 7))
    x = TL.tensor(a)
    np.testing.assert_allclose(to_np(TL.fft.irfft(TL.fft.rfft(x), n=7)), a, atol=1e-12)
    np.testing.assert_allclose(to_np(TL.fft.ifftn(TL.fft.fftn(x)).real), a, atol=1e-12)
    np.testing.assert_allclose(to_np(TL.fft.irfftn(TL.fft.rfftn(x), s=x.shape)), a, atol=1e-12)


def test_freq_and_shift(rng):
    for n, d in ((8, 1.0), (7, 0.5), (1, 1.0)):
        same(TL.fft.fftfreq(n, d), torch.fft.fftfreq(n, d))
        same(TL.fft.rfftfreq(n, d), torch.fft.rfftfreq(n, d))
    same(TL.fft.fftfreq(5, dtype=TL.float64), torch.fft.fftfreq(5, dtype=torch.float64))
    a = rng.standard_normal((4, 5))
    for kw in ({}, {"dim": 1}, {"dim": (0,)}, {"dim": -2}):
        same(*_run("fftshift", a, **kw))
        same(*_run("ifftshift", a, **kw))


@pytest.mark.parametrize("name,kw", [("rfft", {}), ("fft", {"n": 10}), ("fft2", {"norm": "ortho"}),
                                     ("rfftn", {"s": (3, 4)}), ("ihfft", {})])
def test_grad_real_input(rng, name, kw):
    a = rng.standard_normal((3, 6))
    x, xr = TL.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    yo, yr = getattr(TL.fft, name)(x, **kw), getattr(torch.fft, name)(xr, **kw)
    # a real, non-trivial loss of the complex result
    (yo.real * 1.5 - yo.imag * 0.5 + yo.abs() ** 2).sum().backward()
    (yr.real * 1.5 - yr.imag * 0.5 + yr.abs() ** 2).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), xr.grad.numpy(), rtol=1e-6, atol=1e-8)


def test_grad_irfft(rng):
    a = rng.standard_normal((2, 8))
    x, xr = TL.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = rng.standard_normal(8)
    (TL.fft.irfft(TL.fft.rfft(x) * 2, n=8) * TL.tensor(w)).sum().backward()
    (torch.fft.irfft(torch.fft.rfft(xr) * 2, n=8) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), xr.grad.numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call", [
    lambda L: L.fft.rfft(L.zeros(4, dtype=L.complex64)),
    lambda L: L.fft.fft(L.zeros(4), n=0),
    lambda L: L.fft.fft(L.zeros(4), norm="bad"),
    lambda L: L.fft.fft(L.zeros(4), dim=1),
    lambda L: L.fft.fftn(L.zeros(4, 4), s=(2, 2), dim=(0,)),
    lambda L: L.fft.irfft(L.zeros(1, dtype=L.complex64)),
])
def test_errors(call):
    with pytest.raises(Exception) as ref:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(TL)
    assert type(ours.value).__name__ == type(ref.value).__name__, (ours.value, ref.value)
