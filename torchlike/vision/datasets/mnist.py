"""MNIST, FashionMNIST, KMNIST and EMNIST from torchvision's on-disk layout:
``root/<ClassName>/raw/*-idx?-ubyte`` (or the ``.gz`` files), the IDX format read with numpy."""
from __future__ import annotations

import gzip
import os
import string

import numpy as np

from ._host import HostTensorAttr, host
from .utils import download_and_extract_archive, extract_archive, missing_files_error
from .vision import VisionDataset
from ..._pillow import pillow

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "read_idx"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An IDX file (optionally gzip-compressed) as a numpy array of its dtype and shape."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    nd, ty = magic % 256, magic // 256
    if ty not in _IDX_TYPES or not 1 <= nd <= 3:
        raise RuntimeError(f"{path} is not an IDX file (magic number {magic:#x})")
    dims = [int.from_bytes(raw[4 * (i + 1):4 * (i + 2)], "big") for i in range(nd)]
    data = np.frombuffer(raw, dtype=_IDX_TYPES[ty], offset=4 * (nd + 1))
    if data.size != int(np.prod(dims)):
        raise RuntimeError(f"{path}: header says {dims} but holds {data.size} values")
    return data.astype(data.dtype.newbyteorder("=")).reshape(dims)


class MNIST(VisionDataset):
    """`MNIST`: 28x28 grayscale digits; samples are (PIL image "L", int label)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    data = HostTensorAttr()
    targets = HostTensorAttr()

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise missing_files_error(self.__class__.__name__, self._looked_for(), download_hint=not download)
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data

    def _file_names(self):
        return [os.path.splitext(name)[0] for name, _ in self.resources]

    def _find(self, stem):
        """The raw file for ``stem`` (uncompressed preferred, else the .gz), or None."""
        for cand in (stem, stem + ".gz"):
            p = os.path.join(self.raw_folder, cand)
            if os.path.isfile(p):
                return p
        return None

    def _looked_for(self):
        return [os.path.join(self.raw_folder, s) + "[.gz]" for s in self._file_names()]

    def _check_exists(self):
        return all(self._find(s) is not None for s in self._file_names())

    def _split_files(self):
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _load_data(self):
        img_file, label_file = self._split_files()
        data = read_idx(self._find(img_file))
        targets = read_idx(self._find(label_file)).astype(np.int64)
        return data, targets

    def download(self):
        """Fetch the missing raw files from the mirrors (nothing happens when all are present)."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find(os.path.splitext(filename)[0]) is not None:
                continue
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_and_extract_archive(url, download_root=self.raw_folder, filename=filename, md5=md5)
                    break
                except Exception as e:  # URLError, HTTPError, OSError, checksum mismatch
                    errors.append(f"{url}: {e}")
            else:
                raise missing_files_error(self.__class__.__name__, self._looked_for(), download_hint=False,
                                          cause="; ".join(errors))

    def __getitem__(self, index):
        Image = pillow("Image")
        img = host(self, "data")[index]
        target = int(host(self, "targets")[index])
        img = Image.fromarray(img, mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(host(self, "data"))

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """EMNIST ``split`` in ("byclass", "bymerge", "balanced", "letters", "digits", "mnist"); raw files
    ``root/EMNIST/raw/emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte``."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged = set(["c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"])
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(list(_all_classes)),
        "bymerge": sorted(list(_all_classes - _merged)),
        "balanced": sorted(list(_all_classes - _merged)),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        if split not in self.splits:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(repr(s) for s in self.splits)}}}.")
        self.split = split
        self.classes = self.classes_split_dict[split]
        super().__init__(root, **kwargs)

    def _file_names(self):
        return [f"emnist-{self.split}-{s}-{k}" for s in ("train", "test")
                for k in ("images-idx3-ubyte", "labels-idx1-ubyte")]

    def _split_files(self):
        s = "train" if self.train else "test"
        return f"emnist-{self.split}-{s}-images-idx3-ubyte", f"emnist-{self.split}-{s}-labels-idx1-ubyte"

    def download(self):
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        try:
            download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        except Exception as e:
            raise missing_files_error("EMNIST", self._looked_for(), download_hint=False, cause=f"{self.url}: {e}")
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
