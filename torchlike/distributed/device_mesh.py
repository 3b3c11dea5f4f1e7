"""torch.distributed.device_mesh: ``DeviceMesh`` and ``init_device_mesh`` over a ``jax.sharding.Mesh``.

torchlike runs single-controller: one process drives all of its local devices, so a mesh's entries
are device indices (of the mesh's device type, in JAX's order), not one rank per device as in torch.
``DeviceMesh.jax_mesh`` is the ``jax.sharding.Mesh`` that :func:`torchlike.distributed.shard` and
``FullyShardedDataParallel`` place tensors on (both accept a ``DeviceMesh`` too). ``get_coordinate``
is the coordinate of this process's first device in the mesh, which is the rank's coordinate when
each process drives one device (``torchlike.distributed.run``), as with torch.

The module is also callable, as ``torchlike.distributed.device_mesh(shape, axis_names)`` was before
this module existed: it returns a ``jax.sharding.Mesh`` over the local devices
(``torchlike.distributed.shard.device_mesh``).
"""
from __future__ import annotations

import sys
import types

import jax
import numpy as np
from jax.sharding import Mesh

from .shard import as_jax_mesh, device_mesh as _local_mesh  # noqa: F401 (as_jax_mesh: re-exported)

__all__ = ["DeviceMesh", "init_device_mesh"]


def _devices(device_type):
    from .. import _device
    return _device.platform_devices(_device._TYPE_TO_PLATFORM[str(device_type).split(":")[0]])


class DeviceMesh:
    """``DeviceMesh(device_type, mesh, *, mesh_dim_names=None)``: an n-d arrangement of devices.

    ``mesh`` holds device indices (a nested list, numpy array or integer Tensor).
    """

    def __init__(self, device_type, mesh, *, mesh_dim_names=None, _init_backend=True):
        ids = np.asarray(mesh.numpy() if hasattr(mesh, "numpy") else mesh, dtype=np.int64)
        if ids.ndim == 0:
            raise ValueError(f"DeviceMesh: mesh must have at least one dimension, got {ids.tolist()!r}")
        if len(np.unique(ids)) != ids.size:
            raise RuntimeError(f"DeviceMesh: mesh contains duplicate devices: {ids.tolist()}")
        if mesh_dim_names is not None:
            mesh_dim_names = tuple(mesh_dim_names)
            if len(mesh_dim_names) != ids.ndim:
                raise RuntimeError(f"mesh_dim_names {mesh_dim_names} must have one name per mesh dimension "
                                   f"(mesh of shape {list(ids.shape)})")
        available = _devices(device_type)
        if ids.max() >= len(available) or ids.min() < 0:
            raise RuntimeError(f"DeviceMesh: device indices {ids.tolist()} out of range for the "
                               f"{len(available)} {device_type} device(s) available")
        self.device_type = str(device_type).split(":")[0]
        self.mesh_dim_names = mesh_dim_names
        self._ids = ids
        axis_names = mesh_dim_names or tuple(f"dim{i}" for i in range(ids.ndim))
        self.jax_mesh = Mesh(np.array([available[i] for i in ids.flat]).reshape(ids.shape), axis_names)

    @classmethod
    def _from_jax_mesh(cls, device_type, jax_mesh, mesh_dim_names):
        available = list(_devices(device_type))
        ids = np.array([available.index(d) for d in jax_mesh.devices.flat]).reshape(jax_mesh.devices.shape)
        return cls(device_type, ids, mesh_dim_names=mesh_dim_names)

    @property
    def mesh(self):
        from .._functions import tensor
        return tensor(self._ids)

    @property
    def ndim(self):
        return self._ids.ndim

    @property
    def shape(self):
        return tuple(self._ids.shape)

    def size(self, mesh_dim=None):
        return int(self._ids.size if mesh_dim is None else self._ids.shape[self._dim(mesh_dim)])

    def _dim(self, name):
        if isinstance(name, int):
            return name
        if not self.mesh_dim_names or name not in self.mesh_dim_names:
            raise KeyError(f"Invalid mesh_dim_name {name!r} specified. Valid mesh_dim_names are "
                           f"{list(self.mesh_dim_names or ())}.")
        return self.mesh_dim_names.index(name)

    def __getitem__(self, names):
        """The sub-mesh over the named dimensions that contains this process's first device."""
        names = (names,) if isinstance(names, str) else tuple(names)
        dims = [self._dim(n) for n in names]
        coord = self.get_coordinate() or [0] * self.ndim
        index = tuple(slice(None) if d in dims else coord[d] for d in range(self.ndim))
        sub = self._ids[index]  # its axes in the mesh's order; put them in the order asked
        sub = np.transpose(sub, [sorted(dims).index(d) for d in dims])
        return DeviceMesh(self.device_type, sub, mesh_dim_names=names)

    def get_rank(self):
        from ._group import _state
        return _state.rank if _state.initialized else 0

    def get_coordinate(self):
        mine = {d.id for d in jax.local_devices(backend=self.jax_mesh.devices.flat[0].platform)}
        for idx in np.ndindex(*self.shape):
            if self.jax_mesh.devices[idx].id in mine:
                return list(idx)
        return None

    def get_local_rank(self, mesh_dim=None):
        if mesh_dim is None and self.ndim != 1:
            raise RuntimeError("Optional kwarg `mesh_dim` needs to be specified when device_mesh.ndim > 1.")
        coord = self.get_coordinate()
        return coord[0 if mesh_dim is None else self._dim(mesh_dim)] if coord is not None else -1

    def __eq__(self, other):
        return (isinstance(other, DeviceMesh) and self.device_type == other.device_type
                and self.shape == other.shape and bool(np.all(self._ids == other._ids))
                and self.mesh_dim_names == other.mesh_dim_names)

    def __hash__(self):
        return hash((self.device_type, self._ids.tobytes(), self.shape, self.mesh_dim_names))

    def __repr__(self):
        names = f", mesh_dim_names={self.mesh_dim_names}" if self.mesh_dim_names else ""
        return f"DeviceMesh('{self.device_type}', {self._ids.tolist()}{names})"


def init_device_mesh(device_type, mesh_shape, *, mesh_dim_names=None):
    """A ``DeviceMesh`` of ``mesh_shape`` over the first ``prod(mesh_shape)`` local devices."""
    mesh_shape = tuple(int(n) for n in mesh_shape)
    n = int(np.prod(mesh_shape))
    available = len(_devices(device_type))
    if n > available:
        raise RuntimeError(f"init_device_mesh: mesh of shape {list(mesh_shape)} needs {n} {device_type} devices, "
                           f"only {available} available")
    return DeviceMesh(device_type, np.arange(n).reshape(mesh_shape), mesh_dim_names=mesh_dim_names)


class _CallableModule(types.ModuleType):
    def __call__(self, shape=None, axis_names=("fsdp",), devices=None):
        return _local_mesh(shape, axis_names, devices)


sys.modules[__name__].__class__ = _CallableModule
