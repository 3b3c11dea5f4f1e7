"""torch.device mapped onto JAX devices.

torch's device types map to JAX platforms: ``cpu`` -> cpu, ``cuda`` -> gpu (NVIDIA or ROCm),
``tpu`` -> tpu. ``torch.device("cuda")`` without an index means the current device (index 0).
Asking for a platform JAX does not have raises RuntimeError naming the device and what exists.
"""
from __future__ import annotations

import functools

import jax

_TYPE_TO_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "gpu": "gpu", "tpu": "tpu", "rocm": "gpu"}
_PLATFORM_TO_TYPE = {"cpu": "cpu", "gpu": "cuda", "cuda": "cuda", "rocm": "cuda", "tpu": "tpu"}
_KNOWN_TYPES = ("cpu", "cuda", "tpu", "mps", "xla", "meta", "xpu", "hpu")


class DeviceUnavailableError(RuntimeError, AssertionError):
    """Raised for a device JAX does not have. torch raises AssertionError ("Torch not compiled with
    CUDA enabled") on CPU builds and RuntimeError on CUDA builds without a GPU; this is both."""


class device:
    """torch.device: ``device('cuda:1')``, ``device('cuda', 1)``, ``device(0)`` (an accelerator index)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = default_accelerator_type(), type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type == "gpu":
            type = "cuda"
        if type not in _KNOWN_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN_TYPES)} device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = type, index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        _default_device_stack.append(self)
        return self

    def __exit__(self, *exc):
        _default_device_stack.pop()


_default_device_stack: list = []


@functools.lru_cache(maxsize=None)
def platform_devices(platform: str):
    try:  # local devices: under jax.distributed, jax.devices() also lists other processes' devices
        return tuple(jax.local_devices(backend=platform))
    except RuntimeError:
        if platform == "cpu":  # always present: a failure here is real (e.g. a multi-process start-up error)
            raise
        return ()


@functools.lru_cache(maxsize=None)
def default_accelerator_type():
    for p in ("gpu", "tpu"):
        if platform_devices(p):
            return _PLATFORM_TO_TYPE[p]
    return "cpu"


def to_jax_device(d) -> "jax.Device":
    """The JAX device a torch device (or string/int) names; RuntimeError if it does not exist."""
    d = d if isinstance(d, device) else device(d)
    platform = _TYPE_TO_PLATFORM.get(d.type)
    devs = platform_devices(platform) if platform else ()
    if not devs:
        present = ", ".join(sorted({_PLATFORM_TO_TYPE.get(x.platform, x.platform) for x in jax.devices()} | {"cpu"}))
        raise DeviceUnavailableError(f"device '{d}' is not available: JAX found no '{platform or d.type}' "
                                     f"backend (available device types: {present}); torch would say: Torch not "
                                     f"compiled with CUDA enabled" if d.type == "cuda" else
                                     f"device '{d}' is not available: JAX found no '{platform or d.type}' "
                                     f"backend (available device types: {present})")
    idx = 0 if d.index is None else d.index
    if idx >= len(devs):
        raise RuntimeError(f"CUDA error: invalid device ordinal: device '{d}' requested but only "
                           f"{len(devs)} {d.type} device(s) exist" if d.type == "cuda" else
                           f"device '{d}' requested but only {len(devs)} {d.type} device(s) exist")
    return devs[idx]


def from_jax_device(jd) -> device:
    t = _PLATFORM_TO_TYPE.get(jd.platform, jd.platform)
    if t == "cpu":
        return device("cpu")
    return device(t, platform_devices(jd.platform).index(jd) if jd in platform_devices(jd.platform) else jd.id)


def default_device() -> device:
    """The device new tensors are created on: 'cpu' unless a ``with torch.device(...)`` is active."""
    return _default_device_stack[-1] if _default_device_stack else _CPU


_CPU = device("cpu")


def cpu_jax_device():
    return platform_devices("cpu")[0]
