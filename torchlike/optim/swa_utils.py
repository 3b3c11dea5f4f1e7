"""torch.optim.swa_utils: AveragedModel (SWA / EMA weight averaging), SWALR, update_bn.

Matched torch behaviour: AveragedModel deep-copies the model, keeps ``n_averaged`` (an int64
buffer), copies on the first ``update_parameters`` and then averages with
``avg + (p - avg) / (n + 1)`` (or the given ``avg_fn`` / ``multi_avg_fn``); buffers are copied
unless ``use_buffers``. SWALR anneals each group's lr to ``swa_lr`` over ``anneal_epochs`` with
torch's recursive cos/linear formula.
"""
from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy

from .. import _dtype as D
from .. import _functions as F
from ..autograd import grad_mode
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_avg_fn(decay=0.999):
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def get_ema_multi_avg_fn(decay=0.999):
    _check_decay(decay)

    def ema_update(ema_list, current_list, _):
        with grad_mode.no_grad():
            for e, c in zip(ema_list, current_list):
                if e.dtype.is_floating_point or e.dtype.is_complex:
                    e.copy_(F.lerp(e, c, 1 - decay))
                else:
                    e.copy_(e * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    def swa_update(avg_list, current_list, num_averaged):
        with grad_mode.no_grad():
            for a, c in zip(avg_list, current_list):
                a.copy_(a + (c - a) / (num_averaged + 1))
    return swa_update


class AveragedModel(Module):
    """A running average of a model's parameters (SWA by default, EMA with ``get_ema_multi_avg_fn``)."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", F.tensor(0, dtype=D.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters into the average."""
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        pairs = [(a.detach(), b.detach()) for a, b in zip(mine, theirs)]
        first = int(self.n_averaged.item()) == 0
        with grad_mode.no_grad():
            if first:
                for a, b in pairs:
                    a.copy_(b)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in pairs], [b for _, b in pairs], self.n_averaged)
            else:
                fn = self.avg_fn or get_swa_avg_fn()
                for a, b in pairs:
                    a.copy_(fn(a, b, self.n_averaged))
            if not self.use_buffers:
                for a, b in zip(self.module.buffers(), model.buffers()):
                    a.detach().copy_(b.detach())
            self.n_averaged.add_(1)


def update_bn(loader, model, device=None):
    """Recompute BatchNorm running statistics with one pass over ``loader`` (cumulative averages)."""
    bns = [m for m in model.modules() if hasattr(m, "reset_running_stats") and hasattr(m, "momentum")]
    if not bns:
        return
    momenta = {}
    for m in bns:
        m.reset_running_stats()
        momenta[m] = m.momentum
        m.momentum = None
    was_training = model.training
    model.train()
    with grad_mode.no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for m, mom in momenta.items():
        m.momentum = mom
    model.train(was_training)



class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` over ``anneal_epochs`` (cos or linear), then hold it."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    def _set_anneal_func(self, strategy):
        self._anneal_strategy = strategy
        self.anneal_func = self._cosine_anneal if strategy == "cos" else self._linear_anneal

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                          UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev)]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
