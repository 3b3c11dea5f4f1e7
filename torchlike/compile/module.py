"""``torchlike.compile(model)``: the module's forward as one XLA program and its backward as one
more, recorded on the autograd tape as a single node.

The forward is a registered op whose inputs are the module's parameters, buffers, the call's
tensor arguments and a random key; its outputs are the call's results and the buffers' new values
(BatchNorm running statistics), which are written back. JAX derives the backward of the whole
forward, so ``loss.backward()`` runs one program for the model.
"""
from __future__ import annotations


from .. import _intercept
from .. import _trace_hooks as hooks
from .. import random as _random
from .._tensor import Tensor
from ..autograd import grad_mode
from ..nn.modules.module import Module
from ..ops.registry import Op, apply
from .step import _hashable, _join, _split


def _forward_fn(module, out_info):
    def fwd(*arrays, meta):
        n_p, n_b, treedef, static, _flags, _autocast = meta
        params = list(module.parameters())
        buffers = [b for b in module.buffers()]
        tensors = params + buffers
        with hooks.tracing(tensors, arrays[:n_p + n_b], arrays[-1]):
            args = [Tensor._wrap(v) for v in arrays[n_p + n_b:-1]]
            a, kw = _join(treedef, static, args)
            with grad_mode.no_grad():
                out = module.forward(*a, **kw)  # the module's own hooks run outside, on every call
            out_t, out_static, out_tree = _split(out)
            out_info[meta] = (out_tree, out_static)
            return tuple(t._value for t in out_t) + tuple(b._value for b in buffers)
    return fwd


class OptimizedModule(Module):
    """What ``torchlike.compile(module)`` returns, as torch's ``OptimizedModule``: a Module holding the
    original as its submodule ``_orig_mod`` (so ``state_dict`` keys carry the ``_orig_mod.`` prefix,
    a parent module registers its parameters, and ``ModuleList([torch.compile(block) ...])`` works).
    Calling it runs the compiled forward inside the original's hooks, which run eagerly on every
    call; other attributes are looked up on the original."""

    def __init__(self, module, fullgraph=False):
        super().__init__()
        self._orig_mod = module
        self._fullgraph = fullgraph
        self._build_op()

    def _build_op(self):
        self._out_info = {}
        self._op = Op(type(self._orig_mod).__name__.lower() + "_compiled",
                      _forward_fn(self._orig_mod, self._out_info), backward_name="CompiledFunctionBackward")

    _OWN = frozenset({"_orig_mod", "_fullgraph", "_out_info", "_op", "training"})

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def __setattr__(self, name, value):
        if name in self._OWN or "_orig_mod" not in self.__dict__.get("_modules", ()):
            super().__setattr__(name, value)
        else:  # as torch's: attributes set on the wrapper land on the original
            setattr(self._modules["_orig_mod"], name, value)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_op", None)  # a compiled program does not pickle; it is rebuilt on load
        state.pop("_out_info", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._build_op()

    def forward(self, *args, **kwargs):
        return self._orig_mod._call_forward(self._run, args, kwargs)

    def _run(self, *args, **kwargs):
        m = self._orig_mod
        params = list(m.parameters())
        buffers = list(m.buffers())
        arg_t, static, treedef = _split((args, kwargs))
        flags = tuple(x.training for x in m.modules())
        meta = (len(params), len(buffers), treedef, _hashable(static), flags, _intercept.autocast_key)
        key = Tensor._wrap(_random.default_generator.next_key())
        res = apply(self._op, *params, *buffers, *arg_t, key, meta=meta)
        res = res if isinstance(res, tuple) else (res,)
        n_out = len(res) - len(buffers)
        with grad_mode.no_grad():
            for b, v in zip(buffers, res[n_out:]):
                b._value = v._value
        out_tree, out_static = self._out_info[meta]
        return _join(out_tree, out_static, list(res[:n_out]))
