"""``torch._assert``: an assert that symbolic tracing records instead of evaluating."""
from __future__ import annotations


def _assert(condition, message):
    """Raise ``AssertionError(message)`` unless ``condition`` holds (torch._assert)."""
    if type(condition) is not bool and hasattr(condition, "item"):
        condition = bool(condition)
    assert condition, message
