"""nn.DataParallel: one process, the batch split over the local devices of a 1-D ``("batch",)`` mesh.

As torch's DataParallel, parameters and buffers live on ``device_ids[0]``; each forward replicates
them onto the mesh, scatters tensor inputs along ``dim`` (sharded with ``NamedSharding``), runs the
module once as an SPMD program over the global arrays, and gathers the output back to
``output_device``. The transfers are autograd functions, so ``backward()`` sums the parameter
gradients over the batch shards (XLA's all-reduce) and returns them to ``device_ids[0]``.
Under ``torchlike.compile`` the same transfers become sharding constraints and the whole step is
one SPMD program (the compiled step's inputs are then placed on the mesh, replicated).
"""
from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from ... import _device
from ... import _trace_hooks as hooks
from ..._tensor import Tensor
from ...autograd.function import Function
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _local_devices(device_ids):
    """JAX devices for torch device ids (ints or devices) on the default accelerator (or CPU host devices)."""
    kind = _device.default_accelerator_type()
    devs = _device.platform_devices(_device._TYPE_TO_PLATFORM[kind])
    if device_ids is None:
        return list(devs)
    out = []
    for d in device_ids:
        idx = d if isinstance(d, int) else (_device.device(d).index or 0)
        if not 0 <= idx < len(devs):
            raise RuntimeError(f"DataParallel: device id {d} is invalid: {len(devs)} {kind} device(s) exist")
        out.append(devs[idx])
    return out


def _move(value, sharding):
    """Put an array on ``sharding``: a transfer eagerly, a sharding constraint while traced."""
    if isinstance(value, jax.core.Tracer):
        if not isinstance(sharding, NamedSharding):
            return value  # inside a compiled DataParallel step everything stays on the mesh
        return jax.lax.with_sharding_constraint(value, sharding)
    return jax.device_put(value, sharding)


class _To(Function):
    """Differentiable transfer: forward puts x on ``dst``, backward puts the gradient back on ``src``."""

    @staticmethod
    def forward(ctx, x, dst, src):
        ctx.src = src
        return Tensor._wrap(_move(x._value, dst))

    @staticmethod
    def backward(ctx, g):
        return Tensor._wrap(_move(g._value, ctx.src)), None, None


def _sharding_of(value):
    if isinstance(value, jax.core.Tracer):
        return None
    s = value.sharding
    return s if len(s.device_set) > 1 else jax.sharding.SingleDeviceSharding(next(iter(s.device_set)))


def _to(t, dst):
    src = _sharding_of(t._value)
    if t.requires_grad or t.grad_fn is not None:
        return _To.apply(t, dst, src)
    return Tensor._wrap(_move(t._value, dst))


class DataParallel(Module):
    """torch.nn.DataParallel(module, device_ids=None, output_device=None, dim=0)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        devs = _local_devices(device_ids)
        if not devs:
            raise RuntimeError("DataParallel: no devices available")
        self.device_ids = list(range(len(devs))) if device_ids is None else list(device_ids)
        self.dim = dim
        self._devices = devs
        self._mesh = Mesh(np.array(devs), ("batch",))
        self.output_device = output_device if output_device is not None else self.device_ids[0]
        self._out_device = devs[0] if output_device is None else _local_devices([output_device])[0]

    @property
    def mesh(self):
        """The 1-D ``("batch",)`` mesh the batch is split over."""
        return self._mesh

    def _scatter(self, x):
        if not isinstance(x, Tensor):
            if isinstance(x, (list, tuple)):
                return type(x)(self._scatter(v) for v in x)
            if isinstance(x, dict):
                return {k: self._scatter(v) for k, v in x.items()}
            return x
        n = len(self._devices)
        if x.dim() > self.dim and x.shape[self.dim] % n == 0:
            spec = [None] * x.dim()
            spec[self.dim] = "batch"
            return _to(x, NamedSharding(self._mesh, P(*spec)))
        return _to(x, NamedSharding(self._mesh, P()))  # uneven/scalar inputs: replicated, still correct

    def _gather(self, out):
        if isinstance(out, Tensor):
            return _to(out, jax.sharding.SingleDeviceSharding(self._out_device))
        if isinstance(out, (list, tuple)):
            return type(out)(self._gather(v) for v in out)
        if isinstance(out, dict):
            return {k: self._gather(v) for k, v in out.items()}
        return out

    def forward(self, *inputs, **kwargs):
        if len(self._devices) == 1:
            return self.module(*inputs, **kwargs)
        if hooks.recorder is not None:  # tell torchlike.compile to place the step's inputs on this mesh
            hooks.recorder.mesh = self._mesh
        rep = NamedSharding(self._mesh, P())
        named = dict(self.module.named_parameters(remove_duplicate=False))
        bufs = {k: b for k, b in self.module.named_buffers(remove_duplicate=False) if b is not None}
        swap = {k: _to(p, rep) for k, p in named.items()}
        copies = {k: _to(b, rep) for k, b in bufs.items()}
        before = {k: c._version for k, c in copies.items()}
        from ...func import _swapped
        with _swapped(self.module, {**swap, **copies}):
            out = self.module(*self._scatter(inputs), **self._scatter(kwargs))
        for k, c in copies.items():  # buffer updates (BatchNorm running stats) go back to the originals
            if c._version != before[k]:
                src = _sharding_of(bufs[k]._value)
                from ...autograd.grad_mode import no_grad
                with no_grad():
                    bufs[k]._assign(Tensor._wrap(_move(c._value, src) if src is not None else c._value))
        return self._gather(out)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """torch.nn.parallel.data_parallel: a one-off DataParallel forward."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
