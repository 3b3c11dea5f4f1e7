"""``functorch``, the package torch's transforms started in: ``import functorch`` under the torch alias
(``python -m torchlike``) gives this module, as torch installs ``functorch`` beside itself.

The transforms are :mod:`torchlike.func`'s. ``make_functional``/``make_functional_with_buffers`` (gone
from torch.func, still used by tutorials such as forward_ad_usage) return a callable taking the weights
as explicit arguments plus the module's current parameters (and buffers) as tuples, in
``named_parameters()`` order; the callable runs the module through ``functional_call``.
``combine_state_for_ensemble`` stacks several such models' weights for ``vmap``.
"""
from __future__ import annotations

from .func import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp, vmap
from .func import functional_call as _functional_call

__all__ = ["vmap", "grad", "grad_and_value", "jvp", "vjp", "jacrev", "jacfwd", "hessian", "make_functional",
           "make_functional_with_buffers", "combine_state_for_ensemble", "FunctionalModule",
           "FunctionalModuleWithBuffers"]


class FunctionalModule:
    """``fmodel(params, *args, **kwargs)``: the wrapped module with ``params`` (a sequence in
    ``named_parameters()`` order) in place of its parameters."""

    def __init__(self, module, param_names):
        self.stateless_model, self.param_names = module, tuple(param_names)

    def __call__(self, params, *args, **kwargs):
        if len(params) != len(self.param_names):
            raise ValueError(f"expected {len(self.param_names)} parameters, got {len(params)}")
        return _functional_call(self.stateless_model, dict(zip(self.param_names, params)), args, kwargs)


class FunctionalModuleWithBuffers:
    """``fmodel(params, buffers, *args, **kwargs)``, as :class:`FunctionalModule` with the buffers too."""

    def __init__(self, module, param_names, buffer_names):
        self.stateless_model = module
        self.param_names, self.buffer_names = tuple(param_names), tuple(buffer_names)

    def __call__(self, params, buffers, *args, **kwargs):
        if len(params) != len(self.param_names) or len(buffers) != len(self.buffer_names):
            raise ValueError(f"expected {len(self.param_names)} parameters and {len(self.buffer_names)} buffers, "
                             f"got {len(params)} and {len(buffers)}")
        state = dict(zip(self.param_names, params))
        state.update(zip(self.buffer_names, buffers))
        return _functional_call(self.stateless_model, state, args, kwargs)


def make_functional(model, disable_autograd_tracking=False):
    """``(fmodel, params)``: see :class:`FunctionalModule`. Raises torch's error for a model with buffers."""
    buffers = list(model.named_buffers())
    if buffers:
        raise RuntimeError("make_functional(model): `model` has buffers. Please use "
                           "make_functional_with_buffers(model) instead.")
    names, params = _named(model.named_parameters(), disable_autograd_tracking)
    return FunctionalModule(model, names), params


def make_functional_with_buffers(model, disable_autograd_tracking=False):
    """``(fmodel, params, buffers)``: see :class:`FunctionalModuleWithBuffers`."""
    names, params = _named(model.named_parameters(), disable_autograd_tracking)
    bnames, buffers = _named(model.named_buffers(), False)
    return FunctionalModuleWithBuffers(model, names, bnames), params, buffers


def combine_state_for_ensemble(models):
    """``(fmodel, params, buffers)`` for models of one architecture, each weight stacked along a new
    leading dim (one entry per model), ready for ``vmap(fmodel)(params, buffers, x)``."""
    from .func import stack_module_state
    models = list(models)
    if not models:
        raise RuntimeError("combine_state_for_ensemble: Expected at least one model, got 0.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("combine_state_for_ensemble: Expected all models to be of the same class.")
    params, buffers = stack_module_state(models)
    fmodel = FunctionalModuleWithBuffers(models[0], params.keys(), buffers.keys())
    return fmodel, tuple(params.values()), tuple(buffers.values())


def _named(pairs, detach):
    names, tensors = [], []
    for n, t in pairs:
        names.append(n)
        tensors.append(t.detach() if detach else t)
    return names, tuple(tensors)
