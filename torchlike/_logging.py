"""torch._logging.set_logs, for what torchlike.compile has to say.

Two of torch's log artifacts have a counterpart here and go to the ``torchlike.compile`` logger (printed
on stderr unless the application configured that logger): ``recompiles`` (a compiled function traces
again, and which part of its inputs changed) and ``graph_breaks`` (a call falls back to eager
execution, and why). The others (dynamo, guards, output_code, ...) describe TorchDynamo and Inductor,
which torchlike does not use; they are accepted and log nothing.
"""
from __future__ import annotations

import logging
import sys

__all__ = ["set_logs"]

log = logging.getLogger("torchlike.compile")
_enabled = set()
_ARTIFACTS = ("recompiles", "graph_breaks")


def set_logs(**settings):
    """Turn the ``recompiles`` and ``graph_breaks`` logs on (True) or off; ``set_logs()`` turns all off."""
    _enabled.clear()
    _enabled.update(name for name in _ARTIFACTS if settings.get(name))
    if _enabled and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[torchlike.compile] %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.INFO if _enabled else logging.WARNING)


def emit(artifact, message):
    """Log ``message`` when ``artifact`` is on (called by torchlike.compile)."""
    if artifact in _enabled:
        log.info(message)
