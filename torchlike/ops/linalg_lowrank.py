"""torch.svd_lowrank / torch.pca_lowrank: Halko et al.'s randomized range finder followed by a small
SVD, written step by step as torch's ``torch._lowrank`` does (same ``randn`` draw of shape (n, q) from
the global generator, same QR/subspace iterations), so with equal seeds the results equal torch's
up to float rounding. Dense inputs only (torch's sparse path has no torchlike counterpart)."""
from __future__ import annotations

from .. import _dtype as D
from .declare import public


def _floating_dtype(A):
    return A.dtype if A.dtype in (D.float16, D.float32, D.float64) else D.float32


def _approximate_basis(A, q, niter, M):
    from .creation import randn
    from .linalg_decomp import linalg_qr
    niter = 2 if niter is None else niter
    dtype = A.dtype if A.dtype.is_complex else _floating_dtype(A)
    R = randn(A.shape[-1], q, dtype=dtype, device=A.device)
    X = A.matmul(R)
    if M is not None:
        X = X - M.matmul(R)
    Q = linalg_qr(X).Q
    for _ in range(niter):
        X = A.mH.matmul(Q)
        if M is not None:
            X = X - M.mH.matmul(Q)
        Q = linalg_qr(X).Q
        X = A.matmul(Q)
        if M is not None:
            X = X - M.matmul(Q)
        Q = linalg_qr(X).Q
    return Q


def _svd_lowrank(A, q=6, niter=2, M=None):
    from .linalg_decomp import linalg_svd
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    if m < n:
        A = A.mH
        if M is not None:
            M = M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH.matmul(A)
    if M is not None:
        B = B - Q.mH.matmul(M)
    U, S, Vh = linalg_svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


@public
def svd_lowrank(A, q=6, niter=2, M=None):
    """torch.svd_lowrank: (U, S, V) with A - M ~= U diag(S) V^H, rank ``q``, ``niter`` subspace iterations."""
    return _svd_lowrank(A, q=q, niter=niter, M=M)


@public
def pca_lowrank(A, q=None, center=True, niter=2):
    """torch.pca_lowrank: svd_lowrank of A with its column means removed (``center=True``)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not (niter >= 0):
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter=niter, M=None)
    C = A.mean(dim=(-2,), keepdim=True)
    return _svd_lowrank(A - C, q, niter=niter, M=None)
