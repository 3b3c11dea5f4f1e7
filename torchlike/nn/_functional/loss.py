"""Loss functions of ``torch.nn.functional``; each loss (with its reduction) is one Op.

Cross entropy is log-softmax + NLL in one program (class indices or probabilities, ``weight``,
``ignore_index``, ``label_smoothing``, K-dim inputs) with torch's normalisation: ``mean`` divides
by the summed weights of non-ignored targets. Shape/dtype/range errors and the broadcasting
warnings are torch's. Legacy ``size_average``/``reduce`` arguments map to ``reduction`` as torch.
"""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor, _type_name
from ...ops.registry import Op, apply

__all__ = ["l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "smooth_l1_loss", "huber_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "multi_margin_loss",
           "multilabel_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss",
           "linear_cross_entropy"]

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction, emit_warning=True):
    if size_average is None and reduce is None:
        return reduction
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.")
    return ret


def _get_reduction(size_average, reduce, reduction):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


def _size_warning(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _check_broadcast(input, target):
    a, b = tuple(input.shape), tuple(target.shape)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {i}")


def _pointwise_loss(name, fn, backward_name=None):
    op = Op(name, lambda x, t, reduction, **kw: _reduce(fn(x, t, **kw), reduction), promote="float",
            backward_name=backward_name)

    def loss(input, target, size_average=None, reduce=None, reduction="mean", **kw):
        _size_warning(input, target)
        red = _get_reduction(size_average, reduce, reduction)
        _check_broadcast(input, target)
        return apply(op, input, target, reduction=red, **kw)

    loss.__name__ = name
    return loss


l1_loss = _pointwise_loss("l1_loss", lambda x, t: jnp.abs(x - t), "MeanBackward0")
mse_loss = _pointwise_loss("mse_loss", lambda x, t: jnp.square(x - t))


def _smooth_l1(x, t, beta):
    d = jnp.abs(x - t)
    if beta == 0:
        return d
    return jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _huber(x, t, delta):
    d = jnp.abs(x - t)
    return jnp.where(d <= delta, 0.5 * d * d, delta * (d - 0.5 * delta))


_smooth_l1_loss = _pointwise_loss("smooth_l1_loss", _smooth_l1)
_huber_loss = _pointwise_loss("huber_loss", _huber)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _smooth_l1_loss(input, target, size_average, reduce, reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        _size_warning(input, target)
        red = _get_reduction(None, None, reduction)
        return apply(_weighted_huber_op, input, target, weight, reduction=red, delta=float(delta))
    return _huber_loss(input, target, None, None, reduction, delta=float(delta))


_weighted_huber_op = Op("huber_loss", lambda x, t, w, reduction, delta: _reduce(_huber(x, t, delta) * w, reduction),
                        promote="float")


# ----------------------------------------------------------------------------- NLL / cross entropy
def _check_target(input, target, name):
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target.dtype)}")
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target.dtype)}")
    if input.dim() == 1:
        if target.dim() != 0 and not (target.dim() == 1 and target.shape[0] == 1):
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
        return
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if target.dim() == 0 or input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.dim() else 0}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")


def _check_target_range(target, n_classes, ignore_index):
    v = target._value
    if isinstance(v, jax.core.Tracer) or target.numel() == 0:
        return
    a = np.asarray(v).reshape(-1)
    bad = a[(a != ignore_index) & ((a < 0) | (a >= n_classes))]
    if bad.size:
        raise IndexError(f"Target {int(bad[0])} is out of bounds.")


def _to_nc(x):
    """(C,) -> (1, C); (N, C, d1, ...) stays; class dim is 1."""
    return x[None] if x.ndim == 1 else x


def _nll(logp, t, w, reduction, ignore_index, smoothing):
    squeeze = logp.ndim == 1
    logp = _to_nc(logp)
    t = t.reshape((1,)) if squeeze else t
    c = logp.shape[1]
    valid = t != ignore_index
    safe = jnp.where(valid, t, 0).astype(jnp.int32)
    picked = jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    wt = jnp.ones((), logp.dtype) if w is None else w.astype(logp.dtype)[safe]
    wt = jnp.where(valid, wt, jnp.zeros((), logp.dtype))
    loss = -picked * wt
    if smoothing > 0:
        ww = jnp.ones((c,), logp.dtype) if w is None else w.astype(logp.dtype)
        smooth = -jnp.sum(logp * ww.reshape((1, c) + (1,) * (logp.ndim - 2)), axis=1)
        smooth = jnp.where(valid, smooth, jnp.zeros((), logp.dtype))
    if reduction == "none":
        out = loss if smoothing == 0 else (1 - smoothing) * loss + smooth * (smoothing / c)
        return out[0] if squeeze else out
    if reduction == "sum":
        out = jnp.sum(loss)
        if smoothing > 0:
            out = (1 - smoothing) * out + jnp.sum(smooth) * (smoothing / c)
        return out
    denom = jnp.sum(wt)
    out = jnp.sum(loss) / denom
    if smoothing > 0:
        sden = denom if w is not None else jnp.sum(valid).astype(logp.dtype)
        out = (1 - smoothing) * out + (jnp.sum(smooth) / sden) * (smoothing / c)
    return out


def _ce_indices(x, t, w, reduction, ignore_index, smoothing):
    axis = 0 if x.ndim == 1 else 1
    return _nll(jax.nn.log_softmax(x, axis=axis), t, w, reduction, ignore_index, smoothing)


def _ce_probs(x, t, w, reduction, smoothing):
    axis = 0 if x.ndim == 1 else 1
    c = x.shape[axis]
    logp = jax.nn.log_softmax(x, axis=axis)
    if smoothing > 0:
        t = t * (1 - smoothing) + smoothing / c
    if w is not None:
        shape = [1] * x.ndim
        shape[axis] = c
        logp = logp * w.astype(x.dtype).reshape(shape)
    loss = -jnp.sum(logp * t, axis=axis)
    if reduction == "mean":
        return jnp.sum(loss) / (x.size // c if x.size else 1)
    return _reduce(loss, reduction)


_nll_op = Op("nll_loss", _nll, backward_name="NllLossBackward0")
_ce_indices_op = Op("cross_entropy", _ce_indices, backward_name="NllLossBackward0")
_ce_probs_op = Op("cross_entropy", _ce_probs, backward_name="DivBackward1")


def _check_weight(weight, c):
    if weight is not None and (weight.dim() != 1 or weight.numel() != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood of log-probabilities ``input`` (N, C, ...) at class indices ``target``."""
    red = _get_reduction(size_average, reduce, reduction)
    _check_target(input, target, "nll_loss")
    c = input.shape[0] if input.dim() == 1 else input.shape[1]
    _check_weight(weight, c)
    _check_target_range(target, c, ignore_index)
    return apply(_nll_op, input, target, weight, reduction=red, ignore_index=int(ignore_index), smoothing=0.0)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over dim 1 (dim 0 for 1-D input) followed by NLL, or soft targets of input's shape."""
    red = _get_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        bad = input if not isinstance(input, Tensor) else target
        raise TypeError(f"cross_entropy_loss(): argument '{'input' if bad is input else 'target'}' must be Tensor, "
                        f"not {type(bad).__name__}")
    c = input.shape[0] if input.dim() == 1 else input.shape[1]
    _check_weight(weight, c)
    if target.dtype.is_floating_point and tuple(target.shape) == tuple(input.shape):
        return apply(_ce_probs_op, input, target, weight, reduction=red, smoothing=float(label_smoothing))
    _check_target(input, target, "cross_entropy")
    _check_target_range(target, c, ignore_index)
    return apply(_ce_indices_op, input, target, weight, reduction=red, ignore_index=int(ignore_index),
                 smoothing=float(label_smoothing))


# ----------------------------------------------------------------------------- binary
def _bce(x, t, w, reduction):
    lx = jnp.maximum(jnp.log(x), -100.0)
    l1x = jnp.maximum(jnp.log1p(-x), -100.0)
    loss = -(t * lx + (1 - t) * l1x)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def _bce_res(x, t, w, reduction):
    return _bce(x, t, w, reduction), (x, t, w)


def _bce_bwd(res, g, reduction):
    """torch's binary_cross_entropy_backward: grad * (x - t) / max((1 - x) * x, 1e-12) (times weight),
    finite where x is exactly 0 or 1 (the derivative of the clamped logs would be 0 * inf = nan there);
    the target's gradient is grad * (log(1 - x) - log(x)), unclamped as torch's; weight gets none."""
    x, t, w = res
    n = x.size
    gl = g / n if reduction == "mean" else g  # the elementwise loss's cotangent (broadcasts for mean/sum)
    gx = gl * (x - t) / jnp.maximum((1 - x) * x, 1e-12)
    gt = gl * (jnp.log(1 - x) - jnp.log(x))
    if w is not None:
        gx, gt = gx * w, gt * w
    return (gx.astype(x.dtype), jnp.broadcast_to(gt, t.shape).astype(t.dtype),
            None if w is None else jnp.zeros_like(w))


_bce_op = Op("binary_cross_entropy", _bce, promote="float", n_promote=2, vjp=(_bce_res, _bce_bwd))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    v = input._value
    if not isinstance(v, jax.core.Tracer) and input.numel():
        a = np.asarray(v)
        if np.any((a < 0) | (a > 1)):
            raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        _check_broadcast(input, weight)
    return apply(_bce_op, input, target, weight, reduction=red)


def _bce_logits(x, t, w, pw, reduction):
    if pw is not None:
        log_weight = 1 + (pw - 1) * t
        loss = (1 - t) * x - log_weight * jax.nn.log_sigmoid(x)
    else:
        loss = (1 - t) * x - jax.nn.log_sigmoid(x)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


_bce_logits_op = Op("binary_cross_entropy_with_logits", _bce_logits, promote="float", n_promote=2)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    red = _get_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return apply(_bce_logits_op, input, target, weight, pos_weight, reduction=red)


# ----------------------------------------------------------------------------- KL / Poisson / Gaussian
def _kl(x, t, reduction, log_target):
    if log_target:
        loss = jnp.exp(t) * (t - x)
    else:
        loss = jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return jnp.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


_kl_op = Op("kl_div", _kl, promote="float")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise; ``batchmean`` divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        red = _legacy_reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.")
        red = reduction
    if red not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{red} is not a valid value for reduction")
    return apply(_kl_op, input, target, reduction=red, log_target=bool(log_target))


def _poisson(x, t, reduction, log_input, full, eps):
    if log_input:
        loss = jnp.exp(x) - t * x
    else:
        loss = x - t * jnp.log(x + eps)
    if full:
        safe = jnp.where(t > 1, t, 1.0)
        stirling = safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * math.pi * safe)
        loss = loss + jnp.where(t > 1, stirling, 0.0)
    return _reduce(loss, reduction)


_poisson_op = Op("poisson_nll_loss", _poisson, promote="float")


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    return apply(_poisson_op, input, target, reduction=red, log_input=bool(log_input), full=bool(full),
                 eps=float(eps))


def _gaussian(x, t, var, reduction, full, eps):
    # torch clamps var in place under no_grad: the clamp passes gradients through unchanged
    var = var + jax.lax.stop_gradient(jnp.maximum(var, eps) - var)
    loss = 0.5 * (jnp.log(var) + jnp.square(x - t) / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


_gaussian_op = Op("gaussian_nll_loss", _gaussian, promote="float")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(var) + (input - target)^2 / var), var clamped below at ``eps``."""
    if isinstance(var, (int, float)):
        from ...ops.creation import full as _full
        var = _full(tuple(input.shape), float(var), dtype=input.dtype, device=input.device)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    v = var._value
    if not isinstance(v, jax.core.Tracer) and bool(np.any(np.asarray(v) < 0)):
        raise ValueError("var has negative entry/entries")
    return apply(_gaussian_op, input, target, var, reduction=reduction, full=bool(full), eps=float(eps))


# ----------------------------------------------------------------------------- margin losses
def _soft_margin(x, t, reduction):
    return _reduce(jnp.log1p(jnp.exp(-t * x)), reduction)


_soft_margin_op = Op("soft_margin_loss", _soft_margin, promote="float")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    return apply(_soft_margin_op, input, target, reduction=red)


def _mlsm(x, t, w, reduction):
    loss = -(t * jax.nn.log_sigmoid(x) + (1 - t) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = jnp.sum(loss, axis=x.ndim - 1) / x.shape[-1]
    return _reduce(loss, reduction)


_mlsm_op = Op("multilabel_soft_margin_loss", _mlsm, promote="float", n_promote=2)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    return apply(_mlsm_op, input, target, weight, reduction=red)


def _margin_ranking(x1, x2, t, reduction, margin):
    return _reduce(jnp.maximum(-t * (x1 - x2) + margin, 0), reduction)


_margin_ranking_op = Op("margin_ranking_loss", _margin_ranking, promote="float")


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return apply(_margin_ranking_op, input1, input2, target, reduction=red, margin=float(margin))


def _hinge(x, t, reduction, margin):
    margin_clamp = jnp.maximum(margin - x, 0)
    out = jnp.where(t != 1, margin_clamp, 0) + jnp.where(t != -1, x, 0)
    return _reduce(out, reduction)


_hinge_op = Op("hinge_embedding_loss", _hinge, promote="float")


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    return apply(_hinge_op, input, target, reduction=red, margin=float(margin))


def _cos_emb(x1, x2, t, reduction, margin):
    eps = 1e-12
    d = x1.ndim - 1
    prod = jnp.sum(x1 * x2, axis=d)
    m1 = jnp.sum(x1 * x1, axis=d) + eps
    m2 = jnp.sum(x2 * x2, axis=d) + eps
    cos = prod / jnp.sqrt(m1 * m2)
    out = jnp.where(t == 1, 1 - cos, 0) + jnp.where(t == -1, jnp.maximum(cos - margin, 0), 0)
    return _reduce(out, reduction)


_cos_emb_op = Op("cosine_embedding_loss", _cos_emb, promote="float")


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}")
    return apply(_cos_emb_op, input1, input2, target, reduction=red, margin=float(margin))


def _pdist(a, b, p, eps):
    d = a - b + eps
    if p == 2:
        return jnp.sqrt(jnp.sum(d * d, axis=-1))
    if p == 1:
        return jnp.sum(jnp.abs(d), axis=-1)
    if p == float("inf"):
        return jnp.max(jnp.abs(d), axis=-1)
    return jnp.sum(jnp.abs(d) ** p, axis=-1) ** (1.0 / p)


def _triplet(a, pos, neg, reduction, margin, p, eps, swap):
    d_ap = _pdist(a, pos, p, eps)
    d_an = _pdist(a, neg, p, eps)
    if swap:
        d_an = jnp.minimum(d_an, _pdist(pos, neg, p, eps))
    return _reduce(jnp.maximum(margin + d_ap - d_an, 0), reduction)


_triplet_op = Op("triplet_margin_loss", _triplet, promote="float")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return apply(_triplet_op, anchor, positive, negative, reduction=red, margin=float(margin), p=float(p),
                 eps=float(eps), swap=bool(swap))


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    if distance_function is None:
        from .misc import pairwise_distance
        distance_function = pairwise_distance
    from ...ops import pointwise as P
    d_ap = distance_function(anchor, positive)
    d_an = distance_function(anchor, negative)
    if swap:
        d_an = P.minimum(d_an, distance_function(positive, negative))
    loss = P.clamp_min(margin + d_ap - d_an, 0)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _multi_margin(x, t, w, reduction, p, margin):
    # a 0-d or 1-d input is one sample; torch's 'none' result is 0-d exactly when the target is 0-d
    squeeze = t.ndim == 0
    x2 = x.reshape(1, -1) if x.ndim <= 1 else x
    t = t.reshape(-1).astype(jnp.int32)
    c = x2.shape[1]
    xy = jnp.take_along_axis(x2, t[:, None], axis=1)
    z = jnp.maximum(margin - xy + x2, 0)
    if p == 2:
        z = z * z
    if w is not None:
        z = z * w.astype(x.dtype)[t][:, None]
    z = jnp.where(jax.nn.one_hot(t, c, dtype=bool), 0, z)
    loss = jnp.sum(z, axis=1) / c
    if squeeze and reduction == "none":
        return loss[0]
    return _reduce(loss, reduction)


_multi_margin_op = Op("multi_margin_loss", _multi_margin, promote="none")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _check_margin_input(input)
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {_type_name(target.dtype)}")
    return apply(_multi_margin_op, input, target, weight, reduction=red, p=int(p), margin=float(margin))


def _multilabel_margin(x, t, reduction):
    squeeze = x.ndim <= 1  # a 0-d or 1-d input is one sample
    x2 = x.reshape(1, -1) if squeeze else x
    t2 = (t.reshape(1, -1) if squeeze else t).astype(jnp.int32)
    c = x2.shape[1]
    # targets are the leading non-negative entries, up to the first -1
    valid = jnp.cumprod(t2 >= 0, axis=1).astype(bool)
    safe = jnp.where(valid, t2, 0)
    is_target = jnp.zeros(x2.shape, bool).at[jnp.arange(x2.shape[0])[:, None], safe].max(valid)
    xt = jnp.take_along_axis(x2, safe, axis=1)
    z = jnp.maximum(1 - (xt[:, :, None] - x2[:, None, :]), 0)
    z = jnp.where(valid[:, :, None] & ~is_target[:, None, :], z, 0)
    loss = jnp.sum(z, axis=(1, 2)) / c
    if squeeze and reduction == "none":
        return loss[0]
    return _reduce(loss, reduction)


_multilabel_margin_op = Op("multilabel_margin_loss", _multilabel_margin)


def _check_margin_input(input):
    """multi_margin_loss / multilabel_margin_loss: a non-empty vector or (batch, classes) matrix."""
    ok = input.ndim == 0 or input.ndim == 1 and input.shape[0] != 0 or input.ndim == 2 and input.shape[1] != 0
    if not ok:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    red = _get_reduction(size_average, reduce, reduction)
    _check_margin_input(input)
    return apply(_multilabel_margin_op, input, target, reduction=red)


# ----------------------------------------------------------------------------- CTC
def _logaddexp(a, b):
    # log(e^a + e^b) whose gradient stays finite (zero) where both operands are -inf
    m = jnp.maximum(a, b)
    finite = jnp.isfinite(m)
    ms = jnp.where(finite, m, 0)
    s = jnp.exp(jnp.where(finite, a - ms, -jnp.inf)) + jnp.exp(jnp.where(finite, b - ms, -jnp.inf))
    return jnp.where(finite, ms + jnp.log(jnp.where(finite, s, 1)), m)


def _ctc(log_probs, targets, in_lens, tgt_lens, reduction, blank, zero_infinity, max_tgt):
    # log_probs (T, N, C); targets (N, S) padded; forward (alpha) recursion over the extended label
    # sequence (blank, l1, blank, l2, ..., blank) in log space, scanned over time.
    T, N, C = log_probs.shape
    L = 2 * max_tgt + 1
    tg = targets.astype(jnp.int32)
    ext = jnp.full((N, L), blank, jnp.int32).at[:, 1::2].set(tg[:, :max_tgt])
    prev2 = jnp.concatenate([jnp.full((N, 2), -1, jnp.int32), ext[:, :-2]], axis=1)
    allow_skip = (ext != blank) & (ext != prev2)
    neg_inf = jnp.asarray(-jnp.inf, log_probs.dtype)
    lp0 = jnp.take_along_axis(log_probs[0], ext, axis=1)
    pos = jnp.arange(L)[None]
    alpha0 = jnp.where(pos < 2, lp0, neg_inf)
    alpha0 = jnp.where((pos == 1) & (tgt_lens[:, None] == 0), neg_inf, alpha0)

    def step(alpha, inp):
        lp_t, t = inp
        a1 = jnp.concatenate([jnp.full((N, 1), neg_inf), alpha[:, :-1]], axis=1)
        a2 = jnp.concatenate([jnp.full((N, 2), neg_inf), alpha[:, :-2]], axis=1)
        a2 = jnp.where(allow_skip, a2, neg_inf)
        new = _logaddexp(_logaddexp(alpha, a1), a2) + jnp.take_along_axis(lp_t, ext, axis=1)
        new = jnp.where((t < in_lens)[:, None], new, alpha)
        return new, None

    alpha, _ = jax.lax.scan(step, alpha0, (log_probs[1:], jnp.arange(1, T)))
    end = 2 * tgt_lens
    last = jnp.take_along_axis(alpha, end[:, None], axis=1)[:, 0]
    before = jnp.take_along_axis(alpha, jnp.maximum(end - 1, 0)[:, None], axis=1)[:, 0]
    before = jnp.where(tgt_lens > 0, before, neg_inf)
    nll = -_logaddexp(last, before)
    # torch's CTC gradient treats log_probs as log_softmax outputs: it is d/d(logits), i.e. the true
    # derivative plus exp(log_probs) over each sample's valid frames; add that with a zero-valued term
    live = (jnp.arange(T)[:, None] < in_lens[None, :]).astype(log_probs.dtype)
    extra = jnp.sum(jnp.exp(log_probs) * live[:, :, None], axis=(0, 2))
    nll = nll + (extra - jax.lax.stop_gradient(extra))
    if zero_infinity:
        nll = jnp.where(jnp.isinf(nll), jnp.zeros((), nll.dtype), nll)
    if reduction == "mean":
        return jnp.mean(nll / jnp.maximum(tgt_lens, 1).astype(nll.dtype))
    return _reduce(nll, reduction)


_ctc_op = Op("ctc_loss", _ctc)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist temporal classification loss over (T, N, C) log-probabilities (or (T, C) unbatched)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    from ...ops.creation import tensor as _tensor
    unbatched = log_probs.dim() == 2
    il = input_lengths if isinstance(input_lengths, Tensor) else _tensor(list(np.atleast_1d(input_lengths)))
    tl = target_lengths if isinstance(target_lengths, Tensor) else _tensor(list(np.atleast_1d(target_lengths)))
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    il, tl = il.reshape(-1), tl.reshape(-1)
    tlens = np.asarray(tl._value).astype(np.int64)
    if targets.dim() == 1 and not unbatched:
        offs = np.concatenate([[0], np.cumsum(tlens)[:-1]])
        max_t = int(tlens.max()) if tlens.size else 0
        flat = np.asarray(targets._value)
        padded = np.zeros((len(tlens), max(max_t, 1)), np.int64)
        for i, (o, n) in enumerate(zip(offs, tlens)):
            padded[i, :n] = flat[o:o + n]
        tg = _tensor(padded)
    else:
        tg = targets.unsqueeze(0) if unbatched else targets
        max_t = int(tlens.max()) if tlens.size else 0
    res = apply(_ctc_op, lp, tg, il, tl, reduction=reduction, blank=int(blank), zero_infinity=bool(zero_infinity),
                max_tgt=max_t)
    return res.squeeze(0) if unbatched and reduction == "none" else res


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)`` (torch's reference
    definition); ``linear_weight`` may be (C, in) or (C, d_1, ..., d_K, in) for a K-dimensional loss.
    ``options`` (torch's chunking hints) is accepted; XLA fuses the whole expression itself."""
    from ...ops.products import tensordot
    if input.ndim not in (1, 2):
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    if input.shape[-1] != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    if ignore_index is not None and target.dtype.is_floating_point:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    logits = tensordot(input, linear_weight, dims=([input.ndim - 1], [linear_weight.ndim - 1]))
    if linear_bias is not None:
        logits = logits + linear_bias
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)
