"""torch.cuda over JAX's GPU backend: availability, counts, names, synchronize, seeding."""
from __future__ import annotations

from . import _device as _dev
from ._cuda_base import _check, device_count, is_available, synchronize  # noqa: F401  (below amp)


_current = [0]


def current_device() -> int:
    _check()
    return _current[0]


def set_device(device) -> None:
    d = _dev.device(device) if not isinstance(device, int) else _dev.device("cuda", device)
    _current[0] = d.index or 0


def get_device_name(device=None) -> str:
    _check()
    idx = 0 if device is None else (device if isinstance(device, int) else (_dev.device(device).index or 0))
    return _dev.platform_devices("gpu")[idx].device_kind


def get_device_capability(device=None):
    _check()
    cc = getattr(_dev.platform_devices("gpu")[0], "compute_capability", "0.0")
    major, _, minor = str(cc).partition(".")
    return int(major), int(minor or 0)


def manual_seed(seed) -> None:
    """Seeds the default generator too: one stream serves all devices here."""
    from .random import manual_seed as _ms
    _ms(seed)


manual_seed_all = manual_seed


def is_initialized() -> bool:
    return is_available()


def empty_cache() -> None:
    pass


def memory_allocated(device=None) -> int:
    if not is_available():
        return 0
    stats = _dev.platform_devices("gpu")[0].memory_stats() or {}
    return int(stats.get("bytes_in_use", 0))


def max_memory_allocated(device=None) -> int:
    if not is_available():
        return 0
    stats = _dev.platform_devices("gpu")[0].memory_stats() or {}
    return int(stats.get("peak_bytes_in_use", 0))

from .cuda_amp import amp  # noqa: E402,F401  torch.cuda.amp (autocast, GradScaler)
from ._cuda_extras import *  # noqa: E402,F401,F403  Event, Stream, memory stats
from ._cuda_graphs import *  # noqa: E402,F401,F403  CUDAGraph, graph (not supported), is_current_stream_capturing
