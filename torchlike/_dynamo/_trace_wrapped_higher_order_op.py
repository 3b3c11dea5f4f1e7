"""torch._dynamo._trace_wrapped_higher_order_op.TransformGetItemToIndex.

In torch this mode rewrites ``tensor[index_tensor]`` into ``aten.index`` so indexing by tensors
works inside ``vmap``-built masks (transformers' attention masks). torchlike's indexing by tensors
already works under ``torchlike.func.vmap`` (JAX batches the gather), so the block runs unchanged.
"""
import contextlib

__all__ = ["TransformGetItemToIndex"]


class TransformGetItemToIndex(contextlib.nullcontext):
    """Context manager under which tensor-indexed ``__getitem__`` works in vmap (always true in torchlike)."""

    def __init__(self):
        super().__init__()
