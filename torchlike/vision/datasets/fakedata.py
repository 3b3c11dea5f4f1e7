"""FakeData: random images, each drawn from a generator seeded with its index (torchvision's
recipe: ``manual_seed(index + random_offset)``, ``randn(*image_size)``, ``randint(0, num_classes)``),
without disturbing the global generator."""
from __future__ import annotations

import numpy as np

from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size, self.num_classes, self.image_size = size, num_classes, image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        from ... import random as _random
        from ..transforms import functional as F
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        g = _random.Generator()
        g.manual_seed(index + self.random_offset)
        img = g.normal(tuple(self.image_size), np.float32)
        target = int(g.randint(0, self.num_classes, (1,))[0])
        from ..._tensor import Tensor
        img = F.to_pil_image(Tensor._wrap(img))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return self.size
