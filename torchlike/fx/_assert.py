"""``torch._assert``: an assert that symbolic tracing records instead of evaluating."""
from __future__ import annotations


def _assert(condition, message):
    """Raise ``AssertionError(message)`` unless ``condition`` holds (torch._assert)."""
    if type(condition) is not bool and hasattr(condition, "item"):
        condition = bool(condition)
    assert condition, message


def _assert_async(tensor, assert_msg=None):
    """torch._assert_async: raise RuntimeError unless the one-element ``tensor`` is nonzero (torch checks it
    on the device without syncing; torchlike's arrays are checked when this runs). Errors as torch's CPU path."""
    n = tensor.numel()
    if n != 1:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if n == 0 else
                           "Boolean value of Tensor with more than one value is ambiguous")
    if not bool(tensor):
        raise RuntimeError(assert_msg if assert_msg is not None else
                           "Expected Tensor with single nonzero value, but got zero")
