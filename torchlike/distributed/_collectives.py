"""torch.distributed collectives on tensors, as XLA collectives over the rank mesh.

Each process contributes its tensor as one shard of a global ``(world, *shape)`` array sharded over
the ``("rank",)`` mesh; a jitted reduction/selection whose output is replicated (all-reduce,
all-gather, broadcast) or sharded over ranks (reduce-scatter, scatter) makes XLA emit the
collective. Results are written in place, as torch's are (outside autograd: torch.distributed ops
are not differentiable either). ``async_op=True`` returns a completed work handle.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec as P

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._group import _check_group, _require_init, _state, rank_mesh
from ._work import _Work, _done  # noqa: F401

__all__ = ["ReduceOp", "all_reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter_tensor",
           "broadcast", "reduce", "scatter", "gather", "all_gather_object", "broadcast_object_list",
           "reduce_scatter", "all_to_all_single"]


class ReduceOp:
    """torch.distributed.ReduceOp (``ReduceOp.SUM``...; also usable as ``ReduceOp.RedOpType.SUM``)."""
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"
    PREMUL_SUM = "premul_sum"
    RedOpType = None


ReduceOp.RedOpType = ReduceOp


def _reducer(op, world):
    def avg(a, axis):
        s = jnp.sum(a, axis)
        return s / world if jnp.issubdtype(a.dtype, jnp.inexact) else s // world
    table = {ReduceOp.SUM: jnp.sum, ReduceOp.AVG: avg, ReduceOp.PRODUCT: jnp.prod, ReduceOp.MIN: jnp.min,
             ReduceOp.MAX: jnp.max,
             ReduceOp.BAND: lambda a, axis: functools.reduce(jnp.bitwise_and, [a[i] for i in range(a.shape[0])]),
             ReduceOp.BOR: lambda a, axis: functools.reduce(jnp.bitwise_or, [a[i] for i in range(a.shape[0])]),
             ReduceOp.BXOR: lambda a, axis: functools.reduce(jnp.bitwise_xor, [a[i] for i in range(a.shape[0])])}
    if op not in table:
        raise ValueError(f"Unsupported ReduceOp {op!r} (supported: SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR)")
    fn = table[op]
    return lambda a: fn(a, 0).astype(a.dtype)


@functools.lru_cache(maxsize=None)
def _program(kind, arg, mesh):
    """A jitted function of the global ``(world, ...)`` array: kind 'reduce'(op) / 'gather' / 'select'(src),
    with a replicated output; 'reduce_scatter'(op) / 'scatter'(src) with an output sharded over ranks."""
    world = mesh.size
    rep, shard = NamedSharding(mesh, P()), NamedSharding(mesh, P("rank"))
    if kind == "reduce":
        return jax.jit(_reducer(arg, world), out_shardings=rep)
    if kind == "gather":
        return jax.jit(lambda a: a, out_shardings=rep)
    if kind == "select":
        return jax.jit(lambda a: a[arg], out_shardings=rep)
    if kind == "reduce_scatter":
        return jax.jit(_reducer(arg, world), out_shardings=shard)
    if kind == "scatter":
        return jax.jit(lambda a: a[arg], out_shardings=shard)
    raise AssertionError(kind)


def _run(kind, arg, value):
    """Run a collective on this process's array ``value``; returns this process's piece of the result."""
    if isinstance(value, jax.core.Tracer):
        from .._errors import raise_untraceable
        raise_untraceable("torch.distributed collective")
    mesh = rank_mesh()
    mine = mesh.devices.flat[_state.rank] if not _state.uses_jax_distributed else \
        [d for d in mesh.devices.flat if d.process_index == jax.process_index()][0]
    local = jax.device_put(jnp.asarray(value)[None], mine)
    glob = jax.make_array_from_single_device_arrays((mesh.size,) + tuple(value.shape),
                                                    NamedSharding(mesh, P("rank")), [local])
    out = _program(kind, arg, mesh)(glob)
    piece = out.addressable_shards[0].data
    return piece[0] if kind in ("reduce_scatter", "scatter") else piece


def _dev_of(t):
    devs = t._value.devices()
    return next(iter(devs)) if len(devs) == 1 else None


def _write(t, value):
    """In-place ``t = value`` (same shape), keeping ``t`` on its device, outside autograd."""
    d = _dev_of(t)
    value = jax.device_put(value, d) if d is not None else value
    with no_grad():
        t._assign(Tensor._wrap(value.astype(t._value.dtype).reshape(t._value.shape)))


def _check_tensor(t, name="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
                        f"             but got {type(t)} instead.")


def _prep(t, group, name="tensor"):
    _check_group(group)
    _require_init()
    _check_tensor(t, name)


def _check_rank(r, what):
    if not 0 <= r < _state.world_size:
        raise ValueError(f"Invalid {what} rank {r}: should be in [0, {_state.world_size - 1}]")


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's ``tensor`` becomes the reduction (``op``) of all ranks' tensors."""
    _prep(tensor, group)
    _write(tensor, _run("reduce", op, tensor._value))
    return _done(async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Like all_reduce, but only rank ``dst`` receives the result (the others keep their tensor)."""
    _prep(tensor, group)
    dst = dst if group_dst is None else group_dst
    _check_rank(dst, "dst")
    out = _run("reduce", op, tensor._value)
    if _state.rank == dst:
        _write(tensor, out)
    return _done(async_op)


def broadcast(tensor, src=0, group=None, async_op=False, group_src=None):
    """Every rank's ``tensor`` becomes rank ``src``'s."""
    _prep(tensor, group)
    src = src if group_src is None else group_src
    _check_rank(src, "src")
    _write(tensor, _run("select", src, tensor._value))
    return _done(async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[i]`` becomes rank i's ``tensor`` on every rank."""
    _prep(tensor, group)
    if len(tensor_list) != _state.world_size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors, expected the world size "
                         f"{_state.world_size}")
    for t in tensor_list:
        if tuple(t.shape) != tuple(tensor.shape):
            raise RuntimeError(f"all_gather: output tensor of shape {list(t.shape)} does not match the input "
                               f"shape {list(tensor.shape)}")
    out = _run("gather", None, tensor._value)
    for i, t in enumerate(tensor_list):
        _write(t, out[i])
    return _done(async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Ranks' inputs concatenated along dim 0 (or stacked, if ``output_tensor`` has that shape)."""
    _prep(input_tensor, group, "input_tensor")
    w, shape = _state.world_size, tuple(input_tensor.shape)
    cat = ((w * shape[0],) + shape[1:]) if shape else (w,)
    if tuple(output_tensor.shape) not in (cat, (w,) + shape):
        raise ValueError(f"output tensor size must be equal to world_size times input tensor size: got output "
                         f"{list(output_tensor.shape)}, input {list(shape)}, world size {w}")
    _write(output_tensor, _run("gather", None, input_tensor._value))
    return _done(async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """``input`` (world * output.size(0) rows) reduced over ranks; rank r keeps chunk r."""
    _prep(input, group, "input")
    w = _state.world_size
    if input.dim() == 0 or input.shape[0] != w * (output.shape[0] if output.dim() else 1) \
            or tuple(input.shape[1:]) != tuple(output.shape[1:]):
        raise ValueError(f"input tensor must be the same size as output size times world size: got input "
                         f"{list(input.shape)}, output {list(output.shape)}, world size {w}")
    chunks = input._value.reshape((w,) + tuple(output.shape))
    _write(output, _run("reduce_scatter", op, chunks))
    return _done(async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    _prep(output, group, "output")
    if len(input_list) != _state.world_size:
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} tensors, expected {_state.world_size}")
    _write(output, _run("reduce_scatter", op, jnp.stack([t._value for t in input_list])))
    return _done(async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False, group_src=None):
    """Rank i's ``tensor`` becomes ``scatter_list[i]`` of rank ``src`` (only src passes a list)."""
    _prep(tensor, group)
    src = src if group_src is None else group_src
    _check_rank(src, "src")
    w = _state.world_size
    if _state.rank == src:
        if scatter_list is None or len(scatter_list) != w:
            raise ValueError(f"Argument ``scatter_list`` must be specified on source rank with {w} tensors.")
        stacked = jnp.stack([jnp.asarray(t._value, tensor._value.dtype).reshape(tensor._value.shape)
                             for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        stacked = jnp.zeros((w,) + tuple(tensor.shape), tensor._value.dtype)
    _write(tensor, _run("scatter", src, stacked))
    return _done(async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False, group_dst=None):
    """Rank ``dst``'s ``gather_list[i]`` becomes rank i's ``tensor`` (only dst passes a list)."""
    _prep(tensor, group)
    dst = dst if group_dst is None else group_dst
    _check_rank(dst, "dst")
    if _state.rank == dst:
        if gather_list is None or len(gather_list) != _state.world_size:
            raise ValueError(f"Argument ``gather_list`` must be specified on destination rank with "
                             f"{_state.world_size} tensors.")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    out = _run("gather", None, tensor._value)
    if _state.rank == dst:
        for i, t in enumerate(gather_list):
            _write(t, out[i])
    return _done(async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op=False):
    """Equal splits only: rank r receives chunk r of every rank's input, in rank order."""
    _prep(input, group, "input")
    if output_split_sizes is not None or input_split_sizes is not None:
        raise NotImplementedError("all_to_all_single: uneven splits are not supported")
    w = _state.world_size
    out = _run("gather", None, input._value.reshape((w, -1) + tuple(input.shape[1:])))  # (src, chunk, ...)
    _write(output, out[:, _state.rank])
    return _done(async_op)


def _object_bytes(obj):
    import pickle
    return np.frombuffer(pickle.dumps(obj), np.uint8)


def all_gather_object(object_list, obj, group=None):
    """Pickled objects gathered through two collectives (sizes, then padded bytes)."""
    import pickle
    _check_group(group)
    _require_init()
    data = _object_bytes(obj)
    sizes = np.asarray(_run("gather", None, jnp.asarray([data.size], jnp.int64))).reshape(-1)
    buf = np.zeros(int(sizes.max()), np.uint8)
    buf[:data.size] = data
    allb = np.asarray(_run("gather", None, jnp.asarray(buf)))
    for i in range(_state.world_size):
        object_list[i] = pickle.loads(allb[i, :sizes[i]].tobytes())


def broadcast_object_list(object_list, src=0, group=None, device=None, group_src=None):
    src = src if group_src is None else group_src
    gathered = [None] * get_world_size_()
    all_gather_object(gathered, list(object_list), group)
    object_list[:] = gathered[src]


def get_world_size_():
    return _state.world_size
