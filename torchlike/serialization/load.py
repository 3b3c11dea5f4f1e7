"""``torchlike.load``: read torch checkpoints (zip format and torch<1.6 legacy format) without torch.

Tensors are rebuilt from their storages honouring storage offset and strides (views of a larger
storage), every dtype torch writes (typed ``torch.*Storage`` records and ``UntypedStorage`` +
``_rebuild_tensor_v3`` for uint16/32/64), and ``map_location`` in torch's forms.
``weights_only=True`` (torch's default) unpickles through an allow-list: only tensors, Parameters,
dtypes, devices, Sizes, OrderedDict/Counter/set/bytes/complex and primitives; any other global is
refused with torch's ``pickle.UnpicklingError`` before it is looked up, so a crafted file cannot
run code. ``weights_only=False`` maps ``torch.*``/``torchvision.*`` globals onto torchlike.
Torchlike tensors own their values, so tensors that shared a storage in the file load as
independent tensors with the same values.
"""
from __future__ import annotations

import _compat_pickle
import collections
import io
import os
import pickle
import zipfile
import zlib

import numpy as np

from .pickling import STORAGE_DTYPES

_WEIGHTS_ONLY_HEAD = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, "
    "do those steps only if you trust the source of the checkpoint. \n\t(1) In PyTorch 2.6, we changed the "
    "default value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running "
    "`torch.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary code "
    "execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
    "`weights_only=True` please check the recommended steps in the following error message.\n\t"
    "WeightsUnpickler error: ")
_WEIGHTS_ONLY_TAIL = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default "
                      "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")
_CORRUPT = ("PytorchStreamReader failed reading zip archive: {}. If you are seeing this error, there is a high "
            "likelihood that your checkpoint file is corrupted. This can happen if the checkpoint was not saved "
            "properly, was transferred incorrectly, or was modified after saving.")

_user_safe_globals: dict = {}


class CorruptCheckpointError(RuntimeError):
    """A damaged zip record (bad CRC, truncated data): reported as corruption, never as an unpickling
    problem that ``weights_only=False`` would get past."""


class _Formats:
    """Readers of other formats, registered by their modules (``legacy`` registers torch's pre-1.6
    stream format when ``torchlike.serialization`` loads; it builds on this module's unpickler)."""
    legacy = None


_formats = _Formats()


def add_safe_globals(safe_globals):
    """torch.serialization.add_safe_globals: allow these callables/classes under weights_only=True."""
    from .pickling import torch_global_name
    for g in safe_globals:
        if isinstance(g, tuple):
            g, name = g
        else:
            # a torchlike class is allowed under the name torch (and torchlike's save) pickle it as
            home = torch_global_name(g)
            name = f"{home[0]}.{home[1]}" if home else f"{g.__module__}.{g.__qualname__}"
        _user_safe_globals[name] = g


def get_safe_globals():
    return list(_user_safe_globals.values())


def clear_safe_globals():
    _user_safe_globals.clear()


class safe_globals:
    """Context manager form of :func:`add_safe_globals`."""

    def __init__(self, safe_globals):
        self.globals = safe_globals

    def __enter__(self):
        self.saved = dict(_user_safe_globals)
        add_safe_globals(self.globals)

    def __exit__(self, *exc):
        _user_safe_globals.clear()
        _user_safe_globals.update(self.saved)


# ---------------------------------------------------------------------------------------- storages

class StorageType:
    """What ``torch.FloatStorage`` (etc.) resolves to while loading: carries the element dtype."""

    def __init__(self, name, dtype_name):
        self.name, self.dtype_name = name, dtype_name

    def __repr__(self):
        return f"StorageType(dtype={self.dtype_name})"


class LoadedStorage:
    """A storage read from a checkpoint: raw bytes, element dtype (None: untyped) and location.

    It is what a ``map_location`` callable receives; ``.cpu()``, ``.cuda(i)`` and ``.to(device)``
    return the same bytes placed elsewhere.
    """

    def __init__(self, raw, dtype_name, location):
        self.raw, self.dtype_name, self.location = raw, dtype_name, location

    @property
    def device(self):
        from .._device import device
        return device(self.location)

    def _moved(self, loc):
        return LoadedStorage(self.raw, self.dtype_name, str(loc))

    def cpu(self):
        return self._moved("cpu")

    def cuda(self, device=None, non_blocking=False):
        idx = 0 if device is None else (device if isinstance(device, int) else (_dev(device).index or 0))
        return self._moved(f"cuda:{idx}")

    def to(self, device=None, non_blocking=False):
        return self._moved(str(_dev(device)))

    def size(self):
        return self.nbytes() // self.element_size()

    def nbytes(self):
        return 0 if self.raw is None else len(self.raw)

    def element_size(self):
        from .. import _dtype as D
        return 1 if self.dtype_name is None else D._BY_NAME[self.dtype_name].itemsize

    def __len__(self):
        return self.size()


def _dev(d):
    from .._device import device
    return d if isinstance(d, device) else device(d)


def _strided(raw, dtype, offset, size, stride):
    from .. import _dtype as D
    dt = D._BY_NAME[dtype] if isinstance(dtype, str) else dtype
    size, stride, offset = tuple(int(s) for s in size), tuple(int(s) for s in stride), int(offset)
    itemsize = dt.np.itemsize
    n_items = len(raw) // itemsize
    numel = int(np.prod(size, dtype=np.int64)) if size else 1
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride) or offset < 0:
        raise RuntimeError(f"invalid tensor record: sizes {list(size)}, strides {list(stride)}, "
                           f"storage offset {offset}")
    need = 0 if numel == 0 else offset + 1 + sum((sz - 1) * st for sz, st in zip(size, stride))
    if need > n_items:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {itemsize} requiring a storage size of {need * itemsize} are out of bounds "
                           f"for storage of size {n_items * itemsize}")
    buf = np.frombuffer(raw, dtype=dt.np.newbyteorder("<") if dt.np.byteorder in "=<>" and dt.np.itemsize > 1
                        else dt.np, count=n_items)
    if numel == 0:
        return np.zeros(size, dt.np)
    view = np.lib.stride_tricks.as_strided(buf[offset:], size, tuple(s * itemsize for s in stride), writeable=False)
    return np.array(view, dtype=dt.np)


class _Loader:
    """State of one load: storage reader, map_location, pending (legacy) tensors."""

    def __init__(self, read_record, map_location):
        self.read_record = read_record  # key -> bytes, or None for legacy (filled later)
        self.map_location = map_location
        self.storages: dict = {}
        self.pending: list = []

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage" or len(pid) not in (5, 6):
            raise pickle.UnpicklingError(f"Unsupported persistent id: {pid!r}")
        stype, key, location, numel = pid[1], str(pid[2]), str(pid[3]), pid[4]
        if not isinstance(stype, StorageType):
            raise pickle.UnpicklingError(f"Unsupported storage type in persistent id: {stype!r}")
        view = pid[5] if len(pid) == 6 else None
        st = self.storages.get(key)
        if st is None:
            raw = self.read_record(key) if self.read_record is not None else None
            st = LoadedStorage(raw, stype.dtype_name, location)
            st.numel = numel
            self.storages[key] = st
        if view is not None:  # torch<1.0 storage views: (view_key, offset, size)
            view_key, off, vsize = view
            return _StorageView(st, int(off), int(vsize))
        return st

    def place(self, storage):
        """The torch device for a storage under map_location."""
        loc = storage.location
        ml = self.map_location
        if ml is None:
            pass
        elif isinstance(ml, dict):
            loc = str(ml.get(loc, loc))
        elif callable(ml) and not isinstance(ml, str):
            res = ml(storage, loc)
            if res is not None:
                loc = str(res.location) if isinstance(res, LoadedStorage) else str(res)
        else:
            loc = str(_dev(ml))
        d = _dev(loc)
        if d.type == "cuda":
            from .. import cuda
            if not cuda.is_available():
                raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                                   "is False. If you are running on a CPU-only machine, please use torch.load with "
                                   "map_location=torch.device('cpu') to map your storages to the CPU.")
        return d

    def tensor(self, storage, offset, size, stride, dtype_name, requires_grad):
        from .._tensor import Tensor
        from .. import _dtype as D
        if isinstance(storage, _StorageView):
            offset = offset + storage.offset
            storage = storage.base
        if not isinstance(storage, LoadedStorage):
            raise pickle.UnpicklingError(f"expected a storage, got {type(storage).__name__}")
        if dtype_name not in D._BY_NAME:
            raise pickle.UnpicklingError(f"unsupported dtype {dtype_name!r} in checkpoint")
        t = Tensor._wrap(None)
        item = (t, storage, offset, size, stride, dtype_name, requires_grad)
        if storage.raw is None:
            self.pending.append(item)
        else:
            self.fill(item)
        return t

    def fill(self, item):
        from ..ops.creation import _place
        t, storage, offset, size, stride, dtype_name, requires_grad = item
        arr = _strided(storage.raw, dtype_name, offset, size, stride)
        t._value = _place(arr, self.place(storage))
        if requires_grad:
            t.requires_grad_(True)


class _StorageView:
    def __init__(self, base, offset, size):
        self.base, self.offset, self.size = base, offset, size


# -------------------------------------------------------------------------- rebuild functions

def _make_rebuilders(loader):
    from .. import _dtype as D
    from .._tensor import Tensor

    def _rebuild_tensor(storage, storage_offset, size, stride):
        st = storage.base if isinstance(storage, _StorageView) else storage
        return loader.tensor(storage, storage_offset, size, stride, st.dtype_name or "uint8", False)

    def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                           metadata=None):
        st = storage.base if isinstance(storage, _StorageView) else storage
        if not isinstance(st, LoadedStorage) or st.dtype_name is None:
            raise pickle.UnpicklingError("_rebuild_tensor_v2 expects a typed storage")
        return loader.tensor(storage, storage_offset, size, stride, st.dtype_name, bool(requires_grad))

    def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                           metadata=None):
        if not isinstance(dtype, D.dtype):
            raise pickle.UnpicklingError(f"_rebuild_tensor_v3 expects a dtype, got {type(dtype).__name__}")
        return loader.tensor(storage, storage_offset, size, stride, dtype.name, bool(requires_grad))

    def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
        from ..nn.parameter import Parameter
        if not isinstance(data, Tensor):
            raise pickle.UnpicklingError("_rebuild_parameter expects a tensor")
        p = Parameter._wrap(data._value, bool(requires_grad))
        for item in loader.pending:
            if item[0] is data:
                loader.pending.append((p,) + item[1:6] + (False,))
                p._requires_grad = bool(requires_grad)
                break
        if state:
            _set_state(p, state)
        return p

    def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
        return _rebuild_parameter(data, requires_grad, backward_hooks, state)

    def _rebuild_from_type_v2(func, new_type, args, state):
        ret = func(*args)
        if new_type is not type(ret) and isinstance(new_type, type) and issubclass(new_type, Tensor):
            new = new_type._wrap(ret._value, ret._requires_grad)
            for item in loader.pending:
                if item[0] is ret:
                    loader.pending.append((new,) + item[1:])
                    break
            ret = new
        if state:
            _set_state(ret, state)
        return ret

    return {"_rebuild_tensor": _rebuild_tensor, "_rebuild_tensor_v2": _rebuild_tensor_v2,
            "_rebuild_tensor_v3": _rebuild_tensor_v3, "_rebuild_parameter": _rebuild_parameter,
            "_rebuild_parameter_with_state": _rebuild_parameter_with_state,
            "_rebuild_from_type_v2": _rebuild_from_type_v2}


def _set_state(obj, state):
    if isinstance(state, tuple) and len(state) == 2:
        d, slots = state
    else:
        d, slots = state, None
    for k, v in (d or {}).items():
        setattr(obj, k, v)
    for k, v in (slots or {}).items():
        setattr(obj, k, v)


def _encode(s, encoding="latin1"):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes."""
    import codecs
    if not isinstance(s, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed for bytes literals")
    return codecs.encode(s, encoding)


def _torch_globals(loader):
    """Allowed ``module.name`` -> object for weights_only (torch's allow-list, torchlike objects)."""
    from .. import _dtype as D
    from .._device import device
    from .._size import Size
    from .._tensor import Tensor
    from ..nn.parameter import Parameter
    reb = _make_rebuilders(loader)
    g = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": _encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch.storage.UntypedStorage": StorageType("UntypedStorage", None),
        "torch._tensor._rebuild_from_type_v2": reb.pop("_rebuild_from_type_v2"),
    }
    for name, f in reb.items():
        g["torch._utils." + name] = f
    for sname, dname in STORAGE_DTYPES.items():
        g["torch." + sname] = StorageType(sname, dname)
    for name, dt in D._BY_NAME.items():
        g["torch." + name] = dt
    return g


def _map_torch_module(module):
    if module == "torchvision" or module.startswith("torchvision."):
        return "torchlike.vision" + module[len("torchvision"):]
    if module == "torch" or module.startswith("torch."):
        return "torchlike" + module[len("torch"):]
    return module


def _resolve_torchlike(module, name):
    """A ``torch.*``/``torchvision.*`` global by the same path in torchlike (weights_only=False)."""
    import importlib
    mod = _map_torch_module(module)
    candidates = [mod]
    parts = mod.split(".")
    while len(parts) > 1:  # torch.nn.modules.linear.Linear -> also try torchlike.nn.modules, torchlike.nn
        parts = parts[:-1]
        candidates.append(".".join(parts))
    for m in candidates:
        try:
            obj = importlib.import_module(m)
        except ImportError:
            continue
        try:
            for part in name.split("."):
                obj = getattr(obj, part)
            return obj
        except AttributeError:
            continue
    raise AttributeError(f"Can't get attribute '{name}' on torchlike module for '{module}': torchlike has no "
                         f"counterpart of {module}.{name}")


class _RestrictedUnpickler(pickle._Unpickler):
    """weights_only: the pure-Python unpickler with BUILD limited to tensors, plain containers and
    instances of classes the user allow-listed (``safe_globals``), so a crafted file cannot set
    attributes on classes or on shared objects such as dtypes."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def load_build(self):
        from .._tensor import Tensor
        inst = self.stack[-2]  # stack: ..., inst, state
        plain = isinstance(inst, (Tensor, collections.OrderedDict, collections.Counter, dict, list, set))
        # as torch's weights-only unpickler: objects of exactly an allow-listed type may have their state set
        # (a pickled nn.Module under ``safe_globals``); classes and other objects may not
        allowed = any(type(inst) is g for g in _user_safe_globals.values())
        if isinstance(inst, type) or not (plain or allowed):
            raise pickle.UnpicklingError(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                         f"`add_safe_globals`, but got {type(inst)}")
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build


def _make_unpickler(data, loader, weights_only):
    allowed = _torch_globals(loader)
    base = _RestrictedUnpickler if weights_only else pickle.Unpickler

    class Unpickler(base):
        def find_class(self, module, name):
            if (module, name) in _compat_pickle.NAME_MAPPING:  # protocol-2 names of Python 3 objects
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
            full = f"{module}.{name}"
            if full in allowed:
                return allowed[full]
            if full in _user_safe_globals:
                return _user_safe_globals[full]
            if weights_only:
                shown = full[len("builtins."):] if full.startswith("builtins.") else full  # torch's spelling
                raise pickle.UnpicklingError(
                    f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
                    f"`torch.serialization.add_safe_globals([{shown}])` or the "
                    f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this global "
                    f"if you trust this class/function.")
            if module.startswith(("torch.", "torchvision")) or module == "torch":
                return _resolve_torchlike(module, name)
            return super().find_class(module, name)

        def persistent_load(self, pid):
            return loader.persistent_load(pid)

    return Unpickler(io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data,
                     encoding="utf-8")


def _unpickle(data, loader, weights_only):
    up = _make_unpickler(data, loader, weights_only)
    return _run_unpickler(up, weights_only)


def _run_unpickler(up, weights_only):
    try:
        return up.load()
    except CorruptCheckpointError:
        raise
    except pickle.UnpicklingError as e:
        if weights_only:
            raise pickle.UnpicklingError(_WEIGHTS_ONLY_HEAD + str(e) + _WEIGHTS_ONLY_TAIL) from None
        raise
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError, struct_error(),
            OverflowError, UnicodeDecodeError, MemoryError, RuntimeError) as e:
        if weights_only:
            raise pickle.UnpicklingError(_WEIGHTS_ONLY_HEAD + f"{type(e).__name__}: {e}" + _WEIGHTS_ONLY_TAIL) \
                from None
        if isinstance(e, (EOFError, ValueError, struct_error(), UnicodeDecodeError, IndexError)):
            raise pickle.UnpicklingError(f"corrupted or truncated checkpoint: {type(e).__name__}: {e}") from None
        raise


def struct_error():
    import struct
    return struct.error


# --------------------------------------------------------------------------------------- load

def _read_all(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    if isinstance(f, (bytes, bytearray)):
        return bytes(f)
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' attribute, "
                             f"got {type(f).__name__}")
    return f.read()


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """torch.load: read a checkpoint written by torch (or torchlike) without torch.

    ``weights_only`` defaults to True as in torch 2.6+.
    """
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") in ("0", "")
    data = _read_all(f)
    if data[:4] == b"PK\x03\x04" or (data[:2] == b"PK" and len(data) < 22):
        return _load_zip(data, map_location, weights_only)
    if len(data) == 0:
        raise EOFError("Ran out of input")
    return _formats.legacy(data, map_location, weights_only)


def _load_zip(data, map_location, weights_only):
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, IndexError, UnicodeDecodeError) as e:
        raise RuntimeError(_CORRUPT.format(f"failed finding central directory ({e})")) from None
    pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
    if not pkl:
        raise RuntimeError(_CORRUPT.format("file in archive is not in a subdirectory: no <archive>/data.pkl "
                                           "record"))
    prefix = pkl[0][:-len("data.pkl")]

    def read(name):
        try:
            return zf.read(prefix + name)
        except KeyError:
            raise CorruptCheckpointError(_CORRUPT.format(f"record {prefix + name} not found")) from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as e:
            raise CorruptCheckpointError(_CORRUPT.format(f"failed reading record {prefix + name} ({e})")) from None

    pickled = read("data.pkl")
    loader = _Loader(lambda key: read(f"data/{key}"), map_location)
    return _unpickle(pickled, loader, weights_only)
