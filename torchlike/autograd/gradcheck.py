"""torch.autograd.gradcheck / gradgradcheck: analytical gradients against central differences.

For every input that requires grad and every output, the Jacobian from autograd (one backward per
output element) is compared with ``(f(x + eps) - f(x - eps)) / (2 eps)`` computed element by
element in the inputs' precision (use float64, as torch warns). A mismatch raises
``GradcheckError`` (a RuntimeError) with torch's "Jacobian mismatch for output i with respect to
input j" message, or returns False with ``raise_exception=False``.
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when the check fails."""


def _tensors(x):
    from .._tensor import Tensor
    return [x] if isinstance(x, Tensor) else [t for t in x if isinstance(t, Tensor)] if isinstance(x, (list, tuple)) \
        else []


def _outputs(func, inputs):
    from .._tensor import Tensor
    out = func(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _numerical(func, inputs, idx, eps):
    """Per output: an (n_in_elements, n_out_elements) numpy Jacobian for input ``idx``."""
    from .._tensor import Tensor
    x = inputs[idx]
    base = np.array(x.detach().numpy(), copy=True)
    flat = base.reshape(-1)
    cols = None
    for k in range(flat.size):
        vals = []
        for sign in (1, -1):
            pert = flat.copy()
            pert[k] = pert[k] + sign * eps
            args = list(inputs)
            # the perturbed input keeps requires_grad: func may differentiate (gradgradcheck)
            args[idx] = Tensor._wrap(_as_jax(pert, base)).requires_grad_(x.requires_grad)
            vals.append([np.asarray(o.detach().numpy(), dtype=np.complex128 if o.is_complex() else np.float64)
                         .reshape(-1) for o in _outputs(func, args)])
        col = [(a - b) / (2 * eps) for a, b in zip(*vals)]
        if cols is None:
            cols = [[] for _ in col]
        for c, v in zip(cols, col):
            c.append(v)
    return [np.stack(c) if c else np.zeros((0, 0)) for c in (cols or [])]


def _as_jax(flat, base):
    import jax.numpy as jnp
    return jnp.asarray(flat.reshape(base.shape), dtype=base.dtype)


def _analytical(outputs, inputs, idx):
    from .engine import grad
    res = []
    for o in outputs:
        flat = o.reshape(-1)
        n_out = flat.numel()
        J = np.zeros((inputs[idx].numel(), n_out))
        if o.requires_grad or o.grad_fn is not None:
            for k in range(n_out):
                g = grad(flat[k], [inputs[idx]], retain_graph=True, allow_unused=True)[0]
                if g is not None:
                    J[:, k] = np.asarray(g.detach().numpy(), dtype=np.float64).reshape(-1)
        res.append(J)
    return res


def _fmt(a):
    from .._tensor import Tensor
    import jax.numpy as jnp
    return repr(Tensor._wrap(jnp.asarray(a)))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True when autograd's gradients of ``func`` at ``inputs`` match finite differences."""
    from .._tensor import Tensor
    tupled = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    diff = [i for i, t in enumerate(tupled) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff:
        t = tupled[i]
        if t.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ")
    from .grad_mode import enable_grad
    with enable_grad():
        outputs = _outputs(func, tupled)
    if not check_backward_ad:
        return True
    for j in diff:
        numerical = _numerical(func, tupled, j, eps)
        with enable_grad():
            analytical = _analytical(outputs, tupled, j)
        for i, (a, n) in enumerate(zip(analytical, numerical)):
            if a.shape != n.shape or not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(f"Jacobian mismatch for output {i} with respect to input {j},\n"
                                     f"numerical:{_fmt(n)}\nanalytical:{_fmt(a)}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the function's backward (second derivatives), with random ``grad_outputs``."""
    from .._tensor import Tensor
    from .engine import grad
    from .grad_mode import enable_grad
    tupled = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    if grad_outputs is None:
        with enable_grad():
            outs = _outputs(func, tupled)
        rng = np.random.default_rng(0)
        import jax.numpy as jnp
        grad_outputs = tuple(Tensor._wrap(jnp.asarray(rng.uniform(-1, 1, tuple(o.shape)), o._value.dtype))
                             .requires_grad_(True) for o in outs)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else (grad_outputs,)
    n_in = len(tupled)
    diff = [i for i, t in enumerate(tupled) if isinstance(t, Tensor) and t.requires_grad]

    def new_func(*args):
        xs, gos = args[:n_in], args[n_in:]
        outs = _outputs(func, xs)
        pairs = [(o, g) for o, g in zip(outs, gos) if o.requires_grad or o.grad_fn is not None]
        gs = grad([o for o, _ in pairs], [xs[i] for i in diff], [g for _, g in pairs], create_graph=True,
                  allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(new_func, tupled + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
