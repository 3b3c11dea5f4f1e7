"""The part of torch.cuda that layers below it (amp, the CUDA events and memory stats) use:
availability, device count and synchronize; ``torchlike.cuda`` re-exports them."""
from __future__ import annotations

from . import _device as _dev


def is_available() -> bool:
    return bool(_dev.platform_devices("gpu"))


def device_count() -> int:
    return len(_dev.platform_devices("gpu"))


def _check():
    if not is_available():
        raise _dev.DeviceUnavailableError("Torch not compiled with CUDA enabled: JAX found no GPU backend")


def synchronize(device=None) -> None:
    """Wait for all queued work (JAX dispatch is asynchronous)."""
    import jax
    for d in _dev.platform_devices("gpu"):
        jax.device_put(0, d).block_until_ready()
