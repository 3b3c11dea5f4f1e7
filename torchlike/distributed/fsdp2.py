"""FSDP2's ``fully_shard`` and its policies (torch.distributed.fsdp / torch.distributed._composable.fsdp).

``fully_shard(module, mesh=...)`` shards every parameter of ``module`` along its first dimension
that the (1-d) mesh's size divides, as torch's FSDP2 does, and changes the module's class to
``FSDP<Class>`` (a subclass of :class:`FSDPModule` and the original class). One difference from
torch: parameters stay ordinary Tensors whose JAX arrays are sharded over the mesh (XLA gathers them
where a computation needs the whole), not DTensors; so ``unshard``/``reshard`` have nothing to do.
torchlike is single-controller, so the process's batch plays the part of all ranks' batches: tensor
inputs not yet on the mesh are split along dim 0 over it (replicated when the mesh size does not
divide it), and that module's outputs come back to the mesh's first device.
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


def _map(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    return fn(x)


def _place_inputs(module, args, kwargs):
    import jax
    from jax.sharding import NamedSharding, PartitionSpec as P
    from .._tensor import Tensor
    from ..nn.parallel.data_parallel import _to
    from .shard import as_jax_mesh
    jmesh = as_jax_mesh(module._fsdp_mesh)
    axis, devices = jmesh.axis_names[0], set(jmesh.devices.flat)
    moved = []

    def place(x):
        if not isinstance(x, Tensor) or isinstance(x._value, jax.core.Tracer) or set(x._value.devices()) == devices:
            return x
        moved.append(True)
        spec = P(axis) if x.dim() and x.shape[0] % jmesh.shape[axis] == 0 else P()
        return _to(x, NamedSharding(jmesh, spec))
    args, kwargs = _map(place, args), _map(place, kwargs)
    module._fsdp_gather_outputs = bool(moved)
    return args, kwargs


def _gather_outputs(module, args, kwargs, out):
    if not module._fsdp_gather_outputs:
        return out
    import jax
    from .._tensor import Tensor
    from ..nn.parallel.data_parallel import _to
    from .shard import as_jax_mesh
    first = jax.sharding.SingleDeviceSharding(as_jax_mesh(module._fsdp_mesh).devices.flat[0])
    return _map(lambda x: _to(x, first) if isinstance(x, Tensor) and not isinstance(x._value, jax.core.Tracer)
                else x, out)


def _fsdp_class(cls):
    if issubclass(cls, FSDPModule):
        return cls
    if cls not in _classes:
        _classes[cls] = type(f"FSDP{cls.__name__}", (FSDPModule, cls), {})
    return _classes[cls]


def fully_shard(module, *, mesh=None, reshard_after_forward=None, shard_placement_fn=None,
                mp_policy=MixedPrecisionPolicy(), offload_policy=OffloadPolicy(), ignored_params=None):
    """Shard ``module``'s parameters over ``mesh`` (default: all devices of the default accelerator)."""
    from .device_mesh import DeviceMesh
    from .shard import as_jax_mesh, dim0_spec, reshard_grad, shard
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
                p.register_post_accumulate_grad_hook(reshard_grad)
                p._fsdp_hooked = True
        m.__class__ = _fsdp_class(type(m))
        if getattr(m, "_fsdp_mesh", None) is None:
            m.register_forward_pre_hook(_place_inputs, with_kwargs=True)
            m.register_forward_hook(_gather_outputs, with_kwargs=True)
        m._fsdp_mesh = mesh
    return module
