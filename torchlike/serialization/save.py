"""``torchlike.save``: PyTorch's zip checkpoint format, written without torch.

The archive has torch 2.13's layout and record order: ``<name>/data.pkl`` (protocol-2 pickle with
persistent-id storages), ``.format_version``, ``.storage_alignment``, ``byteorder``, ``data/<key>``
(raw little-endian storage bytes, 64-byte aligned through a ``FB`` padding extra field as torch's
miniz writer does), ``version`` and ``.data/serialization_id``; stored (uncompressed) entries with
data descriptors and a zip64 end record. Saving to a path is atomic: the archive is written to a
temporary file in the same directory, fsynced, then moved over the target with ``os.replace``.
"""
from __future__ import annotations

import io
import os
import secrets
import struct
import sys
import tempfile
import zlib

from .pickling import dumps_torch

_ALIGN = 64
_U32 = 0xFFFFFFFF


class _ZipWriter:
    """A minimal writer reproducing the records torch's PyTorchStreamWriter emits."""

    def __init__(self, f, archive_name):
        self.f = f
        self.prefix = archive_name + "/"
        self.pos = 0
        self.entries = []

    def _w(self, b):
        self.f.write(b)
        self.pos += len(b)

    def write_record(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        fname = (self.prefix + name).encode("utf-8")
        offset = self.pos
        head = 30 + len(fname) + 4
        pad = (-(offset + head)) % _ALIGN
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        self._w(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, 0x0808, 0, 0, 0, 0, 0, 0, len(fname), len(extra)))
        self._w(fname)
        self._w(extra)
        self._w(data)
        crc = zlib.crc32(data) & _U32
        size = len(data)
        if size >= _U32:
            self._w(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
        else:
            self._w(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self.entries.append((fname, crc, size, offset))

    def finish(self):
        cd_start = self.pos
        for fname, crc, size, offset in self.entries:
            big = size >= _U32 or offset >= _U32
            extra = b""
            if big:
                extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            s32 = _U32 if big else size
            o32 = _U32 if big else offset
            self._w(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, 0x0808, 0, 0, 0, crc, s32, s32,
                                len(fname), len(extra), 0, 0, 0, 0, o32))
            self._w(fname)
            self._w(extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        z64_pos = self.pos
        self._w(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x2D, 0, 0, n, n, cd_size, cd_start))
        self._w(struct.pack("<IIQI", 0x07064B50, 0, z64_pos, 1))
        self._w(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                            min(cd_size, _U32), min(cd_start, _U32), 0))


def _archive_name(f):
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_archive(fobj, obj, archive_name, pickle_protocol):
    data_pkl, storages = dumps_torch(obj, pickle_protocol)
    z = _ZipWriter(fobj, archive_name)
    z.write_record("data.pkl", data_pkl)
    z.write_record(".format_version", "1")
    z.write_record(".storage_alignment", str(_ALIGN))
    z.write_record("byteorder", sys.byteorder)
    for key, rec in storages.items():
        z.write_record(f"data/{key}", rec.data)
    z.write_record("version", "3\n")
    z.write_record(".data/serialization_id", "".join(str(secrets.randbelow(10)) for _ in range(40)))
    z.finish()


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """torch.save: write ``obj`` (tensors, state dicts, containers, modules) in torch's zip format.

    ``f`` is a path (written atomically) or a writable binary file object.
    """
    if pickle_module is not None and pickle_module is not __import__("pickle"):
        raise ValueError("torchlike.save supports only the standard pickle module")
    if not _use_new_zipfile_serialization:
        from .legacy import save_legacy
        if isinstance(f, (str, os.PathLike)):
            with _atomic(f) as fobj:
                save_legacy(obj, fobj, pickle_protocol)
        else:
            save_legacy(obj, f, pickle_protocol)
        return
    if isinstance(f, (str, os.PathLike)):
        with _atomic(f) as fobj:
            _write_archive(fobj, obj, _archive_name(f), pickle_protocol)
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute, "
                             f"got {type(f).__name__}")
    buf = io.BytesIO()
    _write_archive(buf, obj, _archive_name(f), pickle_protocol)
    f.write(buf.getvalue())
    if hasattr(f, "flush"):
        f.flush()


class _atomic:
    """Write to a temp file beside ``path``; on success fsync and ``os.replace`` it into place."""

    def __init__(self, path):
        self.path = os.fspath(path)

    def __enter__(self):
        d = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(d):
            raise RuntimeError(f"Parent directory {d} does not exist.")
        fd, self.tmp = tempfile.mkstemp(prefix="." + os.path.basename(self.path) + ".", suffix=".tmp", dir=d)
        self.fobj = os.fdopen(fd, "wb")
        return self.fobj

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.fobj.flush()
                os.fsync(self.fobj.fileno())
            self.fobj.close()
            if exc_type is None:
                mode = 0o666 & ~_umask()
                os.chmod(self.tmp, mode)
                os.replace(self.tmp, self.path)
                self.tmp = None
        finally:
            if self.tmp is not None and os.path.exists(self.tmp):
                os.unlink(self.tmp)
        return False


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m
