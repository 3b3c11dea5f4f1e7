"""Convolutions: ``F.conv1d/2d/3d``, ``F.conv_transpose1d/2d/3d``, ``F.unfold``, ``F.fold``.

Each call is one Op (one jitted XLA program) over ``lax.conv_general_dilated`` in torch's
NC(D)HW / OI(D)HW layouts; on CPU, shapes where XLA:CPU's convolution was measured far slower than
torch take other routes (see ``_conv``, ``conv_cpu`` and the written-out transposed-conv backward).
``padding`` takes ints, tuples, ``'same'`` (torch puts the odd extra element on the right) and
``'valid'``; the modules' ``padding_mode`` (reflect/replicate/circular) is folded into the same
program. Shape and channel checks raise torch's RuntimeError wording.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ..._tensor import Tensor
from ... import _intercept
from ...ops.registry import Op, apply
from .conv_cpu import (conv2d_banded, conv2d_depthwise, conv2d_patches, cpu_lowering, out_size, out_sizes,
                       shifted_views, with_backward)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]

_DN = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}
_JNP_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _tup(v, n, name="value"):
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        v = tuple(int(e) for e in v)
        if len(v) == 1 and n > 1:
            v = v * n
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match "
                               f"the convolution dimensions, but got {name}={list(v)}")
        return v
    return (int(v),) * n


def _sizes(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _cpp_type_name(t):
    """The C++ scalar name torch's conv dtype-mismatch message uses (float, double, c10::Half, ...)."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}.get(
        t.dtype.name, t.dtype.name)


def _pad_fn(x, pads, mode):
    """Pad spatial dims (pairs ``(lo, hi)`` after N, C) with a torch padding mode."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return jnp.pad(x, ((0, 0), (0, 0)) + tuple(pads), mode=_JNP_PAD_MODE[mode])


def _transposed_kernel(w, groups, nd):
    """torch's transposed weight (Cin, Cout/g, k...) as a forward kernel (Cout, Cin/g, k...), flipped."""
    cin, coutg = w.shape[:2]
    k = w.shape[2:]
    w = w.reshape((groups, cin // groups, coutg) + k)
    w = jnp.swapaxes(w, 1, 2).reshape((groups * coutg, cin // groups) + k)
    return jnp.flip(w, axis=tuple(range(2, 2 + nd)))


def _conv_fwd(x, w, b, *, nd, stride, padding, dilation, groups, pad_mode, transposed, output_padding, unbatched):
    if unbatched:
        x = x[None]
    if transposed:
        args = (nd, stride, padding, dilation, groups, output_padding)
        y = (_conv_transpose_cpu if jax.default_backend() == "cpu" else _conv_transpose)(x, w, *args)
    else:
        if pad_mode != "zeros":
            x = _pad_fn(x, padding, pad_mode)
            padding = ((0, 0),) * nd
        y, b = _conv(x, w, b, nd, stride, padding, dilation, groups)
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y[0] if unbatched else y


def _conv(x, w, b, nd, stride, padding, dilation, groups):
    """A forward convolution; returns (y, bias still to add) since the banded lowering adds it itself.

    On CPU some shapes avoid XLA:CPU's convolution where it was measured far slower than torch
    (forward+backward, 2-core x86): grouped convs (not depthwise) run as one conv per group, since
    XLA's grouped weight gradient took 90-1000 ms where the split takes 4-7 ms; 3-d convs run as one
    2-d conv per depth tap over depth-folded batches (2.5-5x faster); 1-d depthwise convs run as 2-d
    ones of height 1; and 2-d convs may take a ``conv_cpu`` lowering.
    """
    if jax.default_backend() == "cpu":
        depthwise = groups == x.shape[1] and w.shape[1] == 1
        if groups > 1 and not depthwise:
            parts = [_conv(xk, wk, None, nd, stride, padding, dilation, 1)[0]
                     for xk, wk in zip(jnp.split(x, groups, 1), jnp.split(w, groups, 0))]
            return jnp.concatenate(parts, 1), b
        if nd == 3:
            return _conv3d_depth_taps(x, w, stride, padding, dilation, groups), b
        if nd == 1 and depthwise and groups > 1:
            y, b = _conv(x[:, :, None], w[:, :, None], b, 2, (1,) + tuple(stride), ((0, 0),) + tuple(padding),
                         (1,) + tuple(dilation), groups)
            return y[:, :, 0], b
        lowering = cpu_lowering(x, w, stride, padding, dilation, groups) if nd == 2 else None
        if lowering == "banded":
            return conv2d_banded(x, w, b, stride, dilation), None
        if lowering == "patches":
            return conv2d_patches(x, w, stride, padding, dilation), b
        if lowering == "depthwise":
            return conv2d_depthwise(x, w, stride, padding, dilation), b
    return lax.conv_general_dilated(x, w, stride, padding, rhs_dilation=dilation, dimension_numbers=_DN[nd],
                                    feature_group_count=groups), b


def _conv3d_depth_taps(x, w, stride, padding, dilation, groups):
    """A 3-d conv as the sum over depth taps of 2-d convs whose batch is (sample, output depth)."""
    n, c = x.shape[:2]
    xp = jnp.pad(x, ((0, 0), (0, 0), padding[0], (0, 0), (0, 0)))
    kd, sd, dd = w.shape[2], stride[0], dilation[0]
    do = out_size(xp.shape[2], kd, sd, dd)
    y = 0
    for a in range(kd):
        xa = xp[:, :, a * dd:a * dd + (do - 1) * sd + 1:sd]
        xa = jnp.moveaxis(xa, 2, 1).reshape((n * do, c) + xa.shape[3:])
        y = y + _conv(xa, w[:, :, a], None, 2, stride[1:], padding[1:], dilation[1:], groups)[0]
    y = y.reshape((n, do) + y.shape[1:])
    return jnp.moveaxis(y, 1, 2)


def _conv_transpose(x, w, nd, stride, padding, dilation, groups, output_padding):
    """torch's transposed convolution: the input-gradient of ``_conv`` with the same weight and
    settings, written as XLA's input-dilated convolution."""
    k = w.shape[2:]
    pads = tuple((d * (kk - 1) - p, d * (kk - 1) - p + op)
                 for kk, d, (p, _), op in zip(k, dilation, padding, output_padding))
    return lax.conv_general_dilated(x, _transposed_kernel(w, groups, nd), (1,) * nd, pads, lhs_dilation=stride,
                                    rhs_dilation=dilation, dimension_numbers=_DN[nd], feature_group_count=groups)


# On CPU the backward of a transposed convolution is written out: XLA:CPU's derivative of the input-dilated
# convolution with respect to the weight was measured 30-60x slower than the forward (DCGAN's generator
# layers, batch 16: 266-316 ms). A transposed conv is the adjoint of ``_conv(., w)``, so its input
# gradient is that forward convolution of the output gradient, and its weight gradient is that
# convolution's own weight gradient, with the transposed conv's input as the cotangent.
def _conv_transpose_cpu_fwd(x, w, *args):
    return _conv_transpose(x, w, *args), (x, w)


def _conv_transpose_cpu_bwd(nd, stride, padding, dilation, groups, output_padding, res, g):
    x, w = res

    def adjoint(ww):
        return _conv(g, ww, None, nd, stride, padding, dilation, groups)[0]

    dx, pullback = jax.vjp(adjoint, w)
    return dx, pullback(x)[0]


_conv_transpose_cpu = with_backward(_conv_transpose, _conv_transpose_cpu_fwd, _conv_transpose_cpu_bwd,
                                    nondiff_argnums=(2, 3, 4, 5, 6, 7))


_conv_op = Op("convolution", _conv_fwd)


def _check_input(input, weight, bias, nd, name, transposed, groups):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}() argument 'input' and 'weight' must be Tensor, not "
                        f"{type(input).__name__}, {type(weight).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
                           f"input of size: {_sizes(input.shape)}")
    if weight.dim() != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if weight.dim() < 3 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{_sizes(input.shape)}, but got {weight.dim()}-dimensional weight of size "
                           f"{_sizes(weight.shape)} instead")
    if input.dtype != weight.dtype and not _intercept.autocast_casts("convolution"):
        raise RuntimeError(f"Input type ({_cpp_type_name(input)}) and weight type ({_cpp_type_name(weight)}) should be "
                           f"the same")
    if bias is not None and bias.dtype != input.dtype and not _intercept.autocast_casts("convolution"):
        raise RuntimeError(f"Input type ({_cpp_type_name(input)}) and bias type ({_cpp_type_name(bias)}) should be the same")
    unbatched = input.dim() == nd + 1
    c = input.shape[0 if unbatched else 1]
    batched_shape = (1,) + tuple(input.shape) if unbatched else tuple(input.shape)
    if transposed:
        if c != weight.shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {_sizes(weight.shape)}, expected input"
                               f"{_sizes(batched_shape)} to have {weight.shape[0]} channels, but got {c} channels "
                               f"instead")
        out_c = weight.shape[1] * groups
    else:
        if weight.shape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size {_sizes(weight.shape)} instead")
        if c != weight.shape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {_sizes(weight.shape)}, expected input"
                               f"{_sizes(batched_shape)} to have {weight.shape[1] * groups} channels, but got {c} "
                               f"channels instead")
        out_c = weight.shape[0]
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_c):
        raise RuntimeError(f"Given weight of size {_sizes(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_c} elements, but got bias of size {_sizes(bias.shape)} instead")
    return unbatched


def _padding_pairs(padding, nd, k, dilation, stride, name):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pairs = []
            for kk, d in zip(k, dilation):
                total = d * (kk - 1)
                pairs.append((total // 2, total - total // 2))
            return tuple(pairs)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = _tup(padding, nd, "padding")
    if any(e < 0 for e in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((e, e) for e in p)


def convolution(input, weight, bias, nd, stride=1, padding=0, dilation=1, groups=1, *, transposed=False,
                output_padding=0, padding_mode="zeros", name="conv2d"):
    """Shared entry point of the conv functions (and of the Conv modules, which pass ``padding_mode``)."""
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    def _vals(v):
        return tuple(v) if isinstance(v, (list, tuple)) else (v,)
    # torch checks these arguments before the shapes
    if any(s <= 0 for s in _vals(stride)):
        raise RuntimeError("non-positive stride is not supported")
    if not isinstance(padding, str) and any(p < 0 for p in _vals(padding)):
        raise RuntimeError("negative padding is not supported")
    unbatched = _check_input(input, weight, bias, nd, name, transposed, groups)
    if any(d <= 0 for d in _vals(dilation)):  # after the shapes, as torch
        raise RuntimeError("dilation should be greater than zero")
    stride = _tup(stride, nd, "stride")
    dilation = _tup(dilation, nd, "dilation")
    k = tuple(weight.shape[2:])
    pads = _padding_pairs(padding, nd, k, dilation, stride, name)
    spatial = tuple(input.shape[-nd:])
    if transposed:
        output_padding = _tup(output_padding, nd, "output_padding")
        for op_, s, d in zip(output_padding, stride, dilation):
            if op_ >= s and op_ >= d:
                raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                                   f"output_padding: {_sizes(output_padding)}, stride: {_sizes(stride)}, "
                                   f"dilation: {_sizes(dilation)}")
    else:
        output_padding = (0,) * nd
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
        eff = tuple(d * (kk - 1) + 1 for kk, d in zip(k, dilation))
        if any(p < e for p, e in zip(padded, eff)):
            raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                               f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                               f"actual input size")
        if padding_mode in ("reflect", "circular"):
            for s, (lo, hi) in zip(spatial, pads):
                if padding_mode == "reflect" and max(lo, hi) >= s:
                    raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                       f"dimension, but got: padding ({lo}, {hi}) at dimension {nd} of input "
                                       f"{_sizes(input.shape)}")
                if padding_mode == "circular" and max(lo, hi) > s:
                    raise RuntimeError("Padding value causes wrapping around more than once.")
    return apply(_conv_op, input, weight, bias, nd=nd, stride=stride, padding=pads, dilation=dilation,
                 groups=groups, pad_mode=padding_mode, transposed=transposed, output_padding=output_padding,
                 unbatched=unbatched)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d."""
    return convolution(input, weight, bias, 1, stride, padding, dilation, groups, name="conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d."""
    return convolution(input, weight, bias, 2, stride, padding, dilation, groups, name="conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv3d."""
    return convolution(input, weight, bias, 3, stride, padding, dilation, groups, name="conv3d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose1d (note torch's argument order: groups before dilation)."""
    return convolution(input, weight, bias, 1, stride, padding, dilation, groups, transposed=True,
                       output_padding=output_padding, name="conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose2d."""
    return convolution(input, weight, bias, 2, stride, padding, dilation, groups, transposed=True,
                       output_padding=output_padding, name="conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose3d."""
    return convolution(input, weight, bias, 3, stride, padding, dilation, groups, transposed=True,
                       output_padding=output_padding, name="conv_transpose3d")


# ------------------------------------------------------------------------------ unfold / fold

def _unfold_arr(x, kernel, dilation, padding, stride):
    # stacked shifted views (exact, and ~20x faster on XLA:CPU than conv_general_dilated_patches, which
    # runs an identity-kernel convolution); rows are channel-major, then kernel position, as torch's
    x = jnp.pad(x, ((0, 0), (0, 0)) + tuple((e, e) for e in padding))
    out = out_sizes(x.shape[2:], kernel, stride, dilation)
    cols = jnp.stack(shifted_views(x, kernel, stride, dilation, out), axis=2)
    return cols.reshape(x.shape[0], x.shape[1] * kernel[0] * kernel[1], out[0] * out[1])  # no -1: N may be 0


def _unfold_fwd(x, *, kernel, dilation, padding, stride, unbatched):
    if unbatched:
        x = x[None]
    y = _unfold_arr(x, kernel, dilation, padding, stride)
    return y[0] if unbatched else y


def _fold_fwd(cols, *, output_size, kernel, dilation, padding, stride, unbatched):
    if unbatched:
        cols = cols[None]
    n, ck = cols.shape[:2]
    spec = jax.ShapeDtypeStruct((n, ck // (kernel[0] * kernel[1])) + output_size, cols.dtype)
    (y,) = jax.linear_transpose(lambda x: _unfold_arr(x, kernel, dilation, padding, stride), spec)(cols)
    return y[0] if unbatched else y


_unfold_op = Op("im2col", _unfold_fwd)
_fold_op = Op("col2im", _fold_fwd)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold: sliding blocks of a (N, C, H, W) input as (N, C*prod(k), L)."""
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to im2col, but got input of size: "
                           f"{_sizes(input.shape)}")
    k, d, p, s = (_tup(v, 2, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                            (padding, "padding"), (stride, "stride")))
    h, w = input.shape[-2:]
    oh, ow = out_sizes((h + 2 * p[0], w + 2 * p[1]), k, s, d)
    if oh < 1 or ow < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({k[0]}, {k[1]}), dilation="
                           f"({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({oh}, {ow}), but its components must be at least one.")
    return apply(_unfold_op, input, kernel=k, dilation=d, padding=p, stride=s, unbatched=input.dim() == 3)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold: sums sliding blocks (N, C*prod(k), L) back into (N, C, H, W)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {_sizes(input.shape)}")
    o, k, d, p, s = (_tup(v, 2, n) for v, n in ((output_size, "output_size"), (kernel_size, "kernel_size"),
                                               (dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    ck, L = input.shape[-2:]
    if ck % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={ck} and kernel_size=({k[0]}, {k[1]})")
    bh, bw = out_sizes((o[0] + 2 * p[0], o[1] + 2 * p[1]), k, s, d)
    if bh * bw != L:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {bh} * {bw} = {bh * bw}, "
                           f"but got input.size(2)={L}.")
    return apply(_fold_op, input, output_size=o, kernel=k, dilation=d, padding=p, stride=s,
                 unbatched=input.dim() == 2)
