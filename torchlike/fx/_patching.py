"""How ``torch.*`` calls on a Proxy get recorded without ``__torch_function__``.

Each public torchlike function (``torch.relu``, ``torch.nn.functional.gelu``, ...) gets one
:class:`ProxyAware` stand-in that calls the function unless a Proxy is among the arguments, in
which case it records a ``call_function`` node whose target is the original function. The
stand-ins are installed in the public namespaces for the length of each symbolic trace, and
permanently once a Proxy is used outside a trace (graphs built by hand with ``Proxy(node)``, and
``Transformer`` code that calls ``torch.*`` on Proxies), which is where torch relies on
``__torch_function__``. A stand-in compares equal to (and hashes like) its function, so
``node.target == torch.relu`` holds whichever is installed.
"""
from __future__ import annotations

import functools

from . import _names
from ._call_style import CALL_STYLE, normalize

_stand_ins: dict = {}   # id(original) -> ProxyAware
_permanent = False
trace_depth = 0         # > 0 while a symbolic trace runs (the stand-ins are installed then)


def _find_proxy(args, kwargs):
    from .proxy import Proxy
    for a in args:
        if isinstance(a, Proxy):
            return a
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, Proxy):
                    return b
    for a in kwargs.values():
        if isinstance(a, Proxy):
            return a
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, Proxy):
                    return b
    return None


class ProxyAware:
    """A public function that records itself when called on a Proxy (see the module docstring)."""

    def __init__(self, fn, qual: str):
        self.__fx_original__ = fn
        self._qual = qual
        self._style_key = qual if qual in CALL_STYLE else "torch.functional." + qual[len("torch."):]
        if self._style_key not in CALL_STYLE:
            self._style_key = None
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        fn = self.__fx_original__
        if proxy is None:
            return fn(*args, **kwargs)
        if self._style_key is not None:
            args, kwargs = normalize(self._style_key, fn, args, kwargs)
        out = proxy.tracer.create_proxy("call_function", fn, args, kwargs)
        out.node._target_name = self._qual
        return out

    def __eq__(self, other):
        return other is self or other is self.__fx_original__

    def __hash__(self):
        return hash(self.__fx_original__)

    def __repr__(self):
        return repr(self.__fx_original__)

    def __get__(self, obj, objtype=None):  # stays a plain function when stored on a class
        return self if obj is None else functools.partial(self, obj)


def stand_in(fn, qual: str) -> ProxyAware:
    s = _stand_ins.get(id(fn))
    if s is None or s.__fx_original__ is not fn:
        s = _stand_ins[id(fn)] = ProxyAware(fn, qual)
    return s


def install(patcher) -> None:
    """Install the stand-ins for the length of a trace (``patcher`` restores the originals)."""
    if _permanent:
        return
    for mod, attr, qual, fn in _names.public_functions():
        patcher.set_attr(mod, attr, stand_in(fn, qual))


def install_permanently() -> None:
    """Install the stand-ins for good (called the first time a Proxy is used outside a trace)."""
    global _permanent
    if _permanent:
        return
    for mod, attr, qual, fn in _names.public_functions():
        setattr(mod, attr, stand_in(fn, qual))
    _permanent = True
