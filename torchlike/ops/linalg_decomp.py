"""Linear algebra, decompositions: QR, SVD, eigh/eig (and values-only forms).

 Each decomposition is one JAX function in one Op, so gradients come from JAX's derived rules;
results that are not unique (SVD signs, eigenvector phases) follow whatever LAPACK returns, as
torch's do. A non-float input or non-square matrix raises RuntimeError, a singular or
non-positive-definite input raises :class:`LinAlgError` (a RuntimeError) when checked eagerly."""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from .declare import public
from .linalg_solve import _check_float, _check_matrix, _from_triangle, _rt, _sq
from .out import write_out
from .registry import Op, apply

_QRRT = _rt("linalg_qr", ("Q", "R"))


_TQRRT = _rt("qr", ("Q", "R"))


_SVDRT = _rt("linalg_svd", ("U", "S", "Vh"))


_TSVDRT = _rt("svd", ("U", "S", "V"))


_EighRT = _rt("linalg_eigh", ("eigenvalues", "eigenvectors"))


_EigRT = _rt("linalg_eig", ("eigenvalues", "eigenvectors"))


def _qr(a, mode):
    if mode == "r":
        return jnp.zeros((0,), a.dtype), jnp.linalg.qr(a, mode="r")
    return tuple(jnp.linalg.qr(a, mode=mode))


_qr_op = Op("linalg_qr", _qr, backward_name="LinalgQrBackward0")


@public(function=False, linalg="qr")
def linalg_qr(A, mode="reduced", *, out=None):
    """torch.linalg.qr with mode 'reduced' | 'complete' | 'r' (Q empty for 'r')."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _check_matrix("linalg.qr", A)
    _check_float("linalg.qr", A)
    return write_out(_QRRT(*apply(_qr_op, A, mode=mode)), out)


@public(method=True)
def qr(input, some=True, *, out=None):
    r = linalg_qr(input, "reduced" if some else "complete")
    return write_out(_TQRRT(r.Q, r.R), out)


def _svd(a, full_matrices):
    m, n = a.shape[-2], a.shape[-1]
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    if full_matrices and m != n:
        # JAX has no derivative for the full decomposition; the extra columns/rows only complete an
        # orthonormal basis, so they come from a non-differentiated full SVD.
        uf, _, vhf = jnp.linalg.svd(lax.stop_gradient(a), full_matrices=True)
        k = min(m, n)
        u = jnp.concatenate([u, uf[..., :, k:]], -1)
        vh = jnp.concatenate([vh, vhf[..., k:, :]], -2)
    return u, s, vh


_svd_op = Op("linalg_svd", _svd, backward_name="LinalgSvdBackward0")


@public(function=False, linalg="svd")
def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """torch.linalg.svd: (U, S, Vh) with A = U diag(S) Vh."""
    _check_matrix("linalg.svd", A)
    _check_float("linalg.svd", A)
    return write_out(_SVDRT(*apply(_svd_op, A, full_matrices=full_matrices)), out)


_svdvals_op = Op("linalg_svdvals", lambda a: jnp.linalg.svd(a, full_matrices=False)[1])


@public(function=False, linalg=True)
def svdvals(A, *, driver=None, out=None):
    _check_matrix("linalg.svdvals", A)
    _check_float("linalg.svdvals", A)
    return write_out(apply(_svdvals_op, A), out)


@public(method=True)
def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with A = U diag(S) V^H; without compute_uv, U and V are zero-filled."""
    _check_matrix("svd", input)
    _check_float("svd", input)
    if not compute_uv:
        S = svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        from .creation import zeros
        z = lambda r, c: zeros(*input.shape[:-2], r, c, dtype=input.dtype, device=input.device)
        return write_out(_TSVDRT(z(m, m), S, z(n, n)), out)
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return write_out(_TSVDRT(U, S, Vh.mH), out)




def _eigh(a, upper):
    v, w = lax.linalg.eigh(_from_triangle(a, upper), symmetrize_input=True)
    return w, v


_eigh_op = Op("linalg_eigh", _eigh, backward_name="LinalgEighBackward0")


def _uplo(UPLO):
    u = str(UPLO).upper()
    if u not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return u == "U"


@public(function=False, linalg=True)
def eigh(A, UPLO="L", *, out=None):
    """torch.linalg.eigh: ascending eigenvalues and orthonormal eigenvectors, reading one triangle."""
    _sq("linalg.eigh", A)
    return write_out(_EighRT(*apply(_eigh_op, A, upper=_uplo(UPLO))), out)


@public(function=False, linalg=True)
def eigvalsh(A, UPLO="L", *, out=None):
    return write_out(eigh(A, UPLO).eigenvalues, out)


def _complex_of(dt):
    return jnp.complex128 if dt == jnp.float64 or dt == jnp.complex128 else jnp.complex64


def _eig(a):
    w, v = jnp.linalg.eig(a)
    ct = _complex_of(a.dtype)
    return w.astype(ct), v.astype(ct)


def _eig_res(a):
    w, v = _eig(a)
    return (w, v), (a, w, v)


def _eig_bwd(res, g):
    """torch's linalg_eig_backward: gA = V^-H (diag(gL) + (V^H gV - V^H V diag(re(V^H gV))) / conj(E)) V^H
    with E_ij = L_j - L_i (1 on the diagonal); real for a real A. JAX's cotangents of complex values are
    the conjugates of torch's gradients, hence the conj on the way in and out."""
    a, w, v = res
    g_w, g_v = jnp.conj(g[0]), jnp.conj(g[1])
    vh = jnp.conj(jnp.swapaxes(v, -1, -2))
    vhgv = vh @ g_v
    inner = vhgv - vh @ (v * jnp.real(jnp.diagonal(vhgv, axis1=-2, axis2=-1))[..., None, :])
    n = w.shape[-1]
    e = w[..., None, :] - w[..., :, None]
    e = jnp.where(jnp.eye(n, dtype=bool), jnp.ones((), e.dtype), e)
    m = inner / jnp.conj(e) + g_w[..., :, None] * jnp.eye(n, dtype=w.dtype)
    ga = jnp.linalg.solve(vh, m @ vh)
    return (jnp.real(ga).astype(a.dtype) if not jnp.iscomplexobj(a) else jnp.conj(ga),)


_eig_op = Op("linalg_eig", _eig, vjp=(_eig_res, _eig_bwd))


@public(function=False, linalg=True)
def eig(A, *, out=None):
    """torch.linalg.eig: complex eigenvalues and unit eigenvectors (LAPACK's geev, as torch's CPU
    kernel), differentiable with torch's formula."""
    _sq("linalg.eig", A)
    return write_out(_EigRT(*apply(_eig_op, A)), out)


@public(function=False, linalg=True)
def eigvals(A, *, out=None):
    return write_out(eig(A).eigenvalues, out)
