"""torch.accelerator (used by current tutorials): the accelerator JAX has, if any."""
from __future__ import annotations

from . import _device as _dev


def is_available() -> bool:
    return _dev.default_accelerator_type() != "cpu"


def current_accelerator(check_available: bool = False):
    t = _dev.default_accelerator_type()
    if t == "cpu":
        return None
    return _dev.device(t)


def device_count() -> int:
    t = _dev.default_accelerator_type()
    return 0 if t == "cpu" else len(_dev.platform_devices({"cuda": "gpu"}.get(t, t)))


def current_device_index() -> int:
    return 0


def synchronize(device=None) -> None:
    from . import cuda
    if cuda.is_available():
        cuda.synchronize()
