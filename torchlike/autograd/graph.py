"""Graph nodes recorded by the forward pass (what ``tensor.grad_fn`` returns).

A node knows how to turn the gradients of its outputs into gradients of its inputs, and where
those input gradients go next (``next_functions``). ``OpNode`` wraps one registered op and holds
the VJP that ``jax.vjp`` returned for it; ``AccumulateGrad`` writes into a leaf's ``.grad``.
Nodes hold plain JAX arrays, so the same graph works when those arrays are tracers.
"""
from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from .._handles import add_hook, hooks_of

_seq = itertools.count()

FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
             "backward through the graph a second time or if you need to access saved tensors after "
             "calling backward.")


def zeros_cotangent(shape, dtype):
    """A zero cotangent for an output: float0 for integer/bool outputs, as jax.vjp expects."""
    if not jnp.issubdtype(dtype, jnp.inexact):
        return np.zeros(shape, dtype=jax.dtypes.float0)
    return jnp.zeros(shape, dtype)


class Node:
    """Base of graph nodes. ``edges[i]`` is ``(node, output_nr)`` for input i, or None."""

    __slots__ = ("edges", "seq", "out_meta", "pre_hooks", "retained", "hooks", "__weakref__", "__dict__")

    def __init__(self, edges, out_meta):
        self.edges = edges
        self.out_meta = out_meta  # [(shape, np dtype)] per output
        self.seq = next(_seq)
        self.pre_hooks = None     # {output_nr: {handle id: fn}} tensor hooks of non-leaf outputs
        self.retained = None      # {output_nr: weakref(tensor)} for retain_grad()
        self.hooks = None         # node hooks {handle id: fn(grad_inputs, grad_outputs)}

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self):
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in self.edges)

    def register_hook(self, fn):
        return add_hook(hooks_of(self, "hooks"), fn)

    def register_prehook(self, fn):
        return self._add_pre_hook(0, fn)

    def _add_pre_hook(self, nr, fn):
        if self.pre_hooks is None:
            self.pre_hooks = {}
        return add_hook(self.pre_hooks.setdefault(nr, OrderedDict()), fn)

    def apply(self, grads, create_graph):  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self):
        pass

    def __call__(self, *grads):
        return self.apply(list(grads), False)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


@jax.jit
def _call_vjp(vjp, cts):
    return vjp(cts)


class OpNode(Node):
    """The backward of one registered op application.

    ``vjp`` is the pullback jax.vjp returned (its residuals are the saved values); ``saved`` keeps
    the op's (cast-free) input arrays for ``create_graph=True``, where the backward is re-run as a
    recorded op so it can be differentiated again.
    """

    __slots__ = ("op", "statics", "vjp", "saved", "diff_idx", "versions", "multi", "casts")

    def __init__(self, op, statics, vjp, saved, diff_idx, edges, out_meta, versions, multi, casts):
        super().__init__(edges, out_meta)
        self.casts = casts
        self.op, self.statics, self.vjp, self.saved = op, statics, vjp, saved
        self.diff_idx, self.versions, self.multi = diff_idx, versions, multi

    def name(self):
        return self.op.backward_name

    def _check(self):
        if self.vjp is None:
            raise RuntimeError(FREED_MSG)
        for box, ver, ref in self.versions:
            if box[0] != ver:
                t = ref()
                desc = "a tensor" if t is None else f"torch.{type(t).__name__} [{', '.join(map(str, t.shape))}]"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{desc}], which is output 0 of {self.name()}, is at version "
                    f"{box[0]}; expected version {ver} instead. "
                    "Hint: the backtrace further above can show the operation that failed to compute "
                    "its gradient.")

    def apply(self, grads, create_graph):
        self._check()
        if create_graph:
            from ..ops.registry import apply_backward_recorded
            return apply_backward_recorded(self, grads)
        cts = []
        for g, (shape, dt) in zip(grads, self.out_meta):
            if g is None or not jnp.issubdtype(dt, jnp.inexact):
                cts.append(zeros_cotangent(shape, dt))
            else:
                cts.append(g if g.dtype == dt else g.astype(dt))
        return list(_call_vjp(self.vjp, tuple(cts) if self.multi else cts[0]))

    def release(self):
        self.vjp = None
        self.saved = None


class AccumulateGrad(Node):
    """Sink of a leaf tensor: runs the leaf's hooks and adds the gradient into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, tensor):
        super().__init__([], [(tensor.shape, tensor._value.dtype)])
        self.variable = tensor

    def apply(self, grads, create_graph):
        from .._tensor import Tensor
        t = self.variable
        g = grads[0]
        if g is None:
            return []
        g = g if isinstance(g, Tensor) else Tensor._wrap(g)
        for hook in list((t._hooks or {}).values()):
            r = hook(g)
            if r is not None:
                g = r
        if not create_graph:
            g = g.detach()
        accumulate_grad(t, g, create_graph)
        for hook in list((t._post_acc_hooks or {}).values()):
            hook(t)
        return []


def accumulate_grad(t, g, create_graph):
    """Add the gradient ``g`` into ``t.grad`` as torch's AccumulateGrad does.

    The first gradient becomes ``.grad``. Later ones are added *in place* into the existing
    ``.grad`` tensor (same object, version bumped, its views updated), so a reference held with
    ``g = p.grad`` sees the accumulation, except under ``create_graph=True``, where torch builds
    ``p.grad + g`` out of place so the sum stays differentiable.
    """
    from .._tensor import Tensor
    if t._grad is None:
        t._grad = g if create_graph else Tensor._wrap(g._value)
    elif create_graph:
        with _grad_mode(True):
            t._grad = t._grad + g
    else:
        t._grad._write_value((t._grad._value + g._value).astype(t._grad._value.dtype))


def _grad_mode(flag):
    from .grad_mode import set_grad_enabled
    prev = set_grad_enabled(flag)
    return prev


def get_accumulator(tensor):
    acc = tensor._accum() if tensor._accum is not None else None
    if acc is None:
        acc = AccumulateGrad(tensor)
        tensor._accum = weakref.ref(acc)
    return acc
