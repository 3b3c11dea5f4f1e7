"""``shard(module_or_tensor, mesh, spec)``: place tensors on a device mesh with ``jax.sharding.NamedSharding``.

Beyond torch's replication-based data parallelism: a parameter's storage is split over a mesh axis,
so each device holds 1/n of it; XLA inserts the all-gathers/reduce-scatters the computation needs.
``spec`` is a ``PartitionSpec`` (or a tuple of axis names / None per dim), a dict from parameter
name to spec, or a callable ``(name, tensor) -> spec``; for modules, a spec that does not divide a
parameter's shape evenly falls back to replication for that parameter.
"""
from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from .._tensor import Tensor

__all__ = ["shard", "device_mesh", "dim0_spec"]


def device_mesh(shape=None, axis_names=("fsdp",), devices=None):
    """A mesh over the local devices of the default accelerator (or CPU host devices)."""
    from .. import _device
    if devices is None:
        devices = _device.platform_devices(_device._TYPE_TO_PLATFORM[_device.default_accelerator_type()])
    devices = np.array(list(devices))
    shape = (devices.size,) if shape is None else tuple(shape)
    return Mesh(devices.reshape(shape), tuple(axis_names))


def _as_spec(spec):
    if spec is None:
        return P()
    if isinstance(spec, P):
        return spec
    if isinstance(spec, str):
        return P(spec)
    return P(*spec)


def _fits(shape, spec, mesh):
    if len(spec) > len(shape):
        return False
    for n, ax in zip(shape, spec):
        if ax is None:
            continue
        size = int(np.prod([mesh.shape[a] for a in (ax if isinstance(ax, tuple) else (ax,))]))
        if n % size:
            return False
    return True


def dim0_spec(axis):
    """The FSDP default: split each parameter along its first dimension that the axis size divides."""
    def pick(name, t, mesh):
        n = mesh.shape[axis]
        for d, size in enumerate(t.shape):
            if size % n == 0 and size >= n:
                return P(*([None] * d + [axis]))
        return P()
    return pick


def _place(t, mesh, spec):
    sharding = NamedSharding(mesh, spec)
    return jax.device_put(t._value, sharding)


def as_jax_mesh(mesh):
    """``mesh`` as a ``jax.sharding.Mesh`` (a DeviceMesh's ``jax_mesh``, or a jax Mesh unchanged)."""
    return getattr(mesh, "jax_mesh", mesh)


def reshard_grad(p):
    """Post-accumulate-grad hook of FSDP parameters: the gradient goes back to its parameter's sharding."""
    from ..nn.parallel.data_parallel import _move
    if p._grad is not None and not isinstance(p._value, jax.core.Tracer):
        p._grad = Tensor._wrap(_move(p._grad._value, p._value.sharding))


def shard(module_or_tensor, mesh, spec=None):
    """Shard a Tensor (returns a new Tensor on the mesh) or a Module's parameters and buffers (in place).

    ``mesh`` is a ``jax.sharding.Mesh`` or a ``torch.distributed.device_mesh.DeviceMesh``.
    """
    from ..nn.modules.module import Module
    mesh = as_jax_mesh(mesh)
    if isinstance(module_or_tensor, Tensor):
        spec = _as_spec(spec)
        if not _fits(tuple(module_or_tensor.shape), spec, mesh):
            raise ValueError(f"shard: spec {spec} does not divide tensor of shape {list(module_or_tensor.shape)} "
                             f"over mesh {dict(mesh.shape)}")
        out = Tensor._wrap(_place(module_or_tensor, mesh, spec))
        out.requires_grad_(module_or_tensor.requires_grad)
        return out
    if not isinstance(module_or_tensor, Module):
        raise TypeError(f"shard expects a Tensor or a Module, got {type(module_or_tensor).__name__}")
    module = module_or_tensor
    for name, p in list(module.named_parameters()) + [(n, b) for n, b in module.named_buffers() if b is not None]:
        if callable(spec) and not isinstance(spec, (P, tuple, str)):
            s = spec(name, p, mesh) if spec.__code__.co_argcount >= 3 else spec(name, p)
        elif isinstance(spec, dict):
            s = spec.get(name)
        else:
            s = spec
        s = _as_spec(s)
        if not _fits(tuple(p.shape), s, mesh):
            s = P()
        p._value = _place(p, mesh, s)
    return module
