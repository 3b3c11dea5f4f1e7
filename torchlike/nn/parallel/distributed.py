"""nn.parallel.DistributedDataParallel: one process per rank, gradients averaged after ``backward()``.

As torch's DDP: construction broadcasts rank 0's parameters and buffers; forward runs the local
module (and, with ``broadcast_buffers``, re-broadcasts buffers first); during ``backward()`` a
post-accumulate-grad hook on every parameter notes it is ready, and when the last one is, all
gradients are concatenated (per dtype), averaged across ranks with ONE all-reduce, and split back
into ``.grad``. ``no_sync()`` skips that reduction, so gradients accumulate locally until the next
synchronised backward. Under ``torchlike.compile`` with one rank the reduction is the identity; with
several ranks it needs concrete values, so compile falls back to running the step eagerly.
"""
from __future__ import annotations

import contextlib

import jax.numpy as jnp

from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


def _fused(tensors, kind, arg):
    """Run one collective per dtype over the concatenation of ``tensors``' values; returns new arrays."""
    from ...distributed._collectives import _run
    by_dtype = {}
    for i, v in enumerate(tensors):
        by_dtype.setdefault(jnp.dtype(v.dtype), []).append(i)
    out = [None] * len(tensors)
    for dt, idx in by_dtype.items():
        flat = jnp.concatenate([jnp.ravel(tensors[i]) for i in idx])
        red = _run(kind, arg, flat)
        off = 0
        for i in idx:
            n = tensors[i].size
            out[i] = red[off:off + n].reshape(tensors[i].shape)
            off += n
    return out


class DistributedDataParallel(Module):
    """torch.nn.parallel.DistributedDataParallel(module, device_ids=None, ...)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None):
        super().__init__()
        from ... import distributed as dist
        dist._group._check_group(process_group)
        if not dist.is_initialized():
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.reduce_count = 0  # number of fused gradient all-reduces run (one per synchronised backward)
        self._world = dist.get_world_size()
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._expect = None
        self._ready = set()
        self._sync_from_rank0(list(module.parameters()) + [b for b in module.buffers() if b is not None])
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in self._params]

    def _sync_from_rank0(self, tensors):
        if self._world == 1 or not tensors:
            return
        new = _fused([t._value for t in tensors], "select", 0)
        with no_grad():
            for t, v in zip(tensors, new):
                t._assign(Tensor._wrap(v))

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally, without the all-reduce."""
        prev = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = prev

    def forward(self, *inputs, **kwargs):
        if self._expect is not None and self._ready:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`. Parameters that did not receive a gradient: "
                + ", ".join(n for n, p in self.module.named_parameters()
                            if p.requires_grad and id(p) not in self._ready))
        if self.broadcast_buffers:
            self._sync_from_rank0([b for b in self.module.buffers() if b is not None])
        out = self.module(*inputs, **kwargs)
        self._ready = set()
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._expect = {id(p) for p in self._params}
            if self.find_unused_parameters:
                self._expect &= _leaves_reached(out)
        else:
            self._expect = None
        return out

    def _grad_ready(self, p):
        if self._expect is None or not self.require_backward_grad_sync:
            return
        self._ready.add(id(p))
        if self._expect <= self._ready:
            self._expect = None
            self._ready = set()
            self._allreduce_grads()

    def _allreduce_grads(self):
        """ONE fused all-reduce (per dtype) of every parameter's gradient, averaged over ranks."""
        self.reduce_count += 1
        if self._world == 1:
            return
        grads = [p._grad._value if p._grad is not None else jnp.zeros(p.shape, p._value.dtype) for p in self._params]
        from ...distributed import ReduceOp
        new = _fused(grads, "reduce", ReduceOp.AVG)
        for p, g in zip(self._params, new):
            p._grad = Tensor._wrap(g)


def _leaves_reached(out):
    """ids of leaf tensors the autograd graph behind ``out`` reaches (find_unused_parameters)."""
    from ...autograd.graph import AccumulateGrad
    roots = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None]
    seen, stack, leaves = set(), list(roots), set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, AccumulateGrad):
            leaves.add(id(node.variable))
        stack.extend(e[0] for e in node.edges if e is not None)
    return leaves


def _tensors(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensors(o)]
    return []
