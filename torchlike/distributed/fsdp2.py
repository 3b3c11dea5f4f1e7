"""FSDP2's ``fully_shard`` and its policies (torch.distributed.fsdp / torch.distributed._composable.fsdp).

``fully_shard(module, mesh=...)`` shards every parameter of ``module`` along its first dimension
that the (1-d) mesh's size divides, as torch's FSDP2 does, and changes the module's class to
``FSDP<Class>`` (a subclass of :class:`FSDPModule` and the original class). One difference from
torch: parameters stay ordinary Tensors whose JAX arrays are sharded over the mesh (XLA gathers them
where a computation needs the whole), not DTensors; so ``unshard``/``reshard`` have nothing to do.
Gradients are resharded like their parameters as they accumulate. Mixed precision and CPU offload
policies other than the defaults raise NotImplementedError.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import _dtype

__all__ = ["fully_shard", "FSDPModule", "OffloadPolicy", "CPUOffloadPolicy", "MixedPrecisionPolicy"]


@dataclass(frozen=True)
class OffloadPolicy:
    """No offloading (the default policy)."""


@dataclass(frozen=True)
class CPUOffloadPolicy(OffloadPolicy):
    """Offload sharded parameters, gradients and optimizer state to host memory (not supported)."""
    pin_memory: bool = True


@dataclass(frozen=True)
class MixedPrecisionPolicy:
    """Dtypes for the unsharded parameters, the gradient reduction and the forward outputs."""
    param_dtype: _dtype.dtype | None = None
    reduce_dtype: _dtype.dtype | None = None
    output_dtype: _dtype.dtype | None = None
    cast_forward_inputs: bool = True


class FSDPModule:
    """Mixin of the modules ``fully_shard`` has sharded (``isinstance(m, FSDPModule)``)."""

    def unshard(self, async_op=False):
        """Nothing to gather: the parameters' arrays are global arrays (XLA gathers on use)."""
        return None

    def reshard(self):
        return None

    def set_requires_gradient_sync(self, requires_gradient_sync, *, recurse=True):
        self._fsdp_gradient_sync = bool(requires_gradient_sync)


_classes = {}


def _fsdp_class(cls):
    if issubclass(cls, FSDPModule):
        return cls
    if cls not in _classes:
        _classes[cls] = type(f"FSDP{cls.__name__}", (FSDPModule, cls), {})
    return _classes[cls]


def fully_shard(module, *, mesh=None, reshard_after_forward=None, shard_placement_fn=None,
                mp_policy=MixedPrecisionPolicy(), offload_policy=OffloadPolicy(), ignored_params=None):
    """Shard ``module``'s parameters over ``mesh`` (default: all devices of the default accelerator)."""
    from .device_mesh import DeviceMesh, as_jax_mesh, init_device_mesh
    from .fsdp import FullyShardedDataParallel
    from .shard import dim0_spec, shard
    modules = list(module) if isinstance(module, (list, tuple)) else [module]
    if mp_policy != MixedPrecisionPolicy():
        raise NotImplementedError(f"fully_shard: mixed precision policies are not supported ({mp_policy})")
    if type(offload_policy) is not OffloadPolicy:
        raise NotImplementedError(f"fully_shard: {type(offload_policy).__name__} is not supported")
    if shard_placement_fn is not None:
        raise NotImplementedError("fully_shard: shard_placement_fn is not supported (parameters shard on dim 0)")
    if mesh is None:
        from .. import _device
        from .shard import device_mesh
        mesh = DeviceMesh._from_jax_mesh(_device.default_accelerator_type(), device_mesh(), None)
    jmesh = as_jax_mesh(mesh)
    if len(jmesh.axis_names) != 1:
        raise NotImplementedError(f"fully_shard: only 1-d meshes are supported, got mesh shape {dict(jmesh.shape)}")
    axis = jmesh.axis_names[0]
    ignored = {id(p) for p in (ignored_params or ())}
    pick = dim0_spec(axis)
    for m in modules:
        shard(m, jmesh, lambda name, t, jm: None if id(t) in ignored else pick(name, t, jm))
        for p in m.parameters():
            if p.requires_grad and id(p) not in ignored and not getattr(p, "_fsdp_hooked", False):
                p.register_post_accumulate_grad_hook(FullyShardedDataParallel._reshard_grad)
                p._fsdp_hooked = True
        m.__class__ = _fsdp_class(type(m))
        m._fsdp_mesh = mesh
    return module
