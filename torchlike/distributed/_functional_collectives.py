"""torch.distributed._functional_collectives: collectives that return a new tensor.

Built on the in-place collectives of :mod:`torchlike.distributed` (a copy of the input goes through
them). They complete before returning, so :func:`wait_tensor` returns its argument. As in torch,
only the ``*_autograd`` variants are differentiable. ``group`` is the default group (``None``, the
WORLD group, or a list of all ranks / a 1-d DeviceMesh over them); sub-groups are not supported.
"""
from __future__ import annotations

from ..autograd.function import Function
from . import _collectives as C
from ._group import _state

__all__ = ["wait_tensor", "all_reduce", "all_gather_tensor", "reduce_scatter_tensor", "all_to_all_single",
           "all_to_all_single_autograd", "broadcast"]


def _group(group):
    if isinstance(group, (list, tuple)) and sorted(group) == list(range(_state.world_size)):
        return None
    if type(group).__name__ == "DeviceMesh" and group.size() == _state.world_size:
        return None
    return group


def wait_tensor(tensor):
    """The collective already completed: ``tensor`` itself."""
    return tensor


def all_reduce(self, reduceOp, group, tag=""):  # noqa: N803  (torch's spelling)
    out = self.detach().clone()
    C.all_reduce(out, op=str(reduceOp).lower(), group=_group(group))
    return out


def broadcast(self, src, group, tag=""):
    out = self.detach().clone()
    C.broadcast(out, src=src, group=_group(group))
    return out


def all_gather_tensor(self, gather_dim, group, tag=""):
    """Ranks' tensors concatenated along ``gather_dim``."""
    x = self.detach().movedim(gather_dim, 0).contiguous() if gather_dim else self.detach().contiguous()
    out = x.new_empty((x.shape[0] * _state.world_size,) + tuple(x.shape[1:]) if x.dim() else (_state.world_size,))
    C.all_gather_into_tensor(out, x, group=_group(group))
    return out.movedim(0, gather_dim) if gather_dim else out


def reduce_scatter_tensor(self, reduceOp, scatter_dim, group, tag=""):  # noqa: N803
    """The reduction over ranks, split along ``scatter_dim``; rank r keeps chunk r."""
    x = self.detach().movedim(scatter_dim, 0).contiguous() if scatter_dim else self.detach().contiguous()
    w = _state.world_size
    if x.shape[0] % w:
        raise ValueError(f"reduce_scatter_tensor: dim {scatter_dim} of size {x.shape[0]} is not divisible by the "
                         f"world size {w}")
    out = x.new_empty((x.shape[0] // w,) + tuple(x.shape[1:]))
    C.reduce_scatter_tensor(out, x, op=str(reduceOp).lower(), group=_group(group))
    return out.movedim(0, scatter_dim) if scatter_dim else out


def all_to_all_single(self, output_split_sizes, input_split_sizes, group, tag=""):
    out = self.detach().new_empty(tuple(self.shape))
    C.all_to_all_single(out, self.detach().contiguous(), output_split_sizes, input_split_sizes, group=_group(group))
    return out


class _AllToAllSingle(Function):
    @staticmethod
    def forward(ctx, x, output_split_sizes, input_split_sizes, group):
        ctx.splits = (output_split_sizes, input_split_sizes, group)
        return all_to_all_single(x, output_split_sizes, input_split_sizes, group)

    @staticmethod
    def backward(ctx, grad):
        out_s, in_s, group = ctx.splits  # the gradient travels back: the splits swap
        return all_to_all_single(grad, in_s, out_s, group), None, None, None


def all_to_all_single_autograd(self, output_split_sizes, input_split_sizes, group, tag=""):
    """Differentiable :func:`all_to_all_single` (its backward is the reverse all-to-all)."""
    return _AllToAllSingle.apply(self, output_split_sizes, input_split_sizes, group)
