"""Full backward hooks: identity autograd Functions around a module's inputs and outputs.

The output-side node sees ``grad_output`` first (running backward pre-hooks, which may replace it);
the input-side node then sees ``grad_input`` and calls ``hook(module, grad_input, grad_output)``,
whose non-None return replaces ``grad_input``. With no input requiring grad, the hooks run at the
output side with ``grad_input`` all None, as in torch.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd import grad_mode
from ...autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        return tuple(Tensor._wrap(t._value) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_backward(grads))


def _check_result(res, expected, kind):
    if res is None:
        return None
    if not isinstance(res, (tuple, list)):
        res = (res,)
    if len(res) != len(expected):
        raise RuntimeError(f"Backward hook returned an invalid number of grad_{kind}, got {len(res)}, but expected "
                           f"{len(expected)}")
    return tuple(res)


class BackwardHook:
    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = []
        self.input_requires = False

    def _run_hooks(self, grad_input):
        for hook in self.hooks:
            res = _check_result(hook(self.module, grad_input, self.grad_outputs), grad_input, "input")
            if res is not None:
                grad_input = res
        return grad_input

    def setup_input_hook(self, args):
        pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(pos)
        req = [i for i in pos if args[i].requires_grad]
        self.input_positions = pos
        if not req or not grad_mode.is_grad_enabled():
            return args
        self.input_requires = True
        order = {i: k for k, i in enumerate(pos)}

        def on_backward(grads):
            grad_input = [None] * self.n_inputs
            for i, g in zip(req, grads):
                grad_input[order[i]] = g
            grad_input = self._run_hooks(tuple(grad_input))
            return [grad_input[order[i]] for i in req]

        new = _Identity.apply(on_backward, *[args[i] for i in req])
        args = list(args)
        for i, t in zip(req, new):
            args[i] = t
        return tuple(args)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, tuple) or not grad_mode.is_grad_enabled():
            return result
        req = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not req:
            return result
        n_out = len(outs)

        def on_backward(grads):
            grad_output = [None] * n_out
            for i, g in zip(req, grads):
                grad_output[i] = g
            grad_output = tuple(grad_output)
            for hook in self.pre_hooks:
                res = _check_result(hook(self.module, grad_output), grad_output, "output")
                if res is not None:
                    grad_output = res
            self.grad_outputs = grad_output
            if not self.input_requires:
                self._run_hooks((None,) * self.n_inputs)
            return [grad_output[i] for i in req]

        new = _Identity.apply(on_backward, *[outs[i] for i in req])
        outs = list(outs)
        for i, t in zip(req, new):
            outs[i] = t
        return outs[0] if single else tuple(outs)
