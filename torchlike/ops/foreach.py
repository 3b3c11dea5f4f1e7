"""torch's ``_foreach_*`` ops: one op over a list of tensors, as optimizers and EMA helpers use them
(timm's Lamb/AdamP/Lion and ``ModelEmaV3``, torch.optim's foreach paths).

As in torch, the out-of-place form returns a tuple and the in-place form (``_foreach_add_``) updates
each tensor and returns the list. The second operand may be a scalar (applied to every tensor), a list
of scalars or of tensors (one per tensor: the lengths must match, else torch's RuntimeError), or for
the arithmetic ops one tensor (applied to every tensor). Each element goes through the ordinary
per-tensor op, so dtypes, broadcasting and autograd are those of ``torch.add`` and friends; XLA
fuses nothing across the list here (torch's CUDA kernels do), so this is for correctness, not speed.
"""
from __future__ import annotations

from .declare import public

_UNARY = ("abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac",
          "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin",
          "sinh", "sqrt", "tan", "tanh", "trunc")
_BINARY = ("add", "sub", "mul", "div", "maximum", "minimum", "clamp_min", "clamp_max", "pow")
_TERNARY = ("addcmul", "addcdiv")


def _is_list(x):
    return isinstance(x, (list, tuple))


def _per_tensor(tensors, other, what="scalar"):
    """``other`` spread over ``tensors``: one entry each (checking the length) or the same for all."""
    from .._tensor import Tensor
    if _is_list(other):
        if len(other) != len(tensors):
            if other and all(isinstance(o, Tensor) for o in other):
                raise RuntimeError(f"Tensor lists must have the same number of tensors, got {len(tensors)} and "
                                   f"{len(other)}")
            raise RuntimeError(f"Tensor list must have same number of elements as {what} list.")
        return list(other)
    return [other] * len(tensors)


def _check_list(tensors, name):
    if not _is_list(tensors):
        raise TypeError(f"{name}(): argument 'self' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")


def _unary(op):
    def fn(self):
        _check_list(self, f"_foreach_{op}")
        return tuple(getattr(t, op)() for t in self)

    def fn_(self):
        _check_list(self, f"_foreach_{op}_")
        for t in self:
            getattr(t, op + "_")()
        return self
    return fn, fn_


def _binary(op):
    def call(t, o, alpha, suffix):
        if op in ("maximum", "minimum"):  # no Tensor.maximum_, and torch.maximum takes no scalar
            from .._tensor import Tensor
            r = getattr(t, op)(o) if isinstance(o, Tensor) else (t.clamp_min if op == "maximum" else t.clamp_max)(o)
            return t.copy_(r) if suffix else r
        kw = {} if alpha is None else {"alpha": alpha}
        return getattr(t, op + suffix)(o, **kw)

    def fn(self, other, *, alpha=None):
        if op == "pow" and not _is_list(self):  # _foreach_pow(scalar, exponents)
            return tuple(_scalar_pow(self, e) for e in other)
        _check_list(self, f"_foreach_{op}")
        return tuple(call(t, o, alpha, "") for t, o in zip(self, _per_tensor(self, other)))

    def fn_(self, other, *, alpha=None):
        _check_list(self, f"_foreach_{op}_")
        for t, o in zip(self, _per_tensor(self, other)):
            call(t, o, alpha, "_")
        return self
    return fn, fn_


def _scalar_pow(base, exponent):
    from .pointwise import pow as _pow
    return _pow(base, exponent)


def _ternary(op):
    def spread(self, value):
        from .._tensor import Tensor
        if isinstance(value, Tensor):  # a 1-D tensor of one scalar per tensor
            value = value.tolist()
        return _per_tensor(self, value)

    def fn(self, tensor1, tensor2, value=1):
        _check_list(self, f"_foreach_{op}")
        t1, t2 = _per_tensor(self, tensor1), _per_tensor(self, tensor2)
        return tuple(getattr(t, op)(a, b, value=v) for t, a, b, v in zip(self, t1, t2, spread(self, value)))

    def fn_(self, tensor1, tensor2, value=1):
        _check_list(self, f"_foreach_{op}_")
        t1, t2 = _per_tensor(self, tensor1), _per_tensor(self, tensor2)
        for t, a, b, v in zip(self, t1, t2, spread(self, value)):
            getattr(t, op + "_")(a, b, value=v)
        return self
    return fn, fn_


def _lerp():
    def fn(self, tensors1, weight):
        _check_list(self, "_foreach_lerp")
        return tuple(t.lerp(e, w) for t, e, w in zip(self, _per_tensor(self, tensors1), _per_tensor(self, weight)))

    def fn_(self, tensors1, weight):
        _check_list(self, "_foreach_lerp_")
        for t, e, w in zip(self, _per_tensor(self, tensors1), _per_tensor(self, weight)):
            t.lerp_(e, w)
        return self
    return fn, fn_


def _declare(op, pair):
    fn, fn_ = pair
    fn.__name__, fn_.__name__ = f"_foreach_{op}", f"_foreach_{op}_"
    fn.__doc__ = f"torch._foreach_{op}: ``{op}`` applied to each tensor of a list (a tuple of results)."
    fn_.__doc__ = f"torch._foreach_{op}_: ``{op}_`` applied to each tensor of a list, in place."
    public(fn, name=fn.__name__)
    public(fn_, name=fn_.__name__)


for _op in _UNARY:
    _declare(_op, _unary(_op))
for _op in _BINARY:
    _declare(_op, _binary(_op))
for _op in _TERNARY:
    _declare(_op, _ternary(_op))
_declare("lerp", _lerp())


@public(name="_foreach_norm")
def _foreach_norm(self, ord=2, dtype=None):
    """torch._foreach_norm: each tensor's vector norm of order ``ord`` (a tuple of 0-d tensors)."""
    from .reductions import vector_norm
    _check_list(self, "_foreach_norm")
    return tuple(vector_norm(t, ord, dtype=dtype) for t in self)


@public(name="_foreach_max")
def _foreach_max(self):
    """torch._foreach_max: each tensor's largest element."""
    _check_list(self, "_foreach_max")
    return tuple(t.max() for t in self)


@public(name="_foreach_clone")
def _foreach_clone(self):
    _check_list(self, "_foreach_clone")
    return tuple(t.clone() for t in self)


@public(name="_foreach_zero_")
def _foreach_zero_(self):
    _check_list(self, "_foreach_zero_")
    for t in self:
        t.zero_()
    return self


@public(name="_foreach_copy_")
def _foreach_copy_(self, src, non_blocking=False):
    """torch._foreach_copy_: copy each ``src`` tensor into the matching tensor of ``self``."""
    _check_list(self, "_foreach_copy_")
    for t, s in zip(self, _per_tensor(self, src)):
        t.copy_(s, non_blocking=non_blocking)
    return self
