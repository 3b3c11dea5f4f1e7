"""torch.nn.modules.utils: the argument helpers layers and libraries import (``_pair`` ...), and
``ntuple``, how torchlike's own layers normalise size arguments.

``_pair(3) == (3, 3)``; an iterable passes through as a tuple (of whatever length it has), as in torch.
"""
from __future__ import annotations

import collections.abc
from itertools import repeat

__all__ = ["consume_prefix_in_state_dict_if_present"]


def _ntuple(n, name="parse"):
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def ntuple(x, n):
    """A layer's size argument as an ``n``-tuple: a number is repeated, a one-element sequence too (the
    functional forms accept ``kernel_size=[3]``), a longer sequence is kept."""
    if isinstance(x, (list, tuple)) and len(x) == 1 and n > 1:
        return tuple(x) * n
    return _ntuple(n)(x)


def _reverse_repeat_tuple(t, n):
    """Reverse ``t`` and repeat each element ``n`` times: conv padding ``(a, b)`` -> F.pad's ``(b, b, a, a)``."""
    return tuple(x for x in reversed(t) for _ in range(n))


def _list_with_default(out_size, defaults):
    """Adaptive pooling's output size, with ``None`` entries taken from the input's trailing sizes."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]


def consume_prefix_in_state_dict_if_present(state_dict, prefix):
    """Strip ``prefix`` from the keys that have it (e.g. DataParallel's ``module.``), in place, including
    the keys of the state dict's ``_metadata``."""
    for key in sorted(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in list(metadata.keys()):
            if len(key) == 0:
                continue
            if key == prefix.replace(".", "") or key.startswith(prefix):
                metadata[key[len(prefix):]] = metadata.pop(key)
