"""torchlike: the PyTorch API implemented over JAX arrays.

``import torchlike as torch`` and write PyTorch. JAX's 64-bit mode is enabled on import so that
dtypes match torch's (int64 indices, float64 numpy inputs); set ``TORCHLIKE_X64=0`` before import
to leave JAX in 32-bit mode (TPU-first use: int64/float64 then become 32-bit).
"""
from __future__ import annotations

import os as _os

import jax as _jax

if _os.environ.get("TORCHLIKE_X64", "1") != "0":
    _jax.config.update("jax_enable_x64", True)

__version__ = "2.13.0+torchlike.0.1"

from . import _dtype
from ._dtype import (bfloat16, bool, complex64, complex128, dtype, float16, float32, float64, int8, int16, int32,
                     int64, uint8, uint16, uint32, uint64, get_default_dtype, set_default_dtype, promote_types,
                     can_cast)
from ._dtype import ALIASES as _ALIASES

half, float, double, short, int, long, cfloat, cdouble, chalf = (
    _ALIASES[k] for k in ("half", "float", "double", "short", "int", "long", "cfloat", "cdouble", "chalf"))

from ._device import device
from ._tensor_str import set_printoptions, get_printoptions
from ._size import Size
from ._tensor import Tensor
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from . import autograd
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import random

from .ops import methods as _methods  # binds Tensor methods
from ._functions import *  # noqa: F401,F403  the torch.* function namespace
from ._functions import __all__ as _fn_all
from ._types import finfo, iinfo, is_tensor, is_storage, is_floating_point, is_complex, numel, result_type, typename
from ._legacy import (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
                      CharTensor, ByteTensor, BoolTensor)
from . import cuda, accelerator, backends
from .ops.reduction import return_types
from . import nn
import torchlike.nn.functional
from . import utils
from . import vision
from . import optim
from . import linalg, fft
from . import special
