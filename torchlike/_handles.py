"""torch.utils.hooks.RemovableHandle: what every ``register_*_hook`` returns (modules, optimizers,
tensors, autograd nodes). Hooks live in an ``OrderedDict`` keyed by the handle's id; ``remove()``
deletes that key (also from the extra dicts a hook was entered in) and works as a context manager.
The handle holds weak references, so it never keeps a module or tensor alive."""
from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict


class RemovableHandle:
    """Unregisters one hook: ``handle.remove()`` or ``with handle: ...``."""

    _ids = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        extras = () if extra_dict is None else (extra_dict,) if isinstance(extra_dict, dict) else tuple(extra_dict)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self):
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, hook, prepend=False):
    """Enter ``hook`` in the OrderedDict ``hooks`` (first when ``prepend``); returns its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def hooks_of(obj, attr):
    """``obj.<attr>``, created as an empty OrderedDict on first use (most tensors have no hooks)."""
    d = getattr(obj, attr)
    if d is None:
        d = OrderedDict()
        setattr(obj, attr, d)
    return d
