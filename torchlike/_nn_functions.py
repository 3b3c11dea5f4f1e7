"""The neural-network functions torch also exposes as ``torch.*`` and as Tensor methods
(``torch.softmax``, ``x.softmax(1)``, ``torch.dropout``, ``torch.conv2d``, ...): re-exports of
``nn.functional`` under torch's top-level names and signatures."""
from __future__ import annotations

from .nn import functional as _F
from .ops.declare import public as _public


@_public(method=True)
def softmax(input, dim, dtype=None, *, out=None):
    """torch.softmax / Tensor.softmax."""
    return _F.softmax(input, dim, dtype=dtype, out=out)


@_public(method=True)
def log_softmax(input, dim, dtype=None, *, out=None):
    """torch.log_softmax / Tensor.log_softmax."""
    return _F.log_softmax(input, dim, dtype=dtype, out=out)


@_public(torch_inplace=True)  # torch.dropout_ too
def dropout(input, p, train):
    """torch.dropout(input, p, train) (positional ``train`` as torch's)."""
    return _F.dropout(input, p, train)


@_public(torch_inplace=True)  # torch.alpha_dropout_ too
def alpha_dropout(input, p, train):
    return _F.alpha_dropout(input, p, train)


@_public(torch_inplace=True)  # torch.feature_dropout_ too
def feature_dropout(input, p, train):
    return _F.dropout2d(input, p, train) if input.ndim == 4 else _F.dropout1d(input, p, train)


@_public
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return _F.layer_norm(input, normalized_shape, weight, bias, eps)


@_public
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _F.group_norm(input, num_groups, weight, bias, eps)


@_public
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    return _F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@_public
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled=True):
    return _F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


@_public
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(output, mean, rstd); as torch's, the saved statistics are not differentiable outputs."""
    out = _F.layer_norm(input, normalized_shape, weight, bias, eps)
    dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    x = input.detach()
    mean = x.mean(dims, keepdim=True)
    rstd = (x.var(dims, unbiased=False, keepdim=True) + eps).rsqrt()
    return out, mean, rstd


@_public
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, *, out=None):
    """(output, save_mean, save_invstd), the running stats updated in place in training as
    ``batch_norm``; the saved batch statistics are not differentiable, and empty in evaluation mode
    (torch's CPU kernel). ``out=`` takes the three tensors, as torch's ``native_batch_norm.out``."""
    from .ops.out import write_out
    y = _F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        res = y, input.new_empty((0,)).detach(), input.new_empty((0,)).detach()
    else:
        dims = [d for d in range(input.ndim) if d != 1]
        x = input.detach()
        res = y, x.mean(dims), (x.var(dims, unbiased=False) + eps).rsqrt()
    return write_out(res, out)


@_public
def _native_batch_norm_legit(input, weight, bias, *args, out=None):
    """torch's two overloads: (input, weight, bias, running_mean, running_var, training, momentum, eps)
    and, without running statistics, (input, weight, bias, training, momentum, eps)."""
    if len(args) == 3:
        return native_batch_norm(input, weight, bias, None, None, *args, out=out)
    running_mean, running_var = args[:2]
    from ._tensor import Tensor
    for k, t in ((4, running_mean), (5, running_var)):
        if not isinstance(t, Tensor):
            raise TypeError(f"_native_batch_norm_legit(): argument '{('running_mean', 'running_var')[k - 4]}' "
                            f"(position {k}) must be Tensor, not {type(t).__name__}")
    return native_batch_norm(input, weight, bias, *args, out=out)


@_public
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """(output, mean, rstd) with the statistics of shape (N, group); unlike layer norm's, torch
    differentiates them."""
    out = _F.group_norm(input, group, weight, bias, eps)
    g = input.reshape(N, group, -1)
    return out, g.mean(-1), (g.var(-1, unbiased=False) + eps).rsqrt()


def _grid_sampler_nd(nd, input, grid, interpolation_mode, padding_mode, align_corners):
    if input.dim() != nd + 2:
        raise RuntimeError(f"grid_sampler(): expected {nd + 2}D input, but got input with sizes {list(input.shape)}")
    from .nn._functional.misc import GRID_MODES, GRID_PADDINGS
    return _F.grid_sample(input, grid, GRID_MODES[interpolation_mode], GRID_PADDINGS[padding_mode],
                          bool(align_corners))


@_public
def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """grid_sample with torch's integer codes: mode 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros,
    1 border, 2 reflection."""
    return _grid_sampler_nd(input.dim() - 2, input, grid, interpolation_mode, padding_mode, align_corners)


@_public
def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    return _grid_sampler_nd(2, input, grid, interpolation_mode, padding_mode, align_corners)


@_public
def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    return _grid_sampler_nd(3, input, grid, interpolation_mode, padding_mode, align_corners)


@_public
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return _F.embedding(indices, weight, None if padding_idx == -1 else padding_idx)


for _name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
              "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "pixel_shuffle",
              "pixel_unshuffle", "cosine_similarity", "pairwise_distance", "pdist", "bilinear", "channel_shuffle"):
    _public(getattr(_F, _name))  # torch.conv2d is nn.functional.conv2d
for _name in ("selu", "celu", "rrelu", "threshold"):
    _public(getattr(_F, _name), torch_inplace=True)  # and torch.selu_, ...
_public(_F.hardshrink, method=True)
_public(_F.prelu, method=True)

