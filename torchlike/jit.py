"""torch.jit entry points: ``script`` and ``trace`` return an object that runs the same computation.

No TorchScript is produced (a one-time warning says so). The returned wrapper calls the function
or module through ``torchlike.compile`` (one XLA program); if the code cannot be traced (Python
control flow on tensor values, ``.item()``), it falls back to running eagerly, which is what
``script`` promises for control flow anyway. Attribute access (``parameters()``, ``state_dict()``,
``eval()`` ...) goes to the original object. ``jit.save``/``jit.load`` and ``ScriptModule.save``
raise RuntimeError: save the ``state_dict()`` with ``torch.save`` instead.
"""
from __future__ import annotations

import warnings

__all__ = ["script", "trace", "trace_module", "save", "load", "ignore", "unused", "export", "annotate",
           "is_scripting", "is_tracing", "ScriptModule", "ScriptFunction", "freeze", "optimize_for_inference",
           "fork", "wait", "Final", "Attribute", "interface", "enable_onednn_fusion", "set_fusion_strategy"]

_UNSUPPORTED_IO = ("TorchScript serialization is not supported by torchlike: {what} cannot {verb} a TorchScript "
                   "archive. Save the weights with torch.save(model.state_dict(), path) and rebuild the model in "
                   "Python, or export with torchlike.compile / jax.export.")
_noted = [False]


def _note(kind):
    if not _noted[0]:
        _noted[0] = True
        warnings.warn(f"torchlike.jit.{kind}: TorchScript is not produced; the result runs the same computation "
                      "through torchlike.compile (eagerly where the code cannot be traced)", UserWarning, stacklevel=3)


def _untraceable_errors():
    import jax
    from ._errors import UntraceableError
    return (UntraceableError, jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
            jax.errors.TracerIntegerConversionError, jax.errors.TracerArrayConversionError)


class ScriptModule:
    """What ``script``/``trace`` return: callable like the original, attributes forwarded to it."""

    def __init__(self, original):
        object.__setattr__(self, "_orig", original)
        object.__setattr__(self, "_compiled", None)
        object.__setattr__(self, "_eager", False)

    def __call__(self, *args, **kwargs):
        if not self._eager:
            try:
                compiled = self._compiled
                if compiled is None:  # compile hook
                    try:
                        from .compile import compile as _compile
                    except ImportError:
                        _compile = None
                    compiled = _compile(self._orig) if _compile is not None else self._orig
                    object.__setattr__(self, "_compiled", compiled)
                return compiled(*args, **kwargs)
            except _untraceable_errors():
                object.__setattr__(self, "_eager", True)
        return self._orig(*args, **kwargs)

    def forward(self, *args, **kwargs):
        return self(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._orig, name)

    def __setattr__(self, name, value):
        setattr(self._orig, name, value)

    def __repr__(self):
        return f"RecursiveScriptModule(original={self._orig!r})"

    def save(self, f, _extra_files=None):
        raise RuntimeError(_UNSUPPORTED_IO.format(what="ScriptModule.save", verb="write"))

    @property
    def code(self) -> str:
        import inspect
        target = getattr(self._orig, "forward", self._orig)
        try:
            return inspect.getsource(target)
        except (OSError, TypeError):
            return repr(self._orig)

    graph = code


ScriptFunction = ScriptModule
RecursiveScriptModule = ScriptModule
TopLevelTracedModule = ScriptModule


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: the function/module, wrapped to run through torchlike.compile."""
    if isinstance(obj, ScriptModule):
        return obj
    if isinstance(obj, type):  # scripting a class: classes are used as they are
        return obj
    _note("script")
    return ScriptModule(obj)


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """torch.jit.trace: runs ``func`` once on ``example_inputs`` (as torch does) and returns the wrapper."""
    if isinstance(func, ScriptModule):
        return func
    _note("trace")
    wrapped = ScriptModule(func)
    if example_inputs is not None or example_kwarg_inputs is not None:
        from ._tensor import Tensor
        args = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs or ())
        from .autograd.grad_mode import no_grad
        with no_grad():
            wrapped(*args, **(example_kwarg_inputs or {}))
    return wrapped


def trace_module(mod, inputs, **kwargs):
    example = inputs.get("forward") if isinstance(inputs, dict) else inputs
    return trace(mod, example, **kwargs)


def save(m, f, _extra_files=None):
    raise RuntimeError(_UNSUPPORTED_IO.format(what="torch.jit.save", verb="write"))


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise RuntimeError(_UNSUPPORTED_IO.format(what="torch.jit.load", verb="read"))


def ignore(drop=False, **kwargs):
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def annotate(the_type, the_value):
    return the_value


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def enable_onednn_fusion(enabled: bool) -> None:
    pass


def set_fusion_strategy(strategy):
    return strategy


def fork(func, *args, **kwargs):
    """Runs ``func`` now (XLA dispatch is already asynchronous); ``wait`` returns its result."""
    from .futures import Future
    fut = Future()
    fut.set_result(func(*args, **kwargs))
    return fut


def wait(future):
    return future.wait()


class _FinalMeta(type):
    def __getitem__(cls, item):
        return item


class Final(metaclass=_FinalMeta):
    """``torch.jit.Final[int]`` annotations: the type itself."""


class Attribute:
    def __new__(cls, value, type=None):
        return value
