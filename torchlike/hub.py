"""torch.hub: downloading pretrained weights into torch's cache layout.

Files go to ``get_dir()/checkpoints`` where ``get_dir()`` is ``$TORCH_HOME/hub`` (default
``$XDG_CACHE_HOME/torch/hub``, i.e. ``~/.cache/torch/hub``), so a cache filled by PyTorch is reused
as is. ``load_state_dict_from_url`` reads a cached file without touching the network; when there
is none and the download fails it raises ``urllib.error.URLError`` naming the path where the file
is expected. ``check_hash=True`` compares the SHA-256 prefix in the file name (``name-<hex>.pth``)
as torch does. ``torch.hub.load`` (running a GitHub repo's hubconf.py) is not provided.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from urllib.parse import urlparse

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url", "load", "list", "help"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_READ_DATA_CHUNK = 128 * 1024
_hub_dir = None


def _get_torch_home() -> str:
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                    "torch")))


def get_dir() -> str:
    """The hub cache directory: set_dir()'s value, else ``$TORCH_HOME/hub``."""
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d) -> None:
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download ``url`` to ``dst`` (via a temporary file in the same folder), with a tqdm progress
    bar and an optional SHA-256 prefix check (RuntimeError on mismatch)."""
    req = urllib.request.Request(url, headers={"User-Agent": "torch.hub"})
    u = urllib.request.urlopen(req)
    meta = u.info()
    length = meta.get_all("Content-Length") if hasattr(meta, "get_all") else meta.getheaders("Content-Length")
    file_size = int(length[0]) if length else None
    dst = os.path.expanduser(dst)
    dst_dir = os.path.dirname(os.path.abspath(dst))
    f = tempfile.NamedTemporaryFile(delete=False, dir=dst_dir, prefix=os.path.basename(dst) + ".", suffix=".partial")
    try:
        sha256 = hashlib.sha256() if hash_prefix is not None else None
        with _progress(file_size, progress) as pbar:
            while True:
                buffer = u.read(_READ_DATA_CHUNK)
                if not buffer:
                    break
                f.write(buffer)
                if sha256 is not None:
                    sha256.update(buffer)
                pbar.update(len(buffer))
        f.close()
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(f.name, dst)
    finally:
        f.close()
        if os.path.exists(f.name):
            os.remove(f.name)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


def _progress(total, enabled):
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, disable=not enabled, unit="B", unit_scale=True, unit_divisor=1024)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None, weights_only: bool = False):
    """Load a serialized object (usually a state dict) from ``url``, caching it under
    ``model_dir`` (default ``get_dir()/checkpoints``); a cached file is used without downloading."""
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            r = HASH_REGEX.search(filename)
            hash_prefix = r.group(1) if r else None
        try:
            download_url_to_file(url, cached_file, hash_prefix, progress=progress)
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            raise urllib.error.URLError(
                f"could not download {url} ({getattr(e, 'reason', e)}) and no cached copy exists at "
                f"{cached_file}; download the file there (or set $TORCH_HOME / torch.hub.set_dir) to use it "
                "offline") from e
    from .serialization import load as _load
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


def _unsupported(*args, **kwargs):
    raise NotImplementedError("torchlike.hub.load/list/help (running a GitHub repository's hubconf.py) is not "
                              "supported; build the model from torchlike.vision.models or your own code and load "
                              "its weights with torch.hub.load_state_dict_from_url")


load = list = help = _unsupported  # noqa: A001 - torch's names
