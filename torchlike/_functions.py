"""The ``torch.*`` function namespace, gathered from the op modules (re-exports only)."""
from .ops.creation import (arange, as_tensor, asarray, bernoulli, empty, empty_like, eye, from_numpy, full,
                           full_like, linspace, logspace, multinomial, normal, ones, ones_like, poisson, rand,
                           rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .ops.pointwise import (abs, absolute, acos, acosh, add, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin,
                            asinh, atan, atanh, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, clamp,
                            clamp_max, clamp_min, clip, cos, cosh, div, divide, eq, exp, exp2, expm1, fix,
                            float_power, floor, floor_divide, fmax, fmin, fmod, frac, ge, greater, greater_equal, gt,
                            isfinite, isinf, isnan, isneginf, isposinf, le, less, less_equal, log, log1p, log2,
                            log10, logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum, mul,
                            multiply, ne, neg, negative, not_equal, positive, pow, reciprocal, relu, remainder, round,
                            rsqrt, rsub, sgn, sigmoid, sign, signbit, sin, sinh, sqrt, square, sub, subtract, tan,
                            tanh, true_divide, trunc, where)
from .ops.reduction import (all, amax, amin, aminmax, any, argmax, argmin, logsumexp, max, mean, min, nanmean,
                            nansum, norm, prod, std, std_mean, sum, var, var_mean)
from .ops.shape import (atleast_1d, atleast_2d, atleast_3d, broadcast_to, cat, chunk, clone, column_stack, concat,
                        concatenate, dstack, flatten, hstack, movedim, moveaxis, narrow, permute, ravel, reshape,
                        row_stack, select, split, squeeze, stack, swapaxes, swapdims, t, tile, transpose, unbind,
                        unflatten, unsqueeze, vstack)
from .ops.indexing import argwhere, gather, index_select, masked_fill, nonzero
from .ops.linalg_basic import bmm, dot, einsum, matmul, mm, mv
from .ops.pointwise_more import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.reduction_more import *  # noqa: F401,F403
from .ops.indexing_more import *  # noqa: F401,F403
from .ops import tensor_extras as _tensor_extras  # noqa: F401  binds uniform_, apply_, resize_ ...
from .ops.linalg import *  # noqa: F401,F403
from .ops.copies import *  # noqa: F401,F403
from .ops.special_more import igamma, igammac  # noqa: F401  (also binds Tensor.igamma/igammac)

from .ops.householder import *  # noqa: F401,F403
from .ops.windows import *  # noqa: F401,F403
from ._nn_functions import *  # noqa: F401,F403  torch.softmax, torch.dropout, torch.conv2d, ...

from .ops.spectral import *  # noqa: F401,F403  stft, istft (+ Tensor.stft/istft)
from .ops.lowrank import *  # noqa: F401,F403  svd_lowrank, pca_lowrank
from .ops.misc_more import *  # noqa: F401,F403  histogramdd, hash_tensor (+ Tensor.hash_tensor)

__all__ = [n for n in dir() if not n.startswith("_")]
