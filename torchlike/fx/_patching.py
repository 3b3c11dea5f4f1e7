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
import inspect

from . import _names
from ._call_style import CALL_STYLE, normalize

_stand_ins: dict = {}   # (id(original), public name) -> ProxyAware
_permanent = False
_permanent_patches: list = []  # (module, attribute, previous value) set by install_permanently
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
        self._style_key = qual if qual in CALL_STYLE else None
        functools.update_wrapper(self, fn)
        short = qual.rsplit(".", 1)[-1]
        # torch names a node after the function called; an alias here shares its function's __name__
        self._node_name = short if short != getattr(fn, "__name__", short) else None

    def __call__(self, *args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        fn = self.__fx_original__
        if proxy is None:
            return fn(*args, **kwargs)
        if self._style_key is not None:
            args, kwargs = normalize(self._style_key, fn, args, kwargs)
        out = proxy.tracer.create_proxy("call_function", fn, args, kwargs, name=self._node_name)
        out.node._target_name = self._qual
        return out

    def __eq__(self, other):
        return other is self or other is self.__fx_original__

    def __hash__(self):
        return hash(self.__fx_original__)

    def __repr__(self):
        return repr(self.__fx_original__)

    def __reduce__(self):
        fn = self.__fx_original__
        return (load_function, (fn.__module__, fn.__qualname__))

    def __get__(self, obj, objtype=None):  # stays a plain function when stored on a class
        return self if obj is None else functools.partial(self, obj)


def load_function(module: str, qualname: str):
    """The original function ``module.qualname`` (looking through an installed stand-in), for unpickling."""
    import importlib
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return getattr(obj, "__fx_original__", obj)


def stand_in(fn, qual: str) -> ProxyAware:
    """The stand-in for ``fn`` under the public name ``qual`` (one per name, so ``torch.arctan``
    records as ``arctan`` even where it is the same function as ``torch.atan``)."""
    s = _stand_ins.get((id(fn), qual))
    if s is None or s.__fx_original__ is not fn:
        s = _stand_ins[(id(fn), qual)] = ProxyAware(fn, qual)
    return s


def _targets():
    """(module, attribute, qualified name, function) for each public function, in its public
    namespaces and in the private module that defines it (where torchlike's own layers call it)."""
    import sys
    for mod, attr, qual, fn in _names.public_functions():
        yield mod, attr, qual, fn
        home = sys.modules.get(getattr(fn, "__module__", None) or "")
        name = getattr(fn, "__name__", None)
        at_home = getattr(home, name, None) if home is not None and name else None
        # the public name and the home's may be wrappers (sparse/nested routing) of one function
        if at_home is not None and getattr(at_home, "__fx_original__", None) is None \
                and inspect.unwrap(at_home) is inspect.unwrap(fn):
            yield home, name, qual, at_home


def install(patcher) -> None:
    """Install the stand-ins for the length of a trace (``patcher`` restores the originals)."""
    if _permanent:
        return
    for mod, attr, qual, fn in list(_targets()):
        if not isinstance(getattr(mod, attr, None), ProxyAware):
            patcher.set_attr(mod, attr, stand_in(fn, qual))


def install_permanently() -> None:
    """Install the stand-ins for good (called the first time a Proxy is used outside a trace)."""
    global _permanent
    if _permanent:
        return
    for mod, attr, qual, fn in list(_targets()):
        _permanent_patches.append((mod, attr, getattr(mod, attr, None)))
        setattr(mod, attr, stand_in(fn, qual))
    _permanent = True


def uninstall_permanent() -> None:
    """Put the original functions back after :func:`install_permanently` (the process then behaves
    as before any Proxy was used; tests use it so identity checks elsewhere see the originals)."""
    global _permanent
    while _permanent_patches:
        mod, attr, previous = _permanent_patches.pop()
        setattr(mod, attr, previous)
    _permanent = False
