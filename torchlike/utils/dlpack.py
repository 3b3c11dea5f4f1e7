"""torch.utils.dlpack: exchange tensors with other array libraries through DLPack, without a copy
where the producer allows it."""
from __future__ import annotations


def to_dlpack(tensor):
    """A DLPack capsule for ``tensor``'s buffer (its JAX array's)."""
    return tensor.detach()._value.__dlpack__()


def from_dlpack(ext_tensor):
    """A torchlike Tensor viewing ``ext_tensor`` (any object with ``__dlpack__``, or a capsule)."""
    import jax
    from .._tensor import Tensor
    if type(ext_tensor).__name__ == "PyCapsule":
        arr = jax.dlpack.from_dlpack(_Capsule(ext_tensor))
    else:
        if hasattr(ext_tensor, "requires_grad") and getattr(ext_tensor, "requires_grad", False) and \
                (type(ext_tensor).__module__ or "").startswith("torch"):
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        arr = jax.dlpack.from_dlpack(ext_tensor)
    return Tensor._wrap(arr)


class _Capsule:
    """Adapts a bare capsule (legacy protocol) to ``__dlpack__`` for jax.dlpack.from_dlpack."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, *args, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


__all__ = ["to_dlpack", "from_dlpack"]
