"""torch._dynamo.config: Dynamo's settings, which libraries read and set (often via ``config.patch``).

torchlike.compile is not Dynamo and reads none of these: they are kept with torch's defaults so
code that sets or patches them runs, and reading one back gives what was set.
"""
from __future__ import annotations

import contextlib
import sys

cache_size_limit = 8
recompile_limit = 8
accumulated_cache_size_limit = 256
accumulated_recompile_limit = 256
capture_scalar_outputs = False
capture_dynamic_output_shape_ops = False
suppress_errors = False
verbose = False
optimize_ddp = True
automatic_dynamic_shapes = True
assume_static_by_default = True
force_parameter_static_shapes = True
inline_inbuilt_nn_modules = True


class _Patch(contextlib.ContextDecorator):
    def __init__(self, changes):
        self.changes = changes

    def __enter__(self):
        module = sys.modules[__name__]
        for name in self.changes:
            if not hasattr(module, name):
                raise AttributeError(f"torch._dynamo.config has no setting {name!r}")
        self.saved = {name: getattr(module, name) for name in self.changes}
        for name, value in self.changes.items():
            setattr(module, name, value)
        return self

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            setattr(sys.modules[__name__], name, value)
        return False


def patch(arg=None, value=None, **changes):
    """Set settings for a ``with`` block or a decorated function: ``patch("name", value)``,
    ``patch(name=value)`` or ``patch({"name": value})``; they are restored afterwards."""
    if isinstance(arg, dict):
        changes = {**arg, **changes}
    elif isinstance(arg, str):
        changes = {arg: value, **changes}
    return _Patch(changes)


