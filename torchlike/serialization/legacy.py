"""torch<1.6's non-zip checkpoint format (``_use_new_zipfile_serialization=False``).

Layout: four pickles — the magic number, protocol version 1001, a sys-info dict, the object (with
6-tuple persistent-id storages ``('storage', type, key, location, numel, view)``) — then a pickle
of the sorted storage keys, then for each key an int64 element count followed by the raw bytes.
The object pickle refers to storages whose bytes come later, so tensors are filled in once the
storages have been read.
"""
from __future__ import annotations

import io
import pickle
import struct
import sys

from .load import _Loader, _formats, _make_unpickler, _run_unpickler
from .pickling import STORAGE_TYPES, TorchGlobal, TorchPickler

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class _LegacyPickler(TorchPickler):
    def persistent_id(self, obj):
        pid = super().persistent_id(obj)
        return None if pid is None else pid + (None,)


def save_legacy(obj, f, pickle_protocol=2):
    buf = io.BytesIO()
    sys_info = dict(protocol_version=PROTOCOL_VERSION, little_endian=sys.byteorder == "little",
                    type_sizes=dict(short=2, int=4, long=4))
    for head in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        pickle.dump(head, buf, protocol=pickle_protocol)
    p = _LegacyPickler(buf, pickle_protocol)
    p.dump(obj)
    keys = sorted(p.storages)
    pickle.dump(keys, buf, protocol=pickle_protocol)
    for key in keys:
        rec = p.storages[key]
        size = rec.itemsize if rec.dtype_name in STORAGE_TYPES else 1
        buf.write(struct.pack("<q", rec.nbytes // size))
        buf.write(rec.data)
    f.write(buf.getvalue())


def load_legacy(data, map_location, weights_only):
    f = io.BytesIO(data)
    try:
        magic = _safe_small_pickle(f)
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(f"not a torch checkpoint: {e}") from None
    except Exception:  # noqa: BLE001 - not a pickle at all: say so in torch's words
        raise pickle.UnpicklingError(f"invalid load key, {data[:1]!r}.") from None
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    try:
        version = _safe_small_pickle(f)
        if version != PROTOCOL_VERSION:
            raise RuntimeError(f"Invalid protocol version: {version}")
        sys_info = _safe_small_pickle(f)
    except (EOFError, pickle.UnpicklingError, ValueError) as e:
        raise RuntimeError(f"corrupted or truncated legacy checkpoint: {e}") from None
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", True):
        raise RuntimeError("legacy checkpoint written on a big-endian machine is not supported")
    loader = _Loader(None, map_location)
    up = _make_unpickler(f, loader, weights_only)
    result = _run_unpickler(up, weights_only)
    try:
        keys = _safe_small_pickle(f)
        for key in keys:
            st = loader.storages.get(str(key))
            if st is None:
                raise RuntimeError(f"storage {key} listed but never referenced")
            head = f.read(8)
            if len(head) != 8:
                raise EOFError("truncated storage header")
            (count,) = struct.unpack("<q", head)
            nbytes = count * st.element_size()
            if count < 0 or nbytes > len(data):
                raise RuntimeError(f"invalid storage size {count}")
            raw = f.read(nbytes)
            if len(raw) != nbytes:
                raise EOFError(f"storage {key}: expected {nbytes} bytes, file has {len(raw)}")
            st.raw = raw
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError) as e:
        raise RuntimeError(f"corrupted or truncated legacy checkpoint: {e}") from None
    for item in loader.pending:
        if item[1].raw is None:
            raise RuntimeError("corrupted legacy checkpoint: a tensor's storage data is missing")
        loader.fill(item)
    return result


def _safe_small_pickle(f):
    """Header pickles hold only primitives/containers: refuse any global outright."""
    class _P(pickle.Unpickler):
        def find_class(self, module, name):
            raise pickle.UnpicklingError(f"unexpected global {module}.{name} in checkpoint header")
    return _P(f).load()


_ = TorchGlobal


_formats.legacy = load_legacy  # torch.load of a non-zip file
