"""torch.fx.symbolic_trace, Tracer and wrap.

Tracing runs ``forward`` with :class:`Proxy` inputs and records what happens to them. torch sees
``torch.*`` calls on Proxies through ``__torch_function__``; torchlike has no such dispatch, so for
the duration of a trace the public function namespaces (``torch``, ``torch.nn.functional``,
``torch.special``, ``torch.linalg``, ``torch.fft``) and the globals of each traced ``forward`` that
hold those functions are patched with thin wrappers that record a ``call_function`` node when a
Proxy is among the arguments and otherwise call through. Everything is restored when the trace
ends, so nothing outside a trace changes.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import math
import warnings
from types import FunctionType, ModuleType

from . import _names
from . import _patching
from ._assert import _assert
from .graph import Graph
from .graph_module import GraphModule

from ._patching import _find_proxy
from .proxy import ParameterProxy, TracerBase

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH", "PHBase", "PHWithMeta"]

# (globals dict id, name) -> globals dict, filled by wrap()
_wrapped_fns_to_patch: dict = {}
# functions wrapped via wrap(fn) given as a callable whose defining module we patch
HAS_VARSTUFF = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


class PHBase:
    """The class of :data:`PH`: in ``concrete_args``, a value that stays a placeholder."""

    def __repr__(self):
        return "PH"


PH = PHBase()


class PHWithMeta(PHBase):
    """A placeholder marker that carries a ``ph_key`` copied onto the placeholder node's meta."""

    def __init__(self, ph_key: str | None = None):
        super().__init__()
        self.ph_key = ph_key


def _assert_is_none(value, msg):
    assert value is None, msg


def wrap(fn_or_name):
    """Make calls of a module-level function appear as one ``call_function`` node when traced
    (torch.fx.wrap). Call it at module scope, with the function or its name::

        @torch.fx.wrap
        def my_custom_function(x, y): ...

        torch.fx.wrap("len")
    """
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise AssertionError("Unsupported type for global function! Must be either a callable or string name")
    if callable(fn_or_name):
        if isinstance(fn_or_name, str):
            raise AssertionError("fn_or_name must be a global function or string name")
        fn_name = fn_or_name.__name__
    else:
        fn_name = fn_or_name
    frame = inspect.currentframe()
    f = frame.f_back if frame is not None else None
    if f is None or f.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_fns_to_patch[(id(f.f_globals), fn_name)] = f.f_globals
    return fn_or_name


class _Patcher:
    """Set attributes / dict entries for the length of a trace and put every one back afterwards."""

    def __init__(self):
        self._undo: list = []
        self._seen: set = set()

    def set_attr(self, obj, name, value):
        self._undo.append((setattr, obj, name, obj.__dict__.get(name, _MISSING) if isinstance(obj, type)
                           else getattr(obj, name, _MISSING)))
        setattr(obj, name, value)

    def set_item(self, d: dict, name, value):
        self._undo.append((dict.__setitem__, d, name, d.get(name, _MISSING)))
        d[name] = value

    def visit_once(self, thing) -> bool:
        if id(thing) in self._seen:
            return False
        self._seen.add(id(thing))
        return True

    def restore(self):
        while self._undo:
            how, obj, name, old = self._undo.pop()
            if how is setattr:
                if old is _MISSING:
                    delattr(obj, name)
                else:
                    setattr(obj, name, old)
            elif old is _MISSING:
                obj.pop(name, None)
            else:
                obj[name] = old


_MISSING = object()


def _recording(fn, mark_wrapped=False):
    """A stand-in for a wrapped or autowrapped function: records a call_function node when a Proxy
    is among its arguments (torch's ``_create_wrapped_func``)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is None:
            return fn(*args, **kwargs)
        out = proxy.tracer.create_proxy("call_function", fn, args, kwargs)
        if mark_wrapped:
            out.node.meta["is_wrapped"] = True
        return out

    wrapper.__fx_original__ = fn
    return wrapper


class Tracer(TracerBase):
    """torch.fx.Tracer: turns a Module or function into a :class:`Graph`. Subclass it and override
    ``is_leaf_module``, ``create_proxy``, ``create_node``, ``create_arg`` or ``call_module`` to change
    what is recorded."""

    def __init__(self, autowrap_modules: tuple[ModuleType, ...] = (math,),
                 autowrap_functions: tuple = (), param_shapes_constant: bool = False):
        super().__init__()
        self._autowrap_function_ids = {id(v) for m in autowrap_modules for k, v in vars(m).items()
                                       if not k.startswith("_") and callable(v)}
        self._autowrap_function_ids.update(id(f) for f in autowrap_functions)
        self._autowrap_search = list(autowrap_modules)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths = None
        self.root_module_name = ""
        self.scope = None
        self.module_stack = {}
        self.node_name_to_scope = {}
        self.num_calls = {}

    # -------------------------------------------------------------- hooks users override
    def is_leaf_module(self, m, module_qualified_name: str) -> bool:
        """torch.nn's own layers (here torchlike.nn's) are leaves, except Sequential."""
        from ..nn import Sequential
        mod = type(m).__module__
        return (mod.startswith("torchlike.nn") or mod.startswith("torch.nn")) and not isinstance(m, Sequential)

    def path_of_module(self, mod) -> str:
        if self.submodule_paths:
            path = self.submodule_paths.get(id(mod))
            if path is None:
                raise NameError("module is not installed as a submodule")
            return path
        for n, p in self.root.named_modules():
            if mod is p:
                return n
        raise NameError("module is not installed as a submodule")

    def call_module(self, m, forward, args, kwargs):
        """Record ``m(*args, **kwargs)`` as one call_module node if ``m`` is a leaf, else trace into it."""
        module_qualified_name = self.path_of_module(m)
        if not self.is_leaf_module(m, module_qualified_name):
            self._patch_globals_of(type(m).forward)
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", module_qualified_name, args, kwargs)

    def getattr(self, attr: str, attr_val, parameter_proxy_cache: dict):
        """What reading a module attribute gives during tracing: parameters become get_attr Proxies."""
        from ..nn import Parameter

        def lookup(collection):
            for n, p in collection:
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        kwargs = {}
                        if "proxy_factory_fn" in inspect.signature(self.create_proxy).parameters:
                            kwargs["proxy_factory_fn"] = (
                                None if not self.param_shapes_constant
                                else (lambda node: ParameterProxy(self, node, n, attr_val)))
                        parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {}, **kwargs)
                    return parameter_proxy_cache[n]
            return None

        if isinstance(attr_val, Parameter):
            found = lookup(self.root.named_parameters())
            if found is not None:
                return found
        if self.proxy_buffer_attributes and attr_val is not None and _is_tensor(attr_val):
            found = lookup(self.root.named_buffers())
            if found is not None:
                return found
        return attr_val

    def create_arg(self, a):
        """Module attributes become get_attr nodes; other tensors are stored on the root as
        ``_tensor_constant{i}`` and read with get_attr, as torch does."""
        from ..nn import Module, Parameter
        if isinstance(a, Parameter):
            for n, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, Module):
            for n, p in self.root.named_modules():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("module is not installed as a submodule")
        if _is_tensor(a):
            for n, p in self.root.named_buffers():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            hit = self.tensor_attrs.get(id(a))
            if hit is None:
                i = 0
                while hasattr(self.root, f"_tensor_constant{i}"):
                    i += 1
                qualname = f"_tensor_constant{i}"
                self.tensor_attrs[id(a)] = (a, qualname)
                setattr(self.root, qualname, a)
            else:
                qualname = hit[1]
            return self.create_node("get_attr", qualname, (), {})
        if callable(a) and hasattr(a, "__fx_original__"):
            return a.__fx_original__
        return super().create_arg(a)

    # -------------------------------------------------------------- tracing
    def create_args_for_root(self, root_fn, is_module, concrete_args=None):
        fn_for_analysis = inspect.unwrap(root_fn)
        co = fn_for_analysis.__code__
        total_args = co.co_argcount + co.co_kwonlyargcount
        names_iter = iter(co.co_varnames)
        args: list = []
        skip = 0
        if is_module:
            if total_args == 0:
                raise RuntimeError("``self`` argument cannot be part of *args expansion!")
            skip = 1
            next(names_iter)
            args.append(self.root)
        sig = inspect.signature(fn_for_analysis)
        arg_names = [next(names_iter) for _ in range(skip, total_args)]
        if isinstance(concrete_args, tuple):
            if len(arg_names) != len(concrete_args):
                raise RuntimeError(f"Tracing expected {len(arg_names)} arguments but got "
                                   f"{len(concrete_args)} concrete arguments")
            concrete_args = dict(zip(arg_names, concrete_args))
        args.extend(self._proxy_placeholder(n, concrete_args, sig, fn_for_analysis) for n in arg_names)
        if co.co_kwonlyargcount > 0 or co.co_flags & HAS_VARSTUFF:
            if co.co_flags & inspect.CO_VARARGS:
                args.append(self._proxy_placeholder("*" + next(names_iter), concrete_args, sig, fn_for_analysis))
            if co.co_flags & inspect.CO_VARKEYWORDS:
                args.append(self._proxy_placeholder("**" + next(names_iter), concrete_args, sig, fn_for_analysis))
            root_fn = _patch_function(root_fn, len(args))
        return root_fn, args

    def _proxy_placeholder(self, name, concrete_args, sig, fn_for_analysis):
        if concrete_args is not None and name in concrete_args:
            cnt = 0
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)

            def replace_ph(x):
                nonlocal cnt
                cnt += 1
                out = self.create_proxy("placeholder", f"{name}_{cnt}", default, {})
                if isinstance(x, PHBase):
                    if isinstance(x, PHWithMeta) and x.ph_key is not None:
                        out.node.meta["ph_key"] = x.ph_key
                    return out
                if type(x) in (bool, int, float, str):
                    self.create_proxy("call_function", _assert, (
                        out == x, f"{name} has been specialized to have value {x} but got another value"), {})
                elif x is None:
                    self.create_proxy("call_function", _assert_is_none, (
                        out, f"{name} has been specialized to have value None but got another value"), {})
                else:
                    warnings.warn(f"Was not able to add assertion to guarantee correct input {name} to "
                                  "specialized function. It is up to the user to make sure that your inputs match "
                                  "the inputs you specialized the function with.")
                return x

            return _tree_map(replace_ph, concrete_args[name])
        if name[0] == "*":
            default = ()
        else:
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
        return self.create_proxy("placeholder", name, default, {},
                                 type_expr=fn_for_analysis.__annotations__.get(name, None))

    def trace(self, root, concrete_args=None) -> Graph:
        """Trace ``root`` (a Module or a function) and return its Graph; ``self.root`` is the module
        the graph's attributes live on (an empty Module when tracing a function)."""
        from ..nn import Module
        if isinstance(root, Module):
            self.root = root
            fn = type(root).forward
            self.submodule_paths = {id(mod): name for name, mod in root.named_modules()}
        else:
            self.root = Module()
            fn = root
        tracer_cls = getattr(self, "__class__", None)
        self.graph = Graph(tracer_cls=tracer_cls)
        self.tensor_attrs: dict = {}
        _collect_tensor_attrs(self.root, [], self.tensor_attrs)
        self._patcher = patcher = _Patcher()
        _patching.trace_depth += 1
        try:
            fn, args = self.create_args_for_root(fn, isinstance(root, Module), concrete_args)
            parameter_proxy_cache: dict = {}
            orig_getattr = Module.__getattr__
            orig_call = Module.__call__
            tracer = self

            def module_getattr_wrapper(mod, attr):
                attr_val = orig_getattr(mod, attr)
                return tracer.getattr(attr, attr_val, parameter_proxy_cache)

            def module_call_wrapper(mod, *args, **kwargs):
                def forward(*a, **k):
                    return orig_call(mod, *a, **k)
                return tracer.call_module(mod, forward, args, kwargs)

            patcher.set_attr(Module, "__getattr__", module_getattr_wrapper)
            patcher.set_attr(Module, "__call__", module_call_wrapper)
            self._patch_namespaces()
            _patch_wrapped_functions(patcher)
            self._patch_globals_of(fn)
            result = fn(*args)
            self.create_node("output", "output", (self.create_arg(result),), {},
                             type_expr=getattr(fn, "__annotations__", {}).get("return", None))
            self.submodule_paths = None
        finally:
            _patching.trace_depth -= 1
            patcher.restore()
        return self.graph

    def _patch_namespaces(self):
        _patching.install(self._patcher)

    def _patch_globals_of(self, fn):
        """Record torch functions and autowrapped ``math`` functions used through a forward's globals
        (``from torch import relu``; ``math.sqrt`` of a Proxy)."""
        fn = inspect.unwrap(getattr(fn, "__func__", fn))
        g = getattr(fn, "__globals__", None)
        if g is None or not self._patcher.visit_once(g):
            return
        for name, value in list(g.items()):
            if name.startswith("_") and name != "_assert" or isinstance(value, (type, ModuleType)):
                continue
            if not callable(value) or isinstance(value, _patching.ProxyAware):
                continue
            qual = _names.torch_name(value)
            if qual is not None and not qual.startswith("torch.Tensor."):
                self._patcher.set_item(g, name, _patching.stand_in(getattr(value, "__fx_original__", value), qual))
            elif id(value) in self._autowrap_function_ids:
                self._patcher.set_item(g, name, _recording(value, mark_wrapped=True))
        for m in self._autowrap_search:  # ``math.sqrt(p)`` looks the function up on the module
            if self._patcher.visit_once(m):
                for name, value in list(vars(m).items()):
                    if not name.startswith("_") and id(value) in self._autowrap_function_ids:
                        self._patcher.set_attr(m, name, _recording(value))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_patcher", None)
        return state


def _patch_wrapped_functions(patcher: _Patcher):
    for (_, name), frame_dict in list(_wrapped_fns_to_patch.items()):
        if name not in frame_dict and hasattr(builtins, name):
            orig = getattr(builtins, name)
        else:
            orig = frame_dict[name]
        orig = getattr(orig, "__fx_original__", orig)
        patcher.set_item(frame_dict, name, _recording(orig, mark_wrapped=True))


def _patch_function(fn, nargs):
    """A positional-only version of ``fn`` so ``*args``/``**kwargs`` placeholders can be passed in."""
    co = fn.__code__
    co_flags = co.co_flags & ~HAS_VARSTUFF
    new_code = co.replace(co_argcount=nargs, co_kwonlyargcount=0, co_flags=co_flags)
    return FunctionType(new_code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def _tree_map(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_tree_map(fn, e) for e in x)
    if isinstance(x, dict):
        return {k: _tree_map(fn, v) for k, v in x.items()}
    return fn(x)


def _is_tensor(x) -> bool:
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def _collect_tensor_attrs(m, prefix: list, out: dict):
    for k, v in m.__dict__.items():
        if _is_tensor(v):
            out.setdefault(id(v), (v, ".".join(prefix + [k])))
    for k, v in m.named_children():
        _collect_tensor_attrs(v, prefix + [k], out)


def symbolic_trace(root, concrete_args=None) -> GraphModule:
    """Trace a Module or function into a :class:`GraphModule` (torch.fx.symbolic_trace).

    ``concrete_args`` fixes some inputs to values (they are specialised out of the graph, with an
    assertion recorded); ``PH`` keeps an entry as an input."""
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    from ..nn import Module
    name = root.__class__.__name__ if isinstance(root, Module) else root.__name__
    return GraphModule(tracer.root, graph, name)


