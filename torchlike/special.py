"""``torch.special``: special functions with torch's names, dtype rules and gradients."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from .ops.pointwise import binary, unary
from .ops.pointwise import exp2, expm1, log1p, round, sigmoid as expit
from .ops.special import digamma, erf, erfc, erfinv, i0, logit, mvlgamma as multigammaln, polygamma, sinc, xlog1py, xlogy
from .ops.special import lgamma as gammaln
from .ops.reductions import logsumexp
from .ops.registry import Op, apply

__all__ = ["expit", "logit", "erf", "erfc", "erfcx", "erfinv", "gammaln", "digamma", "psi", "polygamma",
           "multigammaln", "i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "sinc", "entr", "xlogy", "xlog1py",
           "zeta", "log_softmax", "softmax", "logsumexp", "round", "exp2", "expm1", "log1p", "gammainc",
           "gammaincc"]

psi = digamma
i0e = unary("special_i0e", jsp.i0e)
i1 = unary("special_i1", jsp.i1)
i1e = unary("special_i1e", jsp.i1e)
ndtr = unary("special_ndtr", jsp.ndtr)
ndtri = unary("special_ndtri", jsp.ndtri)
log_ndtr = unary("special_log_ndtr", jsp.log_ndtr)
erfcx = unary("special_erfcx", jsp.erfcx)


def _entr(x):
    return jnp.where(x > 0, -x * jnp.log(jnp.where(x > 0, x, 1)), jnp.where(x == 0, jnp.zeros_like(x), -jnp.inf))


# torch's derivative -(1 + log x): NaN for x < 0 and inf at 0, which JAX's derived one would hide
entr = unary("special_entr", _entr, vjp=(lambda x: (_entr(x), x), lambda x, g: (g * -(1 + jnp.log(x)),)))
zeta = binary("special_zeta", jsp.zeta, promote="float", args="either", arg_names=("input", "other"))
gammainc = binary("special_gammainc", jsp.gammainc, promote="float")
gammaincc = binary("special_gammaincc", jsp.gammaincc, promote="float")


def _softmax(x, dim, log):
    return jax.nn.log_softmax(x, axis=dim) if log else jax.nn.softmax(x, axis=dim)


_softmax_op = Op("softmax", lambda x, dim, log: _softmax(x, dim, log) if x.ndim else
                 (jnp.zeros_like(x) if log else jnp.ones_like(x)), promote="float")


def _softmax_impl(input, dim, dtype, log):
    from ._tensor import _wrap_dim
    if dtype is not None:
        input = input.to(dtype)
    elif not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"\"{'log_' if log else ''}softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{input.dtype}'")
    return apply(_softmax_op, input, dim=_wrap_dim(dim, input.ndim) if input.ndim else 0, log=log)


def softmax(input, dim, *, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (computed in ``dtype`` when given)."""
    return _softmax_impl(input, dim, dtype, False)


def log_softmax(input, dim, *, dtype=None):
    return _softmax_impl(input, dim, dtype, True)

from .ops.special import *  # noqa: F401,F403,E402  polynomials, Bessel, Airy
from .ops import special as _special_ops  # noqa: E402
__all__ += [n for n in _special_ops.__all__ if not n.startswith("igamma")]
