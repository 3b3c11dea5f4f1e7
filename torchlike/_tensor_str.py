"""Placeholder formatter (to be replaced by torch's exact format)."""
import numpy as np


def format_tensor(t):
    import jax
    if isinstance(t._value, jax.core.Tracer):
        return f"tensor(<traced {t._value.aval}>)"
    body = np.array2string(np.asarray(t._value), separator=", ", prefix="tensor(")
    extra = ""
    if t.grad_fn is not None:
        extra += f", grad_fn=<{t.grad_fn.name()}>"
    elif t.requires_grad:
        extra += ", requires_grad=True"
    return f"tensor({body}{extra})"
