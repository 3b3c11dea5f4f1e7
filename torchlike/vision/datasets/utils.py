"""Downloading with a progress bar and checksum check, archive extraction, integrity checks
(torchvision.datasets.utils)."""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "missing_files_error"]

USER_AGENT = "torchlike"


def calculate_md5(fpath, chunk_size=1024 * 1024):
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _fetch(url, fpath, chunk_size=1024 * 32):
    from tqdm import tqdm
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=30) as response:
        total = response.length
        tmp = fpath + ".part"
        with open(tmp, "wb") as fh, tqdm(total=total, unit="B", unit_scale=True,
                                          desc=os.path.basename(fpath)) as pbar:
            while True:
                chunk = response.read(chunk_size)
                if not chunk:
                    break
                fh.write(chunk)
                pbar.update(len(chunk))
        os.replace(tmp, fpath)


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download ``url`` into ``root/filename`` unless a file with the right checksum is there."""
    root = os.path.expanduser(str(root))
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    print(f"Downloading {url} to {fpath}")
    _fetch(url, fpath)
    if not check_integrity(fpath, md5):
        raise RuntimeError(f"File not found or corrupted: {fpath} (md5 mismatch for {url}).")


def _decompress_gz(src, dst):
    with gzip.open(src, "rb") as fi, open(dst, "wb") as fo:
        shutil.copyfileobj(fi, fo)


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract .tar/.tar.gz/.tgz/.zip archives, or decompress a single .gz file."""
    from_path = str(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else str(to_path)
    if from_path.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
        with tarfile.open(from_path) as tar:
            try:
                tar.extractall(to_path, filter="data")
            except TypeError:
                tar.extractall(to_path)
    elif from_path.endswith(".zip"):
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
    elif from_path.endswith(".gz"):
        out = os.path.join(to_path, os.path.basename(from_path)[:-3])
        _decompress_gz(from_path, out)
        to_path = out
    else:
        raise RuntimeError(f"Couldn't detect the archive type of {from_path}")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    download_root = os.path.expanduser(str(download_root))
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    print(f"Extracting {archive} to {extract_root}")
    extract_archive(archive, extract_root, remove_finished)


def missing_files_error(name, looked_for, download_hint=True, cause=None):
    """The RuntimeError raised when a dataset's files are absent: it lists every path checked."""
    paths = "\n  ".join(str(p) for p in looked_for)
    hint = " You can use download=True to download it." if download_hint else ""
    extra = f"\nDownload failed: {cause}" if cause is not None else ""
    return RuntimeError(f"Dataset not found. {name} looked for these files:\n  {paths}\n{hint}{extra}".rstrip())
