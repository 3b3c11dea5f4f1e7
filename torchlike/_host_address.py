"""Readable host addresses for CPU storages, so ``data_ptr()`` can be dereferenced as in torch.

Libraries read a CPU tensor's bytes straight from ``tensor.data_ptr()``: ``safetensors.torch.save_file``
(and so transformers' ``save_pretrained``) wraps that address with ``ctypes`` and hands it to Rust.
A JAX array is immutable and an in-place op swaps in a new one, so there is no lasting buffer to
point at. Each storage (identified, as in ``UntypedStorage``, by its version box: shared by a root
tensor, its views, ``detach()`` and ``.data``) therefore gets a host mirror on first use: a
64-byte-aligned numpy buffer laid out as torch lays out the storage (the root's strides), refreshed
whenever the root holds a different array than the one last copied. The address is stable while the
storage keeps its size, as torch's is across in-place ops. The mirror lives until the root tensor it
was made for is collected. Storages off the CPU, or holding tracers inside compiled code, have no
host bytes to show and keep the fake address (torch's CUDA pointers are not host-readable either).
"""
from __future__ import annotations

import weakref

import numpy as np

_ALIGN = 64
_MIRRORS: dict = {}  # id(version box) -> _Mirror


class _Mirror:
    __slots__ = ("box", "raw", "source")

    def __init__(self, box, nbytes):
        self.box = box  # held so the id stays this box's while the entry exists
        self.raw = np.zeros(nbytes + _ALIGN, np.uint8)
        self.source = None  # weakref to the array last copied in

    def address(self):
        base = self.raw.ctypes.data
        return base + (-base) % _ALIGN

    def buffer(self, nbytes):
        start = self.address() - self.raw.ctypes.data
        return self.raw[start:start + nbytes]


def host_address(root, nbytes):
    """A readable address of ``root``'s storage (``nbytes`` long: ``_strides.storage_elements``) holding
    its current values, or None where it has none."""
    value = root._value
    if not isinstance(value, np.ndarray) and not _is_concrete_cpu(value):
        return None
    key = id(root._version_box)
    mirror = _MIRRORS.get(key)
    if mirror is None or mirror.box is not root._version_box or mirror.raw.size - _ALIGN < nbytes:
        mirror = _Mirror(root._version_box, nbytes)
        _MIRRORS[key] = mirror
        weakref.finalize(root, _drop, key, mirror)
    if mirror.source is None or mirror.source() is not value:
        _fill(mirror.buffer(nbytes), root, value)
        mirror.source = weakref.ref(value)
    return mirror.address()


def _drop(key, mirror):
    if _MIRRORS.get(key) is mirror:
        del _MIRRORS[key]


def _is_concrete_cpu(value):
    import jax
    if not isinstance(value, jax.Array) or isinstance(value, jax.core.Tracer):
        return False
    try:
        return all(d.platform == "cpu" for d in value.devices())
    except Exception:  # noqa: BLE001  (a deleted or donated buffer has no bytes to show)
        return False


def _fill(buf, root, value):
    """Copy ``value`` into ``buf`` at the positions the root's strides give its elements."""
    host = np.asarray(value)
    if host.size == 0:
        return
    flat = buf.view(host.dtype)
    strides = tuple(s * host.itemsize for s in root.stride())
    offset = root.storage_offset() * host.itemsize
    np.lib.stride_tricks.as_strided(flat[offset // host.itemsize:], host.shape, strides)[...] = host
