"""torch.cuda timing and memory helpers: Event, Stream, stream(), reset_peak_memory_stats ...

XLA schedules work itself, so a Stream is a context manager that changes nothing, and an Event
records host wall time after waiting for queued device work (``elapsed_time`` in milliseconds,
as torch's); that measures what the events bracket when they are recorded around synchronized code.
"""
from __future__ import annotations

import time

__all__ = ["Event", "Stream", "stream", "StreamContext", "current_stream", "default_stream", "reset_peak_memory_stats",
           "reset_max_memory_allocated", "memory_reserved", "max_memory_reserved", "memory_stats",
           "memory_summary", "get_device_properties", "ipc_collect"]


def _sync():
    import jax
    from . import _cuda_base as cuda
    if cuda.is_available():
        cuda.synchronize()
    else:
        jax.effects_barrier()


class Event:
    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self.enable_timing = enable_timing
        self._t = None

    def record(self, stream=None):
        _sync()
        self._t = time.perf_counter()

    def wait(self, stream=None):
        pass

    def query(self) -> bool:
        return True

    def synchronize(self):
        _sync()

    def elapsed_time(self, end_event) -> float:
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._t is None or end_event._t is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end_event._t - self._t) * 1000.0


class Stream:
    def __init__(self, device=None, priority=0, **kwargs):
        self.device = device
        self.priority = priority

    def wait_stream(self, stream):
        pass

    def wait_event(self, event):
        pass

    def record_event(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    def synchronize(self):
        _sync()

    def query(self) -> bool:
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_default = Stream()


class stream:
    """``with torch.cuda.stream(s):`` (XLA orders work itself)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        return False


StreamContext = stream  # torch.cuda.stream(s) builds a torch.cuda.StreamContext


def current_stream(device=None):
    return _default


def default_stream(device=None):
    return _default


def _stats():
    from . import _device as _dev
    devs = _dev.platform_devices("gpu")
    return (devs[0].memory_stats() or {}) if devs else {}


_peak_base = [0]


def reset_peak_memory_stats(device=None) -> None:
    """XLA keeps its own peak counter; later max_memory_allocated() readings are not reset here."""
    _peak_base[0] = int(_stats().get("bytes_in_use", 0))


reset_max_memory_allocated = reset_peak_memory_stats


def memory_reserved(device=None) -> int:
    return int(_stats().get("bytes_reserved", _stats().get("bytes_limit", 0)))


def max_memory_reserved(device=None) -> int:
    return int(_stats().get("peak_bytes_reserved", memory_reserved(device)))


def memory_stats(device=None) -> dict:
    s = _stats()
    return {"allocated_bytes.all.current": int(s.get("bytes_in_use", 0)),
            "allocated_bytes.all.peak": int(s.get("peak_bytes_in_use", 0)),
            "reserved_bytes.all.current": int(s.get("bytes_reserved", 0))}


def memory_summary(device=None, abbreviated=False) -> str:
    return "\n".join(f"{k}: {v}" for k, v in memory_stats(device).items())


class _Props:
    def __init__(self, d):
        self.name = d.device_kind
        self.total_memory = int((d.memory_stats() or {}).get("bytes_limit", 0))
        cc = str(getattr(d, "compute_capability", "0.0"))
        major, _, minor = cc.partition(".")
        self.major, self.minor = int(major or 0), int(minor or 0)
        self.multi_processor_count = int(getattr(d, "core_count", 0) or 0)

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    from . import _device as _dev
    from . import _cuda_base as cuda
    cuda._check()
    idx = 0 if device is None else device if isinstance(device, int) else (_dev.device(device).index or 0)
    return _Props(_dev.platform_devices("gpu")[idx])


def ipc_collect() -> None:
    pass
