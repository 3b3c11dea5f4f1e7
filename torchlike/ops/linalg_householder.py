"""QR in LAPACK's Householder form: torch.geqrf, torch.linalg.householder_product (torch.orgqr),
torch.ormqr — on ``jax.lax.linalg.geqrf``/``householder_product``, which follow LAPACK's convention."""
from __future__ import annotations

import collections

import jax.numpy as jnp
from jax._src.lax.linalg import geqrf as _jax_geqrf  # noqa: E402

from .declare import public
from .reductions import return_types
from .out import write_out
from .registry import Op, apply

return_types.geqrf = collections.namedtuple("geqrf", ("a", "tau"))


_geqrf = Op("geqrf", lambda a: _jax_geqrf(a), differentiable=False)


def _householder_product(a, tau, ncols=None):
    # Q = H_1 ... H_k with H_i = I - tau_i v_i v_i^H, v_i = (0,..,0, 1, a[i+1:, i]); written with jnp
    # (not lax.linalg.householder_product, which has no derivative rule) so gradients exist as in torch
    m, n = a.shape[-2], a.shape[-1] if ncols is None else ncols
    rows = jnp.arange(m)
    q = jnp.broadcast_to(jnp.eye(m, n, dtype=a.dtype), a.shape[:-2] + (m, n))
    for i in reversed(range(tau.shape[-1])):
        v = jnp.where(rows == i, jnp.ones((), a.dtype), jnp.where(rows > i, a[..., :, i], jnp.zeros((), a.dtype)))
        vh_q = jnp.einsum("...m,...mn->...n", jnp.conj(v), q)
        q = q - tau[..., i, None, None] * v[..., :, None] * vh_q[..., None, :]
    return q


_hh = Op("linalg_householder_product", _householder_product)


def _check_float_matrix(name, *ts):
    for t in ts:
        if t.ndim < 2 and t is ts[0]:
            raise RuntimeError(f"torch.{name}: input must have at least 2 dimensions.")
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError(f"torch.{name}: Expected a floating point or complex tensor as input. Got {t.dtype}")


@public(method=True)
def geqrf(input, *, out=None):
    """(a, tau): R on and above the diagonal of ``a``, Householder vectors below it, and their scales."""
    _check_float_matrix("geqrf", input)
    a, tau = apply(_geqrf, input)
    return write_out(return_types.geqrf(a, tau), out)


def householder_product(A, tau, *, out=None):
    """The first n columns of the product of Householder reflectors H_1 ... H_k (LAPACK's orgqr)."""
    _check_float_matrix("linalg.householder_product", A, tau)
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.shape[-1] > A.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    return write_out(apply(_hh, A, tau), out)


public(householder_product, name="orgqr", method=True, linalg="householder_product")  # torch.orgqr is linalg.householder_product


def _full_q(a, tau):
    return _householder_product(a, tau, ncols=a.shape[-2])


def _ormqr(a, tau, c, left, transpose):
    q = _full_q(a, tau)
    if transpose:
        q = jnp.conj(jnp.swapaxes(q, -1, -2))
    return q @ c if left else c @ q


_ormqr_op = Op("ormqr", _ormqr)


@public(method=True)
def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """``Q @ other`` (or ``other @ Q``, with Q^H when ``transpose``) for the Q that geqrf's output encodes."""
    _check_float_matrix("ormqr", input, tau, other)
    return write_out(apply(_ormqr_op, input, tau, other, left=bool(left), transpose=bool(transpose)), out)
