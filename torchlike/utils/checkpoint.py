"""torch.utils.checkpoint: trade compute for memory by recomputing a segment in backward.

``checkpoint(fn, *args)`` runs ``fn`` without recording a graph (so no activations inside it are
kept) and attaches one ``autograd.Function`` node to its outputs; in backward the node reruns
``fn`` under ``enable_grad`` (with the RNG state of the forward, so dropout masks repeat) and
backpropagates through the recomputed graph.

- ``use_reentrant=True`` (torch's default, with a warning when not passed): gradients flow to the
  explicit tensor inputs through the node; parameters used inside receive theirs from the inner
  backward, and if no input requires grad the output does not either (torch warns likewise).
- ``use_reentrant=False``: every tensor requiring grad that ``fn`` reads (inputs, parameters,
  closed-over tensors) is an input of the node, so outputs require grad whenever any of them does
  and ``autograd.grad`` works through the segment.

Inside ``torchlike.compile`` the recomputation is traced into the same XLA program behind an
optimization barrier (what ``jax.checkpoint`` does), so XLA does not fold it back into the forward.
"""
from __future__ import annotations

import warnings

from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Reads:
    """A ``_trace_hooks.recorder`` that notes tensors requiring grad read by ops (and forwards
    every call to the recorder that was active, e.g. compile's)."""

    def __init__(self, prev):
        self.prev = prev
        self.seen = {}

    def read(self, args):
        from .._tensor import Tensor
        for a in args:
            if isinstance(a, Tensor) and (a._requires_grad or a.grad_fn is not None) and id(a) not in self.seen:
                self.seen[id(a)] = a
        if self.prev is not None:
            self.prev.read(args)

    def __getattr__(self, name):  # made / written / optimizer: pass through
        prev = self.__dict__.get("prev")
        if prev is None:
            return lambda *a, **k: None
        return getattr(prev, name)


def _tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


class CheckpointFunction(Function):
    """Inputs: (plan, *tensors); ``plan`` knows how to rebuild the call and which outputs came back."""

    @staticmethod
    def forward(ctx, plan, *inputs):
        ctx.plan = plan
        return plan.outputs

    @staticmethod
    def backward(ctx, *grads):
        import jax
        from .. import autograd
        from .._tensor import Tensor
        plan = ctx.plan
        n_args = len(plan.arg_slots)
        tensors = ctx._input_map[1:]
        detached = []
        for t in tensors[:n_args]:
            d = t.detach()
            if isinstance(d._value, jax.core.Tracer):
                # inside a compiled program: keep XLA from merging the recomputation with the
                # forward (which would keep the activations alive), as jax.checkpoint does
                d = Tensor._wrap(jax.lax.optimization_barrier(d._value))
            d.requires_grad_(t.requires_grad)
            detached.append(d)
        args = list(plan.args)
        for slot, d in zip(plan.arg_slots, detached):
            args[slot] = d
        state = _rng_get() if plan.rng_state is not None else None
        if state is not None:
            _rng_set(plan.rng_state)
        try:
            with enable_grad():
                out = plan.function(*args, **plan.kwargs)
        finally:
            if state is not None:
                _rng_set(state)
        outs = out if isinstance(out, tuple) else (out,)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if _tensor(o) and g is not None and (o.requires_grad or o.grad_fn is not None)]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        if plan.reentrant:
            autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
            return (None,) + tuple(d.grad if d.requires_grad else None for d in detached)
        targets = detached + list(tensors[n_args:])
        want = [i for i, t in enumerate(targets) if t.requires_grad]
        got = autograd.grad([o for o, _ in pairs], [targets[i] for i in want], [g for _, g in pairs],
                            allow_unused=True)
        res = [None] * len(targets)
        for i, g in zip(want, got):
            res[i] = g
        return (None,) + tuple(res)


def _rng_get():
    """The random state to replay: the host generator's, or inside a compiled program the draw
    counter of its traced key stream."""
    from .. import _trace_hooks as hooks
    from .. import random
    if hooks.rng is not None:
        return ("traced", hooks.rng.count)
    return random.get_rng_state()


def _rng_set(state):
    from .. import _trace_hooks as hooks
    from .. import random
    if isinstance(state, tuple) and state[0] == "traced":
        hooks.rng.count = state[1]
    else:
        random.set_rng_state(state)


class _Plan:
    __slots__ = ("function", "args", "kwargs", "arg_slots", "outputs", "rng_state", "reentrant")


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """torch.utils.checkpoint.checkpoint: ``function(*args, **kwargs)`` recomputed during backward."""
    from .. import _trace_hooks as hooks
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    plan = _Plan()
    plan.function, plan.args, plan.kwargs, plan.reentrant = function, tuple(args), kwargs, bool(use_reentrant)
    plan.arg_slots = tuple(i for i, a in enumerate(args) if _tensor(a))
    plan.rng_state = _rng_get() if preserve_rng_state else None
    reads = None if use_reentrant else _Reads(hooks.recorder)
    prev = hooks.recorder
    if reads is not None:
        hooks.recorder = reads
    try:
        with no_grad():
            out = function(*args, **kwargs)
    finally:
        hooks.recorder = prev
    plan.outputs = out
    tensors = [args[i] for i in plan.arg_slots]
    if reads is not None:
        ids = {id(t) for t in tensors}
        tensors += [t for k, t in reads.seen.items() if k not in ids]
    elif not any(t.requires_grad for t in tensors):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None")
    return CheckpointFunction.apply(plan, *tensors)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Split a Sequential (or list of modules) into ``segments`` chunks and checkpoint all but the last."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
                      "passed explicitly. use_reentrant=False is recommended.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
