"""torch.nn.utils.prune basics: masks kept as ``<name>_mask`` buffers next to ``<name>_orig``
parameters; ``<name>`` is recomputed as ``orig * mask`` before each forward (torch's layout)."""
from __future__ import annotations

import numpy as np

from ...autograd import grad_mode

__all__ = ["BasePruningMethod", "Identity", "RandomUnstructured", "L1Unstructured", "identity",
           "random_unstructured", "l1_unstructured", "global_unstructured", "remove", "is_pruned"]


def _n_to_prune(amount, n):
    if isinstance(amount, int) and not isinstance(amount, bool):
        if amount < 0:
            raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")
        if amount > n:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={n}")
        return amount
    if not 0.0 <= amount <= 1.0:
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")
    return int(round(amount * n))


class BasePruningMethod:
    PRUNING_TYPE = "unstructured"

    def __init__(self):
        self._tensor_name = None

    def compute_mask(self, t, default_mask):
        raise NotImplementedError

    def apply_mask(self, module):
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return orig * mask.to(orig.dtype)

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        method = cls(*args, **kwargs)
        method._tensor_name = name
        orig = getattr(module, name)
        if name + "_orig" in module._parameters:
            default_mask = getattr(module, name + "_mask").detach()
            orig = module._parameters[name + "_orig"]
        else:
            from ...ops.creation import ones_like
            default_mask = ones_like(orig)
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
        scores = importance_scores if importance_scores is not None else orig
        mask = method.compute_mask(scores.detach(), default_mask=default_mask)
        module.register_buffer(name + "_mask", mask)
        setattr(module, name, method.apply_mask(module))
        for k, hook in list(module._forward_pre_hooks.items()):
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
                del module._forward_pre_hooks[k]
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t, default_mask=None):
        from ...ops.creation import ones_like
        return t * self.compute_mask(t, default_mask if default_mask is not None else ones_like(t))

    def remove(self, module):
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        with grad_mode.no_grad():
            orig.data = weight.detach()
        del module._parameters[self._tensor_name + "_orig"]
        del module._buffers[self._tensor_name + "_mask"]
        module.register_parameter(self._tensor_name, orig)


class Identity(BasePruningMethod):
    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


def _mask_from_keep(default_mask, prune_flat_idx):
    m = np.array(default_mask._value).reshape(-1).copy()
    m[prune_flat_idx] = 0
    from ...ops.creation import tensor
    return tensor(m.reshape(tuple(default_mask.shape)), dtype=default_mask.dtype)


class RandomUnstructured(BasePruningMethod):
    def __init__(self, amount):
        super().__init__()
        self.amount = amount

    def compute_mask(self, t, default_mask):
        k = _n_to_prune(self.amount, t.numel())
        if k == 0:
            return default_mask
        from ...ops.creation import rand_like
        prob = np.asarray(rand_like(t)._value).reshape(-1)
        return _mask_from_keep(default_mask, np.argsort(-prob, kind="stable")[:k])

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    def __init__(self, amount):
        super().__init__()
        self.amount = amount

    def compute_mask(self, t, default_mask):
        k = _n_to_prune(self.amount, t.numel())
        if k == 0:
            return default_mask
        mag = np.abs(np.asarray(t._value)).reshape(-1)
        return _mask_from_keep(default_mask, np.argsort(mag, kind="stable")[:k])

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def identity(module, name):
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune across several (module, name) pairs by one global threshold."""
    parameters = list(parameters)
    scores = [np.abs(np.asarray(getattr(m, n).detach()._value)).reshape(-1) for m, n in parameters]
    sizes = [s.size for s in scores]
    flat = np.concatenate(scores)
    k = _n_to_prune(kwargs.get("amount"), flat.size)
    prune_idx = np.argsort(flat, kind="stable")[:k]
    keep = np.ones(flat.size, bool)
    keep[prune_idx] = False
    off = 0
    from ...ops.creation import tensor
    for (m, n), s in zip(parameters, sizes):
        t = getattr(m, n)
        mask = tensor(keep[off:off + s].reshape(tuple(t.shape)).astype(np.float32), dtype=t.dtype)
        off += s
        custom_from_mask(m, n, mask)


class CustomFromMask(BasePruningMethod):
    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def compute_mask(self, t, default_mask):
        return default_mask * self.mask.to(default_mask.dtype)


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name):
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module):
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False
