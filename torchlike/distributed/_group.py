"""The default process group: torch.distributed's init/teardown mapped onto ``jax.distributed``.

``init_process_group`` reads the rendezvous that ``torchrun`` (or ``torchlike.distributed.run``)
sets up — ``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` — and starts
JAX's multi-process runtime with the coordinator at ``MASTER_ADDR:MASTER_PORT``. A world of one
process needs no runtime at all. Any torch backend name (``gloo``, ``nccl``, ``mpi``, ``xla``...)
is accepted: XLA picks the transport (on CPU, JAX's gloo collectives; on GPU, NCCL).
Collectives run over a 1-D mesh ``("rank",)`` holding the first local device of every process.
"""
from __future__ import annotations

import datetime
import os

import jax
import numpy as np

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available", "get_rank",
           "get_world_size", "get_backend", "barrier", "new_group", "group", "GroupMember", "Backend",
           "is_gloo_available", "is_nccl_available", "is_mpi_available", "is_torchelastic_launched",
           "get_process_group_ranks", "monitored_barrier"]

_NOT_INIT = ("Default process group has not been initialized, please make sure to call init_process_group.")


class _State:
    initialized = False
    rank = 0
    world_size = 1
    backend = None
    uses_jax_distributed = False
    _mesh = None


_state = _State()


class Backend(str):
    """torch.distributed.Backend: the backend names torch knows (all run on XLA here)."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"
    UCC = "ucc"
    XCCL = "xccl"

    def __new__(cls, name):
        return str.__new__(cls, name.lower())


class ProcessGroup:
    """The default group (the only group supported: every rank)."""

    def __repr__(self):
        return f"ProcessGroup(rank={_state.rank}, size={_state.world_size}, backend={_state.backend})"

    def rank(self):
        return get_rank()

    def size(self):
        return get_world_size()


class GroupMember:
    WORLD = ProcessGroup()
    NON_GROUP_MEMBER = -100


class group:  # noqa: N801  (torch spells it this way)
    WORLD = GroupMember.WORLD


def is_available():
    return True


def is_gloo_available():
    return True


def is_nccl_available():
    return True


def is_mpi_available():
    return False


def is_torchelastic_launched():
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized():
    return _state.initialized


def _require_init():
    if not _state.initialized:
        raise ValueError(_NOT_INIT)


def _check_group(g):
    if g is not None and g is not GroupMember.WORLD:
        raise NotImplementedError("torchlike.distributed supports only the default (world) process group")


def _env_int(name, given):
    if given is not None and given >= 0:
        return given
    v = os.environ.get(name)
    if v is None:
        raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment variable "
                         f"{name} expected, but not set")
    return int(v)


def _parse_init_method(init_method):
    """(addr, port) from ``tcp://host:port``; None for ``env://``/None (read the environment)."""
    if init_method is None or init_method.startswith("env://"):
        return None
    if init_method.startswith("tcp://"):
        host, _, port = init_method[len("tcp://"):].rpartition(":")
        return host.strip("[]"), int(port.split("?")[0])
    raise ValueError(f"torchlike.distributed supports env:// and tcp:// init methods, got {init_method!r}")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """torch.distributed.init_process_group over ``jax.distributed.initialize``.

    Must run before the process computes anything with JAX (JAX's rule); a world of size 1 works
    without the multi-process runtime.
    """
    if _state.initialized:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise NotImplementedError("torchlike.distributed: store= is not supported; use env:// or tcp://")
    addr_port = _parse_init_method(init_method)
    world = world_size if world_size is not None and world_size > 0 else int(os.environ.get("WORLD_SIZE", "1"))
    rnk = rank if rank is not None and rank >= 0 else int(os.environ.get("RANK", "0"))
    if world > 1:
        if addr_port is None:
            addr_port = (os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT"))
            for name, v in zip(("MASTER_ADDR", "MASTER_PORT"), addr_port):
                if v is None:
                    raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment "
                                     f"variable {name} expected, but not set")
        rnk = _env_int("RANK", rank)
        if not 0 <= rnk < world:
            raise ValueError(f"Invalid rank {rnk}, rank should be in the interval [0, {world - 1}]")
        secs = 300
        if isinstance(timeout, datetime.timedelta):
            secs = max(1, int(timeout.total_seconds()))
        try:  # JAX's CPU backend needs a cross-process collectives implementation; gloo ships with jaxlib
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        except Exception:  # noqa: BLE001  (older/newer option names: XLA then picks its default)
            pass
        try:
            jax.distributed.initialize(coordinator_address=f"{addr_port[0]}:{addr_port[1]}", num_processes=world,
                                       process_id=rnk, initialization_timeout=secs)
        except RuntimeError as e:
            raise RuntimeError(f"init_process_group: jax.distributed.initialize failed ({e}). JAX requires it to "
                               "run before any JAX computation in the process: call init_process_group before "
                               "creating tensors.") from e
        _state.uses_jax_distributed = True
        _exit_fast_on_error()
    elif rnk != 0:
        raise ValueError(f"Invalid rank {rnk}, rank should be in the interval [0, 0]")
    _state.rank, _state.world_size = rnk, world
    _state.backend = Backend(backend.split(",")[0].split(":")[-1]) if backend else Backend("gloo")
    _state.initialized = True
    _state._mesh = None


def _exit_fast_on_error():
    """An uncaught exception ends the rank at once: otherwise JAX's exit-time shutdown barrier waits for
    the other ranks (up to its shutdown timeout) and the failure looks like a hang to them and the launcher."""
    import sys
    previous = sys.excepthook

    def hook(tp, value, tb):
        previous(tp, value, tb)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    sys.excepthook = hook


def destroy_process_group(group=None):
    _check_group(group)
    if not _state.initialized:
        raise ValueError(_NOT_INIT)
    if _state.uses_jax_distributed:
        jax.distributed.shutdown()
    _state.initialized = False
    _state.uses_jax_distributed = False
    _state.rank, _state.world_size, _state.backend, _state._mesh = 0, 1, None, None


def get_rank(group=None):
    _check_group(group)
    _require_init()
    return _state.rank


def get_world_size(group=None):
    _check_group(group)
    _require_init()
    return _state.world_size


def get_backend(group=None):
    _check_group(group)
    _require_init()
    return str(_state.backend)


def get_process_group_ranks(group=None):
    return list(range(get_world_size(group)))


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False):
    """Only the group of all ranks exists here; ``new_group()`` / ``new_group(all ranks)`` returns it."""
    _require_init()
    if ranks is not None and sorted(ranks) != list(range(_state.world_size)):
        raise NotImplementedError("torchlike.distributed: only a group of all ranks is supported")
    return GroupMember.WORLD


def rank_mesh():
    """The 1-D mesh ``("rank",)`` over one device per process (each process's first local device)."""
    _require_init()
    if _state._mesh is None:
        from jax.sharding import Mesh
        from .._device import cpu_jax_device, default_accelerator_type, platform_devices, _TYPE_TO_PLATFORM
        platform = _TYPE_TO_PLATFORM[default_accelerator_type()] if _state.uses_jax_distributed else "cpu"
        if _state.uses_jax_distributed:
            devs = [min((d for d in jax.devices(platform) if d.process_index == p), key=lambda d: d.id)
                    for p in range(_state.world_size)]
        else:
            devs = [cpu_jax_device() if platform == "cpu" else platform_devices(platform)[0]]
        _state._mesh = Mesh(np.array(devs), ("rank",))
    return _state._mesh


def barrier(group=None, async_op=False, device_ids=None):
    """Blocks until every rank reaches it (``multihost_utils.sync_global_devices``)."""
    _check_group(group)
    _require_init()
    if _state.uses_jax_distributed:
        from jax.experimental import multihost_utils
        multihost_utils.sync_global_devices("torchlike.distributed.barrier")
    from ._work import _done
    return _done(async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    barrier(group)
