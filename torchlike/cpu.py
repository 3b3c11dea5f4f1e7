"""torch.cpu: device queries for the CPU and ``torch.cpu.amp`` (autocast/GradScaler on 'cpu')."""
from __future__ import annotations

import sys
import types

from . import amp as _amp

__all__ = ["is_available", "device_count", "current_device", "synchronize", "amp"]


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Wait for queued work (JAX dispatch is asynchronous)."""
    import jax
    jax.effects_barrier()


class _CpuAutocast(_amp.autocast):
    """``torch.cpu.amp.autocast(enabled=True, dtype=torch.bfloat16, cache_enabled=True)``."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        from . import _dtype as D
        super().__init__("cpu", dtype=D.bfloat16 if dtype is None else dtype, enabled=enabled,
                         cache_enabled=cache_enabled)


class _CpuGradScaler(_amp.GradScaler):
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


_CpuAutocast.__name__ = _CpuAutocast.__qualname__ = "autocast"
_CpuGradScaler.__name__ = _CpuGradScaler.__qualname__ = "GradScaler"
amp = types.ModuleType("torchlike.cpu.amp", "torch.cpu.amp: autocast and GradScaler on the CPU.")
amp.autocast, amp.GradScaler = _CpuAutocast, _CpuGradScaler
amp.__all__ = ["autocast", "GradScaler"]
sys.modules.setdefault("torchlike.cpu.amp", amp)
__path__ = []  # lets ``import torch.cpu.amp`` (the torch alias) reach the import hook
