"""``torch.ops.profiler``: the operators behind ``record_function``, which code (fx graphs in particular)
calls to open and close a named profiler range.

``_record_function_enter(name, args=None)`` opens a ``record_function`` range and returns its handle;
``_record_function_exit(handle)`` closes it. ``_record_function_enter_new`` is the same enter (torch
returns a ``RecordFunction`` object from it and an empty Tensor from the older name; here both return
the open :class:`torchlike.profiler.record_function`). Called on an fx Proxy, each records a
``call_function`` node (as torch's operators do through ``__torch_function__``), and fx's dead-code
elimination keeps those nodes, as torch marks these operators side-effectful.
"""
from __future__ import annotations

import functools

__all__ = ["_record_function_enter", "_record_function_enter_new", "_record_function_exit"]


def _records_on_proxy(fn):
    """Call ``fn``, or record a call of it in the graph when an argument is an fx Proxy."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        from ..fx.proxy import Proxy
        proxy = next((a for a in (*args, *kwargs.values()) if isinstance(a, Proxy)), None)
        if proxy is not None:
            return proxy.tracer.create_proxy("call_function", op, args, kwargs)
        return fn(*args, **kwargs)
    return op


@_records_on_proxy
def _record_function_enter(name: str, args: str | None = None):
    """Open the profiler range ``name`` and return its handle for :func:`_record_function_exit`."""
    from ..profiler import record_function
    if not isinstance(name, str):
        raise RuntimeError(f"profiler::_record_function_enter() expected a string name, got {type(name).__name__}")
    return record_function(name, args).__enter__()


_record_function_enter_new = _records_on_proxy(_record_function_enter.__wrapped__)
_record_function_enter_new.__name__ = _record_function_enter_new.__qualname__ = "_record_function_enter_new"


@_records_on_proxy
def _record_function_exit(handle) -> None:
    """Close the range ``handle`` that :func:`_record_function_enter` opened."""
    from ..profiler import record_function
    if not isinstance(handle, record_function):
        raise RuntimeError("profiler::_record_function_exit() expected the handle returned by "
                           f"_record_function_enter, got {type(handle).__name__}")
    handle.__exit__(None, None, None)
