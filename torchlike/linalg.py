"""The ``torch.linalg`` namespace (re-exports; the ops live in ``torchlike/ops/linalg.py``)."""
from .ops.linalg import (LinAlgError, cholesky_ex, cond, det, eig, eigh, eigvals, eigvalsh, inv, inv_ex, lstsq,
                         lu_factor, lu_factor_ex, matrix_exp, matrix_norm, matrix_power, matrix_rank, multi_dot,
                         pinv, solve, solve_ex, solve_triangular, svdvals, tensorinv, tensorsolve, vander, vecdot)
from .ops.linalg import linalg_cholesky as cholesky
from .ops.linalg import linalg_cross as cross
from .ops.linalg import linalg_diagonal as diagonal
from .ops.linalg import linalg_lu as lu
from .ops.linalg import linalg_lu_solve as lu_solve
from .ops.linalg import linalg_qr as qr
from .ops.linalg import linalg_slogdet as slogdet
from .ops.linalg import linalg_svd as svd
from .ops.linalg import linalg_vector_norm as vector_norm
from .ops.linalg import norm
from .ops.linalg_basic import matmul
from .ops.householder import householder_product

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul",
           "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
           "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
           "vector_norm"]
