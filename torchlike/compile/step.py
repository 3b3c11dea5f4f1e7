"""``torchlike.compile(fn)``: a whole Python training step as one XLA program.

The first call runs eagerly while a recorder notes every Tensor the step reads or writes (and the
optimizers that step). Later calls run one ``jax.jit`` program whose inputs are those tensors'
values and ``.grad``s, the tensor arguments, every optimizer's ``lr`` and a random key, and whose
outputs are the new values and grads (written back into the live tensors) and the step's return
value. The program is retraced only when the structure changes: argument shapes/dtypes or
non-tensor arguments, grad mode, modules' train/eval flags, or the set of state (which tensors
exist, which have a ``.grad``).
"""
from __future__ import annotations

import time
import warnings

import jax
import numpy as np

from .. import _intercept
from .. import _logging
from .. import _profile_record
from .. import _trace_hooks as hooks
from .. import random as _random
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import FREED_MSG, Node
from ..ops.registry import Op, apply
from . import donation, xla_cpu
from .._errors import UntraceableError
from .state import Recorder, module_state, optimizer_tensors, reachable, unique

class _CompiledNode(Node):
    """A ``grad_fn`` named as torch names its compiled graphs' nodes."""

    def name(self):
        return "CompiledFunctionBackward"


class _SpentGraph(_CompiledNode):
    """``grad_fn`` of the outputs of a compiled step that ran backward itself: torch's compiled step
    returns its loss with ``CompiledFunctionBackward``, whose graph that backward already freed."""

    def apply(self, grads, create_graph):
        raise RuntimeError(FREED_MSG)


class _CompiledOutputs(_CompiledNode):
    """The first (eagerly recorded) call's outputs get this ``grad_fn`` in front of their eager graph,
    so they print as torch's compiled outputs do; gradients pass through unchanged."""

    def apply(self, grads, create_graph):
        return list(grads)


def _relabel_outputs(out):
    tensors = [t for t in _split(out)[0] if t.grad_fn is not None]
    if tensors:
        node = _CompiledOutputs([(t.grad_fn, t._output_nr) for t in tensors],
                                [(t._value.shape, t._value.dtype) for t in tensors])
        for nr, t in enumerate(tensors):
            t.grad_fn, t._output_nr = node, nr
    return out


_UNTRACEABLE = (UntraceableError, jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
                jax.errors.TracerIntegerConversionError, jax.errors.TracerArrayConversionError)


# Step programs on XLA:CPU slower than this wait for their inputs before being dispatched (_Program):
# measured, a 24 ms program gains from waiting and 1-5 ms programs lose.
WAIT_ABOVE_S = 0.010


class _Program:
    """One traced step program and how to dispatch it.

    On XLA:CPU a step dispatched while the previous step still runs executes slower when the
    program takes tens of milliseconds (one training loop, steps back to back: MNIST CNN b512
    27.5 vs 23.4-24.4 ms per step, LSTM 43 vs 40.5 ms; the waiting main thread uses no CPU), while
    a ~1 ms program gains from being dispatched early, since the Python side of the next call then
    overlaps the XLA run (autoencoder 0.96 vs 1.15 ms). So the second call of a CPU program (the
    first compiles) is timed synchronously, and programs slower than ``WAIT_ABOVE_S`` wait for their
    inputs from then on. Other backends always dispatch early.
    """

    __slots__ = ("program", "donate", "jitted", "out_tree", "out_info", "calls", "cpu", "wait", "op")

    def __init__(self, program, out_info, cpu, donate):
        self.program, self.out_info, self.donate, self.calls, self.cpu = program, out_info, donate, 0, cpu
        self.jitted = self.op = None
        self.wait = None if cpu else False  # None: not measured yet

    def _compile(self, inputs):
        """Trace once; then jit the traced program donating the state it writes (``donation.py``).

        Which state a step writes is only known from its trace, and ``donate_argnums`` must be fixed
        before one, so the jitted function is the traced jaxpr itself, taking flat arguments: the
        values, then the grads that exist, then the rest."""
        prev, hooks.cpu_hints = hooks.cpu_hints, set()
        try:
            traced = jax.jit(self.program).trace(*inputs)
            hints = hooks.cpu_hints
        finally:
            hooks.cpu_hints = prev
        options = xla_cpu.options_for(traced.jaxpr, hints) if self.cpu else None
        donated = ()
        if self.donate is not False:
            vals, grads = inputs[:2]
            grad_pos, k = {}, len(vals)
            for i, g in enumerate(grads):
                if g is not None:
                    grad_pos[i], k = k, k + 1
            donated = tuple(self.out_info["v_idx"]) + tuple(grad_pos[i] for i in self.out_info["g_idx"]
                                                            if i in grad_pos)
        self.out_tree = jax.tree_util.tree_structure(traced.out_info)
        from jax.extend.core import jaxpr_as_fun  # here: jax.extend pulls in pallas (~0.1 s to import)
        self.jitted = jax.jit(jaxpr_as_fun(traced.jaxpr), donate_argnums=donated,
                              compiler_options=options)

    def __call__(self, inputs, state):
        if self.jitted is None:
            self._compile(inputs)
        if self.donate is None:
            donation.donatable(state, *inputs[:2], self.out_info["v_idx"], self.out_info["g_idx"])
        timing = self.wait is None and self.calls == 1
        if self.wait or timing:
            jax.block_until_ready(inputs[:2])  # the state and grads the previous step produced
        t0 = time.perf_counter()
        outs = self.jitted(*jax.tree_util.tree_leaves(inputs))
        if timing:
            jax.block_until_ready(outs)
            self.wait = time.perf_counter() - t0 > WAIT_ABOVE_S
        self.calls += 1
        return jax.tree_util.tree_unflatten(self.out_tree, outs)


def _is_tensor(x):
    # sparse and nested tensors are pytree nodes (their indices/values tensors are the leaves)
    return isinstance(x, Tensor) and not (getattr(x, "is_sparse", False) or getattr(x, "is_sparse_csr", False)
                                          or getattr(x, "is_nested", False))


def _split(tree):
    """Tensors -> array leaves; everything else is static structure."""
    leaves, treedef = jax.tree_util.tree_flatten(tree, is_leaf=_is_tensor)
    dyn, static = [], []
    for leaf in leaves:
        if isinstance(leaf, Tensor):
            dyn.append(leaf)
            static.append(None)
        else:
            static.append(leaf)
    return dyn, tuple(static), treedef


def _join(treedef, static, dyn):
    it = iter(dyn)
    return jax.tree_util.tree_unflatten(treedef, [next(it) if s is None else s for s in static])


def _onto_mesh(tree, mesh):
    """Arrays not already spread over ``mesh`` become replicated on it (jit needs one device set)."""
    devs = set(mesh.devices.flat)
    rep = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    return jax.tree_util.tree_map(
        lambda a: a if isinstance(a, jax.Array) and a.sharding.device_set == devs else jax.device_put(a, rep), tree)


def _hashable(static):
    try:
        hash(static)
        return static
    except TypeError:
        return tuple(repr(s) for s in static)


_KEY_PARTS = ("the structure of the arguments", "the non-tensor arguments", "the state it reads or writes",
              "which state has a .grad", "the arguments' requires_grad", "the arguments' shapes or dtypes",
              "grad mode", "train/eval mode", "the optimizers' learning-rate slots", "autocast")


def _what_changed(old, new):
    """Which parts of a compiled function's cache key differ (for the ``recompiles`` log)."""
    if old is None or len(old) != len(new):
        return "new inputs"
    return ", ".join(name for name, a, b in zip(_KEY_PARTS, old, new) if a != b) + " changed"


class CompiledFunction:
    """What ``torchlike.compile(fn)`` returns; call it like ``fn``."""

    def __init__(self, fn, fullgraph=False, donate=None):
        self.fn = fn
        self.fullgraph = fullgraph
        self.donate = donate
        self.trace_count = 0
        self._recorded = None
        self._mesh = None
        self._optimizers = []
        self._programs = {}
        self._eager_keys = set()
        self._warned = False
        self._last_key = None
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", "compiled")
        self.__doc__ = getattr(fn, "__doc__", None)

    # -------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        if self._recorded is None:
            out = _relabel_outputs(self._record(args, kwargs))
            if self.fullgraph:  # as torch: untraceable code is reported on the first call, not the second
                key, entry, _state, _arg_tensors, _lr_slots = self._program_for(args, kwargs)
                if key not in self._eager_keys and entry.jitted is None:
                    entry._compile(self._inputs(entry, _state, _arg_tensors, _lr_slots))
            return out
        key, entry, state, arg_tensors, lr_slots = self._program_for(args, kwargs)
        if key in self._eager_keys:
            return self.fn(*args, **kwargs)
        out_info = entry.out_info
        inputs = self._inputs(entry, state, arg_tensors, lr_slots)
        mesh = self._mesh
        try:
            if entry.jitted is None:
                entry._compile(inputs)
                if out_info["uses_rng"]:  # the peeked key is this call's: now consume it
                    _random.default_generator.next_key_data()
            if out_info["differentiable"] and mesh is None and grad_mode.is_grad_enabled() and any(
                    t.requires_grad for t in state + arg_tensors):
                return self._run_differentiable(entry, inputs, state, arg_tensors)
            if mesh is not None:  # a DataParallel/FSDP step: one SPMD program over its mesh (nn.parallel, distributed)
                homes = [t._value.sharding for t in state]
                inputs = _onto_mesh(inputs, mesh)
            with _profile_record.span(f"torchlike.compile: {self.__name__}", "cpu_op") as sp:  # one profiler event
                new_vals, new_grads, out_arrays = sp.done(entry(inputs, state))
            v_idx, g_idx = out_info["v_idx"], out_info["g_idx"]
            if mesh is not None:  # state goes back where it lived (device_ids[0], or its own sharding)
                new_vals = [jax.device_put(v, homes[i]) for i, v in zip(v_idx, new_vals)]
                new_grads = [None if g is None else jax.device_put(g, homes[i]) for i, g in zip(g_idx, new_grads)]
                out_arrays = jax.device_put(out_arrays, mesh.devices.flat[0])
        except _UNTRACEABLE as e:
            if self.fullgraph:
                raise
            self._eager_keys.add(key)
            _logging.emit("graph_breaks", f"Graph break in {self.__name__}: running it eagerly for these inputs: {e}")
            if not self._warned:
                self._warned = True
                warnings.warn(f"torchlike.compile: falling back to eager execution for {self.__name__}: {e}",
                              UserWarning, stacklevel=2)
            return self.fn(*args, **kwargs)
        for i, v in zip(v_idx, new_vals):
            t = state[i]
            t._value = v
            donation.mark_written(t)
            if t._views:
                t._refresh_views()
        for i, g, how, bumps in zip(g_idx, new_grads, out_info["g_how"], out_info["g_bumps"]):
            t = state[i]
            if g is None:
                t._grad = None
            elif how != "new" and t._grad is not None:
                t._grad._write_value(g, bumps)  # as many version bumps as the step's in-place writes
                donation.mark_written(t._grad)
            else:
                t._grad = gt = Tensor._wrap(g)
                donation.mark_written(gt)
        outs = [Tensor._wrap(a) for a in out_arrays]
        if any(out_info["out_grad"]):  # the step ran backward itself: its graph is spent, as torch's
            spent = _SpentGraph([], [(a.shape, a.dtype) for a in out_arrays])
            for nr, (t, had) in enumerate(zip(outs, out_info["out_grad"])):
                if had:
                    t.grad_fn, t._output_nr = spent, nr
        return _join(out_info["tree"], out_info["static"], outs)

    def _run_differentiable(self, entry, inputs, state, arg_tensors):
        """A step that writes no state but returns tensors with a graph (a loss or a model's forward
        as a function) runs as one registered op: its outputs carry ``CompiledFunctionBackward`` and
        their gradients reach the parameters and arguments, as from torch's compiled graphs."""
        out_info = entry.out_info
        if entry.op is None:
            n_state, n_args, program = len(state), len(arg_tensors), entry.program

            def fwd(*arrays, n_lr):
                vals, args = list(arrays[:n_state]), list(arrays[n_state:n_state + n_args])
                lrs, key = list(arrays[n_state + n_args:-1]), arrays[-1]
                return tuple(program(vals, [None] * n_state, args, lrs, key, counted=False)[2])
            entry.op = Op(f"{self.__name__}_compiled", fwd, backward_name="CompiledFunctionBackward")
        lrs, key = inputs[3], inputs[4]
        res = apply(entry.op, *state, *arg_tensors, *lrs, key, n_lr=len(lrs))
        return _join(out_info["tree"], out_info["static"], list(res))

    def _program_for(self, args, kwargs):
        """(cache key, program, state, tensor arguments, lr slots) for a call with these arguments."""
        reach = reachable(self.fn, args, kwargs)
        modules = [m for m in reach if not hasattr(m, "param_groups")]
        optimizers = unique(self._optimizers + [o for o in reach if hasattr(o, "param_groups")])
        mod_tensors, training = module_state(modules)
        state = unique([t for t in (r() for r in self._recorded) if t is not None]
                       + mod_tensors + optimizer_tensors(optimizers))
        arg_tensors, static, treedef = _split((args, kwargs))
        lr_slots = [(g, k) for o in optimizers for g in o.param_groups for k in ("lr",)
                    if isinstance(g.get(k), (int, float)) and not isinstance(g.get(k), bool)]
        key = (treedef, _hashable(static), tuple(id(t) for t in state), tuple(t._grad is not None for t in state),
               tuple(t.requires_grad for t in arg_tensors),
               tuple((t._value.shape, t._value.dtype) for t in arg_tensors),
               grad_mode.is_grad_enabled(), training, len(lr_slots), _intercept.autocast_key)
        entry = self._programs.get(key)
        if entry is None and key not in self._eager_keys:
            if self._programs:
                _logging.emit("recompiles", f"Recompiling function {self.__name__}: {_what_changed(self._last_key, key)}")
            entry = self._programs[key] = self._build(state, arg_tensors, static, treedef, lr_slots)
        self._last_key = key
        return key, entry, state, arg_tensors, lr_slots

    def _inputs(self, entry, state, arg_tensors, lr_slots):
        """The program's inputs: state values and grads, tensor arguments, learning rates, random key."""
        return ([t._value for t in state], [None if t._grad is None else t._grad._value for t in state],
                [t._value for t in arg_tensors],
                [np.asarray(g[k], np.float64 if jax.config.jax_enable_x64 else np.float32) for g, k in lr_slots],
                self._key_data(_random.default_generator, entry.out_info.get("uses_rng")))

    _unused_key = None

    def _key_data(self, gen, uses_rng):
        """The program's key input: peeked before its first trace (consumed only if the trace drew
        random numbers), drawn when it is random, zeros when it is not."""
        if uses_rng is None:
            return gen.peek_key_data()
        if uses_rng:
            return gen.next_key_data()
        if self._unused_key is None:
            self._unused_key = _random.Generator.unused_key_data()
        return self._unused_key

    def _record(self, args, kwargs):
        rec = Recorder()
        prev = hooks.recorder
        hooks.recorder = rec
        try:
            out = self.fn(*args, **kwargs)
        finally:
            hooks.recorder = prev
        arg_ids = {id(t) for t in _split((args, kwargs))[0]}
        alive = [t for t in rec.alive() if id(t) not in arg_ids]
        import weakref
        self._recorded = [weakref.ref(t) for t in alive]
        self._optimizers = list(rec.optimizers)
        self._mesh = getattr(rec, "mesh", None)
        return out

    # -------------------------------------------------------------- tracing
    def _build(self, state, arg_tensors, static, treedef, lr_slots):
        arg_flags = [(t.requires_grad, type(t)) for t in arg_tensors]  # non-leaf arguments too
        this = self
        out_info = {}

        def program(vals, grads, arg_vals, lrs, key, counted=True):
            this.trace_count += counted  # the differentiable twin of a traced program is not a retrace
            saved_lrs = [g[k] for g, k in lr_slots]
            try:
                with hooks.tracing(state, vals, key, [None if g is None else Tensor._wrap(g) for g in grads]):
                    start_grads = [t._grad for t in state]
                    for (g, k), v in zip(lr_slots, lrs):
                        g[k] = v
                    targs = []
                    for v, (rg, cls) in zip(arg_vals, arg_flags):
                        t = Tensor._wrap(v)
                        if rg:
                            t._requires_grad = True
                        targs.append(t)
                    a, kw = _join(treedef, static, targs)
                    out = this.fn(*a, **kw)
                    out_info["uses_rng"] = hooks.rng.count > 0
                    out_t, out_static, out_tree = _split(out)
                    out_info["tree"], out_info["static"] = out_tree, out_static
                    new_vals = [t._value for t in state]
                    new_grads = [None if t._grad is None else t._grad._value for t in state]
                    if this.donate is True:  # donated inputs are gone: everything comes back (aliased, no copy)
                        v_idx = g_idx = range(len(state))
                    else:  # state the step left alone is not an output (each output is a copy and a buffer to create)
                        v_idx = [i for i, (n, o) in enumerate(zip(new_vals, vals)) if n is not o]
                        g_idx = [i for i, (n, o) in enumerate(zip(new_grads, grads)) if n is not o]
                    out_info["v_idx"], out_info["g_idx"] = tuple(v_idx), tuple(g_idx)
                    # outputs that had a graph in the trace; a step that writes no state is differentiable
                    out_info["out_grad"] = tuple(t.grad_fn is not None for t in out_t)
                    out_info["differentiable"] = not v_idx and not g_idx and any(out_info["out_grad"])
                    # how each written grad came about: accumulated into the .grad tensor the step started
                    # with ("add", written back into that same tensor, as eager backward does), a new .grad
                    # ("new", e.g. after zero_grad()), or untouched (an output only because donate=True)
                    out_info["g_how"] = tuple(
                        "same" if new_grads[i] is grads[i] else "add" if state[i]._grad is start_grads[i] else "new"
                        for i in g_idx)
                    out_info["g_bumps"] = tuple(0 if start_grads[i] is None else start_grads[i]._version_box[0]
                                                for i in g_idx)
                    return [new_vals[i] for i in v_idx], [new_grads[i] for i in g_idx], [t._value for t in out_t]
            finally:
                for (g, k), v in zip(lr_slots, saved_lrs):
                    g[k] = v

        # a DataParallel/FSDP step's inputs are placed on the mesh per call (copies of single-device state),
        # which the ownership test of automatic donation does not follow: there only donate=True donates
        donate = False if self.donate is None and self._mesh is not None else self.donate
        return _Program(program, out_info, cpu=all(d.platform == "cpu" for t in state for d in t._value.devices()),
                        donate=donate)
