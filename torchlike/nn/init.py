"""torch.nn.init: in-place initialisers drawing from torch's generator in torch's order.

Every draw goes through ``torchlike.random.default_generator``'s host samplers (uniform/normal/
randperm), with the same bounds, call order and dtype as torch's implementation, so once that
generator reproduces torch's CPU stream, ``manual_seed(0); nn.Linear(3, 4)`` gives torch's weights.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_", "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse"]


def _gen(generator):
    from .. import random as _random
    return _random.default_generator if generator is None else generator


def _is_meta(tensor):
    from .._meta import is_meta
    return is_meta(tensor._value)


def _write(tensor, arr):
    """Replace ``tensor``'s values in place (outside autograd) with the host/jax array ``arr``; a meta
    tensor stays as it is (``arr`` is then None: nothing was drawn)."""
    if arr is None:
        return tensor
    from ..ops.creation import _place
    value = _place(np.asarray(arr, tensor._value.dtype) if not hasattr(arr, "devices") else arr.astype(
        tensor._value.dtype), tensor.device)
    with grad_mode.no_grad():
        tensor._assign(Tensor._wrap(value))
    return tensor


def _np_dtype(tensor):
    return tensor._value.dtype


def _draw_uniform(tensor, a, b, generator=None):
    """U(a, b) draws for ``tensor``; None for a meta tensor, whose init draws nothing (as in torch, the
    generator does not advance)."""
    if _is_meta(tensor):
        return None
    return _gen(generator).uniform(tuple(tensor.shape), _np_dtype(tensor), a, b)


def _draw_normal(tensor, mean, std, generator=None):
    if _is_meta(tensor):
        return None
    return _gen(generator).normal(tuple(tensor.shape), _np_dtype(tensor), mean, std)


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.size(1)
    num_output_fmaps = tensor.size(0)
    receptive_field_size = 1
    for s in tuple(tensor.shape)[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    return _write(tensor, _draw_uniform(tensor, a, b, generator))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2)."""
    return _write(tensor, _draw_normal(tensor, mean, std, generator))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b], drawing as torch 2.13 does (so a seeded run gives
    torch's numbers): when the interval holds more than 30% of the mass, normal draws with the
    out-of-range ones redrawn until none is left; otherwise uniform proposals on [a, b] accepted with
    probability exp(-(x - mean)^2 / (2 std^2)) relative to the density's peak on [a, b]."""
    from .. import _functions as _t

    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    if _is_meta(tensor):
        return tensor
    with grad_mode.no_grad():
        if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
            lo, hi = tensor.new_tensor(a).item(), tensor.new_tensor(b).item()  # a, b rounded to the dtype
            result = tensor.normal_(mean, std, generator=generator)
            while True:
                out = (result < lo) | (result > hi)
                if not out.any():
                    break
                result = _t.where(out, _t.empty_like(result).normal_(mean, std, generator=generator), result)
            if tensor is not result:
                tensor.copy_(result)
            return tensor
        log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
        candidates = _t.empty_like(tensor)
        accept_buf = _t.empty_like(tensor)
        tensor.uniform_(a, b, generator=generator)
        candidates.copy_(tensor)
        candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)
        pending = accept_buf.uniform_(generator=generator).log_().gt(candidates)
        if pending.any():
            result = tensor
            while True:
                candidates.uniform_(a, b, generator=generator)
                result = _t.where(pending, candidates, result)
                candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)
                pending = _t.where(pending, accept_buf.uniform_(generator=generator).log_().gt(candidates), pending)
                if not pending.any():
                    break
            tensor.copy_(result)
        return tensor


def constant_(tensor, val):
    return _write(tensor, np.full(tuple(tensor.shape), val))


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Identity matrix into a 2-D tensor."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tuple(tensor.shape)))


def dirac_(tensor, groups=1):
    """Dirac delta into a {3,4,5}-D conv weight, preserving channel identity per group."""
    dimensions = tensor.ndimension()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    arr = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            arr[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, arr)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform init: U(-b, b) with b = gain * sqrt(3 / fan)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """(Semi-)orthogonal matrix from the QR decomposition of a normal draw, signs fixed by diag(R)."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0 or _is_meta(tensor):
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flattened = _gen(generator).normal((rows, cols), _np_dtype(tensor), 0.0, 1.0)
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(np.asarray(flattened))
    ph = np.sign(np.diag(r))
    q = q * ph
    if rows < cols:
        q = q.T
    q = q.astype(_np_dtype(tensor)) * np.asarray(gain, _np_dtype(tensor))
    return _write(tensor, q.reshape(tuple(tensor.shape)))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Normal N(0, std) with a ``sparsity`` fraction of each column set to zero (torch's draw order)."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tuple(tensor.shape)
    num_zeros = int(math.ceil(sparsity * rows))
    if _is_meta(tensor):
        return tensor
    g = _gen(generator)
    arr = np.array(g.normal((rows, cols), _np_dtype(tensor), 0.0, std))
    for col_idx in range(cols):
        row_indices = g.randperm(rows)
        arr[row_indices[:num_zeros], col_idx] = 0
    return _write(tensor, arr)


def _deprecated(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
