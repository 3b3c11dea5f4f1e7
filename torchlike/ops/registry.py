"""The op registry: the one way an operation is defined and applied.

An :class:`Op` is a pure function of JAX arrays (``fwd``) plus static attributes, with a
type-promotion policy. :func:`apply` unwraps Tensors, promotes dtypes as torch does, runs a
cached jitted forward (one XLA dispatch per eager op) and, when grad mode is on and an input
requires grad, records an :class:`OpNode` holding the VJP from ``jax.vjp``. An op that needs a
gradient different from the one JAX derives passes ``vjp=(fwd_with_residuals, bwd)``; it is
installed with ``jax.custom_vjp`` so eager, traced and compiled code all use it.

Positional arguments to ``apply`` are the dynamic inputs (Tensors, Python scalars or None);
keyword arguments are static attributes and must be hashable. Static attributes an op names in
``dynamic`` (integer positions: an index, a slice start) are runtime operands instead, so one
compiled program serves every value: they must not change the output's shape.

Compiled programs are cached per op and configuration, at most ``MAX_PROGRAMS`` per op (the oldest
is dropped on insert: no bookkeeping on a hit); JAX bounds its own per-shape caches.
"""
from __future__ import annotations

import sys
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _live_programs as _live
from .. import _strides
from .. import _trace_hooks as _hooks
from .._above import above as _above
from .._tensor import Tensor
from ..autograd.grad_mode import _local as _grad_flags
from ..autograd.graph import OpNode, get_accumulator, zeros_cotangent
from ..autograd.graph import saved_tensors_hooks_stack as _saved_hooks

_weakref = weakref.ref
INEXACT = frozenset(np.dtype(d) for d in (jnp.float16, jnp.bfloat16, np.float32, np.float64, np.complex64,
                                          np.complex128))
_SCALAR_CAT = {bool: 0, int: 1, float: 2, complex: 3}


_node_classes = {}


class Op:
    """A registered operation.

    promote: how inputs are promoted (only the first ``n_promote`` args take part, default all):
      "same"    inputs cast to torch's result_type, output of that dtype (add, mul, where, ...)
      "float"   like "same", but integer/bool results become the default float dtype (exp, div, ...)
      "compare" inputs cast to the result_type, output is whatever fwd returns (bool)
      "none"    no casting; fwd sees the arrays as they are and decides dtypes itself
    """

    def __init__(self, name, fwd, *, promote="none", n_promote=None, vjp=None, backward_name=None,
                 saves=True, saves_result=False, differentiable=True, check=None, dynamic=()):
        self.name = name
        self.dynamic = tuple(dynamic)  # statics passed as int64 operands, not compile-key entries
        self.promote = promote
        self.n_promote = n_promote
        self.saves = saves
        self.check = check  # run when the forward fails, to raise torch's error for the inputs
        self.saves_result = saves_result  # backward reads the output: modifying it in place is an error
        self.differentiable = differentiable
        self.backward_name = backward_name or (_camel(name) + "Backward0")
        # grad_fn's class carries torch's node name (type(y.grad_fn).__name__ == "MulBackward0")
        self.node_class = _node_classes.get(self.backward_name)
        if self.node_class is None:
            self.node_class = _node_classes[self.backward_name] = type(self.backward_name, (OpNode,),
                                                                       {"__slots__": ()})
        self.plain_fwd = fwd  # what forward-mode AD differentiates (see _trace_hooks.forward_mode)
        if vjp is not None:
            fwd = _with_custom_vjp(fwd, *vjp)
        self.fwd = fwd
        self._cache = {}     # compile key -> jitted program
        self._dispatch = {}  # argument signature -> (jitted program, casts, diff_idx): see _apply
        self.layout = _strides.layout_rule(name)  # torch's result strides from the inputs' (lazy)
        Op.instances.add(self)

    instances = weakref.WeakSet()  # every op, so torchlike.compiler.reset() can drop their jit caches

    def __repr__(self):
        return f"<op {self.name}>"

    def __call__(self, *args, **statics):
        return apply(self, *args, **statics)


def _camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.strip("_").split("_"))


def _with_custom_vjp(fwd, fwd_res, bwd):
    import functools

    def make(statics):
        @jax.custom_vjp
        def f(*arrays):
            return fwd(*arrays, **statics)

        f.defvjp(lambda *a: fwd_res(*a, **statics), lambda res, g: bwd(res, g, **statics))
        return f

    cached = functools.lru_cache(maxsize=512)(lambda items: make(dict(items)))

    def wrapped(*arrays, **statics):
        return cached(tuple(sorted(statics.items())))(*arrays)

    return wrapped


def op(name, **kw):
    """Decorator form: ``@op("exp", promote="float")`` over a JAX forward."""
    return lambda fwd: Op(name, fwd, **kw)


# ---------------------------------------------------------------------------------- promotion

_promo_cache = {}


def _promotion(op, args):
    """(casts, out dtype) for these args under the op's policy; casts[i] is a numpy dtype or None."""
    n = len(args) if op.n_promote is None else op.n_promote
    fast = _same_dtype_fast(op, args, n)
    if fast is not None:
        return fast
    key = [op.promote, n, len(args), D._default[0]]  # the default dtype: "float" promotes ints to it
    for a in args[:n]:
        if isinstance(a, Tensor):
            v = a._value
            key.append((v.dtype, v.ndim == 0))
        elif a is None:
            key.append(None)
        else:
            key.append(type(a))
    key = tuple(key)
    hit = _promo_cache.get(key)
    if hit is not None:
        return hit
    dims, zeros, scalars = [], [], []
    for k in key[4:]:
        if k is None:
            continue
        if isinstance(k, tuple):
            (zeros if k[1] else dims).append(D.from_np(k[0]))
        else:
            scalars.append(D.scalar_dtype(k(0)))
    rt = D.result_type_of(dims, zeros, scalars)
    if rt is None:
        hit = ((None,) * len(args), None)
    else:
        if op.promote == "float" and not (rt.is_floating_point or rt.is_complex):
            rt = D.get_default_dtype()
        casts = tuple(rt.np if i < n and k is not None else None for i, k in enumerate(key[4:]))
        casts = casts + (None,) * (len(args) - len(casts))
        hit = (casts, rt)
    _promo_cache[key] = hit
    return hit


def _same_dtype_fast(op, args, n):
    """Promotion without looking at dims: all tensors share one dtype and every Python scalar is of
    a lower or equal category (the common case), so the tensors' dtype is the result."""
    dt = None
    top = -1
    for a in args[:n]:
        if isinstance(a, Tensor):
            d = a._value.dtype
            if dt is None:
                dt = d
            elif d != dt:
                return None
        elif a is not None:
            c = _SCALAR_CAT.get(type(a))
            if c is None:
                return None
            top = max(top, c)
    if dt is None:
        return None
    cat = 0 if dt == np.bool_ else 3 if dt.kind == "c" else 2 if dt in INEXACT else 1
    if top > cat:
        return None
    if op.promote == "float" and cat < 2:
        return None
    casts = tuple(dt if i < n and not isinstance(a, Tensor) and a is not None else None for i, a in enumerate(args))
    return casts, D._BY_NP[dt]


# ---------------------------------------------------------------------------------- apply

def caller(fwd, statics, casts, dynamic=()):
    """``call(*arrays)``: the op's forward on its input arrays, after the promotion ``casts``; with
    ``dynamic`` attribute names, the trailing arrays are those attributes' values (runtime operands)."""
    def call(*arrays):
        if dynamic:  # the trailing operands are the dynamic attributes' values
            n = len(arrays) - len(dynamic)
            arrays, statics_ = arrays[:n], {**statics, **dict(zip(dynamic, arrays[n:]))}
        else:
            statics_ = statics
        if casts is not None:
            arrays = [a if c is None or a is None else jnp.asarray(a, c) for a, c in zip(arrays, casts)]
        return fwd(*arrays, **statics_)
    return call


def of_inputs(call, arrays, idx):
    """``f(*d)``: ``call`` on ``arrays`` with ``arrays[i]`` for ``i`` in ``idx`` replaced by ``d`` — the
    function of the differentiable inputs that ``jax.vjp`` (eager, create_graph) and ``jax.jvp``
    (forward-mode AD) differentiate."""
    def f(*d):
        full = list(arrays)
        for i, v in zip(idx, d):
            full[i] = v
        return call(*full)
    return f


def _build(op, statics, casts, diff_idx):
    call = caller(op.plain_fwd if _hooks.forward_mode else op.fwd, statics, casts, op.dynamic)
    if not diff_idx:
        return jax.jit(call, keep_unused=True)

    def fwd_vjp(*arrays):
        return jax.vjp(of_inputs(call, arrays, diff_idx), *[arrays[i] for i in diff_idx])

    return jax.jit(fwd_vjp, keep_unused=True)


MAX_PROGRAMS = 512  # jitted configurations kept per op


def _jitted(op, statics, casts, diff_idx):
    key = (tuple(sorted(statics.items())) if statics else (), casts, diff_idx, _hooks.forward_mode > 0)
    fn = op._cache.get(key)
    if fn is None:
        cache = op._cache
        if len(cache) >= MAX_PROGRAMS:
            del cache[next(iter(cache))]
        fn = cache[key] = _build(op, statics, casts, diff_idx)
    return fn


def _split_dynamic(op, statics):
    """(statics without the op's dynamic attributes, their values as int64 operands)."""
    rest = dict(statics)
    return rest, tuple(np.asarray(rest.pop(n), np.int64) for n in op.dynamic)


def split_chain(chain):
    """A view chain ((op, statics items), ...) as (compile key, positions): the key leaves out each op's
    ``dynamic`` attributes, whose integer values come back flattened, so code jitted per chain (reading
    or writing a view through its base) compiles once per shape, whatever the positions."""
    key, flat = [], []
    for op, items in chain:
        dyn = getattr(op, "dynamic", ())
        if not dyn:
            key.append((op, items))
            continue
        kept, layout = [], []
        for k, v in items:
            if k not in dyn:
                kept.append((k, v))
            elif isinstance(v, tuple):
                layout.append((k, len(v)))
                flat.extend(v)
            else:
                layout.append((k, None))
                flat.append(v)
        key.append((op, tuple(kept), tuple(layout)))
    return tuple(key), tuple(flat)


def join_chain(key, flat):
    """Inverse of :func:`split_chain`; ``flat`` may be a traced int64 vector."""
    chain, j = [], 0
    for entry in key:
        if len(entry) == 2:
            chain.append(entry)
            continue
        op, kept, layout = entry
        items = dict(kept)
        for k, n in layout:
            if n is None:
                items[k], j = flat[j], j + 1
            else:
                items[k], j = tuple(flat[j + i] for i in range(n)), j + n
        chain.append((op, tuple(sorted(items.items()))))
    return tuple(chain)


# Set by torchlike._intercept while autocast or forward-mode AD is active: called as
# ``interceptor(op, args, statics)`` in place of the plain path; None costs one global read.
interceptor = None
interceptor_beyond_meta = False  # True while autocast, forward AD or the profiler is among its hooks


def apply(op, *args, **statics):
    """Apply ``op`` to Tensors/scalars ``args`` with static attributes; returns Tensor(s)."""
    if interceptor is not None:  # (result strides as below: autocast, forward AD, meta or the profiler)
        out = interceptor(op, args, statics)
    elif op.layout is None:
        return _apply(op, *args, **statics)
    else:
        out = _apply(op, *args, **statics)
    if op.layout is not None:
        op.layout(out, args)
    return out


def _apply(op, *args, **statics):
    # One pass over the arguments gathers the arrays, a dispatch key (each tensor's dtype, each other
    # argument's type) and the differentiable positions; the key maps to (jitted program, casts,
    # differentiable positions) in ``op._dispatch``, so a repeated call does no promotion or key work.
    record = op.differentiable and _grad_flags.enabled
    arrays = []
    sig = []
    diff = []
    first = None
    mixed = False
    i = 0
    for a in args:
        if isinstance(a, Tensor):
            v = a._value
            d = v.dtype
            if first is None:
                first = d
            elif d is not first and d != first:
                mixed = True
            if record and (a._requires_grad or a.grad_fn is not None) and d in INEXACT:
                diff.append(i)
            sig.append(d)
            arrays.append(v)
        else:
            sig.append(type(a))
            arrays.append(a)
        i += 1
    if mixed:  # promotion then depends on which tensors are zero-dim
        sig.append(tuple(a._value.ndim == 0 for a in args if isinstance(a, Tensor)))
    if op.dynamic:
        key_statics, operands = _split_dynamic(op, statics)
    else:
        key_statics, operands = statics, ()
    key = (tuple(sig), tuple(diff), tuple(key_statics.items()) if key_statics else (), _hooks.forward_mode,
           D._default[0])
    hit = op._dispatch.get(key)
    if hit is None:
        hit = _dispatch_entry(op, args, key_statics, key[1])
        table = op._dispatch
        if len(table) >= MAX_PROGRAMS:
            del table[next(iter(table))]
        table[key] = hit
    fn, casts, diff_idx = hit
    made = _live.compiled
    try:
        res = fn(*arrays, *operands)
    except (TypeError, ValueError) as e:
        if op.check is not None:
            op.check(*args)
        raise _translate(op, args, e) from None
    if _live.compiled != made:  # this call compiled: tell the live-program bound which program it was
        _live.note_compiled((op, key, tuple(getattr(a, "shape", None) for a in arrays)))
    if _live.over:  # more compiled programs in memory than the bound: free them (see _live_programs)
        _live.release_if_over(res)
    if _hooks.recorder is not None:
        _hooks.recorder.read(args)
    if not diff_idx:
        res = _wrap_outputs(res)
        if _hooks.recorder is not None:
            _hooks.recorder.made(res)
        return res
    out, vjp = res
    multi = isinstance(out, (tuple, list))
    outs = tuple(out) if multi else (out,)
    edges = []
    versions = []
    for i in diff_idx:
        t = args[i]
        edges.append((t.grad_fn, t._output_nr) if t.grad_fn is not None else (get_accumulator(t), 0))
    if op.saves:
        for a in args:
            if isinstance(a, Tensor):
                versions.append((a._version_box, a._version_box[0], _weakref(a)))
    node = op.node_class(op, statics, vjp, arrays, diff_idx, edges,
                  [(o.shape, o.dtype) for o in outs], versions, multi, casts)
    if _saved_hooks and op.saves:  # torch.autograd.graph.saved_tensors_hooks: inputs kept packed
        pack, unpack = _saved_hooks[-1]
        node.pack_saved([(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)], pack, unpack,
                        lambda arrs: fn(*arrs, *operands)[1])
    wrapped = []
    for nr, o in enumerate(outs):
        t = Tensor._wrap(o)
        if o.dtype in INEXACT:
            t.grad_fn = node
            if nr:
                t._output_nr = nr
            if op.saves_result:
                versions.append((t._version_box, 0, _weakref(t)))
                node.result_refs = (node.result_refs or ()) + (_weakref(t),)
        wrapped.append(t)
    if _hooks.recorder is not None:
        _hooks.recorder.made(tuple(wrapped))
    return tuple(wrapped) if multi else wrapped[0]


def _dispatch_entry(op, args, statics, diff_idx):
    """(jitted program, promotion casts or None, differentiable positions) for a call of ``op`` on
    ``args``; ``diff_idx`` lists the float tensors that require grad (a cast to a non-float dtype, as
    comparisons do, has no gradient)."""
    casts = None
    if op.promote != "none":
        casts, _ = _promotion(op, args)
        if not any(c is not None for c in casts):
            casts = None
    if diff_idx and casts is not None:
        diff_idx = tuple(i for i in diff_idx if casts[i] is None or casts[i] in INEXACT)
    return _jitted(op, statics, casts, diff_idx), casts, diff_idx


def recompute_vjp(node):
    """arrays -> the VJP of ``node``'s op at those inputs, for a node whose saved inputs were packed."""
    statics, operands = _split_dynamic(node.op, node.statics) if node.op.dynamic else (node.statics, ())
    fn = _jitted(node.op, statics, node.casts, node.diff_idx)
    return lambda arrays: fn(*arrays, *operands)[1]


def _wrap_outputs(res):
    if isinstance(res, (tuple, list)):
        return tuple(Tensor._wrap(r) for r in res)
    return Tensor._wrap(res)


def _describe(t):
    return f"torch.{type(t).__name__} [{', '.join(map(str, t.shape))}]"


def _translate(op, args, e):
    """JAX's shape/dtype errors become the RuntimeError torch raises, naming the operands."""
    desc = ", ".join(f"{_describe(a)} {a.dtype}" if isinstance(a, Tensor) else repr(a) for a in args)
    return RuntimeError(f"{op.name}: {e} (inputs: {desc})")


# ---------------------------------------------------------------------------------- create_graph

_backward_ops = {}


def _backward_op(node):
    """A recordable op that computes ``node``'s input gradients from (inputs..., cotangents...)."""
    key = (node.op, node.diff_idx, len(node.out_meta), node.multi)
    bop = _backward_ops.get(key)
    if bop is not None:
        return bop
    fwd_op, diff_idx, n_in_multi = node.op, node.diff_idx, node.multi

    def fwd(*arrays, n_in, statics, casts):
        inputs, cts = list(arrays[:n_in]), arrays[n_in:]
        f = of_inputs(caller(fwd_op.fwd, dict(statics), casts), inputs, diff_idx)
        _, vjp = jax.vjp(f, *[inputs[i] for i in diff_idx])
        return tuple(vjp(tuple(cts) if n_in_multi else cts[0]))

    bop = Op(fwd_op.name + "_backward", fwd, backward_name=fwd_op.backward_name.replace("Backward", "BackwardBackward"))
    _backward_ops[key] = bop
    return bop


def apply_backward_recorded(node, grads):
    """Run ``node``'s backward as a recorded op on Tensors (``create_graph=True``)."""
    inputs = []
    for k, a in enumerate(node.saved):
        if k in node.diff_idx:
            e = node.edges[node.diff_idx.index(k)]
            t = Tensor._wrap(a)
            if type(e[0]).__name__ == "AccumulateGrad":
                t = e[0].variable  # the leaf itself, so gradients reach it
            else:
                t.grad_fn, t._output_nr = e
            inputs.append(t)
        else:
            inputs.append(a)
    cts = []
    for g, (shape, dt) in zip(grads, node.out_meta):
        if g is None or not jnp.issubdtype(dt, jnp.inexact):
            cts.append(Tensor._wrap(zeros_cotangent(shape, dt)) if jnp.issubdtype(dt, jnp.inexact) else
                       zeros_cotangent(shape, dt))
        else:
            cts.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    casts = node.casts
    res = apply(_backward_op(node), *inputs, *cts, n_in=len(inputs),
                statics=tuple(sorted(node.statics.items())), casts=casts)
    return list(res) if isinstance(res, tuple) else [res]


_above.apply = apply  # Tensor re-derives views with it
_above.view_chain = sys.modules[__name__]  # Tensor reads views through split_chain/join_chain/MAX_PROGRAMS
_above.apply_backward_recorded, _above.recompute_vjp = apply_backward_recorded, recompute_vjp  # autograd.graph
