"""torch.SymInt/SymFloat/SymBool and the ``sym_*`` helpers.

torch uses symbolic sizes while tracing with dynamic shapes. torchlike's shapes are always plain
Python ints (a compiled program is specialised to its shapes), so no value is ever an instance of
these classes; they exist for the ``isinstance`` checks and annotations libraries write, and the
helpers act on ordinary numbers as torch's do.
"""
from __future__ import annotations

import builtins
import math

__all__ = ["SymInt", "SymFloat", "SymBool", "sym_int", "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite"]


class _Symbolic:
    def __init__(self, node=None):
        raise TypeError(f"torchlike has no symbolic shapes: sizes are ints ({type(self).__name__})")


class SymInt(_Symbolic):
    """A symbolic int (never produced by torchlike)."""


class SymFloat(_Symbolic):
    """A symbolic float (never produced by torchlike)."""


class SymBool(_Symbolic):
    """A symbolic bool (never produced by torchlike)."""


def sym_int(a):
    """``int(a)`` rounding toward zero, as torch.sym_int on plain numbers."""
    return a if isinstance(a, int) else math.trunc(a)


def sym_float(a):
    return float(a)


def sym_max(a, b):
    return builtins.max(a, b)


def sym_min(a, b):
    return builtins.min(a, b)


def sym_not(a):
    return not a


def sym_ite(b, t, f):
    return t if b else f
