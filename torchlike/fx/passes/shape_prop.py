"""torch.fx.passes.shape_prop: run a graph on example inputs and record each value's metadata.

``ShapeProp(gm).propagate(*args)`` stores ``node.meta['tensor_meta']`` (a :class:`TensorMetadata`
with shape, dtype, requires_grad, stride, memory_format, is_quantized, qparams) for each
tensor-valued node, and ``node.meta['type']``, as torch does.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..interpreter import Interpreter
from ..node import map_aggregate

__all__ = ["TensorMetadata", "ShapeProp"]


class TensorMetadata(NamedTuple):
    shape: Any
    dtype: Any
    requires_grad: bool
    stride: tuple
    memory_format: Any
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(result) -> TensorMetadata:
    import torchlike
    memory_format = None
    formats = [getattr(torchlike, n, None) for n in ("contiguous_format", "channels_last", "channels_last_3d")]
    for fmt in (f for f in formats if f is not None):
        try:
            if result.is_contiguous(memory_format=fmt):
                memory_format = fmt
                break
        except (TypeError, RuntimeError):
            continue
    return TensorMetadata(result.shape, result.dtype, result.requires_grad, tuple(result.stride()),
                          memory_format, False, {})


class ShapeProp(Interpreter):
    """Record shapes and dtypes of every value while running the module (torch.fx.passes.shape_prop.ShapeProp)."""

    def __init__(self, gm, fake_mode=None):
        super().__init__(gm)
        self.fake_mode = fake_mode

    def run_node(self, n):
        from ..._tensor import Tensor
        result = super().run_node(n)
        found = []

        def extract(obj):
            if isinstance(obj, Tensor):
                found.append(True)
                return _extract_tensor_metadata(obj)
            return obj

        meta = map_aggregate(result, extract)
        if found:
            n.meta["tensor_meta"] = meta
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args):
        """Run the module on ``args`` (recording metadata) and return its result."""
        return super().run(*args)
