"""Host-array attributes for datasets: ``data``/``targets`` read as torchlike tensors in the
main process, while samples are indexed from a numpy copy (no JAX work in worker processes)."""
from __future__ import annotations

import numpy as np


class HostTensorAttr:
    """A dataset attribute stored as numpy, exposed as a tensor (made on first access)."""

    def __set_name__(self, owner, name):
        self.name = "_" + name + "_np"
        self.cache = "_" + name + "_tensor"

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        t = obj.__dict__.get(self.cache)
        if t is None:
            from ...ops.creation import from_numpy
            t = from_numpy(np.ascontiguousarray(obj.__dict__[self.name]))
            obj.__dict__[self.cache] = t
        return t

    def __set__(self, obj, value):
        if hasattr(value, "_value"):
            obj.__dict__[self.cache] = value
            obj.__dict__[self.name] = np.asarray(value._value)
        else:
            obj.__dict__[self.cache] = None
            obj.__dict__[self.name] = np.asarray(value)


def host(obj, name):
    return obj.__dict__["_" + name + "_np"]
