"""Pickling tensors the way torch's pickler does.

Inside :func:`torchlike.save` a Tensor reduces to ``torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, requires_grad, OrderedDict())`` (``_rebuild_tensor_v3`` with an ``UntypedStorage`` for
the dtypes torch has no typed storage class for), where ``storage`` is written as a persistent id
``('storage', torch.FloatStorage, key, location, numel)`` and its bytes go to ``data/<key>`` — the
exact records torch writes, so real torch loads them. Parameters reduce to
``torch._utils._rebuild_parameter``, dtypes/devices/Sizes to their ``torch.*`` globals, and classes
from ``torchlike.*`` are named ``torch.*`` (``torchlike.vision`` -> ``torchvision``).

Outside a save (``pickle.dumps``, ``copy``, DataLoader workers) a Tensor pickles to a small
torchlike-only record (numpy bytes), which round-trips without the torch naming.
"""
from __future__ import annotations

import collections
import pickle
import threading

import numpy as np

from .._above import above as _above

# torch's legacy typed-storage class per dtype name; dtypes missing here use UntypedStorage + v3
STORAGE_TYPES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage",
    "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage", "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
}
STORAGE_DTYPES = {v: k for k, v in STORAGE_TYPES.items()}

_active = threading.local()


class TorchGlobal:
    """A name pickled as ``GLOBAL module name`` without importing it (torch need not be installed)."""

    __slots__ = ("module", "name")
    _cache: dict = {}

    def __new__(cls, module, name):
        key = (module, name)
        g = cls._cache.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module, g.name = module, name
            cls._cache[key] = g
        return g

    def __repr__(self):
        return f"<global {self.module}.{self.name}>"

    def __call__(self, *args, **kwargs):  # pickle requires reduce functions to be callable
        raise TypeError(f"{self.module}.{self.name} is a name in a torch pickle, not callable here")


class StorageRecord:
    """One storage to be written as ``data/<key>``; pickled through ``persistent_id``."""

    __slots__ = ("key", "data", "dtype_name", "location", "nbytes", "itemsize")

    def __init__(self, key, data: bytes, dtype_name, location, itemsize):
        self.key, self.data, self.dtype_name, self.location = key, data, dtype_name, location
        self.nbytes = len(data)
        self.itemsize = itemsize


def _location(t):
    d = t.device
    return "cpu" if d.type == "cpu" else str(d) if d.index is not None else f"{d.type}:0"


def _host_bytes(t):
    arr = np.ascontiguousarray(np.asarray(t._value))
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr.tobytes()


def reduce_tensor(t):
    """``Tensor.__reduce_ex__``: torch's record inside a torch-format save, a plain one otherwise."""
    pickler = getattr(_active, "pickler", None)
    from .._tensor import Tensor
    is_param = type(t).__name__ == "Parameter" and type(t).__module__.startswith("torchlike.nn")
    if pickler is None:
        arr = np.array(t._value)
        return (_rebuild_plain, (arr.tobytes(), t.dtype.name, arr.shape, t._requires_grad,
                                 type(t) if type(t) is not Tensor else None))
    rec = pickler.storage_for(t)
    shape = tuple(int(s) for s in t.shape)
    stride = _contiguous_stride(shape)
    requires_grad = bool(t._requires_grad) if not is_param else False
    hooks = (TorchGlobal("collections", "OrderedDict"), ())
    if t.dtype.name in STORAGE_TYPES:
        inner = (TorchGlobal("torch._utils", "_rebuild_tensor_v2"),
                 (rec, 0, shape, stride, requires_grad, _Reduced(*hooks)))
    else:
        inner = (TorchGlobal("torch._utils", "_rebuild_tensor_v3"),
                 (rec, 0, shape, stride, requires_grad, _Reduced(*hooks), TorchGlobal("torch", t.dtype.name)))
    if is_param:
        state = {k: v for k, v in t.__dict__.items() if not k.startswith("_")}  # user attributes only
        if state:
            return (TorchGlobal("torch._utils", "_rebuild_parameter_with_state"),
                    (_Reduced(*inner), bool(t._requires_grad), _Reduced(*hooks), state))
        return (TorchGlobal("torch._utils", "_rebuild_parameter"),
                (_Reduced(*inner), bool(t._requires_grad), _Reduced(*hooks)))
    return inner


class _Reduced:
    """An object whose pickle is exactly ``func(*args)`` (lets a reduce tuple nest another call)."""

    __slots__ = ("func", "args")

    def __init__(self, func, args):
        self.func, self.args = func, args


def _contiguous_stride(shape):
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(out))


def _rebuild_plain(data, dtype_name, shape, requires_grad, cls=None):
    from .. import _dtype as D
    from .._tensor import Tensor
    from ..ops.creation import _place
    dt = D._BY_NAME[dtype_name]
    arr = np.frombuffer(data, dt.np).reshape(shape).copy()
    t = Tensor._wrap(_place(arr, None))
    if cls is not None and cls is not Tensor:
        if cls.__name__ == "Parameter":
            return cls(t, requires_grad)
        t = cls._wrap(t._value)
    if requires_grad:
        t.requires_grad_(True)
    return t


def torch_module_name(module: str) -> str:
    """``torchlike.nn.modules.linear`` -> ``torch.nn.modules.linear``; ``torchlike.vision`` -> ``torchvision``."""
    if module == "torchlike.vision" or module.startswith("torchlike.vision."):
        return "torchvision" + module[len("torchlike.vision"):]
    if module == "torchlike" or module.startswith("torchlike."):
        return "torch" + module[len("torchlike"):]
    return module


# torchlike objects defined in another file than torch's: the module torch pickles them under, so
# that files load in torch and torch's allow-lists (``safe_globals``) name them the same way
_TORCH_HOMES = {
    "torch.nn.modules.batchnorm": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"),
    "torch.nn.modules.instancenorm": ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"),
    "torch.nn.modules.sparse": ("Embedding", "EmbeddingBag"),
    "torch.nn.modules.channelshuffle": ("ChannelShuffle",),
    "torch.nn.modules.activation": ("MultiheadAttention",),
    "torch.optim.adamw": ("AdamW",),
}
_HOME_OF = {name: module for module, names in _TORCH_HOMES.items() for name in names}
_PRIVATE_PACKAGES = {"torch.nn._functional": "torch.nn.functional"}  # torchlike's split of one torch module


def torch_global_name(obj):
    """``(module, qualname)`` torch uses for a torchlike class or function (``torch.nn.modules.sparse``,
    ``Embedding``), or ``None`` for objects that are not torchlike's."""
    module = getattr(obj, "__module__", None) or ""
    if module != "torchlike" and not module.startswith("torchlike."):
        return None
    qual = getattr(obj, "__qualname__", None) or obj.__name__
    module = torch_module_name(module)
    if qual in _HOME_OF and module.startswith(("torch.nn.modules.", "torch.optim.")):
        return _HOME_OF[qual], qual
    for private, public in _PRIVATE_PACKAGES.items():
        if module == private or module.startswith(private + "."):
            module = public
            break
    if "<locals>" in qual and module.startswith("torch."):  # made by a factory (F.l1_loss): the name its public module binds it to
        import importlib
        try:
            home = importlib.import_module("torchlike" + module[len("torch"):])
        except ImportError:
            return module, qual
        qual = next((k for k, v in vars(home).items() if v is obj), qual)
    return module, qual


class TorchPickler(pickle._Pickler):
    """Protocol-2 pickler emitting torch's globals and persistent-id storage records."""

    def __init__(self, file, protocol=2):
        super().__init__(file, protocol=protocol)
        self.storages: dict = {}  # key -> StorageRecord, in first-seen order
        self._by_id: dict = {}
        self._keep = []

    def storage_for(self, t):
        rec = self._by_id.get(id(t))
        if rec is None:
            key = str(len(self.storages))
            rec = StorageRecord(key, _host_bytes(t), t.dtype.name, _location(t), t._value.dtype.itemsize)
            self.storages[key] = rec
            self._by_id[id(t)] = rec
            self._keep.append(t)
        return rec

    def persistent_id(self, obj):
        if type(obj) is StorageRecord:
            if obj.dtype_name in STORAGE_TYPES:
                return ("storage", TorchGlobal("torch", STORAGE_TYPES[obj.dtype_name]), obj.key, obj.location,
                        obj.nbytes // obj.itemsize)
            return ("storage", TorchGlobal("torch.storage", "UntypedStorage"), obj.key, obj.location, obj.nbytes)
        return None

    def reducer_override(self, obj):
        from .. import _dtype as D
        from .._device import device
        from .._size import Size
        from .._tensor import Tensor
        if isinstance(obj, Tensor):
            return reduce_tensor(obj)
        if type(obj) is _Reduced:
            return (obj.func, obj.args)
        if isinstance(obj, D.dtype):
            return TorchGlobal("torch", obj.name)  # handled by save() below
        if type(obj) is device:
            return (TorchGlobal("torch", "device"), (str(obj),))
        if type(obj) is Size:
            return (TorchGlobal("torch", "Size"), (tuple(obj),))
        return NotImplemented

    def save(self, obj, save_persistent_id=True):
        from .. import _dtype as D
        if isinstance(obj, D.dtype):
            obj = TorchGlobal("torch", obj.name)
        if type(obj) is TorchGlobal:
            x = self.memo.get(id(obj))
            if x is not None:
                self.write(self.get(x[0]))
                return
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
            return
        super().save(obj, save_persistent_id)

    def save_global(self, obj, name=None):
        home = torch_global_name(obj)
        if home is not None:
            return self.save(TorchGlobal(home[0], name or home[1]))
        return super().save_global(obj, name)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[type] = save_global
    dispatch[type(len)] = save_global
    dispatch[type(save_global)] = save_global

    def dump(self, obj):
        prev = getattr(_active, "pickler", None)
        _active.pickler = self
        try:
            super().dump(obj)
        finally:
            _active.pickler = prev


def dumps_torch(obj, protocol=2):
    """Pickle ``obj`` as torch does; returns ``(data_pkl_bytes, {key: StorageRecord})``."""
    import io
    buf = io.BytesIO()
    p = TorchPickler(buf, protocol)
    p.dump(obj)
    return buf.getvalue(), p.storages


__all__ = ["reduce_tensor", "TorchPickler", "dumps_torch", "TorchGlobal"]
_ = collections  # OrderedDict is emitted by name as torch does


_above.reduce = reduce_tensor  # Tensor.__reduce_ex__
