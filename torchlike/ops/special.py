"""Special functions: erf/erfc/erfinv, lgamma/digamma/polygamma/mvlgamma, i0, sinc, logit,
xlogy/xlog1py (``torch.*`` and Tensor methods), and the rest of ``torch.special``: orthogonal
polynomials, Bessel and Airy functions, and ``torch.igamma``/``igammac``.

The ``torch.special``-only functions are, as in torch, not differentiable. The polynomials use the
three-term recurrences torch evaluates (the degree ``n`` is truncated to an integer, negative degrees
give 0). Bessel functions: J0/J1/Y0/Y1 use their power series for |x| <= 17 and Hankel's asymptotic
expansion beyond; K0/K1 (and the exponentially scaled ones) their series for x <= 2, the
trapezoidal rule on ``K_v(x) = int_0^inf exp(-x cosh t) cosh(v t) dt`` up to 17 and the asymptotic
expansion above; ``airy_ai`` its Maclaurin series near 0, ``K_{1/3}`` for x > 2 and the asymptotic
expansion for x < -8. All are evaluated in float64 and cast back, so float32 results agree with
torch's to float32 rounding.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from .._tensor import Tensor
from .declare import public
from .out import write_out
from .pointwise import binary, unary
from .registry import Op, apply
from ._upcast import in_float32
from .signature import binary_args

erf = unary("erf", jax.lax.erf, method=True, inplace=True, torch_inplace=True, special=True)


erfc = unary("erfc", jax.lax.erfc, method=True, inplace=True, torch_inplace=True, special=True)


erfinv = unary("erfinv", jax.lax.erf_inv, method=True, inplace=True, special=True)


lgamma = unary("lgamma", jax.lax.lgamma, method=True, inplace=True, special="gammaln")


# Cephes' Euler-Maclaurin coefficients for the Hurwitz zeta tail (torch's zeta uses the same ones)
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)


def _hurwitz_zeta_int(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for an integer s >= 2, by torch's (Cephes') method: sum the terms
    directly until q + k > 9 (at least 9 of them), then add the Euler-Maclaurin tail. Unlike
    jax.scipy.special.zeta it is right for negative non-integer q (inf at non-positive integers)."""
    dt = q.dtype

    def cond(st):
        i, a, _ = st
        return jnp.any((i < 9) | (a <= 9))

    def body(st):
        i, a, tot = st
        live = (i < 9) | (a <= 9)
        a = jnp.where(live, a + 1, a)
        tot = tot + jnp.where(live, 1 / jax.lax.integer_pow(a, s), 0)
        return i + 1, a, tot

    _, a, tot = jax.lax.while_loop(cond, body, (jnp.asarray(0), q, 1 / jax.lax.integer_pow(q, s)))
    b = 1 / jax.lax.integer_pow(a, s)
    tot = tot + b * a / (s - 1) - 0.5 * b
    coef, k = jnp.ones_like(a), 0.0
    for c in _ZETA_A:
        coef = coef * (s + k)
        b = b / a
        tot = tot + coef * b / c
        k += 1
        coef = coef * (s + k)
        b = b / a
        k += 1
    return jnp.where((q <= 0) & (q == jnp.floor(q)), jnp.asarray(jnp.inf, dt), tot)


def _trigamma(x):
    """torch's trigamma: the reflection formula below 1/2, six recurrence steps, then the asymptotic
    series (jax's polygamma(1, x) loses accuracy for x < -8)."""
    neg = x < 0.5
    refl = jnp.where(neg, -(math.pi ** 2) / jnp.sin(math.pi * x) ** 2, 0)
    x = jnp.where(neg, 1 - x, x)
    acc = jnp.zeros_like(x)
    for _ in range(6):
        acc = acc + 1 / (x * x)
        x = x + 1
    ixx = 1 / (x * x)
    acc = acc + (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x
    return jnp.where(neg, -(refl + acc), acc)


@jax.custom_jvp
def _polygamma_fn(x, n):
    if n == 0:  # torch: digamma(+-0) = -+inf (lax gives nan)
        return jnp.where(x == 0, jnp.copysign(jnp.asarray(jnp.inf, x.dtype), -x), jax.lax.digamma(x))
    if n == 1:
        return _trigamma(x)
    return (1.0 if n % 2 else -1.0) * math.factorial(n) * _hurwitz_zeta_int(n + 1, x)


_polygamma_fn = jax.custom_jvp(_polygamma_fn.fun, nondiff_argnums=(1,))


@_polygamma_fn.defjvp
def _polygamma_jvp(n, primals, tangents):
    (x,), (t,) = primals, tangents
    return _polygamma_fn(x, n), _polygamma_fn(x, n + 1) * t


def _digamma_fn(x):
    return _polygamma_fn(x, 0)


digamma = unary("digamma", _digamma_fn, method=True, inplace=True, special=("digamma", "psi"))


i0 = unary("i0", jsp.i0, method=True, inplace=True, torch_inplace=True, special=True)


sinc = unary("sinc", jnp.sinc, method=True, inplace=True, torch_inplace=True, special=True)


_polygamma = Op("polygamma", lambda x, n: _polygamma_fn(x, n), promote="float")


@public(method=lambda self, n: polygamma(n, self), inplace=True, special=True)
def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma (torch.polygamma(n, input))."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return write_out(apply(_polygamma, input, n=int(n)), out)


_mvlgamma = Op("mvlgamma", lambda x, p: jsp.multigammaln(x, p), promote="float")


@public(method=True, inplace=True, special="multigammaln")
def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension ``p``."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return write_out(apply(_mvlgamma, input, p=int(p)), out)


def _logit(x, eps):
    if eps is not None:
        x = jnp.clip(x, eps, 1 - eps)
    return jnp.log(x / (1 - x))


_logit_op = Op("logit", _logit, promote="float")


@public(method=True, inplace=True, torch_inplace=True, special=True)
def logit(input, eps=None, *, out=None):
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when ``eps`` is given."""
    return write_out(apply(_logit_op, input, eps=None if eps is None else float(eps)), out)


def _unbroadcast(g, shape):
    """Sum a broadcast cotangent back to an input's shape."""
    while g.ndim > len(shape):
        g = g.sum(0)
    return g.sum(tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1), keepdims=True) \
        if g.shape != tuple(shape) else g


def _xlog_vjp(log):
    # torch's derivatives: d/dx = log(y) (0 where x == 0 and log's argument is 0), d/dy = x * log'(y)
    def f(x, y):
        zero = (x == 0) & (y == (0 if log is jnp.log else -1))
        r = jnp.where(x == 0, jnp.zeros_like(x), x * log(jnp.where(zero, jnp.ones_like(y) * (log is jnp.log), y)))
        return jnp.where(jnp.isnan(y), y, r)

    def fwd_res(x, y):
        return f(x, y), (x, y)

    def bwd(res, g):
        x, y = res
        zero = (x == 0) & (y == (0 if log is jnp.log else -1))
        gx = g * jnp.where(zero, 0, log(jnp.where(zero, jnp.ones_like(y) * (log is jnp.log), y)))
        gy = g * x / (y if log is jnp.log else 1 + y)
        return _unbroadcast(gx, x.shape).astype(x.dtype), _unbroadcast(gy, y.shape).astype(y.dtype)

    return f, (fwd_res, bwd)


_xlogy_f, _xlogy_vjp = _xlog_vjp(jnp.log)


_xlog1py_f, _xlog1py_vjp = _xlog_vjp(jnp.log1p)


xlogy = binary("xlogy", _xlogy_f, promote="float", vjp=_xlogy_vjp, args="either", method=True, inplace=True,
               torch_inplace=True, special=True)


xlog1py = binary("special_xlog1py", _xlog1py_f, promote="float", vjp=_xlog1py_vjp, args="either", function=False,
                 special="xlog1py")




_EULER = 0.5772156649015329


_igamma = Op("igamma", jsp.gammainc, promote="float")


_igammac = Op("igammac", jsp.gammaincc, promote="float")


def _check_igamma(a, b, name):
    for t in (a, b):
        if isinstance(t, Tensor) and not (t.dtype.is_floating_point):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{str(t.dtype)[6:].capitalize()}'")


@public(method=True, inplace=True)
def igamma(input, other, *, out=None):
    """Regularized lower incomplete gamma P(input, other) (``torch.special.gammainc``)."""
    if input.__class__ is not Tensor or other.__class__ is not Tensor:
        binary_args("igamma", "tensors", input, other)
    _check_igamma(input, other, "igamma")
    return write_out(apply(_igamma, input, other), out)


@public(method=True, inplace=True)
def igammac(input, other, *, out=None):
    """Regularized upper incomplete gamma Q(input, other) (``torch.special.gammaincc``)."""
    if input.__class__ is not Tensor or other.__class__ is not Tensor:
        binary_args("igammac", "tensors", input, other)
    _check_igamma(input, other, "igammac")
    return write_out(apply(_igammac, input, other), out)


def _recurrence(first, second, step):
    """fwd(x, n) evaluating p_n(x) from p_0 = first(x), p_1 = second(x), p_{k+1} = step(k, x, p_k, p_{k-1})."""
    def fwd(x, n):
        dt = x.dtype
        x, n = jnp.broadcast_arrays(x.astype(jnp.float64), n)
        n = n.astype(jnp.int64)
        p0, p1 = first(x), second(x)
        out = jnp.where(n == 0, p0, jnp.where(n == 1, p1, 0.0))

        def body(carry):
            k, p, q, out = carry
            r = step(k.astype(jnp.float64), x, q, p)
            return k + 1, q, r, jnp.where(n == k + 1, r, out)

        nmax = jnp.max(n, initial=0)
        _, _, _, out = jax.lax.while_loop(lambda c: c[0] < nmax, body, (jnp.asarray(1, jnp.int64), p0, p1, out))
        return jnp.where(n < 0, 0.0, out).astype(dt)
    return fwd


def _poly(name, first, second, step):
    o = Op(name, _recurrence(first, second, step), promote="float", differentiable=False)

    def fn(input, n, *, out=None):
        if input.__class__ is not Tensor and n.__class__ is not Tensor:
            binary_args("special_" + name, "either", input, n, ("x", "n"))
        return write_out(apply(o, input, n), out)

    fn.__name__ = fn.__qualname__ = name
    return public(fn, function=False, special=True)  # torch.special.<name> only


_one = jnp.ones_like


_cheb = lambda k, x, q, p: 2 * x * q - p  # noqa: E731


_scheb = lambda k, x, q, p: (4 * x - 2) * q - p  # noqa: E731


chebyshev_polynomial_t = _poly("chebyshev_polynomial_t", _one, lambda x: x, _cheb)


chebyshev_polynomial_u = _poly("chebyshev_polynomial_u", _one, lambda x: 2 * x, _cheb)


chebyshev_polynomial_v = _poly("chebyshev_polynomial_v", _one, lambda x: 2 * x - 1, _cheb)


chebyshev_polynomial_w = _poly("chebyshev_polynomial_w", _one, lambda x: 2 * x + 1, _cheb)


shifted_chebyshev_polynomial_t = _poly("shifted_chebyshev_polynomial_t", _one, lambda x: 2 * x - 1, _scheb)


shifted_chebyshev_polynomial_u = _poly("shifted_chebyshev_polynomial_u", _one, lambda x: 4 * x - 2, _scheb)


shifted_chebyshev_polynomial_v = _poly("shifted_chebyshev_polynomial_v", _one, lambda x: 4 * x - 3, _scheb)


shifted_chebyshev_polynomial_w = _poly("shifted_chebyshev_polynomial_w", _one, lambda x: 4 * x - 1, _scheb)


hermite_polynomial_h = _poly("hermite_polynomial_h", _one, lambda x: 2 * x, lambda k, x, q, p: 2 * x * q - 2 * k * p)


hermite_polynomial_he = _poly("hermite_polynomial_he", _one, lambda x: x, lambda k, x, q, p: x * q - k * p)


laguerre_polynomial_l = _poly("laguerre_polynomial_l", _one, lambda x: 1 - x,
                              lambda k, x, q, p: ((2 * k + 1 - x) * q - k * p) / (k + 1))


legendre_polynomial_p = _poly("legendre_polynomial_p", _one, lambda x: x,
                              lambda k, x, q, p: ((2 * k + 1) * x * q - k * p) / (k + 1))


def _unary(name, f):
    def fwd(x):
        return f(x.astype(jnp.float64)).astype(x.dtype)

    o = Op(name, fwd, promote="float", differentiable=False)

    def fn(input, *, out=None):
        return write_out(apply(o, input), out)

    fn.__name__ = fn.__qualname__ = name
    return public(fn, function=False, special=True)  # torch.special.<name> only


_K = np.arange(40, dtype=np.float64)


_LOGFACT = np.array([math.lgamma(k + 1) for k in range(42)])


_PSI = np.concatenate([[-_EULER], -_EULER + np.cumsum(1.0 / np.arange(1, 42))])  # psi(k + 1), k = 0..41


def _series_jy(x, n):
    """J_n and Y_n (n = 0, 1) from their power series (DLMF 10.2.2, 10.8.1); x > 0 for Y."""
    k = _K
    z = (x / 2)[..., None]
    lz = jnp.log(jnp.abs(z))
    # (z/2)^(2k+n) / (k! (n+k)!) with sign (-1)^k, in logs for range
    mag = jnp.exp((2 * k + n) * lz - _LOGFACT[:40] - _LOGFACT[n:n + 40])
    sign = np.where(k % 2 == 0, 1.0, -1.0)
    terms = sign * mag * (jnp.sign(z) ** n if n else 1.0)
    j = jnp.sum(terms, axis=-1)
    psi = _PSI[:40] + _PSI[n:n + 40]
    y = 2 / jnp.pi * jnp.log(x / 2) * j - jnp.sum(psi * terms, axis=-1) / jnp.pi
    if n == 1:
        y = y - 2 / (jnp.pi * x)
    return j, y


def _hankel(x, n, terms=30):
    """Hankel's asymptotic P, Q for J_n, Y_n at large x (DLMF 10.17.3)."""
    mu = 4.0 * n * n
    a = [1.0]
    for k in range(1, terms):
        a.append(a[-1] * (mu - (2 * k - 1) ** 2) / (k * 8))
    p = sum(((-1) ** (k // 2)) * a[k] / x ** k for k in range(0, terms, 2))
    q = sum(((-1) ** (k // 2)) * a[k] / x ** k for k in range(1, terms, 2))
    w = x - (n / 2 + 0.25) * jnp.pi
    s = jnp.sqrt(2 / (jnp.pi * x))
    return s * (p * jnp.cos(w) - q * jnp.sin(w)), s * (p * jnp.sin(w) + q * jnp.cos(w))


def _bessel_j(n):
    def f(x):
        ax = jnp.abs(x)
        small = ax <= 17
        js, _ = _series_jy(jnp.where(small & (x != 0), x, 1.0), n)
        jl, _ = _hankel(jnp.where(small, 20.0, ax), n)
        if n == 1:
            jl = jnp.sign(x) * jl
        return jnp.where(x == 0, float(n == 0), jnp.where(small, js, jl))
    return f


def _bessel_y(n):
    def f(x):
        small = x <= 17
        xs = jnp.where(small & (x > 0), x, 1.0)
        _, ys = _series_jy(xs, n)
        _, yl = _hankel(jnp.where(small, 20.0, x), n)
        y = jnp.where(small, ys, yl)
        return jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, y))
    return f


_T = np.arange(0, 65) * 0.125  # trapezoid nodes for K_v on 2 <= x <= 17 (error ~ exp(x - pi^2 / h))


_TW = np.where(_T == 0, 0.5, 1.0) * 0.125


def _scaled_k(x, v):
    """exp(x) K_v(x) for x >= ~1.8: trapezoidal rule up to 17, asymptotic expansion (DLMF 10.40.2) above."""
    mid = x <= 17
    xm = jnp.where(mid, x, 2.0)[..., None]
    quad = jnp.sum(_TW * jnp.exp(-xm * (np.cosh(_T) - 1)) * np.cosh(v * _T), axis=-1)
    xl = jnp.where(mid, 20.0, x)
    mu, a, asym = 4.0 * v * v, 1.0, 1.0
    for k in range(1, 30):
        a = a * (mu - (2 * k - 1) ** 2) / (k * 8)
        asym = asym + a / xl ** k
    return jnp.where(mid, quad, jnp.sqrt(jnp.pi / (2 * xl)) * asym)


def _k_series(x, n):
    """K_n(x) (n = 0, 1) from its series (DLMF 10.31.1), for 0 < x <= 2."""
    k = _K[:30]
    z = (x / 2)[..., None]
    t = jnp.exp((2 * k + n) * jnp.log(z) - _LOGFACT[:30] - _LOGFACT[n:n + 30])  # (x/2)^(2k+n)/(k!(n+k)!)
    i_n = jnp.sum(t, axis=-1)
    psi = _PSI[:30] + _PSI[n:n + 30]
    if n == 0:
        return -jnp.log(x / 2) * i_n + jnp.sum(psi * t, axis=-1) / 2
    return 1 / x + jnp.log(x / 2) * i_n - jnp.sum(psi * t, axis=-1) / 2


def _k(n, scaled):
    def f(x):
        small = x <= 2
        xs = jnp.where(small & (x > 0), x, 1.0)
        ks = _k_series(xs, n)
        ks = ks * jnp.exp(xs) if scaled else ks
        xl = jnp.where(small | jnp.isinf(x), 3.0, x)
        kl = _scaled_k(xl, n)
        kl = kl if scaled else kl * jnp.exp(-xl)
        r = jnp.where(small, ks, kl)
        return jnp.where(x == 0, jnp.inf, jnp.where(x < 0, jnp.nan, jnp.where(x == jnp.inf, 0.0, r)))
    return f


def _sph_j0(x):
    xs = jnp.where(x == 0, 1.0, x)
    return jnp.where(jnp.isinf(x), 0.0, jnp.where(jnp.abs(x) < 1e-4, 1 - x * x / 6, jnp.sin(xs) / xs))


_AI0 = 0.355028053887817239  # Ai(0)


_AIP0 = 0.258819403792806798  # -Ai'(0)


def _airy_series(x, terms=60):
    f = jnp.ones_like(x)
    g = x
    tf, tg = f, g
    x3 = x * x * x
    for k in range(1, terms):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f = f + tf
        g = g + tg
    return _AI0 * f - _AIP0 * g


def _airy_neg_asym(x, terms=16):
    ax = -x
    zeta = 2.0 / 3.0 * ax ** 1.5
    u = [1.0]
    for k in range(1, terms):
        u.append(u[-1] * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k))
    p = sum(((-1) ** (k // 2)) * u[k] / zeta ** k for k in range(0, terms, 2))
    q = sum(((-1) ** (k // 2)) * u[k] / zeta ** k for k in range(1, terms, 2))
    w = zeta + jnp.pi / 4
    return (jnp.sin(w) * p - jnp.cos(w) * q) / (jnp.sqrt(jnp.pi) * ax ** 0.25)


def _airy_ai(x):
    mid = (x >= -8) & (x <= 2)
    s = _airy_series(jnp.where(mid, x, 0.0))
    xp = jnp.where((x > 2) & (x < jnp.inf), x, 3.0)
    zeta = 2.0 / 3.0 * xp ** 1.5
    pos = jnp.sqrt(xp / 3) / jnp.pi * _scaled_k(zeta, 1.0 / 3.0) * jnp.exp(-zeta)
    neg = _airy_neg_asym(jnp.where(x < -8, x, -9.0))
    r = jnp.where(mid, s, jnp.where(x > 2, pos, neg))
    return jnp.where(jnp.isnan(x) | (x == jnp.inf), jnp.nan, r)  # torch gives NaN at +inf


bessel_j0 = _unary("bessel_j0", _bessel_j(0))


bessel_j1 = _unary("bessel_j1", _bessel_j(1))


bessel_y0 = _unary("bessel_y0", _bessel_y(0))


bessel_y1 = _unary("bessel_y1", _bessel_y(1))


modified_bessel_i0 = _unary("modified_bessel_i0", jsp.i0)


modified_bessel_i1 = _unary("modified_bessel_i1", jsp.i1)


modified_bessel_k0 = _unary("modified_bessel_k0", _k(0, False))


modified_bessel_k1 = _unary("modified_bessel_k1", _k(1, False))


scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0", _k(0, True))


scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1", _k(1, True))


spherical_bessel_j0 = _unary("spherical_bessel_j0", _sph_j0)


airy_ai = _unary("airy_ai", _airy_ai)


# ------------------------------------------------- torch.special only, over jax.scipy.special (differentiable)
i0e = unary("special_i0e", jsp.i0e, function=False, special="i0e")
i1 = unary("special_i1", jsp.i1, function=False, special="i1")
i1e = unary("special_i1e", jsp.i1e, function=False, special="i1e")
ndtr = unary("special_ndtr", jsp.ndtr, function=False, special="ndtr")
ndtri = unary("special_ndtri", jsp.ndtri, function=False, special="ndtri")
log_ndtr = unary("special_log_ndtr", jsp.log_ndtr, function=False, special="log_ndtr")
erfcx = unary("special_erfcx", jsp.erfcx, function=False, special="erfcx")


def _entr(x):
    return jnp.where(x > 0, -x * jnp.log(jnp.where(x > 0, x, 1)), jnp.where(x == 0, jnp.zeros_like(x), -jnp.inf))


# torch's derivative -(1 + log x): NaN for x < 0 and inf at 0, which JAX's derived one would hide
entr = unary("special_entr", _entr, vjp=(lambda x: (_entr(x), x), lambda x, g: (g * -(1 + jnp.log(x)),)),
             function=False, special="entr")
zeta = binary("special_zeta", jsp.zeta, promote="float", args="either", arg_names=("input", "other"), function=False,
              special="zeta")
gammainc = binary("special_gammainc", jsp.gammainc, promote="float", function=False, special="gammainc")
gammaincc = binary("special_gammaincc", jsp.gammaincc, promote="float", function=False, special="gammaincc")


@in_float32
def _softmax(x, dim, log):
    return jax.nn.log_softmax(x, axis=dim) if log else jax.nn.softmax(x, axis=dim)


_softmax_op = Op("softmax", lambda x, dim, log: _softmax(x, dim, log) if x.ndim else
                 (jnp.zeros_like(x) if log else jnp.ones_like(x)), promote="float")


def _softmax_impl(input, dim, dtype, log):
    from .._tensor import _wrap_dim
    if dtype is not None:
        input = input.to(dtype)
    elif not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"\"{'log_' if log else ''}softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{input.dtype}'")
    return apply(_softmax_op, input, dim=_wrap_dim(dim, input.ndim) if input.ndim else 0, log=log)


@public(name="softmax", function=False, special=True)
def special_softmax(input, dim, *, dtype=None):
    """torch.special.softmax: exp(x) / sum(exp(x)) along ``dim`` (computed in ``dtype`` when given)."""
    return _softmax_impl(input, dim, dtype, False)


@public(name="log_softmax", function=False, special=True)
def special_log_softmax(input, dim, *, dtype=None):
    """torch.special.log_softmax."""
    return _softmax_impl(input, dim, dtype, True)
