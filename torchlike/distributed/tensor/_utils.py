"""torch.distributed.tensor._utils: where a rank's shard lies in the global tensor."""
from __future__ import annotations

from .placement_types import Shard, _StridedShard

__all__ = ["compute_local_shape_and_global_offset"]


def compute_local_shape_and_global_offset(global_shape, mesh, placements):
    """(local shape, global offset) of this process's shard of a ``global_shape`` tensor laid out on
    ``mesh`` by ``placements`` (one per mesh dimension; ``Shard`` placements applied in mesh order).
    ``((0,), ())`` when this process has no device in ``mesh``, as torch returns for a rank outside it."""
    coord = mesh.get_coordinate()
    if coord is None:
        return (0,), ()
    shape, offset = list(global_shape), [0] * len(global_shape)
    for mesh_dim, p in enumerate(placements):
        if isinstance(p, Shard):
            size, off = Shard.local_shard_size_and_offset(shape[p.dim], mesh.size(mesh_dim), coord[mesh_dim])
            shape[p.dim] = size
            offset[p.dim] = offset[p.dim] + off if size else global_shape[p.dim]
        elif isinstance(p, _StridedShard):
            raise NotImplementedError(f"compute_local_shape_and_global_offset: {p!r} is not supported")
    return tuple(shape), tuple(offset)
