"""The ``torch.linalg`` namespace (re-exports; the ops live in ``torchlike/ops/linalg.py``)."""
from .ops.linalg_solve import LinAlgError, cholesky_ex, det, inv, inv_ex, lu_factor, lu_factor_ex, solve, solve_ex, solve_triangular
from .ops.linalg_norms import cond, matrix_norm, matrix_rank, pinv
from .ops.linalg_decomp import eig, eigh, eigvals, eigvalsh, svdvals
from .ops.linalg_functions import lstsq, matrix_exp, matrix_power, multi_dot, tensorinv, tensorsolve, vander, vecdot
from .ops.linalg_solve import linalg_cholesky as cholesky
from .ops.linalg_functions import linalg_cross as cross
from .ops.linalg_functions import linalg_diagonal as diagonal
from .ops.linalg_solve import linalg_lu as lu
from .ops.linalg_solve import linalg_lu_solve as lu_solve
from .ops.linalg_decomp import linalg_qr as qr
from .ops.linalg_solve import linalg_slogdet as slogdet
from .ops.linalg_decomp import linalg_svd as svd
from .ops.linalg_norms import linalg_vector_norm as vector_norm
from .ops.linalg_norms import norm
from .ops.products import matmul
from .ops.linalg_householder import householder_product

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul",
           "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
           "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
           "vector_norm"]
