"""torch.stft / istft, svd_lowrank / pca_lowrank, histogramdd and hash_tensor against torch 2.13."""
import warnings

import numpy as np
import pytest

import torchlike
from conftest import assert_same as _assert_same, to_np

torch = pytest.importorskip("torch")

warnings.filterwarnings("ignore", message=".*return_complex=False is deprecated.*")
warnings.filterwarnings("ignore", message=".*A window was not provided.*")


def assert_same(ours, ref, rtol=1e-5, atol=1e-6):
    """conftest.assert_same, with complex values compared as (real, imag) pairs."""
    if isinstance(ref, torch.Tensor) and ref.is_complex():
        assert str(ours.dtype) == str(ref.dtype) and tuple(ours.shape) == tuple(ref.shape)
        np.testing.assert_allclose(to_np(ours), ref.detach().numpy(), rtol=rtol, atol=atol)
        return
    _assert_same(ours, ref, rtol, atol)


def _both(a):
    return torchlike.tensor(a), torch.tensor(a)


STFT_CASES = [
    dict(n_fft=16),
    dict(n_fft=16, hop_length=3, win_length=12, window="hann"),
    dict(n_fft=16, center=False, normalized=True),
    dict(n_fft=16, pad_mode="constant", onesided=False),
    dict(n_fft=16, hop_length=3, win_length=12, window="hann", center=False, align_to_window=True),
]


def _kw(kw, lib, win):
    return {k: (lib.tensor(win[: kw.get("win_length", kw["n_fft"])]) if v == "hann" else v) for k, v in kw.items()}


@pytest.mark.parametrize("kw", STFT_CASES)
def test_stft_matches_torch(kw, rng):
    x = rng.standard_normal((2, 50)).astype(np.float32)
    win = np.hanning(kw.get("win_length", 16)).astype(np.float32)
    ours, ref = _both(x)
    for rc in (True, False):
        assert_same(torchlike.stft(ours, return_complex=rc, **_kw(kw, torchlike, win)),
                    torch.stft(ref, return_complex=rc, **_kw(kw, torch, win)), atol=1e-5)


def test_stft_1d_float64_and_method(rng):
    x = rng.standard_normal(40)
    ours, ref = _both(x)
    assert_same(ours.stft(8, hop_length=2, return_complex=True), ref.stft(8, hop_length=2, return_complex=True))


def test_stft_errors(rng):
    x = rng.standard_normal(40).astype(np.float32)
    for lib in (torch, torchlike):
        t = lib.tensor(x)
        with pytest.raises(RuntimeError):  # return_complex must be given for real input
            lib.stft(t, 8)
        with pytest.raises(RuntimeError):
            lib.stft(lib.tensor(np.arange(40)), 8, return_complex=True)
        with pytest.raises(RuntimeError):
            lib.stft(t, 8, win_length=9, return_complex=True)
        with pytest.raises(RuntimeError):
            lib.stft(t, 8, center=True, align_to_window=True, return_complex=True)


def test_stft_gradient(rng):
    x = rng.standard_normal((1, 40)).astype(np.float32)
    win = np.hanning(16).astype(np.float32)
    a = torchlike.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya = torchlike.stft(a, 16, hop_length=4, window=torchlike.tensor(win), return_complex=True)
    yb = torch.stft(b, 16, hop_length=4, window=torch.tensor(win), return_complex=True)
    (ya.abs() ** 2).sum().backward()
    (yb.abs() ** 2).sum().backward()
    assert_same(a.grad, b.grad, rtol=1e-4, atol=1e-4)
    a.grad = None
    b.grad = None
    torchlike.stft(a, 16, return_complex=False).sum().backward()
    torch.stft(b, 16, return_complex=False).sum().backward()
    assert_same(a.grad, b.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kw", [dict(), dict(length=50), dict(length=60), dict(normalized=True),
                                dict(center=False, window=None), dict(onesided=False, return_complex=True)])
def test_istft_matches_torch(kw, rng):
    x = rng.standard_normal((2, 50)).astype(np.float32)
    hw = torch.hann_window(16)
    onesided = kw.get("onesided", True)
    spec = torch.stft(torch.tensor(x), 16, window=hw, onesided=onesided, return_complex=True)
    kw_t = dict(kw, window=kw.get("window", hw))
    kw_o = dict(kw, window=None if kw_t["window"] is None else torchlike.tensor(hw.numpy()))
    assert_same(torchlike.istft(torchlike.tensor(spec.numpy()), 16, **kw_o), torch.istft(spec, 16, **kw_t),
                atol=1e-5)


def test_istft_roundtrip_and_errors(rng):
    x = rng.standard_normal(64)
    t = torchlike.tensor(x)
    w = torchlike.tensor(np.hanning(32))
    back = t.stft(32, hop_length=8, window=w, return_complex=True).istft(32, hop_length=8, window=w, length=64)
    np.testing.assert_allclose(to_np(back), x, atol=1e-10)
    spec = torch.stft(torch.tensor(x), 16, return_complex=True)
    for lib in (torch, torchlike):
        s = lib.tensor(spec.numpy())
        with pytest.raises(RuntimeError):  # zero window envelope (NOLA)
            lib.istft(s, 16, window=lib.zeros(16, dtype=lib.float64))
        with pytest.raises(RuntimeError):  # real input
            lib.istft(lib.tensor(np.zeros((9, 5))), 16)


@pytest.mark.parametrize("shape", [(20, 8), (8, 20), (3, 12, 7)])
def test_svd_lowrank_same_draws_as_torch(shape, rng):
    A = rng.standard_normal(shape).astype(np.float32)
    torch.manual_seed(0)
    torchlike.manual_seed(0)
    U, S, V = torchlike.svd_lowrank(torchlike.tensor(A), q=4)
    Ut, St, Vt = torch.svd_lowrank(torch.tensor(A), q=4)
    assert_same(S, St, rtol=1e-4, atol=1e-5)
    # singular vectors agree up to a per-column sign
    for ours, ref in ((U, Ut), (V, Vt)):
        o, r = to_np(ours), to_np(ref)
        sign = np.sign((o * r).sum(-2, keepdims=True))
        assert o.shape == r.shape and ours.dtype == torchlike.float32
        np.testing.assert_allclose(o * sign, r, atol=1e-4)


def test_svd_lowrank_invariants_and_M(rng):
    A = rng.standard_normal((30, 5)) @ rng.standard_normal((5, 12))  # exactly rank 5
    M = rng.standard_normal((1, 12))
    torchlike.manual_seed(3)
    U, S, V = torchlike.svd_lowrank(torchlike.tensor(A + M), q=7, niter=3, M=torchlike.tensor(M))
    np.testing.assert_allclose(to_np(S)[:5], np.linalg.svd(A, compute_uv=False)[:5], rtol=1e-8)
    recon = to_np(U) @ np.diag(to_np(S)) @ to_np(V).T
    np.testing.assert_allclose(recon, A, atol=1e-9)
    assert U.dtype == torchlike.float64 and tuple(V.shape) == (12, 7)


def test_pca_lowrank(rng):
    A = rng.standard_normal((25, 6)).astype(np.float32) + 3.0
    for center in (True, False):
        torch.manual_seed(1)
        torchlike.manual_seed(1)
        _, S, V = torchlike.pca_lowrank(torchlike.tensor(A), center=center)
        _, St, Vt = torch.pca_lowrank(torch.tensor(A), center=center)
        assert_same(S, St, rtol=1e-4, atol=1e-4)
        assert tuple(V.shape) == tuple(Vt.shape)
    for lib in (torch, torchlike):
        with pytest.raises(ValueError):
            lib.pca_lowrank(lib.tensor(A), q=7)


@pytest.mark.parametrize("kw", [dict(bins=3), dict(bins=[2, 4], range=[0., 1., 0.2, 0.8], density=True),
                                dict(bins=[5, 7], weight=True)])
def test_histogramdd_matches_torch(kw, rng):
    x = rng.random((30, 2)).astype(np.float32)
    w = rng.random(30).astype(np.float32)
    ko = dict(kw, weight=torchlike.tensor(w)) if "weight" in kw else kw
    kt = dict(kw, weight=torch.tensor(w)) if "weight" in kw else kw
    r, rt = torchlike.histogramdd(torchlike.tensor(x), **ko), torch.histogramdd(torch.tensor(x), **kt)
    assert type(r).__name__ == "histogramdd" and isinstance(r.bin_edges, tuple)
    assert_same(r.hist, rt.hist)
    assert_same(r.bin_edges, rt.bin_edges, rtol=0, atol=0)


def test_histogramdd_edges_batch_and_errors(rng):
    x = rng.random((2, 5, 3))
    e = [np.array([0., .5, 1.]), np.array([0., .3, 1.]), np.array([0., 1.])]
    r = torchlike.histogramdd(torchlike.tensor(x), bins=[torchlike.tensor(v) for v in e])
    rt = torch.histogramdd(torch.tensor(x), bins=[torch.tensor(v) for v in e])
    assert_same(r.hist, rt.hist)
    assert_same(torchlike.histogramdd(torchlike.zeros(0, 2), bins=2).bin_edges,
                torch.histogramdd(torch.zeros(0, 2), bins=2).bin_edges)
    assert_same(torchlike.histogramdd(torchlike.ones(4, 2), bins=2), torch.histogramdd(torch.ones(4, 2), bins=2))
    for lib, exc in ((torch, NotImplementedError), (torchlike, NotImplementedError)):
        with pytest.raises(exc):
            lib.histogramdd(lib.tensor(np.arange(4).reshape(2, 2)), bins=2)
    for lib in (torch, torchlike):
        with pytest.raises(RuntimeError):  # edge dtype differs from input
            lib.histogramdd(lib.tensor(x), bins=[lib.tensor(v.astype(np.float32)) for v in e])


HASH_INPUTS = [np.array([[1.5, -2.0, 3.25], [0.1, 0.2, 0.3]], np.float32),
               np.array([[1.5, -2.0, 3.25], [0.1, 0.2, 0.3]], np.float64),
               np.array([[1., 2.], [-0.5, 7.]], np.float16),
               np.array([[5, -7], [9, 1]], np.int64), np.array([[1, 2, -3]], np.int32),
               np.array([[True, False, True]]), np.array([[1, 2, 250]], np.uint8)]


@pytest.mark.parametrize("arr", HASH_INPUTS, ids=lambda a: str(a.dtype))
def test_hash_tensor_matches_torch(arr):
    for kw in (dict(), dict(dim=0), dict(dim=-1, keepdim=True), dict(dim=(0, 1))):
        ours = torchlike.hash_tensor(torchlike.tensor(arr), **kw)
        ref = torch.hash_tensor(torch.from_numpy(arr), **kw)
        assert str(ours.dtype) == str(ref.dtype) == "torch.uint64"
        assert tuple(ours.shape) == tuple(ref.shape)
        np.testing.assert_array_equal(to_np(ours), ref.numpy())
    np.testing.assert_array_equal(to_np(torchlike.tensor(arr).hash_tensor(1)), torch.from_numpy(arr).hash_tensor(1))


def test_hash_tensor_errors_and_empty():
    for lib in (torch, torchlike):
        with pytest.raises(RuntimeError):
            lib.hash_tensor(lib.zeros(3, 0))
        with pytest.raises(IndexError):
            lib.hash_tensor(lib.zeros(3, 0), 1)
        with pytest.raises(RuntimeError):
            lib.hash_tensor(lib.ones(3), mode=1)
    assert tuple(torchlike.hash_tensor(torchlike.zeros(0, 3), 1).shape) == (0,)
