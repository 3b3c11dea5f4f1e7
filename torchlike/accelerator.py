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


def set_device_index(device) -> None:
    """torch.accelerator.set_device_index: selects the current accelerator index."""
    if current_accelerator() is not None and current_accelerator().type == "cuda":
        from . import cuda
        cuda.set_device(device)


set_device_idx = set_device_index


class device_index:
    """``with torch.accelerator.device_index(i):`` selects accelerator ``i`` inside the block."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        self.prev = current_device_index()
        if self.idx is not None:
            set_device_index(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx is not None:
            set_device_index(self.prev)
        return False
