"""``torch.functional``: the module torch's Python-level tensor functions (``split``, ``einsum``,
``norm``, ...) live in (scripts import them from here) and the name torch.fx prints for them
(``torch.functional.split``). The same functions as ``torchlike.*``, looked up on use: while fx has
its tracing stand-ins installed, this module still hands out the plain functions."""
from __future__ import annotations

import torchlike as _t

NAMES = ("atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors", "cartesian_prod",
         "block_diag", "cdist", "chain_matmul", "einsum", "istft", "lu", "norm", "meshgrid", "pca_lowrank", "split",
         "stft", "svd_lowrank", "tensordot", "unique", "unique_consecutive", "unravel_index")

__all__ = [n for n in NAMES if hasattr(_t, n)]


def __getattr__(name):
    if name in __all__:
        fn = getattr(_t, name)
        return getattr(fn, "__fx_original__", fn)
    raise AttributeError(f"module 'torch.functional' has no attribute '{name}'")
