"""torch.version: ``__version__`` and the build facts scripts print.

``torchlike.__version__`` is "2.13.0+torchlike.0.1": the torch API version it follows, with
torchlike's own version as the local part. Like torch's ``TorchVersion`` it is a ``str`` that
compares as a version, so ``torch.__version__ >= "2.0"`` and ``>= (2, 1)`` behave as with torch
(ordered as ``packaging.version`` orders them: "2.13.0+torchlike.0.1" > "2.13.0"). ``cuda``/``hip`` are None: no CUDA toolkit is linked
by torchlike itself (JAX's GPU backend may be).
"""
from __future__ import annotations

import re

__all__ = ["__version__", "TorchVersion", "cuda", "hip", "debug", "git_version"]


def _parts(v):
    if isinstance(v, (tuple, list)):
        return tuple(int(x) for x in v)
    m = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(v))
    if not m:
        raise ValueError(f"invalid version: {v!r}")
    return tuple(int(x) for x in m.group(1).split("."))


class TorchVersion(str):
    """A version string comparing by its numeric release part."""

    def _cmp(self, other):
        a, b = _parts(self), _parts(other)
        n = max(len(a), len(b))
        # as packaging.version orders them: release first, then a local part sorts after none
        a = (a + (0,) * (n - len(a)), "+" in self)
        b = (b + (0,) * (n - len(b)), isinstance(other, str) and "+" in other)
        return (a > b) - (a < b)

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0

    def __eq__(self, other):
        if isinstance(other, str) and "+" in other:
            return str.__eq__(self, other)
        try:
            return self._cmp(other) == 0
        except ValueError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


__version__ = TorchVersion("2.13.0+torchlike.0.1")
cuda = None
hip = None
debug = False
git_version = "unknown"
