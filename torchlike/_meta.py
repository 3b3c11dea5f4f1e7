"""The meta device: tensors with a shape and a dtype and no data (torch's ``device="meta"``).

A meta tensor is an ordinary :class:`Tensor` whose value is a ``jax.ShapeDtypeStruct`` instead of
an array, so Parameters, views and modules built from meta tensors are meta too, with no class of
their own. Factories (``empty``, ``zeros``, ``randn``, ``*_like`` ... with ``device="meta"`` or
inside ``with torch.device("meta")`` / ``torch.set_default_device("meta")``) make them, ``to("meta")``
converts to them, and every registered op whose inputs include a meta tensor computes its result's
shape and dtype with ``jax.eval_shape`` over the op's own forward, running nothing (through the
shared hook in ``_intercept``). ``Module.to_empty(device=...)`` materialises uninitialised (here:
zero) storage. Asking for data raises torch's errors (``item()``, ``tolist()``, ``numpy()``,
``bool()``, ``to("cpu")``). In-place fills of a meta tensor (``nn.init``) keep it meta; the host
random stream still advances for them (torch's does not).
"""
from __future__ import annotations

import jax
import numpy as np

from . import _device as _dev
from ._above import above as _above

META = _dev.device("meta")
MetaValue = jax.ShapeDtypeStruct


def is_meta(v) -> bool:
    return isinstance(v, MetaValue)


def _resolve(device):
    d = _dev.default_device() if device is None else device
    return d if isinstance(d, _dev.device) else _dev.device(d)


class MetaNode:
    """The grad_fn of a meta op's output: it has torch's name; there is nothing to differentiate."""

    retained = None

    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def __call__(self, *a, **k):
        raise NotImplementedError("backward through meta tensors is not supported (they hold no data)")

    def _add_pre_hook(self, nr, hook):
        raise NotImplementedError("hooks on meta tensors are not supported")


def meta_apply(op, args, statics):
    """Result of ``op`` when one of ``args`` is a meta tensor (shapes/dtypes only), else NotImplemented."""
    from ._tensor import Tensor
    meta = False
    for a in args:
        if isinstance(a, Tensor) and isinstance(a._value, MetaValue):
            meta = True
            break
    if not meta:
        return NotImplemented
    from .autograd import grad_mode
    from .ops import registry
    for a in args:
        # a real floating operand next to a meta one is a device mix-up (torch raises); integer ones
        # (indices, masks, the RNG key dropout passes) only shape the result, so they may stay real
        if (isinstance(a, Tensor) and not isinstance(a._value, MetaValue) and a._value.ndim > 0
                and a._value.dtype in registry.INEXACT):
            raise RuntimeError(f"Tensor on device {a.device} is not on the expected device meta! "
                               f"({op.name} got a {a.device} tensor of shape {list(a.shape)})")
    casts = None
    if op.promote != "none":
        casts, _ = registry._promotion(op, args)
        if not any(c is not None for c in casts):
            casts = None
    arrays = [a._value if isinstance(a, Tensor) else a for a in args]
    if op.dynamic:  # positions (an index, a view's offsets) are operands of the compiled op
        statics, operands = registry._split_dynamic(op, statics)
        arrays += list(operands)
    fn = registry._jitted(op, statics, casts, ())
    try:
        out = jax.eval_shape(fn, *arrays)
    except (TypeError, ValueError) as e:
        if op.check is not None:
            op.check(*args)
        raise registry._translate(op, args, e) from None
    grad = (grad_mode.is_grad_enabled() and op.differentiable
            and any(isinstance(a, Tensor) and a.requires_grad for a in args))
    node = MetaNode(op.backward_name) if grad else None

    def wrap(o):
        t = Tensor._wrap(MetaValue(o.shape, o.dtype))
        if node is not None and o.dtype in registry.INEXACT:
            t.grad_fn = node
        return t
    return tuple(wrap(o) for o in out) if isinstance(out, (tuple, list)) else wrap(out)


def meta_repr(t) -> str:
    from . import _dtype as D
    parts = ["tensor(..., device='meta'", f"size={tuple(t.shape)}"]
    if t.dtype is not D.get_default_dtype():
        parts.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        parts.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return ", ".join(parts) + ")"


_above.meta_repr = meta_repr  # Tensor.__repr__ of a meta tensor


def install():
    """Teach the factories' placement helpers about the meta device. Called once
    from ``torchlike/__init__``; the op hook is registered by ``activate`` when a meta tensor appears."""
    from ._tensor import Tensor
    from .ops import creation

    dense_filled, dense_place = creation._filled, creation._place

    def _filled(size, fill, dtype, device, requires_grad):
        if _resolve(device).type == "meta":
            activate()
            t = Tensor._wrap(MetaValue(tuple(int(s) for s in size), dtype.np))
            return t.requires_grad_(True) if requires_grad else t
        return dense_filled(size, fill, dtype, device, requires_grad)

    def _place(arr, device):
        if _resolve(device).type == "meta":
            activate()
            return MetaValue(np.shape(arr), arr.dtype if hasattr(arr, "dtype") else np.asarray(arr).dtype)
        return dense_place(arr, device)

    creation._filled, creation._place = _filled, _place




def activate():
    """Route ops through ``meta_apply`` from the first meta tensor on (until then ops pay nothing)."""
    from . import _intercept
    if _intercept.meta_fn is None:
        _intercept.meta_fn = meta_apply
        _intercept.refresh()


def deactivate():
    """Remove the op hook again (ops then pay nothing). Only safe once no meta tensor is in use;
    tests call it to leave the process as they found it."""
    from . import _intercept
    _intercept.meta_fn = None
    _intercept.refresh()


def convert(t, dtype, device):
    """``Tensor.to`` with a meta source or target: to meta keeps shape (and converts dtype); out of meta
    raises torch's error (there is no data to copy)."""
    from ._tensor import Tensor
    src_meta = isinstance(t._value, MetaValue)
    if src_meta and device is not None and device.type != "meta":
        raise NotImplementedError(f"Cannot copy out of meta tensor; no data! (to {device} of a meta tensor of "
                                  f"shape {list(t.shape)}; use Module.to_empty or torch.empty_like)")
    if src_meta and (dtype is None or dtype.np == t._value.dtype):
        return t
    activate()
    return Tensor._wrap(MetaValue(t._value.shape, t._value.dtype if dtype is None else dtype.np))
