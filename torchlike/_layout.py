"""torch.layout and torch.memory_format objects.

``torch.strided`` is the layout of every dense tensor; ``torch.sparse_coo``/``sparse_csr`` are the
layouts of ``torchlike.sparse`` tensors and ``torch.jagged`` that of ``torchlike.nested`` tensors.
Memory formats (``contiguous_format``, ``channels_last`` ...) describe the strides torch code
observes (see ``Tensor.stride``); the physical layout of the JAX array is XLA's business.
Both kinds print as torch prints them (``torch.sparse_coo``) and compare by identity.
"""
from __future__ import annotations


class layout:
    """torch.layout: one instance per layout, printing as ``torch.<name>``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name  # pickles as the module-level singleton


class memory_format:
    """torch.memory_format: one instance per format, printing as ``torch.<name>``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
jagged = layout("jagged")

contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
