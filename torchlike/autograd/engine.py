"""The backward pass: a topological walk of the recorded graph (torch's engine, single-threaded).

``run_backward`` serves both ``Tensor.backward`` (gradients accumulate into leaves' ``.grad``) and
``autograd.grad`` (gradients for the given inputs are returned instead). Gradients travel as JAX
arrays, or as Tensors when ``create_graph=True`` so the backward pass is itself recorded.
"""
from __future__ import annotations

import heapq

import jax
import jax.numpy as jnp

from .. import _profile_record
from . import anomaly_mode
from .graph import AccumulateGrad, accumulate_grad, get_accumulator
from .grad_mode import set_grad_enabled


def _edge_of(t):
    """(node, output_nr) where a tensor's gradient enters the graph."""
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if t.requires_grad:
        return get_accumulator(t), 0
    return None


_add_arrays = jax.jit(jnp.add)  # the C++ fast path: ``a + b`` on jax arrays is a slow Python dispatch


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, _Tensor()) or isinstance(b, _Tensor()):  # create_graph: a recorded add
        return a + b
    return _add_arrays(a, b)


def _Tensor():
    from .._tensor import Tensor
    global _Tensor
    _Tensor = lambda: Tensor  # noqa: E731  (imported once, on first use: _tensor imports autograd)
    return Tensor


_ONES = {}  # (shape, dtype) -> ones: the implicit gradient of a scalar output


def _ones(shape, dtype):
    key = (tuple(shape), dtype)
    g = _ONES.get(key)
    if g is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        g = _ONES[key] = jnp.ones(key[0], dtype)
    return g


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None, allow_unused=False,
                 accumulate=True):
    from .._tensor import Tensor

    roots = []
    for t, g in zip(tensors, grad_tensors):
        edge = _edge_of(t)
        if edge is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = _ones(t._value.shape, t._value.dtype)
        elif isinstance(g, Tensor):
            if tuple(g.shape) != tuple(t.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(g.shape)} "
                                   f"and output[0] has a shape of {tuple(t.shape)}.")
            g = g if create_graph else g._value
        else:
            g = jnp.asarray(g, t._value.dtype)
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        roots.append((edge, g))

    # targets for autograd.grad: capture the gradient arriving at these (node, output_nr) slots
    capture = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            edge = _edge_of(t)
            if edge is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(edge, []).append(i)

    # discover the graph and count, per node, how many edges point at it
    deps = {}
    stack = [e[0] for e, _ in roots]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for e in node.edges:
            if e is None:
                continue
            nxt = e[0]
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)

    needed = None
    if inputs is not None:
        needed = _needed_nodes(seen, {e[0] for e in capture})

    buffers = {}
    for (node, nr), g in roots:
        buf = buffers.setdefault(node, [None] * len(node.out_meta))
        buf[nr] = _add(buf[nr], g)

    results = [None] * (len(inputs) if inputs is not None else 0)
    ready = [(-n.seq, id(n), n) for n in {e[0] for e, _ in roots} if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    with set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or [None] * len(node.out_meta)
            grads = _run_pre_hooks(node, grads)
            if capture:
                for nr, g in enumerate(grads):
                    for i in capture.get((node, nr), ()):
                        results[i] = g
            run = (needed is None or node in needed) and not (isinstance(node, AccumulateGrad) and not accumulate)
            if run and any(g is not None for g in grads):
                if _profile_record.recorder is None:
                    in_grads = node.apply(grads, create_graph)
                else:  # torch's name for the engine running a node
                    with _profile_record.span(f"autograd::engine::evaluate_function: {node.name()}", "cpu_op") as sp:
                        in_grads = sp.done(node.apply(grads, create_graph))
                if anomaly_mode.enabled:
                    anomaly_mode.check(node, in_grads)
                if node.hooks:
                    for h in list(node.hooks.values()):
                        r = h(_as_tensors(in_grads), _as_tensors(grads))
                        if r is not None:
                            in_grads = [x._value if isinstance(x, Tensor) and not create_graph else x for x in r]
            else:
                in_grads = [None] * len(node.edges)
            if not retain_graph:
                node.release()
            for e, g in zip(node.edges, in_grads):
                if e is None:
                    continue
                nxt, nr = e
                if g is not None:
                    buf = buffers.setdefault(nxt, [None] * len(nxt.out_meta))
                    buf[nr] = _add(buf[nr], g)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    heapq.heappush(ready, (-nxt.seq, id(nxt), nxt))

    if inputs is None:
        return None
    out = []
    for i, g in enumerate(results):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            out.append(None)
        else:
            out.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    return tuple(out)


def _as_tensors(grads):
    from .._tensor import Tensor
    return tuple(g if g is None or isinstance(g, Tensor) else Tensor._wrap(g) for g in grads)


def _run_pre_hooks(node, grads):
    if not node.pre_hooks and not node.retained:
        return grads
    from .._tensor import Tensor
    if node.pre_hooks:
        for nr, hooks in node.pre_hooks.items():
            for h in list(hooks.values()):
                if grads[nr] is None:
                    continue
                is_t = isinstance(grads[nr], Tensor)
                r = h(grads[nr] if is_t else Tensor._wrap(grads[nr]))
                if r is not None:
                    grads[nr] = r if is_t else r._value
    if node.retained:
        for nr, ref in node.retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr]
                g = Tensor._wrap(g._value if isinstance(g, Tensor) else g)
                t._grad = g if t._grad is None else Tensor._wrap(t._grad._value + g._value)
    return grads


def _needed_nodes(nodes, targets):
    """Nodes from which some target node is reachable (only those need to run for autograd.grad)."""
    needed = set()
    state = {}
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter([e[0] for e in root.edges if e is not None]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[node] = 2
                if node in targets or any(e is not None and e[0] in needed for e in node.edges):
                    needed.add(node)
                continue
            if nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter([e[0] for e in nxt.edges if e is not None])))
    return needed


def _seq(x):
    from .._tensor import Tensor
    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward)."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True,
                           accumulate=False)
        for t, g in zip(inputs, res):
            if g is not None:
                accumulate_grad(t, g, create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    # sparse inputs carry their autograd in their values tensor; their gradients come back in their layout
    through = [hasattr(i, "_grad_of_values") for i in inputs]
    targets = [i._vals if t else i for i, t in zip(inputs, through)]
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=targets, allow_unused=allow_unused,
                       accumulate=False)
    res = tuple(i._grad_of_values(g) if t and g is not None else g for i, t, g in zip(inputs, through, res))
    if materialize_grads:
        from .._above import above
        res = tuple(above.zeros(i.shape, dtype=i.dtype, device=i.device) if g is None else g
                    for i, g in zip(inputs, res))
    return res
