"""torch.distributed over JAX's multi-process runtime (``jax.distributed``) and XLA collectives.

Process groups, collectives on tensors, a torchrun-compatible launcher
(``python -m torchlike.distributed.run``), and — beyond torch's data parallelism — sharding of
modules/tensors over a device mesh (:func:`shard`, :class:`FullyShardedDataParallel`) with
per-shard checkpoints through orbax.
"""
from ._group import *  # noqa: F401,F403
from ._group import __all__ as _group_all
from ._collectives import *  # noqa: F401,F403
from ._collectives import __all__ as _coll_all
from .shard import shard
from . import device_mesh  # a module (torch's), callable as the local-device mesh factory above
from .device_mesh import DeviceMesh, init_device_mesh
from .fsdp import FullyShardedDataParallel, save_sharded, load_sharded

__all__ = list(_group_all) + list(_coll_all) + ["shard", "device_mesh", "DeviceMesh", "init_device_mesh",
                                                "FullyShardedDataParallel", "save_sharded", "load_sharded"]
