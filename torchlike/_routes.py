"""Layout routes: wrap a declared torch function or Tensor method so that sparse/nested operands reach
their own implementation, keeping the op's declaration (``ops.declare``) in step with what is installed.

``torchlike.sparse`` and ``torchlike.nested`` call :func:`route` once at import; a dense call pays one
``isinstance`` per routed argument position.
"""
from __future__ import annotations

import functools


def route(owner, name, dense_fn, layout_fn, kinds, positions):
    """Install on ``owner`` (the torch module or Tensor) under ``name`` a function calling ``layout_fn``
    when an argument at ``positions`` is an instance of ``kinds``, else ``dense_fn``."""
    @functools.wraps(dense_fn)
    def f(*args, **kwargs):
        for i in positions:
            if len(args) > i and isinstance(args[i], kinds):
                return layout_fn(*args, **kwargs)
        return dense_fn(*args, **kwargs)
    f.__wrapped_dense__ = dense_fn
    setattr(owner, name, f)
    _redeclare(owner, name, dense_fn, f)
    return f


def _redeclare(owner, name, old, new):
    from .ops import declare
    from ._tensor import Tensor
    # the op's other names (torch.subtract for torch.sub) are the same object: they follow
    for d in declare.DECLS:
        if name != d.name and name not in d.aliases:  # (not d.names: no tuple per declaration)
            continue
        if owner is Tensor and d.method is old:
            d.method = new
        elif owner is not Tensor and d.fn is old:
            d.fn = new
        else:
            continue
        for n in d.names:
            if getattr(owner, n, None) is old:
                setattr(owner, n, new)
            if owner is not Tensor and declare._FUNCTIONS.get(n) is old:
                declare._FUNCTIONS[n] = new
