"""Grids and broadcasting: meshgrid, broadcast_shapes, broadcast_tensors, combinations,
cartesian_prod, block_diag. ``meshgrid`` and ``broadcast_tensors`` outputs are views of their inputs."""
from __future__ import annotations

import itertools
import warnings

import jax.numpy as jnp
import numpy as np

from .._size import Size
from .._tensor import Tensor
from . import indexing as _ix
from .declare import public
from .registry import Op, apply


def _tensors(ts):
    return list(ts[0]) if len(ts) == 1 and isinstance(ts[0], (list, tuple)) else list(ts)


@public
def meshgrid(*tensors, indexing=None):
    """Coordinate grids (views of the inputs, expanded); ``indexing='ij'`` (default) or 'xy'."""
    ts = _tensors(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts = [ts[1], ts[0]] + ts[2:]
    shape = [t.numel() for t in ts]
    out = []
    for k, t in enumerate(ts):
        s = [1] * len(ts)
        s[k] = -1
        out.append(t.reshape(*s).expand(*shape))
    if swap:
        out = [out[1], out[0]] + out[2:]
    return tuple(out)


@public
def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to (ints count as 1-d shapes)."""
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    nd = max((len(s) for s in norm), default=0)
    out = [1] * nd
    for s in norm:
        for i, v in enumerate(s):
            k = nd - len(s) + i
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
            if out[k] == 1:
                out[k] = v
            elif v != 1 and v != out[k]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg 0 and arg {norm.index(s)}.")
    return Size(out)


@public
def broadcast_tensors(*tensors):
    ts = _tensors(tensors)
    try:
        shape = broadcast_shapes(*[tuple(t.shape) for t in ts])
    except RuntimeError:
        for a in ts:
            for b in ts:
                from .pointwise import _check_broadcast
                _check_broadcast(a, b)
        raise
    return tuple(t.expand(*shape) for t in ts)


@public
def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-d tensor, as rows."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    from .creation import _place
    if r == 0:
        return Tensor._wrap(_place(np.zeros(0, input.dtype.np), input.device))
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    combos = np.array(list(gen(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    idx = Tensor._wrap(_place(combos.reshape(-1), input.device))
    return _ix.index_select(input, 0, idx).reshape(-1, r)


@public
def cartesian_prod(*tensors):
    ts = _tensors(tensors)
    if len(ts) == 1:
        return ts[0]
    from .shape import stack
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def _block_diag(*xs):
    rows = sum(x.shape[0] for x in xs)
    cols = sum(x.shape[1] for x in xs)
    out = jnp.zeros((rows, cols), xs[0].dtype if xs else jnp.float32)
    r = c = 0
    for x in xs:
        out = out.at[r:r + x.shape[0], c:c + x.shape[1]].set(x)
        r, c = r + x.shape[0], c + x.shape[1]
    return out


_block_diag_op = Op("block_diag", _block_diag, promote="same")


@public
def block_diag(*tensors):
    """A block-diagonal matrix from 0-, 1- or 2-d tensors (promoted to a common dtype)."""
    ts = []
    for i, t in enumerate(_tensors(tensors)):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        ts.append(t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t)
    if not ts:
        from .creation import zeros
        return zeros(1, 0)
    return apply(_block_diag_op, *ts)
