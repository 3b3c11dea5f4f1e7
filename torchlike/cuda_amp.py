"""torch.cuda.amp: the legacy CUDA spellings of autocast and GradScaler (``device_type='cuda'``).

Importable as ``torchlike.cuda.amp`` (registered in ``sys.modules``). As in torch, without a GPU the
CUDA autocast and scaler disable themselves with a warning.
"""
from __future__ import annotations

import functools
import sys
import types

from . import amp as _amp


class autocast(_amp.autocast):
    """``torch.cuda.amp.autocast(enabled=True, dtype=torch.float16, cache_enabled=True)``."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        from . import _dtype as D
        super().__init__("cuda", dtype=D.float16 if dtype is None else dtype, enabled=enabled,
                         cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(init_scale=2.**16, ...)``: ``torch.amp.GradScaler('cuda', ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


custom_fwd = functools.partial(_amp.custom_fwd, device_type="cuda")
custom_bwd = functools.partial(_amp.custom_bwd, device_type="cuda")

amp = types.ModuleType("torchlike.cuda.amp", __doc__)
amp.autocast, amp.GradScaler, amp.custom_fwd, amp.custom_bwd = autocast, GradScaler, custom_fwd, custom_bwd
amp.__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]
sys.modules.setdefault("torchlike.cuda.amp", amp)
# an empty search path lets ``import torch.cuda.amp`` (the torch alias) reach the import hook
_cuda = sys.modules.get("torchlike.cuda")
if _cuda is not None and not hasattr(_cuda, "__path__"):
    _cuda.__path__ = []
