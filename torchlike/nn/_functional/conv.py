"""Convolutions: ``F.conv1d/2d/3d``, ``F.conv_transpose1d/2d/3d``, ``F.unfold``, ``F.fold``.

Each call is one Op (one jitted XLA program) over ``lax.conv_general_dilated`` in torch's
NC(D)HW / OI(D)HW layouts. ``padding`` takes ints, tuples, ``'same'`` (torch puts the odd extra
element on the right) and ``'valid'``; the modules' ``padding_mode`` (reflect/replicate/circular)
is folded into the same program. Shape and channel checks raise torch's RuntimeError wording.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._tensor import Tensor
from ... import _intercept
from ...ops.registry import Op, apply

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


def _type_name(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}.get(
        str(t.dtype).replace("torch.", ""), str(t.dtype).replace("torch.", ""))


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
        k = w.shape[2:]
        pads = tuple((d * (kk - 1) - p, d * (kk - 1) - p + op)
                     for kk, d, (p, _), op in zip(k, dilation, padding, output_padding))
        y = lax.conv_general_dilated(x, _transposed_kernel(w, groups, nd), (1,) * nd, pads, lhs_dilation=stride,
                                     rhs_dilation=dilation, dimension_numbers=_DN[nd], feature_group_count=groups)
    else:
        if pad_mode != "zeros":
            x = _pad_fn(x, padding, pad_mode)
            padding = ((0, 0),) * nd
        if nd == 2 and groups == 1 and _banded_pays(x.shape, w.shape, padding):
            y, b = _conv2d_banded(x, w, b, stride, dilation), None
        elif nd == 2 and groups == 1 and _patches_pay(x.shape, w.shape, stride, padding, dilation):
            y = _conv2d_patches(x, w, stride, padding, dilation)
        else:
            y = lax.conv_general_dilated(x, w, stride, padding, rhs_dilation=dilation, dimension_numbers=_DN[nd],
                                         feature_group_count=groups)
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y[0] if unbatched else y


def _conv2d_patches(x, w, stride, padding, dilation):
    """A 2-d conv as kh*kw shifted (strided, dilated) slices of the padded input and one contraction
    over (channel, kernel position); JAX differentiates it as that contraction plus a pad-add."""
    x = jnp.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    kh, kw = w.shape[2:]
    (sh, sw), (dh, dw) = stride, dilation
    ho = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    cols = jnp.stack([x[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw]
                      for i in range(kh) for j in range(kw)], axis=2)
    return jnp.einsum("nckhw,ock->nohw", cols, w.reshape(w.shape[0], w.shape[1], kh * kw))


def _patches_pay(x_shape, w_shape, stride, padding, dilation):
    """Whether ``_conv2d_patches`` beats XLA:CPU's convolution for this 2-d conv (forward+backward).

    Measured on a 2-core x86 CPU: with one input channel (MNIST's first layer) the slices win
    1.7-1.9x, since XLA:CPU's generic convolution gradient is slow there; with a tiny output (at most
    2x2, e.g. ResNet's last stage on 32-64 px images) XLA:CPU rewrites the convolution into a form
    that is 10-80x slower than the slices (a 3x3 conv of 512 channels on a 2x2 input: 154 vs 2.5 ms
    at batch 8); and strided 3x3 convs of 256+ channels with at most 4x4 outputs win 1.2-3.5x.
    Larger outputs keep XLA's convolution (the slices then lose up to 1.7x); other backends always do.
    """
    if jax.default_backend() != "cpu":
        return False
    c, (h, wd) = x_shape[1], x_shape[2:]
    kh, kw = w_shape[2:]
    ho = (h + sum(padding[0]) - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + sum(padding[1]) - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if c == 1:
        return True
    if kh * kw == 1:
        return False
    return ho * wo <= 4 or (max(stride) > 1 and ho * wo <= 16 and c >= 256)


def _banded_pays(x_shape, w_shape, padding):
    """Whether ``_conv2d_banded`` beats XLA:CPU's convolution for this 2-d conv (forward+backward).

    Measured on a 2-core x86 CPU: the banded form does up to twice the convolution's multiply-adds
    but as one large GEMM, which wins (0.2-0.9x the time) for unpadded kernels of width >= 5 on
    narrow images with few channels (MNIST's and LeNet's 5x5 convs), is about even for padded ones,
    and loses (up to 3.5x) for 3x3 kernels with several channels and (2x) for wide images.
    Other backends keep their native convolution (cuDNN, TPU convolutions).
    """
    c, wdt = x_shape[1], x_shape[3]
    o, _, _, kw = w_shape
    return (jax.default_backend() == "cpu" and all(lo == hi == 0 for lo, hi in padding) and kw >= 5
            and wdt <= 6.5 * kw and c * o < 512)


def _conv2d_banded(x, w, b, stride, dilation):
    """A 2-d conv as one GEMM against a block-banded (Toeplitz) weight matrix along the width.

    The input's rows are sliced once per kernel row (``kh`` shifted views, where im2col takes
    ``kh*kw``), and the width is cut into blocks of ``wb = kw - 1`` output columns, each reading the
    ``wb + kw - 1`` input columns it needs; the weight is expanded to ``T[(c, i, u), (o, v)] =
    w[o, c, i, j]`` where ``u == v*stride + j*dilation`` and zero elsewhere, the same for every
    block; ``y = blocks @ T`` with blocks as a ``(N*Ho*blocks, C*kh*(wb+kw-1))`` matrix. The GEMM does
    ``(wb+kw-1)/kw < 2`` times the convolution's multiply-adds (a band over the whole width did
    ``W/kw``: 5.6x for MNIST's first layer; blocks made its forward+backward ~1.7x faster).
    The bias is added in the GEMM's layout, so its gradient reads the same matrix as the weight's.
    Autodiff of this is again GEMMs plus pad-adds of the slices, which XLA:CPU runs well.
    """
    n, c, _, wdt = x.shape
    o, _, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (wdt - dw * (kw - 1) - 1) // sw + 1
    wb = min(kw - 1, wo)
    nb = -(-wo // wb)
    wi = (wb - 1) * sw + (kw - 1) * dw + 1  # input columns one block reads
    need = (nb - 1) * wb * sw + wi
    if need > wdt:  # the last block runs past the edge: zero columns, cropped from the output below
        x = jnp.pad(x, ((0, 0), (0, 0), (0, 0), (0, need - wdt)))
    xt = jnp.swapaxes(x, 1, 2)  # (N, H, C, W): the GEMM's rows come out contiguous
    rows = jnp.stack([xt[:, i * dh:i * dh + (ho - 1) * sh + 1:sh] for i in range(kh)], axis=3)
    blocks = jnp.stack([rows[..., k * wb * sw:k * wb * sw + wi] for k in range(nb)], axis=2)
    band = np.zeros((kw, wi, wb), np.float32)
    for j in range(kw):
        band[j, np.arange(wb) * sw + j * dw, np.arange(wb)] = 1
    # Exact: each T entry sums one weight times 1 (HIGHEST keeps TPUs from rounding it to bfloat16).
    t = jnp.einsum("ocij,juv->ciuov", w, band.astype(w.dtype), precision=lax.Precision.HIGHEST)
    y = blocks.reshape(n * ho * nb, c * kh * wi) @ t.reshape(c * kh * wi, o * wb)
    if b is not None:
        y = y + jnp.repeat(b, wb)
    y = jnp.transpose(y.reshape(n, ho, nb, o, wb), (0, 3, 1, 2, 4)).reshape(n, o, ho, nb * wb)
    return y[..., :wo] if nb * wb > wo else y


_conv_op = Op("convolution", _conv_fwd)


def _check_input(input, weight, bias, nd, name, transposed, groups):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}() argument 'input' and 'weight' must be Tensor, not "
                        f"{type(input).__name__}, {type(weight).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
                           f"input of size: {_sizes(input.shape)}")
    if weight.dim() != nd + 2:
        raise RuntimeError(f"weight should have at least three dimensions" if weight.dim() < 3 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{_sizes(input.shape)}, but got {weight.dim()}-dimensional weight of size "
                           f"{_sizes(weight.shape)} instead")
    if input.dtype != weight.dtype and not _intercept.autocast_casts("convolution"):
        raise RuntimeError(f"Input type ({_type_name(input)}) and weight type ({_type_name(weight)}) should be "
                           f"the same")
    if bias is not None and bias.dtype != input.dtype and not _intercept.autocast_casts("convolution"):
        raise RuntimeError(f"Input type ({_type_name(input)}) and bias type ({_type_name(bias)}) should be the same")
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
    unbatched = _check_input(input, weight, bias, nd, name, transposed, groups)
    stride = _tup(stride, nd, "stride")
    dilation = _tup(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
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
    p = lax.conv_general_dilated_patches(x, kernel, stride, tuple((e, e) for e in padding), rhs_dilation=dilation,
                                         dimension_numbers=_DN[2], precision=lax.Precision.HIGHEST)
    return p.reshape(p.shape[0], p.shape[1], -1)


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
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
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
    bh = (o[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (o[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if bh * bw != L:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {bh} * {bw} = {bh * bw}, "
                           f"but got input.size(2)={L}.")
    return apply(_fold_op, input, output_size=o, kernel=k, dilation=d, padding=p, stride=s,
                 unbatched=input.dim() == 2)
