"""torch._dynamo, for the call compile tutorials make: ``reset()`` forgets every compiled program, so
the next call compiles again (the same function as ``torch.compiler.reset``)."""
from .compiler import reset

__all__ = ["reset"]
