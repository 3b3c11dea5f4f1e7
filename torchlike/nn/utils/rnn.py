"""torch.nn.utils.rnn: PackedSequence, pad_sequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence, unpad_sequence, unpack_sequence.

A PackedSequence holds torch's four fields (``data`` time-major with the longest sequences first,
int64 CPU ``batch_sizes``, ``sorted_indices``, ``unsorted_indices``). The index bookkeeping is
numpy on the host (batch sizes are host data in torch too); moving values is one gather Op, so
gradients flow through packing and unpacking.
"""
from __future__ import annotations

import functools
from collections import namedtuple

import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from ...ops.registry import Op, apply

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence", "invert_permutation"]


def _tensor(a):
    from ...ops.creation import tensor
    return tensor(np.asarray(a, np.int64))


def invert_permutation(permutation):
    if permutation is None:
        return None
    p = np.asarray(permutation._value if isinstance(permutation, Tensor) else permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return _tensor(inv)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """torch.nn.utils.rnn.PackedSequence."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _map_data(self, fn):
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cuda(self, *args, **kwargs):
        return self._map_data(lambda d: d.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs):
        return self._map_data(lambda d: d.cpu(*args, **kwargs))

    def double(self):
        return self._map_data(lambda d: d.double())

    def float(self):
        return self._map_data(lambda d: d.float())

    def half(self):
        return self._map_data(lambda d: d.half())

    def long(self):
        return self._map_data(lambda d: d.long())

    def detach(self):
        return self._map_data(lambda d: d.detach())

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


@functools.lru_cache(maxsize=256)
def _layout(batch_sizes):
    """Host index maps for a batch_sizes tuple: padded (T, N) -> data row (S = padding), data -> padded flat."""
    bs = np.asarray(batch_sizes, np.int64)
    T, N = len(bs), int(bs[0])
    S = int(bs.sum())
    gather = np.full((T, N), S, np.int64)
    pack = np.empty(S, np.int64)
    off = 0
    for t, b in enumerate(bs):
        gather[t, :b] = np.arange(off, off + b)
        pack[off:off + b] = t * N + np.arange(b)
        off += b
    lengths = (bs[None, :] > np.arange(N)[:, None]).sum(1)
    return gather, pack, lengths


def _host(t):
    return np.asarray(t._value if isinstance(t, Tensor) else t)


def _rows_fwd(x, idx, pad, *, shape):
    if pad is not None:
        x = jnp.concatenate([x, jnp.full((1,) + x.shape[1:], pad, x.dtype)], 0)
    return x[idx].reshape(shape + x.shape[1:])


_rows = Op("pack_rows", _rows_fwd, backward_name="PackPaddedSequenceBackward0")


def _take_rows(x, idx, pad=None, shape=None):
    """x (R, *) rows ``idx`` (a host array), optionally with a padding row at index R, reshaped to shape."""
    idx = np.asarray(idx)
    shape = tuple(idx.shape) if shape is None else shape
    return apply(_rows, x, _tensor(idx.reshape(-1)), pad, shape=shape)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_padded_sequence."""
    lengths = np.asarray(_host(lengths), np.int64).reshape(-1)
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
        order = np.arange(lengths.size)
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _tensor(order)
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    n = input.shape[0 if batch_first else 1]
    if lengths.size != n:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} (batch_size="
                           f"{n})")
    T = input.shape[1 if batch_first else 0]
    sl = lengths[order]
    if sl[0] > T:
        raise RuntimeError(f"Expected sequence length to be less than or equal to {T}, but got {sl[0]}")
    batch_sizes = (sl[None, :] > np.arange(int(sl[0]))[:, None]).sum(1)
    rows = []
    for t, b in enumerate(batch_sizes):
        b_idx = order[:b]
        rows.append(b_idx * T + t if batch_first else t * n + b_idx)
    idx = np.concatenate(rows)
    flat = input.reshape((T * n,) + tuple(input.shape[2:]))
    data = _take_rows(flat, idx)
    return PackedSequence(data, _tensor(batch_sizes), sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """torch.nn.utils.rnn.pad_packed_sequence: (padded, lengths) in the original batch order."""
    bs = tuple(int(b) for b in _host(sequence.batch_sizes))
    gather, _, lengths = _layout(bs)
    T, N = gather.shape
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {T}")
        S = int(sum(bs))
        gather = np.concatenate([gather, np.full((total_length - T, N), S, np.int64)], 0)
        T = total_length
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        u = _host(unsorted)
        gather = gather[:, u]
        lengths = lengths[u]
    if batch_first:
        gather = gather.T
    out = _take_rows(sequence.data, gather, float(padding_value))
    return out, _tensor(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """torch.nn.utils.rnn.pad_sequence: list of (L_i, *) tensors -> (max L, B, *) (or batch first)."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    from ...ops.shape import cat
    lens = [int(s.shape[0]) for s in sequences]
    L = max(lens)
    flat = cat(list(sequences), 0)
    S = sum(lens)
    idx = np.full((len(sequences), L), S, np.int64)
    off = 0
    for b, n in enumerate(lens):
        if padding_side == "right":
            idx[b, :n] = np.arange(off, off + n)
        else:
            idx[b, L - n:] = np.arange(off, off + n)
        off += n
    if not batch_first:
        idx = idx.T
    return _take_rows(flat, idx, float(padding_value))


def pack_sequence(sequences, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_sequence."""
    lengths = [int(v.shape[0]) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """torch.nn.utils.rnn.unpad_sequence."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(_host(lengths).reshape(-1))]


def unpack_sequence(packed_sequences):
    """torch.nn.utils.rnn.unpack_sequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
