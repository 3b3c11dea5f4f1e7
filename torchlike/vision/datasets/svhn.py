"""SVHN from torchvision's layout: ``root/{train,test,extra}_32x32.mat`` (read with scipy)."""
from __future__ import annotations

import os

import numpy as np

from .utils import download_url, missing_files_error
from .vision import VisionDataset
from ..._pillow import pillow

__all__ = ["SVHN"]


class SVHN(VisionDataset):
    """Samples are (PIL RGB image, int label in 0..9; the file's label 10 means digit 0)."""

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                  "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                 "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                  "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if split not in self.split_list:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(repr(s) for s in self.split_list)}}}.")
        self.split = split
        self.url, self.filename, self.file_md5 = self.split_list[split]
        path = os.path.join(self.root, self.filename)
        if download and not os.path.isfile(path):
            try:
                download_url(self.url, self.root, self.filename, self.file_md5)
            except Exception as e:
                raise missing_files_error("SVHN", [path], download_hint=False, cause=f"{self.url}: {e}")
        if not os.path.isfile(path):
            raise missing_files_error("SVHN", [path], download_hint=not download)
        try:
            import scipy.io as sio
        except ImportError:
            raise RuntimeError("SVHN reads MATLAB .mat files with scipy, which is not installed: "
                               "pip install scipy") from None
        mat = sio.loadmat(path)
        self.data = np.transpose(mat["X"], (3, 2, 0, 1))
        labels = mat["y"].astype(np.int64).squeeze()
        np.place(labels, labels == 10, 0)
        self.labels = labels

    def __getitem__(self, index):
        Image = pillow("Image")
        img, target = self.data[index], int(self.labels[index])
        img = Image.fromarray(np.transpose(img, (1, 2, 0)))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {self.split}"
