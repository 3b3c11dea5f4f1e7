"""A persistent XLA compilation cache, on by default, so a second run of a script does not compile again.

torch has nothing to compile in eager mode; torchlike compiles one small XLA program per (op, shapes,
dtypes), and XLA:CPU takes tens of milliseconds for each. JAX can keep compiled programs on disk
(its persistent compilation cache); this module turns that on at import:

- where: ``$TORCHLIKE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/torchlike/xla`` (``~/.cache/torchlike/xla``).
  ``TORCHLIKE_CACHE_DIR=0`` (or empty) disables it.
- every program is cached, however quick its compile (JAX's default skips those under a second,
  which is every per-op program).
- safe under concurrent processes: an entry is written to a temporary file and renamed into place,
  so a reader sees a whole entry or none; two processes writing the same key write the same bytes.
- bounded on disk: when the entries exceed the limit (``jax_compilation_cache_max_size`` if the user
  set it, else 1 GiB) the least recently used are deleted down to 80% of it. JAX's own bounded cache
  needs the ``filelock`` package and rescans the directory on every write; this one keeps a running
  total and scans only when it evicts.
- left alone when the user already configured JAX's cache (``jax_compilation_cache_dir`` or the
  ``JAX_COMPILATION_CACHE_DIR`` environment variable): theirs is used as they set it.

The cache is trusted code, as JAX's documentation warns: keep it in a directory only you can write.
"""
from __future__ import annotations

import logging
import os
import tempfile

import jax

DEFAULT_MAX_BYTES = 1 << 30
_SUFFIX = "-cache"
_log = logging.getLogger(__name__)

directory = None  # the directory in use, or None when torchlike did not enable a cache


def default_directory():
    """``$TORCHLIKE_CACHE_DIR``, else the user's cache directory; None when disabled (``0`` or empty)."""
    env = os.environ.get("TORCHLIKE_CACHE_DIR")
    if env is not None:
        env = env.strip()
        return None if env in ("", "0") else os.path.expanduser(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "torchlike", "xla")


class _DirectoryCache:
    """JAX's cache interface (get/put of bytes by key) over one directory, atomic and size-bounded."""

    def __init__(self, path, max_bytes):
        self.path = self._path = path
        self.max_bytes = max_bytes
        self._total = None  # bytes on disk, scanned lazily at the first write

    def _file(self, key):
        return os.path.join(self.path, key + _SUFFIX)

    def get(self, key):
        try:
            with open(self._file(key), "rb") as f:
                data = f.read()
        except OSError:
            return None
        try:
            os.utime(self._file(key))  # recency for eviction
        except OSError:
            pass
        return data

    def put(self, key, value):
        target = self._file(key)
        if os.path.exists(target):
            return
        if self.max_bytes >= 0 and len(value) > self.max_bytes:
            return
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            os.replace(tmp, target)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return
        if self._total is None:
            self._total = sum(s for _, s, _ in self._entries())
        else:
            self._total += len(value)
        if self.max_bytes >= 0 and self._total > self.max_bytes:
            self._evict()

    def _entries(self):
        out = []
        try:
            names = os.listdir(self.path)
        except OSError:
            return out
        for n in names:
            if n.endswith(_SUFFIX):
                try:
                    st = os.stat(os.path.join(self.path, n))
                except OSError:
                    continue
                out.append((st.st_mtime, st.st_size, n))
        return out

    def _evict(self):
        entries = sorted(self._entries())
        total = sum(s for _, s, _ in entries)
        goal = int(self.max_bytes * 0.8)
        for _, size, name in entries:
            if total <= goal:
                break
            try:
                os.unlink(os.path.join(self.path, name))
            except OSError:  # another process evicted it first
                pass
            total -= size
        self._total = total


def _user_configured():
    return bool(jax.config.jax_compilation_cache_dir or os.environ.get("JAX_COMPILATION_CACHE_DIR"))


def enable(path=None):
    """Turn the persistent cache on at ``path`` (default: :func:`default_directory`); returns the
    directory used, or None when disabled, already configured by the user, or not writable."""
    global directory
    path = default_directory() if path is None else path
    if path is None or _user_configured():
        return None
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError as e:
        _log.debug("torchlike compile cache disabled: %s", e)
        return None
    max_bytes = jax.config.jax_compilation_cache_max_size
    max_bytes = DEFAULT_MAX_BYTES if max_bytes == -1 else max_bytes
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    try:
        # Install the atomic, bounded directory cache in JAX's place (same interface: get/put by key).
        from jax._src import compilation_cache as cc
        with cc._cache_initialized_mutex:
            if cc._cache is None and not cc._cache_initialized:
                cc._cache = _DirectoryCache(path, max_bytes)
                cc._cache_initialized = True
    except (ImportError, AttributeError):  # another JAX version: its own file cache serves
        pass
    directory = path
    return path
