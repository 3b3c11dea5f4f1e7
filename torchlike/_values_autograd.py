"""Autograd state of tensors whose data lives in a values Tensor (sparse and nested layouts)."""
from __future__ import annotations


class AutogradThroughValues:
    """Mixin for a Tensor subclass that keeps its data in the Tensor ``self._vals``: ``requires_grad``,
    ``grad_fn`` and ``is_leaf`` are the values tensor's, so gradients flow through the values as torch's
    sparse and nested tensors report them. ``grad`` stays the subclass's (each layout shapes it)."""

    __slots__ = ()

    @property
    def requires_grad(self):
        return self._vals.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self._vals.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        self._vals.requires_grad_(requires_grad)
        return self

    @property
    def grad_fn(self):
        return self._vals.grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._vals.grad_fn = node

    @property
    def is_leaf(self):
        return self._vals.grad_fn is None
