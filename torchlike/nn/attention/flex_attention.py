"""torch.nn.attention.flex_attention, computed densely.

``flex_attention(q, k, v, score_mod, block_mask)`` is softmax attention in which ``score_mod(score,
b, h, q_idx, kv_idx)`` rewrites each score and ``block_mask`` (from ``create_block_mask(mask_mod,
...)``) removes the pairs where ``mask_mod(b, h, q_idx, kv_idx)`` is False. torch evaluates the two
functions per element under ``vmap`` and skips masked-out blocks in a fused kernel; torchlike calls
them once on broadcasting index tensors (``b`` of shape ``(B, 1, 1, 1)``, ``h`` ``(1, H, 1, 1)``,
``q_idx`` ``(1, 1, Q, 1)``, ``kv_idx`` ``(1, 1, 1, KV)``) and computes the whole score matrix, so the
results are the same for functions written with elementwise ops and ``x[b, h, q_idx, kv_idx]``-style
indexing (chained indexing such as ``x[b][h]`` does not broadcast). Gradients reach ``q``, ``k``,
``v`` and tensors the functions capture. A ``BlockMask`` keeps torch's block summary
(``kv_num_blocks``/``kv_indices`` and the ``full_*`` counterparts, ``to_dense()``) next to the
mask function. Rows with every key masked give zeros and a log-sum-exp of -inf, as torch's.
"""
from __future__ import annotations

import math
from typing import NamedTuple

from ... import _dtype as D

__all__ = ["BlockMask", "flex_attention", "AuxOutput", "AuxRequest", "create_block_mask", "create_mask",
           "or_masks", "and_masks", "noop_mask"]

_DEFAULT_SPARSE_BLOCK_SIZE = 128


def _torch():
    import torchlike
    return torchlike


def noop_mask(batch, head, token_q, token_kv):
    """Masks nothing out."""
    return batch.new_ones(size=(), dtype=D.bool)


def _identity(score, batch, head, token_q, token_kv):
    return score


def and_masks(*mask_mods):
    """A mask_mod keeping a pair only where every one of ``mask_mods`` does."""
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def and_mask(b, h, q_idx, kv_idx):
        result = b.new_ones((), dtype=D.bool)
        for m in mask_mods:
            result = result & m(b, h, q_idx, kv_idx)
        return result
    return and_mask


def or_masks(*mask_mods):
    """A mask_mod keeping a pair where any of ``mask_mods`` does."""
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def or_mask(b, h, q_idx, kv_idx):
        result = b.new_zeros((), dtype=D.bool)
        for m in mask_mods:
            result = result | m(b, h, q_idx, kv_idx)
        return result
    return or_mask


def _indices(B, H, Q, KV, device):
    t = _torch()
    ar = [t.arange(n, device=device) for n in (B, H, Q, KV)]
    return tuple(a.view(*[-1 if i == j else 1 for j in range(4)]) for i, a in enumerate(ar))


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device=None):
    """The dense ``(B, H, Q_LEN, KV_LEN)`` boolean mask of a mask_mod (or, for a score_mod, the scores
    it gives a zero score: torch's ``create_mask`` of a score_mod)."""
    B, H = B or 1, H or 1
    idx = _indices(B, H, Q_LEN, KV_LEN, device)
    import inspect
    if len(inspect.signature(mod_fn).parameters) == 5:  # a score_mod
        t = _torch()
        out = mod_fn(t.zeros((), device=device), *idx)
        return out.expand(B, H, Q_LEN, KV_LEN).clone()
    return mod_fn(*idx).to(D.bool).expand(B, H, Q_LEN, KV_LEN).clone()


class BlockMask:
    """Which (query block, key block) pairs attend, for a ``mask_mod`` (see the module doc)."""

    def __init__(self, seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices,
                 q_num_blocks=None, q_indices=None, full_q_num_blocks=None, full_q_indices=None,
                 BLOCK_SIZE=(_DEFAULT_SPARSE_BLOCK_SIZE, _DEFAULT_SPARSE_BLOCK_SIZE), mask_mod=None):
        self.seq_lengths = tuple(seq_lengths)
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.BLOCK_SIZE = tuple(BLOCK_SIZE)
        self.mask_mod = mask_mod if mask_mod is not None else noop_mask

    @property
    def shape(self):
        return tuple(self.kv_num_blocks.shape[:2]) + self.seq_lengths

    def numel(self):
        return math.prod(self.shape)

    def to_dense(self):
        """``(B, H, Q blocks, KV blocks)`` int32: 1 where the block pair is computed."""
        t = _torch()
        n_kv = self.kv_indices.shape[-1]

        def scatter(num, idx):
            keep = t.arange(n_kv, device=idx.device) < num.unsqueeze(-1)
            return t.zeros(tuple(idx.shape[:-1]) + (n_kv,), dtype=D.int32, device=idx.device).scatter(
                -1, idx.long(), keep.to(D.int32))
        dense = scatter(self.kv_num_blocks, self.kv_indices)
        if self.full_kv_num_blocks is not None:
            dense = dense | scatter(self.full_kv_num_blocks, self.full_kv_indices)
        return dense

    def sparsity(self):
        """Percent of the score matrix that is not computed (whole blocks count as computed)."""
        computed = float(self.to_dense().sum()) * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1]
        return 100.0 * (1 - computed / self.numel())

    def to(self, device):
        from ..._tensor import Tensor
        out = object.__new__(BlockMask)
        out.__dict__.update({k: v.to(device) if isinstance(v, Tensor) else v for k, v in vars(self).items()})
        return out

    def __repr__(self):
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, mask_mod={self.mask_mod.__name__})"


def _block_summary(dense, q_block, kv_block, separate_full_blocks=True):
    """(num, indices) of partially and fully kept key blocks for each query block, then the same of
    query blocks for each key block; the indices of the counted blocks come first, in increasing
    order. Without ``separate_full_blocks`` every kept block counts as partial (no ``full_*``)."""
    t = _torch()
    B, H, Q, KV = dense.shape
    nq, nkv = -(-Q // q_block), -(-KV // kv_block)
    padded = t.zeros(B, H, nq * q_block, nkv * kv_block, dtype=D.bool, device=dense.device)
    padded[:, :, :Q, :KV] = dense  # positions past the lengths count as masked out, as in torch
    blocks = padded.view(B, H, nq, q_block, nkv, kv_block).transpose(3, 4).flatten(-2)
    any_kept = blocks.any(-1)
    full = blocks.all(-1)
    if not separate_full_blocks:
        full = t.zeros_like(full)
    partial = any_kept & ~full

    def summarize(sel):
        order = t.argsort((~sel).to(D.int32), dim=-1, stable=True)
        return sel.sum(-1).to(D.int32), order.to(D.int32)
    (kv_num, kv_idx), (full_num, full_idx) = summarize(partial), summarize(full)
    (q_num, q_idx), (fq_num, fq_idx) = summarize(partial.transpose(-1, -2)), summarize(full.transpose(-1, -2))
    if not separate_full_blocks:
        full_num = full_idx = fq_num = fq_idx = None
    return kv_num, kv_idx, full_num, full_idx, q_num, q_idx, fq_num, fq_idx


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device=None, BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
                      _compile=False, separate_full_blocks=True, compute_dq_write_order=False, dq_kv_order=True):
    """A BlockMask of ``mask_mod`` for ``B`` batches (None: 1, shared) and ``H`` heads (None: 1)."""
    q_block, kv_block = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else tuple(BLOCK_SIZE)
    dense = create_mask(mask_mod, B, H, Q_LEN, KV_LEN, device)
    parts = _block_summary(dense, q_block, kv_block, separate_full_blocks)
    mask = BlockMask((Q_LEN, KV_LEN), *parts, BLOCK_SIZE=(q_block, kv_block), mask_mod=mask_mod)
    mask._dense = dense
    return mask


class AuxRequest(NamedTuple):
    """Which extra outputs ``flex_attention(..., return_aux=...)`` returns."""
    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    lse: object = None
    max_scores: object = None


def _dense_mask(block_mask, B, H, Q, KV, device):
    if block_mask.seq_lengths != (Q, KV):
        raise ValueError(f"block_mask was created for block_mask.shape={block_mask.shape} but got "
                         f"q_len={Q} and kv_len={KV}. As the block mask was created for a larger length than "
                         f"you're using it for, you can slice the BlockMask.")
    dense = getattr(block_mask, "_dense", None)
    if dense is None:
        dense = create_mask(block_mask.mask_mod, B, H, Q, KV, device)
    return dense


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    """Attention with ``score_mod`` and ``block_mask`` applied (see the module doc).

    ``query`` ``(B, Hq, L, E)``, ``key`` ``(B, Hkv, S, E)``, ``value`` ``(B, Hkv, S, Ev)``; with
    ``enable_gqa`` each key/value head serves ``Hq // Hkv`` query heads. Returns the output, plus the
    log-sum-exp ``(B, Hq, L)`` with ``return_lse`` (or an AuxOutput for ``return_aux``)."""
    t = _torch()
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise ValueError(f"NYI: query, key, and value must be 4D tensors, got {query.dim()}D, {key.dim()}D, "
                         f"{value.dim()}D")
    if return_lse and return_aux is not None:
        raise ValueError("Cannot specify both return_lse and return_aux")
    B, Hq, L, E = query.shape
    Hkv, S = key.shape[1], key.shape[2]
    if Hq != Hkv:
        if not enable_gqa:
            raise ValueError(f"Expect query and key/value to have the same number of heads but got Hq={Hq} and "
                             f"Hkv={Hkv}. Try setting enable_gqa=True for GQA.")
        if Hq % Hkv:
            raise ValueError(f"Expect number of query heads to be a multiple of kv heads for GQA but got "
                             f"Hq={Hq} and Hkv={Hkv}.")
        key = key.repeat_interleave(Hq // Hkv, dim=1)
        value = value.repeat_interleave(Hq // Hkv, dim=1)
    scale = 1.0 / math.sqrt(E) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)).float() * scale
    if score_mod is not None:
        scores = score_mod(scores, *_indices(B, Hq, L, S, query.device))
    if block_mask is not None:
        keep = _dense_mask(block_mask, B, Hq, L, S, query.device)
        scores = scores.masked_fill(~keep, -math.inf)
    lse = t.logsumexp(scores, dim=-1)
    probs = t.exp(scores - lse.unsqueeze(-1).masked_fill(lse.unsqueeze(-1) == -math.inf, 0.0))
    out = (probs.to(value.dtype) @ value).to(query.dtype)
    if return_aux is not None:
        return out, AuxOutput(lse=lse if return_aux.lse else None,
                              max_scores=scores.amax(-1) if return_aux.max_scores else None)
    return (out, lse) if return_lse else out
