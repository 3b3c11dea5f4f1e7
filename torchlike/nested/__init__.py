"""torch.nested: jagged nested tensors (variable-length sequences without padding).

``nested_tensor``/``as_nested_tensor`` build a :class:`NestedTensor` (see ``_jagged`` for the
representation: packed values + offsets, autograd through the values); ``to_padded_tensor``,
``nested_tensor_from_jagged`` and ``narrow``-free component access via ``unbind`` complete the API
the Transformer building-blocks tutorial uses. Every layout request (``torch.jagged`` or the
default ``torch.strided``) builds the jagged form, so components may differ in their first dim only;
``layout`` reports the layout asked for.
"""
from __future__ import annotations

import numpy as np

from .. import _layout
from .._tensor import Tensor
from . import _dispatch
from ._jagged import NestedInt, NestedTensor

__all__ = ["nested_tensor", "as_nested_tensor", "to_padded_tensor", "nested_tensor_from_jagged", "NestedTensor"]


def _components(tensor_list, dtype, device):
    from ..ops import creation
    ts = [t if isinstance(t, Tensor) else creation.tensor(t) for t in tensor_list]
    if not ts:
        raise RuntimeError("nested_tensor(): expected a non-empty list of tensors")
    ts = [t.to(dtype=dtype, device=device) if (dtype is not None or device is not None) else t for t in ts]
    base = ts[0]
    for t in ts:
        if t.dim() == 0 or t.dim() != base.dim():
            raise RuntimeError("When constructing a nested tensor, all tensors in list must have the same dim")
        if t.dtype is not base.dtype:
            raise RuntimeError(f"When constructing a nested tensor, all tensors in list must have the same dtype; "
                               f"got {base.dtype} and {t.dtype}")
    ragged = [d for d in range(base.dim()) if len({t.shape[d] for t in ts}) > 1]
    if len(ragged) > 1:
        raise RuntimeError("Cannot represent given tensor list as a nested tensor with the jagged layout. Note "
                           "that the jagged layout only allows for a single ragged dimension. For example: "
                           f"(B, *, D_0, D_1, ..., D_N), with ragged * dim. Got shapes {[tuple(t.shape) for t in ts]}")
    return ts, (ragged[0] if ragged else 0)


def _build(ts_and_dim, layout):
    from .. import _functions as F
    ts, d = ts_and_dim
    offsets = np.concatenate([[0], np.cumsum([t.shape[d] for t in ts])])
    return NestedTensor._make(F.cat(ts, d), offsets, d + 1, layout=layout or _layout.strided)


def nested_tensor(tensor_list, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.nested.nested_tensor: a new leaf nested tensor copying the components (no autograd link)."""
    ts = _components(tensor_list, dtype, device)
    nt = _build(([t.detach() for t in ts[0]], ts[1]), layout)
    nt._vals.requires_grad_(requires_grad)
    return nt


def as_nested_tensor(ts, dtype=None, device=None, layout=None):
    """torch.nested.as_nested_tensor: like ``nested_tensor`` but keeping the components' autograd graph;
    a dense tensor becomes a nested tensor of its rows (dim 0 is the batch)."""
    if isinstance(ts, NestedTensor):
        return ts.to(dtype=dtype, device=device) if dtype is not None or device is not None else ts
    if isinstance(ts, Tensor):
        ts = list(ts.unbind(0))
    return _build(_components(ts, dtype, device), layout)


def nested_tensor_from_jagged(values, offsets=None, lengths=None, jagged_dim=None, min_seqlen=None,
                              max_seqlen=None):
    """torch.nested.nested_tensor_from_jagged: a jagged nested tensor over packed ``values`` and ``offsets``
    (a view: gradients reach ``values``)."""
    if offsets is None:
        if lengths is None:
            raise RuntimeError("nested_tensor_from_jagged(): offsets or lengths is required")
        offsets = np.concatenate([[0], np.cumsum(np.asarray(lengths._value if isinstance(lengths, Tensor) else lengths))])
    off = np.asarray(offsets._value if isinstance(offsets, Tensor) else offsets)
    if jagged_dim not in (None, 1):
        raise RuntimeError("nested_tensor_from_jagged(): only jagged_dim=1 is supported")
    return NestedTensor._make(values, off, 1)


def to_padded_tensor(input, padding, output_size=None):
    """torch.nested.to_padded_tensor: a dense tensor with every component padded to the longest."""
    return input.to_padded_tensor(padding, output_size)
