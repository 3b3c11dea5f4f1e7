"""CPU-only lowerings of 2-d convolutions, used where XLA:CPU's own convolution was measured slower.

``cpu_lowering`` picks one per call (other backends keep their native convolutions: cuDNN, TPU):
- ``banded``: one GEMM against a block-banded (Toeplitz) weight along the width, for small-channel
  convs with wide kernels (MNIST, LeNet);
- ``patches``: kh*kw shifted slices and one contraction, for one input channel, tiny outputs and
  strided convs of many channels;
- ``depthwise``: per-channel convs (``groups`` == input channels, MobileNet) as kh*kw shifted
  multiply-adds, with a hand-written backward.
All match ``lax.conv_general_dilated`` (and torch) up to float rounding; tests compare them with torch.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _trace_hooks as _hooks


def out_size(n, k, s, d):
    """Output length of a window of ``k`` taps (dilation ``d``, stride ``s``) over ``n`` padded positions."""
    return (n - d * (k - 1) - 1) // s + 1


def out_sizes(spatial, kernel, stride, dilation):
    return tuple(out_size(n, k, s, d) for n, k, s, d in zip(spatial, kernel, stride, dilation))


def with_backward(plain, fwd, bwd, nondiff_argnums):
    """``plain`` with the written-out backward ``(fwd, bwd)`` as a ``jax.custom_vjp``; while forward-mode
    AD traces (``_trace_hooks.forward_mode``: JAX cannot push tangents through a custom VJP) the
    returned function runs ``plain``, which JAX differentiates itself, as the op registry does."""
    custom = jax.custom_vjp(plain, nondiff_argnums=nondiff_argnums)
    custom.defvjp(fwd, bwd)
    return lambda *args: (plain if _hooks.forward_mode else custom)(*args)


def cpu_lowering(x, w, stride, padding, dilation, groups):
    """``'banded'``, ``'patches'``, ``'depthwise'`` or None (XLA's convolution) for this 2-d conv on
    CPU (the caller, ``conv._conv``, only asks on the CPU backend)."""
    if groups == 1:
        if _banded_pays(x.shape, w.shape, padding):
            return "banded"
        if _patches_pay(x.shape, w.shape, stride, padding, dilation):
            return "patches"
        return None
    if groups == x.shape[1] and w.shape[1] == 1 and jnp.issubdtype(x.dtype, jnp.floating):
        return "depthwise"
    return None


def conv2d_patches(x, w, stride, padding, dilation):
    """A 2-d conv as kh*kw shifted (strided, dilated) slices of the padded input and one contraction
    over (channel, kernel position); JAX differentiates it as that contraction plus a pad-add."""
    x = jnp.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    k = w.shape[2:]
    out = out_sizes(x.shape[2:], k, stride, dilation)
    cols = jnp.stack(shifted_views(x, k, stride, dilation, out), axis=2)
    return jnp.einsum("nckhw,ock->nohw", cols, w.reshape(w.shape[0], w.shape[1], k[0] * k[1]))


PATCHES_MAX_TAPS = 64  # kernel positions (8x8); see _patches_pay


def _patches_pay(x_shape, w_shape, stride, padding, dilation):
    """Whether ``conv2d_patches`` beats XLA:CPU's convolution for this 2-d conv (forward+backward).

    Measured on a 2-core x86 CPU: with one input channel (MNIST's first layer) the slices win
    1.7-1.9x, since XLA:CPU's generic convolution gradient is slow there; with a tiny output (at most
    2x2, e.g. ResNet's last stage on 32-64 px images) XLA:CPU rewrites the convolution into a form
    that is 10-80x slower than the slices (a 3x3 conv of 512 channels on a 2x2 input: 154 vs 2.5 ms
    at batch 8); and strided 3x3 convs of 256+ channels with at most 4x4 outputs win 1.2-3.5x.
    Larger outputs keep XLA's convolution (the slices then lose up to 1.7x). Kernels of more than
    ``PATCHES_MAX_TAPS`` positions keep it too, whatever the channels: the program holds one slice per
    kernel position, and a 32x32 kernel's 1,024 slices took 32 s of CPU to compile (XLA's convolution:
    0.2 s for forward and weight gradient).
    """
    c, (h, wd) = x_shape[1], x_shape[2:]
    kh, kw = w_shape[2:]
    ho, wo = out_sizes((h + sum(padding[0]), wd + sum(padding[1])), (kh, kw), stride, dilation)
    if kh * kw > PATCHES_MAX_TAPS:
        return False
    if c == 1:
        return True
    if kh * kw == 1:
        return False
    return ho * wo <= 4 or (max(stride) > 1 and ho * wo <= 16 and c >= 256)


def _banded_pays(x_shape, w_shape, padding):
    """Whether ``conv2d_banded`` beats XLA:CPU's convolution for this 2-d conv (forward+backward).

    Measured on a 2-core x86 CPU: the banded form does up to twice the convolution's multiply-adds
    but as one large GEMM, which wins (0.2-0.9x the time) for unpadded kernels of width >= 5 on
    narrow images with few channels (MNIST's and LeNet's 5x5 convs), is about even for padded ones,
    and loses (up to 3.5x) for 3x3 kernels with several channels and (2x) for wide images.
    """
    c, wdt = x_shape[1], x_shape[3]
    o, _, _, kw = w_shape
    return all(lo == hi == 0 for lo, hi in padding) and kw >= 5 and wdt <= 6.5 * kw and c * o < 512


def conv2d_banded(x, w, b, stride, dilation):
    """A 2-d conv as one GEMM against a block-banded (Toeplitz) weight matrix along the width.

    The width is cut into blocks of ``wb = kw - 1`` output columns, each reading the
    ``wi = wb + kw - 1`` input columns it needs, and every (block, kernel row) is one strided slice
    of the input (``nb*kh`` slices, where im2col takes ``kh*kw`` per output column); the weight is
    expanded to ``T[(i, c, u), (o, v)] = w[o, c, i, j]`` where ``u == v*stride + j*dilation`` and
    zero elsewhere, the same for every block; ``y = blocks @ T`` with blocks as a
    ``(N*Ho*nb, kh*C*wi)`` matrix. The GEMM does ``(wb+kw-1)/kw < 2`` times the convolution's
    multiply-adds (a band over the whole width did ``W/kw``: 5.6x for MNIST's first layer; blocks
    made its forward+backward ~1.7x faster).
    The bias is added in the GEMM's layout, so its gradient reads the same matrix as the weight's.
    The backward is written out (``_banded_bwd``); forward-mode AD differentiates the plain form.
    """
    if b is None:
        b = jnp.zeros(w.shape[0], w.dtype)
    return _banded(x, w, b, tuple(stride), tuple(dilation))


def _banded_geometry(x_shape, w_shape, stride, dilation):
    """(ho, wo, wb, nb, wi): output size, output columns per block, blocks, input columns per block."""
    kh, kw = w_shape[2:]
    ho, wo = out_sizes(x_shape[2:], (kh, kw), stride, dilation)
    wb = min(kw - 1, wo)
    nb = -(-wo // wb)
    wi = (wb - 1) * stride[1] + (kw - 1) * dilation[1] + 1
    return ho, wo, wb, nb, wi


def _band(w, wi, wb, stride, dilation):
    """``T`` as a ``(kh*C*wi, O*wb)`` matrix (rows ordered kernel row, channel, column)."""
    o, c, kh, kw = w.shape
    band = np.zeros((kw, wi, wb), np.float32)
    for j in range(kw):
        band[j, np.arange(wb) * stride[1] + j * dilation[1], np.arange(wb)] = 1
    # Exact: each T entry sums one weight times 1 (HIGHEST keeps TPUs from rounding it to bfloat16).
    t = jnp.einsum("ocij,juv->icuov", w, band.astype(w.dtype), precision=lax.Precision.HIGHEST)
    return t.reshape(kh * c * wi, o * wb), band


def _banded_blocks(x, kh, stride, dilation, geom):
    """The GEMM's left matrix ``(N*Ho*nb, kh*C*wi)``: every block's input rows and columns, one
    strided slice of the input per (block, kernel row), stacked in one pass."""
    n, c, _, wdt = x.shape
    (sh, sw), (dh, _) = stride, dilation
    ho, _, wb, nb, wi = geom
    need = (nb - 1) * wb * sw + wi
    if need > wdt:  # the last block runs past the edge: zero columns, cropped from the output below
        x = jnp.pad(x, ((0, 0), (0, 0), (0, 0), (0, need - wdt)))
    xt = jnp.swapaxes(x, 1, 2)  # (N, H, C, W): the GEMM's rows come out contiguous
    blocks = jnp.stack([xt[:, i * dh:i * dh + (ho - 1) * sh + 1:sh, :, k * wb * sw:k * wb * sw + wi]
                        for k in range(nb) for i in range(kh)], axis=2)  # (N, Ho, nb*kh, C, wi)
    return blocks.reshape(n * ho * nb, kh * c * wi)


def _unblock(y, n, o, geom):
    """GEMM output ``(N*Ho*nb, O*wb)`` -> ``(N, O, Ho, Wo)``."""
    ho, wo, wb, nb, _ = geom
    y = jnp.transpose(y.reshape(n, ho, nb, o, wb), (0, 3, 1, 2, 4)).reshape(n, o, ho, nb * wb)
    return y[..., :wo] if nb * wb > wo else y


def _banded_parts(x, w, b, stride, dilation):
    geom = _banded_geometry(x.shape, w.shape, stride, dilation)
    blocks = _banded_blocks(x, w.shape[2], stride, dilation, geom)
    t, _ = _band(w, geom[4], geom[2], stride, dilation)
    y = blocks @ t + jnp.repeat(b, geom[2])
    return _unblock(y, x.shape[0], w.shape[0], geom), blocks


def _banded_plain(x, w, b, stride, dilation):
    return _banded_parts(x, w, b, stride, dilation)[0]


def _banded_fwd(x, w, b, stride, dilation):
    y, blocks = _banded_parts(x, w, b, stride, dilation)
    return y, (blocks, x.shape, w)


def _banded_bwd(stride, dilation, res, g):
    """Weight and bias gradients from the GEMM's matrices; the input gradient as a second banded
    GEMM whose rows are (sample, input row, block) and whose columns take all ``kh`` kernel rows at
    once, so only the ``q`` overlapping column blocks are left to add (JAX's derivative of the
    forward left ``kh*q`` shifted adds, which XLA:CPU then recomputed in every consumer, e.g. 4x in
    a following max-pool's backward)."""
    blocks, x_shape, w = res
    n, c, hgt, wdt = x_shape
    o, _, kh, _ = w.shape
    (sh, sw), (dh, _) = stride, dilation
    ho, wo, wb, nb, wi = _banded_geometry(x_shape, w.shape, stride, dilation)
    gp = jnp.pad(g, ((0, 0), (0, 0), (0, 0), (0, nb * wb - wo))) if nb * wb > wo else g
    g2 = jnp.transpose(gp.reshape(n, o, ho, nb, wb), (0, 2, 3, 1, 4))  # (N, Ho, nb, O, wb)
    gm = g2.reshape(n * ho * nb, o * wb)
    db = gm.sum(0).reshape(o, wb).sum(1)
    t, band = _band(w, wi, wb, stride, dilation)
    dt = lax.dot_general(blocks, gm, (((0,), (0,)), ((), ())))
    dw = jnp.einsum("icuov,juv->ocij", dt.reshape(kh, c, wi, o, wb), band.astype(dt.dtype),
                    precision=lax.Precision.HIGHEST)
    # input rows: row r meets output row (r - i*dh) / sh through kernel row i
    taps = []
    for i in range(kh):
        cfg = [(0, 0, 0), (i * dh, hgt - (i * dh + (ho - 1) * sh + 1), sh - 1), (0, 0, 0), (0, 0, 0), (0, 0, 0)]
        taps.append(lax.pad(g2, jnp.zeros((), g.dtype), cfg))
    gr = jnp.stack(taps, 3).reshape(n * hgt * nb, kh * o * wb)  # (N, H, nb, kh, O, wb)
    tr = jnp.transpose(t.reshape(kh, c, wi, o, wb), (0, 3, 4, 1, 2)).reshape(kh * o * wb, c * wi)
    dcols = (gr @ tr).reshape(n, hgt, nb, c, wi)
    # input columns: block k's wi columns start at k*wb*sw; cut them into q chunks of that stride
    step = wb * sw
    q = -(-wi // step)
    dcols = jnp.pad(dcols, ((0, 0),) * 4 + ((0, q * step - wi),)).reshape(n, hgt, nb, c, q, step)
    gx = sum(jnp.pad(dcols[:, :, :, :, t_], ((0, 0), (0, 0), (t_, q - 1 - t_), (0, 0), (0, 0))) for t_ in range(q))
    gx = jnp.transpose(gx, (0, 3, 1, 2, 4)).reshape(n, c, hgt, (nb + q - 1) * step)
    gx = gx[..., :wdt] if gx.shape[-1] >= wdt else jnp.pad(gx, ((0, 0),) * 3 + ((0, wdt - gx.shape[-1]),))
    return gx, dw.astype(w.dtype), db.astype(w.dtype)


_banded = with_backward(_banded_plain, _banded_fwd, _banded_bwd, nondiff_argnums=(3, 4))


def conv2d_depthwise(x, w, stride, padding, dilation):
    """A depthwise conv (``groups`` == input channels, weight (C*m, 1, kh, kw)) as kh*kw shifted
    multiply-adds. XLA:CPU's grouped convolution was measured 10-50x slower forward+backward on
    MobileNet-v2's layers; JAX's own derivative of the slices is 3-20x slower than the backward
    written here (the weight gradient as one pass over the data instead of kh*kw passes)."""
    m = w.shape[0] // x.shape[1]
    if m > 1:  # channel multiplier: output channel o reads input channel o // m
        x = jnp.repeat(x, m, axis=1)
    return _depthwise(x, w, tuple(stride), tuple(map(tuple, padding)), tuple(dilation))


def shifted_views(xp, k, stride, dilation, out):
    """The views of ``xp`` that kernel tap (i, j) meets at every output position, taps row-major."""
    (sh, sw), (dh, dw), (ho, wo) = stride, dilation, out
    return [xp[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw]
            for i in range(k[0]) for j in range(k[1])]


def _taps(xp, w, stride, dilation, out):
    """Sum over kernel taps of the shifted input times that tap's per-channel weight (accumulated in
    float32 at least, as a convolution would)."""
    acc = jnp.promote_types(xp.dtype, jnp.float32)
    wf = w.reshape(w.shape[0], -1).astype(acc)
    y = 0
    for t, view in enumerate(shifted_views(xp, w.shape[2:], stride, dilation, out)):
        y = y + view.astype(acc) * wf[None, :, t, None, None]
    return y.astype(xp.dtype)


def _depthwise_plain(x, w, stride, padding, dilation):
    xp = jnp.pad(x, ((0, 0), (0, 0)) + padding)
    return _taps(xp, w, stride, dilation, out_sizes(xp.shape[2:], w.shape[2:], stride, dilation))


def _depthwise_fwd(x, w, stride, padding, dilation):
    return _depthwise_plain(x, w, stride, padding, dilation), (x, w)


def _depthwise_bwd(stride, padding, dilation, res, g):
    x, w = res
    kh, kw = w.shape[2:]
    xp = jnp.pad(x, ((0, 0), (0, 0)) + padding)
    out = g.shape[2:]
    # weight: every tap's sum over (batch, rows, cols) of g * shifted input, all in one pass (a variadic reduce)
    acc = jnp.promote_types(g.dtype, jnp.float32)
    prods = tuple(g.astype(acc) * view.astype(acc) for view in shifted_views(xp, (kh, kw), stride, dilation, out))
    sums = lax.reduce(prods, tuple(jnp.zeros((), acc) for _ in prods),
                      lambda a, b: tuple(u + v for u, v in zip(a, b)), (0, 2, 3))
    dw = jnp.stack(sums, 1).reshape(w.shape).astype(w.dtype)
    # input: g spread back onto the padded input grid (interior zeros for the stride), then correlated
    # with the flipped kernel at the same dilation
    cfg = [(0, 0, 0), (0, 0, 0)]
    for n, k, s, d, o in zip(xp.shape[2:], (kh, kw), stride, dilation, out):
        cfg.append((d * (k - 1), n - (o - 1) * s - 1, s - 1))
    gd = lax.pad(g, jnp.zeros((), g.dtype), cfg)
    dxp = _taps(gd, jnp.flip(w, (2, 3)), (1, 1), dilation, xp.shape[2:])
    (t, _), (l, _) = padding
    return dxp[:, :, t:t + x.shape[2], l:l + x.shape[3]], dw


_depthwise = with_backward(_depthwise_plain, _depthwise_fwd, _depthwise_bwd, nondiff_argnums=(2, 3, 4))
