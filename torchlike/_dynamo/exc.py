"""torch._dynamo.exc: the exceptions code catches around compiled calls.

``Unsupported`` (torch: code Dynamo cannot trace) is torchlike's UntraceableError, which
torchlike.compile raises for code it cannot trace, so ``except torch._dynamo.exc.Unsupported``
catches the same situation under both.
"""
from .._errors import UntraceableError

Unsupported = UntraceableError


class TorchDynamoException(RuntimeError):
    """Base of Dynamo's internal errors (torchlike raises none of these itself)."""


class BackendCompilerFailed(TorchDynamoException):
    pass


class InternalTorchDynamoError(TorchDynamoException):
    pass


__all__ = ["Unsupported", "TorchDynamoException", "BackendCompilerFailed", "InternalTorchDynamoError"]
