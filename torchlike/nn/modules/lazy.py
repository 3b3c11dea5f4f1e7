"""LazyModuleMixin: parameters whose shapes are inferred from the first input (torch's lazy modules)."""
from __future__ import annotations

from ..parameter import is_lazy


class LazyModuleMixin:
    """On the first call, ``initialize_parameters(*input)`` materialises the placeholders and the module
    becomes ``cls_to_become`` (e.g. ``LazyLinear`` becomes ``Linear``)."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters, with_kwargs=True)

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                        error_msgs):
        for name, param in list(self._parameters.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                with __import__("torchlike").no_grad():
                    param.materialize(tuple(state_dict[key].shape))

    def has_uninitialized_params(self):
        params = self._parameters.values()
        buffers = self._buffers.values()
        return any(is_lazy(p) for p in params) or any(is_lazy(b) for b in buffers)

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")


def _infer_parameters(module, args, kwargs=None):
    module.initialize_parameters(*args, **(kwargs or {}))
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    module._load_hook.remove()
    delattr(module, "_initialize_hook")
    delattr(module, "_load_hook")
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
