"""``torch.ops.aten``: aten operators by name, each with its overloads (``aten.slice.Tensor``,
``aten._safe_softmax.default``, ...).

The aten-only operators torch's op tests call (softmax/dropout/max-pool backward kernels, the
batch-norm-with-update kernel, ``_safe_softmax``, ``slice``) are written here over torchlike ops, so
their gradients come from the ops they use. Any other name resolves to the ``torch.*`` function of the
same name (``aten.add.Tensor`` is ``torch.add``). Every overload of a name calls the same Python
function, which takes all of that name's argument forms.
"""
from __future__ import annotations

import builtins
import importlib


class OpOverload:
    """One overload (``aten.slice.Tensor``): calls the op's function."""

    def __init__(self, packet, overload):
        self.overloadpacket, self._overloadname = packet, overload
        self.__name__ = f"{packet.__name__}.{overload}"

    def __call__(self, *args, **kwargs):
        return self.overloadpacket._fn(*args, **kwargs)

    def __repr__(self):
        return f"aten.{self.__name__}"


class OpOverloadPacket:
    """An aten operator name (``aten.slice``): callable, with its overloads as attributes."""

    def __init__(self, name, fn):
        self.__name__, self._fn = name, fn
        self._qualified_op_name = f"aten::{name}"

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __getattr__(self, overload):
        if overload.startswith("__"):
            raise AttributeError(overload)
        ov = OpOverload(self, overload)
        setattr(self, overload, ov)
        return ov

    def __repr__(self):
        return f"<OpOverloadPacket(op='aten.{self.__name__}')>"


def _tl():
    return importlib.import_module("torchlike")


def slice(input, dim=0, start=None, end=None, step=1):  # noqa: A001  (aten's name)
    """aten.slice.Tensor: ``input[..., start:end:step]`` along ``dim`` (a view)."""
    d = dim % input.ndim if input.ndim else 0
    return input[(builtins.slice(None),) * d + (builtins.slice(start, end, step),)]




def _safe_softmax(input, dim, dtype=None):
    """aten._safe_softmax: softmax whose fully masked (all -inf) rows give 0 instead of nan."""
    tl = _tl()
    masked = (input == float("-inf")).all(dim, keepdim=True)
    out = tl.softmax(tl.where(masked, tl.zeros((), dtype=input.dtype), input), dim, dtype=dtype)  # no nan grads
    return tl.where(masked, tl.zeros((), dtype=out.dtype), out)


def _softmax_backward_data(grad_output, output, dim, input_dtype):
    """aten._softmax_backward_data: the input gradient of softmax, ``y * (g - sum(g * y, dim))``."""
    g = output * (grad_output - (grad_output * output).sum(dim, keepdim=True))
    return g.to(input_dtype)


def _log_softmax_backward_data(grad_output, output, dim, input_dtype):
    """aten._log_softmax_backward_data: ``g - exp(y) * sum(g, dim)``."""
    return (grad_output - output.exp() * grad_output.sum(dim, keepdim=True)).to(input_dtype)


def native_dropout_backward(grad_output, mask, scale):
    """aten.native_dropout_backward: ``grad_output * mask * scale``."""
    return grad_output * mask.to(grad_output.dtype) * scale


def _batch_norm_with_update(input, weight, bias, running_mean, running_var, momentum, eps):
    """aten._batch_norm_with_update: training batch norm updating the running stats in place;
    (output, save_mean, save_invstd, reserve) with an empty uint8 reserve on CPU, as torch's."""
    tl = _tl()
    out, mean, invstd = tl.native_batch_norm(input, weight, bias, running_mean, running_var, True, momentum, eps)
    return out, mean, invstd, tl.empty(0, dtype=tl.uint8, device=input.device)


def max_pool2d_with_indices_backward(grad_output, input, kernel_size, stride, padding, dilation, ceil_mode,
                                     indices):
    """aten.max_pool2d_with_indices_backward: ``grad_output`` summed into the input positions
    ``indices`` (flat per plane) point at."""
    tl = _tl()
    planes = grad_output.reshape(*grad_output.shape[:-2], -1)
    flat = tl.zeros(*input.shape[:-2], input.shape[-2] * input.shape[-1], dtype=grad_output.dtype,
                    device=grad_output.device)
    res = flat.scatter_add(-1, indices.reshape(*indices.shape[:-2], -1), planes).reshape(input.shape)
    # torch differentiates it w.r.t. input too, with a zero gradient: keep input in the graph
    return tl.where(tl.zeros((), dtype=tl.bool), input.to(res.dtype), res) if input.requires_grad else res


def _upsample_bilinear2d_aa(input, output_size, align_corners, scale_factors=None):
    """aten._upsample_bilinear2d_aa (torch._C._nn): ``interpolate(..., mode="bilinear", antialias=True)``."""
    return _upsample_aa(input, output_size, align_corners, scale_factors, "bilinear")


def _upsample_bicubic2d_aa(input, output_size, align_corners, scale_factors=None):
    """aten._upsample_bicubic2d_aa (torch._C._nn): ``interpolate(..., mode="bicubic", antialias=True)``."""
    return _upsample_aa(input, output_size, align_corners, scale_factors, "bicubic")


def _upsample_aa(input, output_size, align_corners, scale_factors, mode):
    F = _tl().nn.functional
    if output_size is not None:
        return F.interpolate(input, size=tuple(output_size), mode=mode, align_corners=align_corners, antialias=True)
    return F.interpolate(input, scale_factor=tuple(scale_factors), mode=mode, align_corners=align_corners,
                         antialias=True)


_OWN = {name: globals()[name] for name in ("slice", "_safe_softmax", "_softmax_backward_data",
                                           "_log_softmax_backward_data", "native_dropout_backward",
                                           "_batch_norm_with_update", "max_pool2d_with_indices_backward",
                                           "_upsample_bilinear2d_aa", "_upsample_bicubic2d_aa")}
_PACKETS = {name: OpOverloadPacket(name, fn) for name, fn in _OWN.items()}
globals().update(_PACKETS)  # aten.slice is the packet (aten.slice.Tensor its overload), not the function


def __getattr__(name):
    """``aten.<name>``: an operator packet over this module's function or torchlike's ``torch.<name>``."""
    if name.startswith("__"):
        raise AttributeError(name)
    if name not in _PACKETS:
        fn = _OWN.get(name)
        if fn is None:
            fn = getattr(_tl(), name, None)
            if fn is None or not callable(fn):
                raise AttributeError(f"'_OpNamespace' 'aten' object has no attribute '{name}'")
        _PACKETS[name] = OpOverloadPacket(name, fn)
    return _PACKETS[name]
