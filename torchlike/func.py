"""torch.func on JAX transforms: functional_call, grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian, vmap, stack_module_state.

Each transform turns the user's Tensor function into a function of JAX arrays (Tensors are
wrapped around the transform's tracers, and the result unwrapped), applies the matching JAX
transform, and wraps the result back into Tensors. Arguments may be pytrees (dicts, tuples) of
Tensors, as torch.func allows; signatures follow torch.func.
"""
from __future__ import annotations

import contextlib

import jax
import numpy as np

from . import _trace_hooks as _hooks
from ._tensor import Tensor
from .autograd import grad_mode

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "stack_module_state"]


def _is_t(x):
    return isinstance(x, Tensor)


def _unwrap(tree):
    return jax.tree_util.tree_map(lambda t: t._value if isinstance(t, Tensor) else t, tree, is_leaf=_is_t)


def _wrap(tree):
    # np.ndarray: a host-backed tensor (a CPU host view such as ``x[0]``) that a transform passed
    # through untouched (``vmap``'s ``in_dims=None``) comes back as its numpy value
    return jax.tree_util.tree_map(lambda a: Tensor._wrap(a) if isinstance(a, (jax.Array, jax.core.Tracer, np.ndarray))
                                  else a, tree)


def _array_fn(func, kwargs=None):
    """func on Tensors -> function on arrays (run without recording a tape: JAX differentiates).

    JAX hands ``f`` its arguments with dict keys sorted; set ``f.args`` to the caller's arguments and
    ``func`` sees them in their own order again. The last output is kept in ``f.out``, the reference
    for putting results in order (:func:`_in_order`)."""
    def f(*arrays):
        with grad_mode.no_grad():
            out = func(*_in_order(_wrap(arrays), f.args), **(kwargs or {}))
        f.out = out
        return _unwrap(out)
    f.args = f.out = None
    return f


def _in_order(result, ref, leaf_ref=None):
    """``result`` with its dicts' keys in the order of ``ref``'s (insertion order, as torch's pytrees
    keep it; JAX's pytrees sort dict keys). Where ``ref`` has a leaf and ``result`` a container (a
    Jacobian: output structure over input structure), the container follows ``leaf_ref``."""
    if isinstance(ref, dict) and isinstance(result, dict) and set(ref) == set(result):
        return {k: _in_order(result[k], ref[k], leaf_ref) for k in ref}
    if isinstance(ref, (list, tuple)) and isinstance(result, (list, tuple)) and len(ref) == len(result):
        return type(result)(_in_order(r, f, leaf_ref) for r, f in zip(result, ref))
    if leaf_ref is not None and isinstance(result, (dict, list, tuple)):
        return _in_order(result, leaf_ref, leaf_ref)
    return result


def _picked(args, argnums):
    return args[argnums] if isinstance(argnums, int) else tuple(args[i] for i in argnums)


# ------------------------------------------------------------------ functional_call
@contextlib.contextmanager
def _swapped(module, tensors, strict=False):
    from .nn.modules.module import Module  # noqa: F401
    saved = []
    try:
        for name, value in tensors.items():
            owner_path, _, attr = name.rpartition(".")
            owner = module.get_submodule(owner_path) if owner_path else module
            if attr in owner._parameters:
                saved.append((owner._parameters, attr, owner._parameters[attr]))
                owner._parameters[attr] = value
            elif attr in owner._buffers:
                saved.append((owner._buffers, attr, owner._buffers[attr]))
                owner._buffers[attr] = value
            elif strict:
                raise RuntimeError(f"Unexpected key(s): '{name}'.")
            else:
                saved.append((owner.__dict__, attr, owner.__dict__.get(attr)))
                owner.__dict__[attr] = value
        yield
    finally:
        for d, k, v in reversed(saved):
            d[k] = v


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module`` with its parameters/buffers replaced by the given tensors (by dotted name)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged = {}
        for d in dicts:
            dup = set(merged) & set(d)
            if dup:
                raise ValueError(f"{sorted(dup)} appeared in multiple dictionaries; behavior of functional call "
                                 "is ambiguous")
            merged.update(d)
        dicts = merged
    if not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, dict(dicts), strict):
        return module(*args, **(kwargs or {}))


# ------------------------------------------------------------------ transforms


def grad_and_value(func, argnums=0, has_aux=False):
    """Returns a function computing (gradients w.r.t. ``argnums``, value) of a scalar-valued ``func``."""
    def wrapper(*args, **kwargs):
        f = _array_fn(func, kwargs)
        f.args = args
        if has_aux:
            def fa(*a):
                out, aux = f(*a)
                return out, aux
            (value, aux), g = jax.value_and_grad(fa, argnums, has_aux=True)(*_unwrap(args))
            return (_in_order(_wrap(g), _picked(args, argnums)),
                    (_wrap(value), _in_order(_wrap(aux), f.out[1])))
        value, g = jax.value_and_grad(f, argnums)(*_unwrap(args))
        return _in_order(_wrap(g), _picked(args, argnums)), _wrap(value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """Returns a function computing gradients of a scalar-valued ``func`` w.r.t. ``argnums``."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, v = gv(*args, **kwargs)
        return (g, v[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(output, vjp_fn[, aux]) with ``vjp_fn(cotangents)`` returning one gradient per primal."""
    f = _array_fn(func)
    f.args = primals
    if has_aux:
        out, pull, aux = jax.vjp(f, *_unwrap(primals), has_aux=True)
    else:
        out, pull = jax.vjp(f, *_unwrap(primals))

    ref = f.out

    def vjp_fn(*cts):
        ct = cts[0] if len(cts) == 1 else cts
        return _in_order(_wrap(pull(_unwrap(ct))), primals)
    out = _wrap(out)
    if has_aux:
        return _in_order(out, ref[0]), vjp_fn, _in_order(_wrap(aux), ref[1])
    return _in_order(out, ref), vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(output, jvp_out) of ``func`` at ``primals`` along ``tangents`` (forward mode)."""
    f = _array_fn(func)
    f.args = tuple(primals)
    with _hooks.forward_mode_tracing():
        if has_aux:
            out, t, aux = jax.jvp(f, tuple(_unwrap(primals)), tuple(_unwrap(tangents)), has_aux=True)
            ref = f.out
            return _in_order(_wrap(out), ref[0]), _in_order(_wrap(t), ref[0]), _in_order(_wrap(aux), ref[1])
        out, t = jax.jvp(f, tuple(_unwrap(primals)), tuple(_unwrap(tangents)))
    return _in_order(_wrap(out), f.out), _in_order(_wrap(t), f.out)


def _jac(jax_jac, func, argnums, has_aux, forward=False):
    def wrapper(*args, **kwargs):
        f = _array_fn(func, kwargs)
        f.args = args
        with _hooks.forward_mode_tracing() if forward else contextlib.nullcontext():
            r = jax_jac(f, argnums=argnums, has_aux=has_aux)(*_unwrap(args))
        wrt = _picked(args, argnums)
        if has_aux:
            return _in_order(_wrap(r[0]), f.out[0], wrt), _in_order(_wrap(r[1]), f.out[1])
        return _in_order(_wrap(r), f.out, wrt)
    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """Jacobian by reverse mode."""
    return _jac(jax.jacrev, func, argnums, has_aux)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """Jacobian by forward mode."""
    return _jac(jax.jacfwd, func, argnums, has_aux, forward=True)


def hessian(func, argnums=0):
    """Hessian (forward-over-reverse, as torch.func.hessian)."""
    return _jac(lambda f, argnums, has_aux: jax.jacfwd(jax.jacrev(f, argnums=argnums), argnums=argnums),
                func, argnums, False, forward=True)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorise ``func`` over ``in_dims`` of its (pytree) arguments; ``None`` means not batched.

    ``randomness`` is accepted; random draws inside use one key for the whole batch ('same')."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")

    def wrapper(*args, **kwargs):
        f = _array_fn(func, kwargs)
        f.args = args
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(func, in_dims=...)(<inputs>): in_dims is not compatible with the structure of "
                             f"`inputs`. in_dims has structure {in_dims} but inputs has {len(args)} arguments")
        vf = jax.vmap(f, in_axes=dims, out_axes=out_dims)
        recorded = _recorded(vf, args)
        if recorded is not None:
            return _in_order(recorded, f.out)
        return _in_order(_wrap(vf(*_unwrap(args))), f.out)
    return wrapper


def _recorded(fn, args):
    """``fn`` (arrays -> arrays) applied to ``args`` as one autograd-recorded op when grad mode is on and
    a Tensor argument requires grad, as torch records ops run under ``vmap`` (the ensembling tutorial's
    ``vmap(fmodel)(params, ...)`` output has a ``grad_fn``); its backward is the VJP of the whole call.
    None where nothing needs recording or an output is not floating (then ``fn`` runs plainly)."""
    if not grad_mode.is_grad_enabled():
        return None
    leaves, treedef = jax.tree_util.tree_flatten(args, is_leaf=_is_t)
    idx = [i for i, a in enumerate(leaves) if isinstance(a, Tensor) and a.requires_grad
           and not isinstance(a._value, jax.core.Tracer)]
    if not idx:
        return None
    import jax.numpy as jnp
    from .autograd.function import Function
    values = [a._value if isinstance(a, Tensor) else a for a in leaves]

    def of_diff(*diff):
        v = list(values)
        for i, a in zip(idx, diff):
            v[i] = a
        return fn(*jax.tree_util.tree_unflatten(treedef, v))

    out, vjp = jax.vjp(of_diff, *[values[i] for i in idx])
    outs, out_tree = jax.tree_util.tree_flatten(out)
    if not outs or not all(jnp.issubdtype(o.dtype, jnp.inexact) for o in outs):
        return None

    class Vmap(Function):  # its node prints as VmapBackward
        @staticmethod
        def forward(ctx, *tensors):
            return tuple(Tensor._wrap(o) for o in outs)

        @staticmethod
        def backward(ctx, *grads):
            cts = [jnp.zeros(o.shape, o.dtype) if g is None else g._value.astype(o.dtype) for g, o in zip(grads, outs)]
            return tuple(Tensor._wrap(r) for r in vjp(jax.tree_util.tree_unflatten(out_tree, cts)))

    results = Vmap.apply(*[leaves[i] for i in idx])
    results = results if isinstance(results, tuple) else (results,)
    return jax.tree_util.tree_unflatten(out_tree, list(results))


def stack_module_state(models):
    """(params, buffers): dicts name -> tensors stacked along a new leading dim over ``models``."""
    from .ops.shape import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = {k: stack([dict(m.named_parameters())[k].detach() for m in models]).requires_grad_()
              for k, _ in models[0].named_parameters()}
    buffers = {k: stack([dict(m.named_buffers())[k] for m in models]) for k, _ in models[0].named_buffers()}
    return params, buffers
