"""torch.autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp over torchlike autograd.

Each runs the function on detached copies of the inputs that require grad and differentiates with
``autograd.grad``; ``jvp`` and ``hvp`` use the double-backward trick torch uses (a backward pass
recorded with ``create_graph=True`` and differentiated again). Results are detached unless
``create_graph=True``; gradients of outputs that do not depend on an input are zeros
(``strict=True`` raises instead), and results come back as a Tensor or tuples exactly as torch's
(tuple-ness follows whether inputs/outputs were given as tuples).
"""
from __future__ import annotations

from .engine import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg_name, fn_name):
    from .._tensor import Tensor
    is_tuple = isinstance(x, tuple)
    t = x if is_tuple else (x,)
    for i, el in enumerate(t):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                                f"but the value at index {i} has type {type(el)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the given {arg_name} has type {type(el)}.")
    return is_tuple, t


def _prep(inputs, create_graph):
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _post(xs, create_graph):
    return tuple(x if x is None or create_graph else x.detach() for x in xs)


def _tuple_post(res, flags):
    if not isinstance(flags, tuple):
        return res if flags else res[0]
    outer, inner = flags
    if not outer:
        res = res[0]
    if not inner:
        res = tuple(r[0] for r in res) if outer else res[0]
    return res


def _autograd(outputs, inputs, grad_outputs, create_graph, strict, what):
    from ..ops.creation import zeros_like
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad or o.grad_fn is not None]
    if not pairs:
        grads = (None,) * len(inputs)
    else:
        grads = _grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                      create_graph=create_graph, allow_unused=True)
    res = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                                   f"not allowed in strict mode{what}.")
            g = zeros_like(x)
        res.append(g)
    return tuple(res)


def _check_v(v, outputs, fn_name, arg):
    for i, (vi, o) in enumerate(zip(v, outputs)):
        if tuple(vi.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in size for {arg} of the user-provided function at index {i}: the provided "
                               f"v has size {list(vi.shape)} but {arg} has size {list(o.shape)}")
    if len(v) != len(outputs):
        raise RuntimeError("The given v should contain a single Tensor." if len(outputs) == 1 else
                           f"v has {len(v)} elements but {fn_name} expects {len(outputs)}")


def _v_or_ones(v, against, fn_name, arg, none_msg):
    """``v`` as a checked tuple matching ``against``; when None, ones for a single one-element tensor."""
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        _check_v(v, against, fn_name, arg)
        return v
    if len(against) != 1 or against[0].numel() != 1:
        raise RuntimeError(none_msg)
    from ..ops.creation import ones_like
    return (ones_like(against[0]),)


_V_NONE_OUTPUTS = ("The vector v can only be None if the user-provided function returns a single Tensor with a "
                   "single element.")
_V_NONE_INPUTS = ("The vector v can only be None if the input to the user-provided function is a single Tensor "
                  "with a single element.")


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J) for the Jacobian J of func at inputs."""
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prep(inputs, create_graph)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        v = _v_or_ones(v, outputs, "vjp", "outputs", _V_NONE_OUTPUTS)
        grads = _autograd(outputs, inputs, v, create_graph, strict, "")
    return (_tuple_post(_post(outputs, create_graph), is_out_tuple),
            _tuple_post(_post(grads, create_graph), is_in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), J v) by differentiating the vjp with respect to its cotangent."""
    from ..ops.creation import zeros_like
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prep(inputs, create_graph)
        v = _v_or_ones(v, inputs, "jvp", "inputs", _V_NONE_INPUTS)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        u = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        g = _autograd(outputs, inputs, u, True, strict, "")
        pairs = [(gi, vi) for gi, vi in zip(g, v) if gi.requires_grad or gi.grad_fn is not None]
        if pairs:
            res = _grad([p for p, _ in pairs], u, [q for _, q in pairs], create_graph=create_graph,
                        allow_unused=True)
        else:
            res = (None,) * len(u)
        res = tuple(zeros_like(o) if r is None else r for r, o in zip(res, outputs))
    return (_tuple_post(_post(outputs, create_graph), is_out_tuple),
            _tuple_post(_post(res, create_graph), is_out_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian: for output i and input j a tensor of shape out_i.shape + in_j.shape."""
    from ..ops.creation import zeros_like
    from ..ops.shape import stack
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
                         'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, '
                         'prefer to use "reverse-mode".')
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prep(inputs, create_graph)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        jac = []
        for out in outputs:
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for k in range(flat.numel()):
                if out.requires_grad or out.grad_fn is not None:
                    gs = _grad(flat[k], inputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(inputs)
                for j, (g, x) in enumerate(zip(gs, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {len(jac)} of the user-provided function is independent of "
                                               f"input {j}. This is not allowed in strict mode.")
                        g = zeros_like(x)
                    rows[j].append(g)
            per_input = []
            for j, x in enumerate(inputs):
                if rows[j]:
                    J = stack(rows[j]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    J = zeros_like(x).reshape((0,) + tuple(x.shape)).reshape(tuple(out.shape) + tuple(x.shape))
                per_input.append(J if create_graph else J.detach())
            jac.append(tuple(per_input))
    return _tuple_post(tuple(jac), (is_out_tuple, is_in_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: shape in_i.shape + in_j.shape per input pair."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def ensure_single_output(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_out_tuple or len(t_out) != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if t_out[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return t_out[0].squeeze()

    def jac_func(*inp):
        return jacobian(ensure_single_output, inp, create_graph=True)

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict)
    return _tuple_post(res, (is_in_tuple, is_in_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T H) for a scalar function."""
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _prep(inputs, create_graph)
        v = _v_or_ones(v, inputs, "vhp", "inputs", _V_NONE_INPUTS)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vhp")
        if is_out_tuple or len(outputs) != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to vhp should contain a single element")
        from ..ops.creation import ones_like
        jac = _autograd(outputs, inputs, (ones_like(outputs[0]),), True, strict, "")
        res = _autograd(jac, inputs, v, create_graph, strict, "")
    return _post(outputs, create_graph)[0], _tuple_post(_post(res, create_graph), is_in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), H v); the Hessian of a twice-differentiable function is symmetric, so H v = (v^T H)^T."""
    return vhp(func, inputs, v, create_graph, strict)
