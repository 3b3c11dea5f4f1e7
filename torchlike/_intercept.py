"""The one hook in ``ops.registry.apply`` shared by autocast, forward-mode AD and the profiler.

While none is active ``registry.interceptor`` is None and ``apply`` pays one global read.
Autocast rewrites an op's inputs (dtype casts); forward AD computes tangents next to the result;
the profiler times the whole call as one event.
"""
from __future__ import annotations

autocast_fn = None   # (op, args) -> args, set by torchlike.amp while a region is enabled
forward_fn = None    # (op, args, statics) -> result, set by autograd.forward_ad inside dual_level
profile_fn = None    # (op, args, statics, call) -> result, set by torchlike.profiler while it records
meta_fn = None       # (op, args, statics) -> result or NotImplemented, set once a meta tensor exists (_meta)
autocast_lower_names = frozenset()  # ops autocast casts down: their dtype-mismatch checks stand aside
autocast_key = ()    # hashable autocast state; compiled programs are cached per value of it


def autocast_casts(name: str) -> bool:
    """True while autocast will cast the inputs of op ``name`` to one dtype (so wrappers that check
    for matching input dtypes before applying the op must not raise)."""
    return autocast_fn is not None and name in autocast_lower_names


def _dispatch(op, args, statics):
    if profile_fn is not None:
        return profile_fn(op, args, statics, _call)
    return _call(op, args, statics)


def _call(op, args, statics):
    from .ops import registry
    if meta_fn is not None:
        res = meta_fn(op, args, statics)
        if res is not NotImplemented:
            return res
    if autocast_fn is not None:
        args = autocast_fn(op, args)
    if forward_fn is not None:
        return forward_fn(op, args, statics)
    return registry._apply(op, *args, **statics)


def refresh() -> None:
    """Install or remove the hook after autocast_fn/forward_fn changed."""
    from .ops import registry
    active = autocast_fn is not None or forward_fn is not None or profile_fn is not None or meta_fn is not None
    registry.interceptor = _dispatch if active else None
    registry.interceptor_beyond_meta = autocast_fn is not None or forward_fn is not None or profile_fn is not None
