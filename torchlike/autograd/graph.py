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

from .._above import above
from .._handles import add_hook, hooks_of

_seq = itertools.count()

FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
             "backward through the graph a second time or if you need to access saved tensors after "
             "calling backward.")


# (pack, unpack) pairs of the torch.autograd.graph.saved_tensors_hooks contexts in force, innermost last
saved_tensors_hooks_stack = []

_RECOMPUTE = object()  # OpNode.vjp of a node whose saved inputs are packed: rebuilt from them at backward


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

    @property
    def metadata(self):
        """A dict for the user's own annotations of this node (torch's ``Node.metadata``)."""
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self.__dict__["_metadata"] = {}
        return md

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


@jax.jit
def _accumulated(grad, g):
    return (grad + g).astype(grad.dtype)


_WRAPS_NUMBERS = frozenset(("AddBackward0", "SubBackward0", "MulBackward0", "DivBackward0"))
_INEXACT = frozenset(np.dtype(d) for d in (jnp.float16, jnp.bfloat16, np.float32, np.float64, np.complex64,
                                           np.complex128))


class OpNode(Node):
    """The backward of one registered op application.

    ``vjp`` is the pullback jax.vjp returned (its residuals are the saved values); ``saved`` keeps
    the op's (cast-free) input arrays for ``create_graph=True``, where the backward is re-run as a
    recorded op so it can be differentiated again.
    """

    __slots__ = ("op", "statics", "vjp", "saved", "diff_idx", "versions", "multi", "casts", "packed", "recompute",
                 "result_refs")

    def __init__(self, op, statics, vjp, saved, diff_idx, edges, out_meta, versions, multi, casts):
        # Node.__init__ inlined: one of these is made per recorded op
        self.edges, self.out_meta, self.seq = edges, out_meta, next(_seq)
        self.pre_hooks = self.retained = self.hooks = None
        self.casts = casts
        self.op, self.statics, self.vjp, self.saved = op, statics, vjp, saved
        self.diff_idx, self.versions, self.multi = diff_idx, versions, multi
        self.packed = self.recompute = self.result_refs = None

    # ---------------------------------------------------------------- saved tensors
    def _input_refs(self):
        """{argument position: weakref to the input Tensor} (the version entries of a saving op list
        its tensor inputs first, in argument order)."""
        positions = [i for i, a in enumerate(self.saved or ()) if isinstance(a, (jax.Array, jax.core.Tracer))]
        return {i: entry[2] for i, entry in zip(positions, self.versions)}

    def _position(self, key):
        import inspect
        names = {"self": 0, "input": 0, "other": 1, "exponent": 1}  # torch's argument names
        params = [p.name for p in inspect.signature(self.op.plain_fwd).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names.update((n, i) for i, n in enumerate(params))
        return names.get(key)

    def _saved_value(self, key, raw):
        """``grad_fn._saved_<key>``: an input the backward uses (``self``, ``other`` or the forward's
        argument name), the output (``result``, for ops whose backward reads it) or a static attribute."""
        if self.vjp is None:
            raise RuntimeError(FREED_MSG)
        Tensor = above.Tensor
        if key == "result" and self.result_refs:
            t = self.result_refs[0]()
            return SavedTensor(self, None, t) if raw else t
        if key in self.statics:
            return self.statics[key]
        i = self._position(key)
        if i is None or i >= len(self.saved or ()):
            raise AttributeError(f"'{self.name()}' object has no attribute '_saved_{key}'")
        packed = dict((j, (p, unpack)) for j, p, unpack in self.packed or ())
        if i in packed and not raw:
            return packed[i][1](packed[i][0])
        ref = self._input_refs().get(i)
        t = ref() if ref is not None else None
        if t is None:
            a = self.saved[i]
            t = Tensor._wrap(a) if isinstance(a, (jax.Array, jax.core.Tracer)) else a
        return SavedTensor(self, i, t) if raw else t

    def __getattr__(self, name):
        for prefix in ("_raw_saved_", "_saved_"):
            if name.startswith(prefix):
                return self._saved_value(name[len(prefix):], prefix == "_raw_saved_")
        raise AttributeError(f"'{self.name()}' object has no attribute '{name}'")

    def pack_saved(self, tensors, pack, unpack, recompute):
        """Keep ``pack(t)`` for each (position, Tensor) instead of the values: the backward unpacks
        them and recomputes its VJP from them (saved_tensors_hooks, save_on_cpu)."""
        active = saved_tensors_hooks_stack[:]
        saved_tensors_hooks_stack.clear()  # ops inside a pack hook are not packed again, as in torch
        try:
            self.packed = list(self.packed or ()) + [(i, pack(t), unpack) for i, t in tensors]
        finally:
            saved_tensors_hooks_stack.extend(active)
        self.recompute = recompute
        self.saved = [None if any(i == j for j, _, _ in self.packed) else a for i, a in enumerate(self.saved)]
        self.vjp = _RECOMPUTE

    def _unpacked(self):
        arrays = list(self.saved)
        for i, p, unpack in self.packed:
            t = unpack(p)
            arrays[i] = t._value if hasattr(t, "_value") else t
        return arrays

    def name(self):
        return self.op.backward_name

    @property
    def next_functions(self):
        """As torch lists them: one entry per floating tensor input, ``(None, 0)`` for one that does not
        require grad, and for add/sub/mul/div a trailing ``(None, 0)`` for a Python-number operand
        (torch wraps it in a tensor), e.g. ``(c + 1).grad_fn.next_functions == ((MulBackward0, 0),
        (None, 0))``. Once the inputs are freed, only the recorded edges."""
        saved = self.saved
        if saved is None or self.packed:
            return Node.next_functions.fget(self)
        by_pos = dict(zip(self.diff_idx, self.edges))
        out, number = [], False
        for i, a in enumerate(saved):
            e = by_pos.get(i)
            if e is not None:
                out.append((e[0], e[1]))
            elif isinstance(a, (jax.Array, jax.core.Tracer)) and a.dtype in _INEXACT:
                out.append((None, 0))
            elif type(a) in (int, float) and self.op.backward_name in _WRAPS_NUMBERS:
                number = True
        return tuple(out) + (((None, 0),) if number else ())

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
        vjp = self.vjp
        if vjp is _RECOMPUTE:
            arrays = self._unpacked()
            if create_graph:
                self.saved = arrays
            else:
                vjp = self.recompute(arrays)
        if create_graph:
            return above.apply_backward_recorded(self, grads)
        cts = []
        for g, (shape, dt) in zip(grads, self.out_meta):
            if g is None or dt not in _INEXACT:
                cts.append(zeros_cotangent(shape, dt))
            else:
                cts.append(g if g.dtype == dt else g.astype(dt))
        return list(_call_vjp(vjp, tuple(cts) if self.multi else cts[0]))

    def release(self):
        self.vjp = None
        self.saved = None
        self.packed = None


class SavedTensor:
    """``grad_fn._raw_saved_<name>``: one saved input; ``register_hooks(pack, unpack)`` packs it now and
    unpacks it when the backward needs it, as torch's ``SavedTensor``."""

    def __init__(self, node, position, tensor):
        self._node, self._position, self._tensor = node, position, tensor

    def register_hooks(self, pack_hook, unpack_hook):
        if self._position is None:
            raise RuntimeError("register_hooks on a saved output is not supported by torchlike")
        node = self._node
        if node.packed and any(i == self._position for i, _, _ in node.packed):
            raise RuntimeError("SavedTensor hooks have already been set")
        node.pack_saved([(self._position, self._tensor)], pack_hook, unpack_hook, above.recompute_vjp(node))


class AccumulateGrad(Node):
    """Sink of a leaf tensor: runs the leaf's hooks and adds the gradient into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, tensor):
        super().__init__([], [(tensor._value.shape, tensor._value.dtype)])
        self.variable = tensor

    def name(self):
        return "torch::autograd::AccumulateGrad"  # torch's C++ name; its repr says AccumulateGrad

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def apply(self, grads, create_graph):
        Tensor = above.Tensor
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
    Tensor = above.Tensor
    if t._grad is None:
        t._grad = g if create_graph else Tensor._wrap(g._value)
    elif create_graph:
        with _grad_mode(True):
            t._grad = t._grad + g
    else:
        t._grad._write_value(_accumulated(t._grad._value, g._value))


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


class saved_tensors_hooks:
    """Context manager: ops recorded inside keep ``pack_hook(tensor)`` for each tensor their backward
    needs, and the backward calls ``unpack_hook(packed)`` to get it back (then recomputes the op's VJP
    from the unpacked inputs), as torch's ``saved_tensors_hooks``. torchlike packs every tensor input of
    an op whose backward reads its inputs (torch packs only those its formula saves, so hook call
    counts may differ); outputs an op's backward reads are kept as they are."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if _hooks_disabled:
            raise RuntimeError(_hooks_disabled[-1])
        saved_tensors_hooks_stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        saved_tensors_hooks_stack.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors move to the CPU during the forward and back to their device for the backward
    (torch's ``save_on_cpu``; ``pin_memory`` is accepted: host memory is not pinned by JAX)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            return t.device, t.detach().cpu()

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)


_hooks_disabled = []


class disable_saved_tensors_hooks:
    """Inside, entering ``saved_tensors_hooks`` raises RuntimeError with ``error_message`` (torch's)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        _hooks_disabled.append(self.error_message)
        return self

    def __exit__(self, *exc):
        _hooks_disabled.pop()
