"""torch.nn.modules.utils: ``_single``/``_pair``/``_triple``/``_quadruple`` and ``_ntuple(n)``.

A sequence is kept as a tuple (a one-element sequence is repeated to ``n``, as the layers' functional
forms accept it); anything else is repeated ``n`` times."""
from __future__ import annotations


def _ntuple(n):
    def parse(x):
        if isinstance(x, (list, tuple)):
            return tuple(x) * n if len(x) == 1 and n > 1 else tuple(x)
        return (x,) * n
    parse.__name__ = f"_{n}tuple"
    return parse


_single, _pair, _triple, _quadruple = _ntuple(1), _ntuple(2), _ntuple(3), _ntuple(4)


def ntuple(x, n):
    """``_ntuple(n)(x)``."""
    return _ntuple(n)(x)
