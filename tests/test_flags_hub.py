"""Settings flags, torch.backends, and torch.hub's download cache (against a local HTTP server)."""
import functools
import hashlib
import http.server
import os
import threading
import urllib.error

import jax
import numpy as np
import pytest
import torch

import torchlike as tl


def test_matmul_precision_maps_to_jax_and_allow_tf32():
    assert tl.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    try:
        tl.set_float32_matmul_precision("medium")
        assert jax.config.jax_default_matmul_precision == "default"
        assert tl.backends.cuda.matmul.allow_tf32 is True
        tl.backends.cuda.matmul.allow_tf32 = False
        assert tl.get_float32_matmul_precision() == "highest"
        assert jax.config.jax_default_matmul_precision == "highest"
        tl.set_float32_matmul_precision("high")
        assert jax.config.jax_default_matmul_precision == "high"
        with pytest.raises(RuntimeError):
            tl.set_float32_matmul_precision("fast")
    finally:
        tl.set_float32_matmul_precision("highest")
        jax.config.update("jax_default_matmul_precision", None)


def test_determinism_threads_and_warn_always():
    assert tl.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled() is False
    tl.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert tl.are_deterministic_algorithms_enabled() and tl.is_deterministic_algorithms_warn_only_enabled()
        assert tl.get_deterministic_debug_mode() == 1
    finally:
        tl.use_deterministic_algorithms(False)
    with pytest.raises(TypeError):
        tl.use_deterministic_algorithms(1)
    n = tl.get_num_threads()
    assert isinstance(n, int) and n >= 1
    tl.set_num_threads(3)
    assert tl.get_num_threads() == 3
    tl.set_num_threads(n)
    with pytest.raises(RuntimeError):
        tl.set_num_threads(0)


def test_backends_flags_like_torch_on_cpu():
    b, tb = tl.backends, torch.backends
    for name in ("benchmark", "deterministic", "enabled"):
        assert isinstance(getattr(b.cudnn, name), bool)
    b.cudnn.benchmark = True
    assert b.cudnn.benchmark is True
    b.cudnn.benchmark = False
    assert b.cudnn.is_available() == tl.cuda.is_available()
    if not tl.cuda.is_available():
        assert b.cudnn.version() is None
    assert b.mps.is_available() is False and b.mps.is_built() is False
    assert tb.mps.is_available() is False  # the reference machine has no MPS either
    assert b.opt_einsum.is_available() and b.opt_einsum.enabled
    with b.cudnn.flags(enabled=False, benchmark=True):
        assert b.cudnn.enabled is False and b.cudnn.benchmark is True
    assert b.cudnn.enabled is True and b.cudnn.benchmark is False


def test_version_and_small_namespace_helpers():
    assert tl.__version__.startswith(torch.__version__.split("+")[0]) and isinstance(tl.__version__, str)
    for other in ("2.0", "2.13", "2.13.0", "2.14", "10.0", (2, 1)):  # compares as a version, like TorchVersion
        assert (tl.__version__ >= other, tl.__version__ == other, tl.__version__ < other) == \
            (torch.__version__ >= other, torch.__version__ == other, torch.__version__ < other), other
    assert tl.version.cuda is None
    assert tl.typename(tl.zeros(2)) == torch.typename(torch.zeros(2))
    assert tl.is_tensor(tl.zeros(1)) and not tl.is_tensor([1])
    assert tl.numel(tl.zeros(2, 3)) == 6
    assert tl.Size([2, 3]) == torch.Size([2, 3])


# ------------------------------------------------------------------ hub

@pytest.fixture
def server(tmp_path):
    root = tmp_path / "srv"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_hub_dirs_follow_torch_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    monkeypatch.setattr(tl.hub, "_hub_dir", None)
    assert tl.hub.get_dir() == torch.hub.get_dir() == str(tmp_path / "th" / "hub")
    tl.hub.set_dir(tmp_path / "elsewhere")
    assert tl.hub.get_dir() == str(tmp_path / "elsewhere")


def test_load_state_dict_from_url_download_cache_hash_offline(server, tmp_path, monkeypatch, capsys):
    root, base, httpd = server
    sd = {"weight": torch.arange(6, dtype=torch.float32).reshape(2, 3), "bias": torch.tensor([1.0, -1.0])}
    raw = root / "tmp.pth"
    torch.save(sd, raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    name = f"net-{digest[:8]}.pth"
    raw.rename(root / name)
    (root / "bad-deadbeef.pth").write_bytes((root / name).read_bytes())

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tl.hub, "_hub_dir", None)
    got = tl.hub.load_state_dict_from_url(f"{base}/{name}", check_hash=True, progress=True)
    np.testing.assert_array_equal(got["weight"].numpy(), sd["weight"].numpy())
    cached = tmp_path / "home" / "hub" / "checkpoints" / name
    assert cached.exists()
    assert "Downloading" in capsys.readouterr().err

    with pytest.raises(RuntimeError, match="invalid hash value"):
        tl.hub.load_state_dict_from_url(f"{base}/bad-deadbeef.pth", check_hash=True, progress=False)
    assert not (tmp_path / "home" / "hub" / "checkpoints" / "bad-deadbeef.pth").exists()

    httpd.shutdown()
    httpd.server_close()
    again = tl.hub.load_state_dict_from_url(f"{base}/{name}", check_hash=True)  # offline: the cached file
    np.testing.assert_array_equal(again["bias"].numpy(), [1.0, -1.0])
    with pytest.raises(urllib.error.URLError) as ei:
        tl.hub.load_state_dict_from_url(f"{base}/missing.pth", progress=False)
    assert str(tmp_path / "home" / "hub" / "checkpoints" / "missing.pth") in str(ei.value)


def test_download_url_to_file(server, tmp_path):
    root, base, _ = server
    (root / "blob.bin").write_bytes(os.urandom(300_000))
    dst = tmp_path / "out.bin"
    tl.hub.download_url_to_file(f"{base}/blob.bin", str(dst), progress=False)
    assert dst.read_bytes() == (root / "blob.bin").read_bytes()
    with pytest.raises(NotImplementedError):
        tl.hub.load("pytorch/vision", "resnet18")


# ------------------------------------------------------------------ small namespaces tutorials touch

def test_default_device_futures_cuda_events_profiler_benchmark():
    tl.set_default_device("cpu")
    try:
        assert tl.get_default_device() == tl.device("cpu") and tl.zeros(1).device.type == "cpu"
    finally:
        tl.set_default_device(None)
    if not tl.cuda.is_available():
        with pytest.raises(RuntimeError):
            tl.set_default_device("cuda")
    assert tl.get_default_device() == tl.device("cpu")

    fut = tl.futures.Future()
    chained = fut.then(lambda f: f.wait() + 1)
    fut.set_result(41)
    assert tl.futures.wait_all([fut, chained]) == [41, 42]
    assert tl.jit.wait(tl.jit.fork(lambda a: a * 2, 4)) == 8

    start, end = tl.cuda.Event(enable_timing=True), tl.cuda.Event(enable_timing=True)
    start.record()
    (tl.ones(8) * 2).sum().item()
    end.record()
    assert start.elapsed_time(end) >= 0.0
    with pytest.raises(RuntimeError, match="enable_timing"):
        tl.cuda.Event().elapsed_time(tl.cuda.Event())
    tl.cuda.reset_peak_memory_stats()
    with tl.accelerator.device_index(0):
        pass

    from torchlike.autograd.profiler import profile, record_function
    with profile() as prof:
        with record_function("step"):
            tl.ones(3).sum().item()
    assert "step" in prof.key_averages().table()

    import torchlike.utils.benchmark as bm
    m = bm.Timer("x * 2", globals={"x": 3}, label="mul").blocked_autorange(min_run_time=0.01)
    assert m.median > 0 and len(m.times) >= 1 and "mul" in repr(m)
