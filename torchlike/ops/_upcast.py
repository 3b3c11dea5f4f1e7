"""Half-precision inputs computed in float32 and rounded once, as torch's kernels do.

torch's CPU (and CUDA) kernels for softmax/log_softmax, layer_norm and gelu load float16/bfloat16
values, compute and accumulate in float, and round only the result. Written directly in JAX the same
formulas round every intermediate to the half type, which moves about half of a bfloat16 softmax's
outputs by one step (a bfloat16 BERT's hidden states then differ by ~1e-2 from torch's).
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

_HALF = (jnp.dtype(jnp.bfloat16), jnp.dtype(jnp.float16))


def in_float32(fn):
    """``fn(x, ...)`` evaluated on float32 ``x`` when ``x`` is half precision; the result takes the dtype
    ``fn`` gives for the original input (so a ``dtype=`` argument inside ``fn`` still decides it)."""
    @functools.wraps(fn)
    def wrapped(x, *args, **kwargs):
        if x.dtype not in _HALF:
            return fn(x, *args, **kwargs)
        out_dtype = jax.eval_shape(lambda v: fn(v, *args, **kwargs), x).dtype
        return fn(x.astype(jnp.float32), *args, **kwargs).astype(out_dtype)
    return wrapped
