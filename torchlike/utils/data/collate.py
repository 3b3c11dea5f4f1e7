"""Collation on the host, as torch.utils.data's ``default_collate`` / ``default_convert``.

Samples arrive as numpy arrays, numbers or tensors whose value is a numpy array (what datasets
and transforms produce); collating stacks them with numpy and yields numpy-backed tensors, so no
JAX work happens here (safe inside worker processes). Inside a worker, large stacked arrays are
written straight into named shared-memory segments (as torch collates into shared storage), so
a batch crosses to the main process as a segment name that the main process maps; no pickling of
array data. ``to_device_tree`` then moves every tensor of a batch to the device once, in the main
process (zero-copy on the CPU device: segments are page-aligned).
"""
from __future__ import annotations

import collections.abc as abc
import copy
import mmap
import os
import re
import secrets

import numpy as np

try:
    import _posixshmem
except ImportError:  # no POSIX shared memory: batches are pickled instead
    _posixshmem = None

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

_BAD_NP = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _Tensor():
    from ..._tensor import Tensor
    return Tensor


def _host_tensor(arr):
    return _Tensor()._wrap(arr)


def _is_host(v):
    return isinstance(v, (np.ndarray, np.generic))


# ------------------------------------------------------------------ per-type collate functions

def _stack(arrays):
    """np.stack; inside a worker, large results go straight into a shared-memory segment."""
    alloc = _shared
    if alloc is not None:
        dtype = np.result_type(*arrays)
        shape = (len(arrays),) + tuple(arrays[0].shape)
        if not dtype.hasobject and dtype.itemsize * int(np.prod(shape)) >= SHM_MIN_BYTES:
            return np.stack(arrays, out=alloc.empty(shape, dtype))
    return np.stack(arrays)


def collate_tensor_fn(batch, *, collate_fn_map=None):
    vals = [t._value for t in batch]
    shapes = [tuple(v.shape) for v in vals]
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                               f"and {list(s)} at entry {i}")
    if all(_is_host(v) for v in vals) or not any(t.requires_grad for t in batch):
        try:
            return _host_tensor(_stack([np.asarray(v) for v in vals]))
        except Exception:  # tracers: stack as a traced op
            pass
    from ...ops.shape import stack
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _BAD_NP.search(elem.dtype.str) is not None:
        raise TypeError(_ERR.format(elem.dtype))
    shapes = [b.shape for b in batch]
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                               f"and {list(s)} at entry {i}")
    return _host_tensor(_stack(batch))


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return _host_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return _host_tensor(np.asarray(batch, dtype=np.float64))


def collate_int_fn(batch, *, collate_fn_map=None):
    if all(isinstance(b, bool) for b in batch):
        return _host_tensor(np.asarray(batch, dtype=np.bool_))
    return _host_tensor(np.asarray(batch, dtype=np.int64))


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


def _build_map():
    return {
        _Tensor(): collate_tensor_fn,
        np.ndarray: collate_numpy_array_fn,
        (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
        float: collate_float_fn,
        int: collate_int_fn,
        str: collate_str_fn,
        bytes: collate_str_fn,
    }


class _LazyMap(dict):
    """The default map, built on first use (Tensor is imported lazily to keep imports light)."""

    def _fill(self):
        if not self:
            self.update(_build_map())

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __contains__(self, k):
        self._fill()
        return super().__contains__(k)

    def __getitem__(self, k):
        self._fill()
        return super().__getitem__(k)


default_collate_fn_map = _LazyMap()


def collate(batch, *, collate_fn_map=None):
    """torch.utils.data._utils.collate.collate: dispatch on the first element's type."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, abc.Mapping):
        try:
            clone = copy.copy(elem)
            clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
            return clone
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(_ERR.format(elem_type))


def default_collate(batch):
    """Stack a list of samples into a batch (tensors stacked, numbers to int64/float64 tensors,
    numpy arrays to tensors, and the same structure rebuilt around them), as torch's."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Numpy arrays and numpy scalars to tensors inside any structure; no batching."""
    T = _Tensor()
    if isinstance(data, T):
        return data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "SaUO":
            return data
        return _host_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return _host_tensor(np.asarray(data))
    if isinstance(data, abc.Mapping):
        try:
            clone = copy.copy(data)
            clone.update({k: default_convert(data[k]) for k in data})
            return clone
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


# ------------------------------------------------------------------ moving batches

SHM_DIR = "/dev/shm"
SHM_MIN_BYTES = 1 << 16  # smaller arrays are cheaper to pickle than to map
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)

_shared = None  # in a worker process: the SharedAllocator its batches are collated into


def shared_memory_available():
    return _posixshmem is not None and os.path.isdir(SHM_DIR)


def new_shared_prefix():
    """A segment-name prefix unique to one DataLoader iterator (its workers add ``<id>_<n>``)."""
    return f"tl{os.getpid()}_{secrets.token_hex(4)}_"


def sweep_shared(prefix):
    """Unlink every segment left under ``prefix`` (unsent, in a closed queue, or a dead worker's)."""
    if prefix is None or _posixshmem is None:
        return
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return
    for n in names:
        if n.startswith(prefix):
            try:
                _posixshmem.shm_unlink("/" + n)
            except OSError:
                pass


class SharedAllocator:
    """Worker side: page-aligned numpy arrays in fresh named segments. A segment stays pending
    until its name is sent; ``release_pending`` unlinks those a batch did not send."""

    def __init__(self, prefix):
        self.prefix, self.count, self.pending = prefix, 0, {}

    def empty(self, shape, dtype):
        dtype = np.dtype(dtype)
        count = int(np.prod(shape))
        nbytes = max(count * dtype.itemsize, 1)
        name = f"{self.prefix}{self.count}"
        self.count += 1
        fd = _posixshmem.shm_open("/" + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
        try:
            os.ftruncate(fd, nbytes)
            # prefaulting in one call is cheaper than a page fault per 4 KiB while stacking
            mm = mmap.mmap(fd, nbytes, flags=mmap.MAP_SHARED | _POPULATE)
        except BaseException:
            _posixshmem.shm_unlink("/" + name)
            raise
        finally:
            os.close(fd)
        arr = np.frombuffer(mm, dtype, count=count).reshape(shape)
        self.pending[arr.ctypes.data] = (name, arr.nbytes)
        return arr

    def send(self, arr):
        """A SharedArray message for ``arr`` (moved into a new segment unless it owns one)."""
        entry = self.pending.get(arr.ctypes.data) if arr.flags.c_contiguous else None
        if entry is None or entry[1] != arr.nbytes:
            out = self.empty(arr.shape, arr.dtype)
            np.copyto(out, arr)
            arr, entry = out, self.pending[out.ctypes.data]
        del self.pending[arr.ctypes.data]
        return SharedArray(entry[0], arr.shape, arr.dtype.str)

    def release_pending(self):
        for name, _ in self.pending.values():
            try:
                _posixshmem.shm_unlink("/" + name)
            except OSError:
                pass
        self.pending.clear()


class SharedArray:
    """A worker's array in a named shared-memory segment, in transit (pickles as its name)."""
    __slots__ = ("name", "shape", "dtype")

    def __init__(self, name, shape, dtype):
        self.name, self.shape, self.dtype = name, shape, dtype

    def __reduce__(self):
        return SharedArray, (self.name, self.shape, self.dtype)

    def open(self):
        """Map the segment read-only and unlink its name: the mapping alone keeps it alive."""
        fd = _posixshmem.shm_open("/" + self.name, os.O_RDONLY, mode=0o600)
        try:
            dtype = np.dtype(self.dtype)
            count = int(np.prod(self.shape))
            mm = mmap.mmap(fd, max(count * dtype.itemsize, 1), access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
            _posixshmem.shm_unlink("/" + self.name)
        return np.frombuffer(mm, dtype, count=count).reshape(self.shape)


class HostArray:
    """A tensor's numpy value in transit from a worker process (pickles as the array)."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __reduce__(self):
        return HostArray, (self.array,)


def _map_tree(obj, leaf):
    """Rebuild dicts/lists/tuples/namedtuples around ``leaf(x)`` for every other object."""
    if isinstance(obj, (str, bytes)):
        return obj
    if isinstance(obj, dict):
        try:
            clone = copy.copy(obj)
            clone.update({k: _map_tree(v, leaf) for k, v in obj.items()})
            return clone
        except TypeError:
            return {k: _map_tree(v, leaf) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_map_tree(v, leaf) for v in obj))
    if isinstance(obj, (list, tuple)):
        items = [_map_tree(v, leaf) for v in obj]
        try:
            return type(obj)(items)
        except TypeError:
            return items
    return leaf(obj)


def to_host_tree(obj):
    """Replace tensors for the trip from a worker to the main process: SharedArray for large
    arrays when the worker has a shared-memory allocator, HostArray (pickled numpy) otherwise."""
    T = _Tensor()
    alloc = _shared

    def leaf(x):
        if isinstance(x, T) and _is_host(x._value):
            arr = np.asarray(x._value)
            if alloc is not None and arr.nbytes >= SHM_MIN_BYTES and not arr.dtype.hasobject:
                return alloc.send(arr)
            return HostArray(arr)
        return x
    return _map_tree(obj, leaf)


def from_transport(obj):
    """Main process, on receipt: map every SharedArray of a message (unlinking its name)."""
    def leaf(x):
        return HostArray(x.open()) if isinstance(x, SharedArray) else x
    return _map_tree(obj, leaf)


def to_device_tree(obj):
    """Numpy-backed tensors and HostArrays become device tensors (one transfer each)."""
    from ...ops.creation import _place
    T = _Tensor()

    def leaf(x):
        if isinstance(x, HostArray):
            return T._wrap(_place(x.array, None))
        if isinstance(x, T) and _is_host(x._value):
            t = T._wrap(_place(np.asarray(x._value), None))
            return t
        return x
    return _map_tree(obj, leaf)
