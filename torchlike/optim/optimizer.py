"""torch.optim.Optimizer: torch's bookkeeping around one jitted optax update per parameter group.

Matched torch behaviour: ``params`` as tensors, (name, tensor) pairs or group dicts; mutable
``param_groups`` (a changed ``group['lr']`` takes effect at the next step without recompiling:
hyperparameters are traced arguments); ``state`` keyed by parameter; ``state_dict()`` /
``load_state_dict()`` in torch's exact layout (state indexed by parameter position, groups with
``params`` as indices, per-optimizer keys, ``step`` a float32 0-d tensor); parameters whose
``grad`` is None are skipped; step pre/post hooks (global and per optimizer) and state-dict hooks;
torch's validation errors.

Speed: a group's parameters, gradients and state go as lists into ONE cached ``jax.jit`` call of
the group's optax rule (``_rules.py``); results are written back into the live tensors.
"""
from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from itertools import chain

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _profile_record
from .. import _trace_hooks
from .._handles import RemovableHandle, add_hook  # noqa: F401  (RemovableHandle: torch.optim.optimizer's name)
from .._tensor import Tensor
from ..autograd import grad_mode
from . import _rules

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Singleton marking a hyperparameter a group must set (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: "OrderedDict[int, object]" = OrderedDict()
_global_post_hooks: "OrderedDict[int, object]" = OrderedDict()


_register = add_hook



def register_optimizer_step_pre_hook(hook):
    """A hook ``hook(optimizer, args, kwargs)`` run before every optimizer's step."""
    return _register(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """A hook ``hook(optimizer, args, kwargs)`` run after every optimizer's step."""
    return _register(_global_post_hooks, hook)


def _scalar_dtype():
    return D.float64 if D.get_default_dtype() == D.float64 else D.float32


def _to_float(v):
    if isinstance(v, jax.core.Tracer):  # a traced hyperparameter (torchlike.compile lifts lr)
        return v
    return float(v.item()) if isinstance(v, Tensor) else float(v)


def _as_array(v):
    if isinstance(v, Tensor):
        return v._value
    return jnp.asarray(np.asarray(v))


_compiled = {}


def _kernel(make, opts):
    """One jitted update per (rule, structural options); JAX retraces only on new shapes/pytrees."""
    key = (make, tuple(sorted(opts.items())))
    fn = _compiled.get(key)
    if fn is None:
        fn = _compiled[key] = jax.jit(_rules.step_fn(make, opts))
    return fn


def _step_with_hooks(func):
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        for hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {result}.")
        with _profile_record.span(f"Optimizer.step#{type(self).__name__}.step"):  # torch's profiler range
            out = func(self, *args, **kwargs)
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer).

    Subclasses set ``_make`` (a rule factory from ``_rules``) and implement ``_hyper(group)``
    (dynamic float hyperparameters), ``_opts(group)`` (structural options), ``_init_state(p, group)``
    (torch's initial per-parameter state, in torch's key order) and ``_keys(group)`` (the state keys
    the rule reads and writes). Optimizers that do not fit (LBFGS) override ``step``.
    """

    _make = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _step_with_hooks(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ pickling / printing
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\n" + f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (missing options take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for p in param_group["params"]:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len(set(tensors)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True):
        """Reset the gradients of all parameters: to None (default) or to zeros."""
        with _profile_record.span(f"Optimizer.zero_grad#{type(self).__name__}.zero_grad"):
            for group in self.param_groups:
                for p in group["params"]:
                    g = p._grad
                    if g is None:
                        continue
                    if set_to_none:
                        p._grad = None
                    else:
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g.requires_grad_(False)
                        g._write_value(jnp.zeros_like(g._value))

    # ------------------------------------------------------------------ step
    def step(self, closure=None):
        """One update of every group; returns ``closure()``'s value when a closure is given."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group):
        if _trace_hooks.recorder is not None:
            _trace_hooks.recorder.optimizer(self)
        params = [p for p in group["params"] if p._grad is not None]
        if not params:
            return
        for p in params:
            if getattr(p._grad, "is_sparse", False):
                raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
            st = self.state[p]
            if len(st) == 0:
                st.update(self._init_state(p, group))
        keys = self._keys(group)
        states = {k: [self._state_value(p, k) for p in params] for k in keys}
        hp_dtype = np.float64 if jax.config.jax_enable_x64 else np.float32
        # under torchlike.compile, lr is a traced input (so schedulers never force a recompile)
        hp = {k: jnp.asarray(v, hp_dtype) if isinstance(v, jax.core.Tracer) else np.asarray(v, dtype=hp_dtype)
              for k, v in self._hyper(group).items()}
        fn = _kernel(self._make, self._opts(group))
        new_params, new_states = fn(hp, [p._value for p in params], [p._grad._value for p in params], states)
        for p, v in zip(params, new_params):
            p._write_value(v)  # torch's param.add_ under no_grad
        for k, vals in new_states.items():
            for p, v in zip(params, vals):
                st = self.state[p]
                t = st.get(k)
                if isinstance(t, Tensor):
                    t._write_value(v)
                else:
                    st[k] = Tensor._wrap(v)

    def _state_value(self, p, key):
        v = self.state[p].get(key)
        return None if v is None else v._value

    # per-optimizer hooks into _update_group (see class docstring)
    def _hyper(self, group):
        raise NotImplementedError

    def _opts(self, group):
        return {}

    def _init_state(self, p, group):
        return {}

    def _keys(self, group):
        return ()

    # State starts where its parameter lives (``*_like``): an unplaced first value would make the jitted
    # update compile twice, once for it and once for the placed value the first step returns.
    @staticmethod
    def _scalar(p, value):
        """A 0-dim state value (``step``, ASGD's ``eta``...) in torch's dtype for scalars."""
        return Tensor._wrap(jnp.full_like(p._value, value, dtype=_scalar_dtype().np, shape=()))

    @staticmethod
    def _step0(p):
        return Optimizer._scalar(p, 0)

    @staticmethod
    def _zeros(p):
        return Tensor._wrap(jnp.zeros_like(p._value))

    @staticmethod
    def _full(p, value):
        return Tensor._wrap(jnp.full_like(p._value, value))

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook):
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        return _register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dict
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` as torch lays it out.

        Like torch's, the state tensors are the live ones (deep-copy to snapshot).
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict):
        """Load a state dict from ``state_dict()`` — torchlike's or torch's (tensors may be torch/numpy arrays)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if _is_array_like(value):
                arr = _as_array(value)
                if key != "step" and jnp.issubdtype(param._value.dtype, jnp.floating) \
                        and jnp.issubdtype(arr.dtype, jnp.floating):
                    arr = arr.astype(param._value.dtype)
                return Tensor._wrap(arr)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__({"state": state,
                           "param_groups": [update_group(g, ng) for g, ng in zip(groups, saved_groups)]})
        for p_state in self.state.values():
            if isinstance(p_state, dict) and "step" in p_state and not isinstance(p_state["step"], Tensor) \
                    and isinstance(p_state["step"], (int, float)) and self._make is not None:
                p_state["step"] = Tensor._wrap(jnp.asarray(float(p_state["step"]), _scalar_dtype().np))
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _is_array_like(v):
    return isinstance(v, (Tensor, np.ndarray, jax.Array)) or (
        hasattr(v, "__array__") and hasattr(v, "shape") and hasattr(v, "dtype"))


def _typename(obj):
    if isinstance(obj, Tensor):
        return "torch." + {"float32": "FloatTensor", "float64": "DoubleTensor"}.get(obj.dtype.name, "Tensor")
    return type(obj).__module__ + "." + type(obj).__qualname__ if type(obj).__module__ != "builtins" \
        else type(obj).__qualname__


Optimizer.step = _step_with_hooks(Optimizer.step)


def _check(lr=0.0, eps=0.0, betas=(0.0, 0.0), weight_decay=0.0):
    """torch's shared hyperparameter checks (lr, eps, betas, weight_decay), with its messages."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
