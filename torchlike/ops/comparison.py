"""Whole-tensor and elementwise closeness tests: isclose, allclose, equal, isin."""
from __future__ import annotations

import jax.numpy as jnp

from .._tensor import Tensor, _type_name
from .declare import public
from .pointwise import _check_broadcast
from .out import write_out
from .registry import Op, apply
from .signature import binary_args


def _isclose(a, b, rtol, atol, equal_nan):
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        a, b = a.astype(jnp.float64), b.astype(jnp.float64)
    close = (a == b) | (jnp.isfinite(a) & jnp.isfinite(b) & (jnp.abs(a - b) <= atol + rtol * jnp.abs(b)))
    if equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    return close


_isclose_op = Op("isclose", _isclose, differentiable=False)


@public(method=True)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (inputs must share a dtype, as in torch)."""
    if input.__class__ is not Tensor or other.__class__ is not Tensor:
        binary_args("isclose", "tensors", input, other)
    if isinstance(other, Tensor) and other.dtype is not input.dtype:
        raise RuntimeError(f"{_type_name(input.dtype)} did not match {_type_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    _check_broadcast(input, other)
    return apply(_isclose_op, input, other, rtol=float(rtol), atol=float(atol), equal_nan=bool(equal_nan))


@public(method=True)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@public(method=True)
def equal(input, other):
    """True when both have the same shape and equal elements."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    from .pointwise import eq
    return bool(eq(input, other).all())


_isin_op = Op("isin", lambda e, t, invert: jnp.isin(e, t, invert=invert), promote="compare", differentiable=False)


@public
def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None):
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a scalar)."""
    if not isinstance(test_elements, Tensor):
        from .creation import tensor
        test_elements = tensor(test_elements)
    return write_out(apply(_isin_op, elements, test_elements.reshape(-1), invert=bool(invert)), out)
