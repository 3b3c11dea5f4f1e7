"""torch.autograd.Function: user-defined forward/backward in terms of Tensors.

``MyFn.apply(*args)`` runs ``forward(ctx, *args)`` without recording, then attaches a node whose
backward calls ``MyFn.backward(ctx, *grad_outputs)``.
"""
from __future__ import annotations

from .graph import Node, get_accumulator
from .grad_mode import is_grad_enabled, no_grad, set_grad_enabled


class FunctionCtx:
    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = [(t._version_box, t._version_box[0]) if t is not None else None for t in tensors]

    @property
    def saved_tensors(self):
        if getattr(self, "_freed", False):
            from .graph import FREED_MSG
            raise RuntimeError(FREED_MSG)
        for t, v in zip(getattr(self, "_saved", ()), getattr(self, "_saved_versions", ())):
            if v is not None and v[0][0] != v[1]:
                raise RuntimeError("one of the variables needed for gradient computation has been modified by an "
                                   f"inplace operation: is at version {v[0][0]}; expected version {v[1]} instead.")
        return tuple(getattr(self, "_saved", ()))

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


class _FunctionNode(Node):
    __slots__ = ("fn_cls", "ctx", "n_inputs")

    def name(self):
        return self.fn_cls.__name__ + "Backward"

    def apply(self, grads, create_graph):
        from .._tensor import Tensor
        import jax.numpy as jnp
        gs = []
        for g, (shape, dt) in zip(grads, self.out_meta):
            if g is None and getattr(self.ctx, "_materialize", True):
                g = jnp.zeros(shape, dt)
            gs.append(None if g is None else g if isinstance(g, Tensor) else Tensor._wrap(g))
        with set_grad_enabled(create_graph):
            res = self.fn_cls.backward(self.ctx, *gs)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) < len(self.ctx._input_map):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {len(self.ctx._input_map)}, got {len(res)})")
        out = []
        for pos in self.ctx._diff_positions:
            g = res[pos]
            if g is None:
                out.append(None)
            else:
                out.append(g if create_graph else g._value)
        return out

    def release(self):
        self.ctx._freed = True


class FunctionMeta(type):
    pass


class Function(metaclass=FunctionMeta):
    """Subclass with static ``forward(ctx, ...)`` and ``backward(ctx, *grads)``; call ``.apply``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        ctx = FunctionCtx()
        ctx._input_map = args
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad and is_grad_enabled() for a in args)
        if "setup_context" in cls.__dict__ and cls.setup_context is not Function.setup_context:
            with no_grad():
                out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            with no_grad():
                out = cls.forward(ctx, *args, **kwargs)
        if not any(ctx.needs_input_grad):
            return out
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        diff_positions = [i for i, n in enumerate(ctx.needs_input_grad) if n]
        ctx._diff_positions = diff_positions
        edges = []
        for i in diff_positions:
            t = args[i]
            edges.append((t.grad_fn, t._output_nr) if t.grad_fn is not None else (get_accumulator(t), 0))
        node = _FunctionNode(edges, [(o._value.shape, o._value.dtype) if isinstance(o, Tensor) else ((), None)
                                     for o in outs])
        node.fn_cls, node.ctx = cls, ctx
        non_diff = getattr(ctx, "_non_diff", set())
        wrapped = []
        for nr, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) not in non_diff and (o.dtype.is_floating_point or o.dtype.is_complex):
                if any(o is a for a in args):
                    o = Tensor._wrap(o._value)  # an input returned as-is becomes a new output
                else:
                    o = o if o.grad_fn is None and not o._requires_grad else Tensor._wrap(o._value)
                o.grad_fn, o._output_nr = node, nr
            wrapped.append(o)
        return tuple(wrapped) if multi else wrapped[0]

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError


class once_differentiable:
    def __new__(cls, fn):
        return fn
