"""Torch's spelling of torchlike's functions, for graph printing and generated code.

torch prints a traced ``torch.relu`` as ``torch.relu`` and ``F.gelu`` as a ``torch.nn.functional``
name. torchlike's functions live in private modules (``torchlike.ops.pointwise``), so their names are
found by looking them up in the public namespaces, in the order torch users write them. Generated
code runs with ``torch`` bound to the ``torchlike`` module, so the printed name is also the one that
executes.
"""
from __future__ import annotations

import builtins
import importlib
import inspect
import operator
import types

from .. import functional as _functional

# (torchlike module, torch's name for it), searched in this order: the first hit names a function
NAMESPACES = (
    ("torchlike", "torch"),
    ("torchlike.nn.functional", "torch.nn.functional"),
    ("torchlike.special", "torch.special"),
    ("torchlike.linalg", "torch.linalg"),
    ("torchlike.fft", "torch.fft"),
    ("torchlike.nn.init", "torch.nn.init"),
)

# functions that must keep running for real during tracing (they inspect their argument or state)
NOT_TRACED = frozenset({
    "is_tensor", "is_storage", "compile", "save", "load", "manual_seed", "seed", "initial_seed",
    "get_default_dtype", "set_default_dtype", "is_grad_enabled", "set_grad_enabled", "no_grad",
    "enable_grad", "inference_mode", "get_rng_state", "set_rng_state", "typename", "from_numpy",
    "set_printoptions", "get_printoptions", "is_inference_mode_enabled", "install_torch_alias",
    "from_torch", "cond", "is_autocast_enabled", "autocast", "get_default_device", "set_default_device",
})

_by_id: dict | None = None
_TORCH_FUNCTIONAL = frozenset(_functional.NAMES)  # where torch defines (and fx prints) these


def _is_function(v) -> bool:
    return isinstance(v, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)) or (
        callable(v) and type(v).__name__ in ("Op", "partial"))


def public_functions():
    """Yield ``(module, attribute, torch_qualified_name, function)`` for each traceable public function."""
    for modname, torchname in NAMESPACES:
        try:
            mod = importlib.import_module(modname)
        except ImportError:  # pragma: no cover - every namespace ships with torchlike
            continue
        for attr, v in list(vars(mod).items()):
            v = getattr(v, "__fx_original__", v)
            if attr.startswith("__") or attr in NOT_TRACED or isinstance(v, type) or not _is_function(v):
                continue
            if isinstance(v, types.ModuleType):
                continue
            if torchname == "torch" and attr in _TORCH_FUNCTIONAL:
                yield mod, attr, f"torch.functional.{attr}", v  # where torch defines (and fx prints) it
            else:
                yield mod, attr, f"{torchname}.{attr}", v


def _table() -> dict:
    global _by_id
    if _by_id is None:
        from ._assert import _assert
        table = {id(_assert): ("torch._assert", _assert)}
        for _mod, _attr, qual, fn in public_functions():
            table.setdefault(id(fn), (qual, fn))
            inner = inspect.unwrap(fn)  # what a routing wrapper (sparse/nested operands) calls for dense ones
            if inner is not fn:
                table.setdefault(id(inner), (qual, inner))
        _by_id = table
    return _by_id


def torch_name(fn) -> str | None:
    """torch's qualified name for a public torchlike function (``torch.relu``), or None."""
    fn = getattr(fn, "__fx_original__", fn)
    hit = _table().get(id(fn))
    if hit is not None and hit[1] is fn:
        return hit[0]
    from .._tensor import Tensor
    name = getattr(fn, "__name__", None)
    if name is not None and getattr(Tensor, name, None) is fn:
        return f"torch.Tensor.{name}"
    return None


def qualified_name(fn) -> str:
    """torch.fx's ``_get_qualified_name``: ``operator.add``, ``getattr``, ``torch.relu``, ``mod.fn``."""
    name = getattr(fn, "__name__", None)
    if name is not None and getattr(builtins, name, None) is fn:
        return name
    tn = torch_name(fn)
    if tn is not None:
        return tn
    if name is None:
        raise RuntimeError(f"Unable to represent {fn!r}: it has no __name__")
    if name == "<lambda>":
        raise RuntimeError("Unable to represent lambda")
    module = getattr(fn, "__module__", None) or ""
    if getattr(operator, name, None) is fn:
        module = "operator"
    module = {"_operator": "operator", "torchlike": "torch"}.get(module, module)
    if module.startswith("torchlike."):
        module = "torch." + module[len("torchlike."):]
    return f"{module}.{name}" if module else name
