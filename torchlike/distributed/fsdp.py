"""An FSDP-style wrapper (parameters, gradients and optimizer state sharded over a mesh axis) and
per-shard checkpoints through orbax.

``FullyShardedDataParallel(module, mesh=None, axis="fsdp")`` splits every parameter along its first
dimension divisible by the axis size (smaller ones are replicated) and the batch along the same axis.
Forward runs the module once on the global arrays (XLA all-gathers parameters where needed);
gradients are resharded like their parameters as they accumulate (XLA's reduce-scatter), and since
optimizers build their state with ``zeros_like`` of the parameter, that state is sharded too.
The output is gathered to the mesh's first device so losses/targets stay ordinary tensors.

``save_sharded(path, module, optimizer=None)`` writes each array shard by shard (orbax
``StandardCheckpointer``, tensorstore underneath); ``load_sharded(path, module, optimizer=None)``
restores into the placement the target's tensors have now — sharded for an FSDP model, one device
for a plain single-device model.
"""
from __future__ import annotations

import os

import jax
from jax.sharding import NamedSharding, PartitionSpec as P

from .. import _trace_hooks as hooks
from .._tensor import Tensor
from ..nn.modules.module import Module
from ..nn.parallel.data_parallel import _to
from .shard import as_jax_mesh, device_mesh, dim0_spec, reshard_grad, shard

from .fsdp2 import (CPUOffloadPolicy, FSDPModule, MixedPrecisionPolicy, OffloadPolicy,  # noqa: F401,E402
                          fully_shard)  # torch.distributed.fsdp holds FSDP2 (``fully_shard``) too

__all__ = ["FullyShardedDataParallel", "save_sharded", "load_sharded", "fully_shard", "FSDPModule",
           "OffloadPolicy", "CPUOffloadPolicy", "MixedPrecisionPolicy"]


class FullyShardedDataParallel(Module):
    """torch.distributed.fsdp.FullyShardedDataParallel-shaped wrapper over a local device mesh."""

    def __init__(self, module, mesh=None, axis="fsdp", device_id=None, **unused_torch_options):
        super().__init__()
        self._mesh = device_mesh(axis_names=(axis,)) if mesh is None else as_jax_mesh(mesh)
        self._axis = axis
        self.module = shard(module, self._mesh, dim0_spec(axis))
        self._handles = [p.register_post_accumulate_grad_hook(self._reshard_grad)
                         for p in module.parameters() if p.requires_grad]

    @property
    def mesh(self):
        return self._mesh

    _reshard_grad = staticmethod(reshard_grad)

    def _scatter(self, x):
        if isinstance(x, Tensor):
            n = self._mesh.shape[self._axis]
            spec = P(self._axis) if x.dim() and x.shape[0] % n == 0 else P()
            return _to(x, NamedSharding(self._mesh, spec))
        if isinstance(x, (list, tuple)):
            return type(x)(self._scatter(v) for v in x)
        if isinstance(x, dict):
            return {k: self._scatter(v) for k, v in x.items()}
        return x

    def _gather(self, out):
        if isinstance(out, Tensor):
            return _to(out, jax.sharding.SingleDeviceSharding(self._mesh.devices.flat[0]))
        if isinstance(out, (list, tuple)):
            return type(out)(self._gather(v) for v in out)
        if isinstance(out, dict):
            return {k: self._gather(v) for k, v in out.items()}
        return out

    def forward(self, *inputs, **kwargs):
        if hooks.recorder is not None:
            hooks.recorder.mesh = self._mesh
        return self._gather(self.module(*self._scatter(inputs), **self._scatter(kwargs)))


def _orbax():
    try:
        import orbax.checkpoint as ocp
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("sharded checkpoints need orbax-checkpoint (pip install 'torchlike[distributed]')") from e
    return ocp


def _strip(name):
    return name[len("module."):] if name.startswith("module.") else name


def _tree(module, optimizer):
    tree = {"model": {_strip(k): v._value for k, v in module.state_dict().items()}}
    if optimizer is not None:
        st = optimizer.state_dict()["state"]
        tree["optim"] = {str(i): {k: v._value for k, v in s.items() if isinstance(v, Tensor)} for i, s in st.items()}
    return tree


def save_sharded(path, module, optimizer=None):
    """Write ``module``'s state (and ``optimizer``'s tensor state) as an orbax checkpoint, per shard."""
    ocp = _orbax()
    path = os.path.abspath(os.fspath(path))
    tree = _tree(module, optimizer)
    with ocp.StandardCheckpointer() as ckptr:  # model and optimizer apart, so either loads alone
        for part, sub in tree.items():
            ckptr.save(os.path.join(path, part), sub, force=True)


def load_sharded(path, module, optimizer=None):
    """Restore a :func:`save_sharded` checkpoint into ``module`` (and ``optimizer``), each tensor placed
    as the target's tensor is now (a plain model: one device; an FSDP model: its shards)."""
    ocp = _orbax()
    path = os.path.abspath(os.fspath(path))
    targets = {_strip(k): v for k, v in module.state_dict(keep_vars=True).items()}

    def abstract(v):
        return jax.ShapeDtypeStruct(v._value.shape, v._value.dtype, sharding=v._value.sharding)
    want = {"model": {k: abstract(v) for k, v in targets.items()}}
    if optimizer is not None:
        with ocp.StandardCheckpointer() as ckptr:
            meta = ckptr.metadata(os.path.join(path, "optim"))
        tree = getattr(meta, "item_metadata", meta)
        tree = getattr(tree, "tree", tree)
        params = [p for g in optimizer.param_groups for p in g["params"]]
        want["optim"] = {i: {k: jax.ShapeDtypeStruct(tuple(m.shape), m.dtype,
                                                     sharding=params[int(i)]._value.sharding if m.shape
                                                     else jax.sharding.SingleDeviceSharding(
                                                         next(iter(params[int(i)]._value.devices()))))
                             for k, m in s.items()}
                         for i, s in tree.items()}
    with ocp.StandardCheckpointer() as ckptr:
        got = {part: ckptr.restore(os.path.join(path, part), sub) for part, sub in want.items()}
    missing = sorted(set(targets) - set(got["model"]))
    if missing:
        raise RuntimeError(f"Error(s) in loading state_dict: Missing key(s) in checkpoint: {missing}")
    for k, t in targets.items():
        t._value = got["model"][k]
    if optimizer is not None:
        sd = optimizer.state_dict()
        sd["state"] = {int(i): {k: Tensor._wrap(v) for k, v in s.items()} for i, s in got["optim"].items()}
        for i, s in sd["state"].items():
            s.update({k: v for k, v in optimizer.state_dict()["state"].get(i, {}).items() if k not in s})
        optimizer.load_state_dict(sd)
