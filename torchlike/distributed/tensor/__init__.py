"""torch.distributed.tensor: placements and the ``DTensor`` type.

The placement types and their chunk arithmetic are torch's. torchlike has no DTensor: a tensor
sharded over devices is an ordinary Tensor whose JAX array carries a ``NamedSharding``
(:func:`torchlike.distributed.shard`). ``DTensor`` exists as a class so that library code asking
``isinstance(x, DTensor)`` gets the true answer (False); :func:`distribute_tensor`,
:func:`distribute_module` and ``DTensor.from_local`` raise NotImplementedError saying so.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ..device_mesh import DeviceMesh, init_device_mesh
from . import _utils, placement_types  # noqa: F401
from .placement_types import Partial, Placement, Replicate, Shard

__all__ = ["DTensor", "distribute_tensor", "distribute_module", "Shard", "Replicate", "Partial", "Placement",
           "DeviceMesh", "init_device_mesh"]

_NO_DTENSOR = ("torchlike has no DTensor; shard a tensor or module over a mesh with "
               "torchlike.distributed.shard(x, mesh, spec) or fully_shard(module, mesh=mesh)")


class DTensor(Tensor):
    """A tensor distributed over a DeviceMesh (not constructible in torchlike; see the module doc)."""

    def __new__(cls, *args, **kwargs):
        raise NotImplementedError(_NO_DTENSOR)

    @staticmethod
    def from_local(local_tensor, device_mesh=None, placements=None, *, run_check=False, shape=None, stride=None):
        raise NotImplementedError(_NO_DTENSOR)


def distribute_tensor(tensor, device_mesh=None, placements=None, *, src_data_rank=0):
    raise NotImplementedError(_NO_DTENSOR)


def distribute_module(module, device_mesh=None, partition_fn=None, input_fn=None, output_fn=None):
    raise NotImplementedError(_NO_DTENSOR)
