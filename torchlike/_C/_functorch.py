"""torch._C._functorch: queries about functorch's wrapper tensors.

torchlike's function transforms are JAX transformations: inside ``torchlike.func.vmap`` a Tensor
holds a JAX tracer, not a wrapper around a batched Tensor, so there is nothing to unwrap. Every
Tensor is therefore unwrapped, and torchlike keeps no functorch interpreter stack.
"""
from __future__ import annotations

import enum

__all__ = ["TransformType", "is_batchedtensor", "is_legacy_batchedtensor", "is_functorch_wrapped_tensor",
           "is_gradtrackingtensor", "get_unwrapped", "get_interpreter_stack", "maybe_get_level"]


class TransformType(enum.Enum):
    """The kinds of functorch transform levels (torch's names)."""
    Torch = 0
    Grad = 1
    Jvp = 2
    Functionalize = 3
    Vmap = 4


def is_batchedtensor(tensor) -> bool:
    """False: torchlike has no BatchedTensor wrappers (vmap batches JAX tracers)."""
    return False


def is_legacy_batchedtensor(tensor) -> bool:
    return False


def is_gradtrackingtensor(tensor) -> bool:
    return False


def is_functorch_wrapped_tensor(tensor) -> bool:
    return False


def maybe_get_level(tensor) -> int:
    """The functorch level of a wrapper; -1 for a plain Tensor, which every torchlike Tensor is."""
    return -1


def get_unwrapped(tensor):
    """The Tensor a functorch wrapper holds; torch raises for a plain Tensor, and so does this."""
    raise RuntimeError("No wrappers present!")


def get_interpreter_stack():
    """The active functorch levels: None, since torchlike keeps none (its transforms are JAX's)."""
    return None
