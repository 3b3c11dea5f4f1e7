"""torchlike: the PyTorch API implemented over JAX arrays.

``import torchlike as torch`` and write PyTorch. JAX's 64-bit mode is enabled on import so that
dtypes match torch's (int64 indices, float64 numpy inputs); set ``TORCHLIKE_X64=0`` before import
to leave JAX in 32-bit mode (TPU-first use: int64/float64 then become 32-bit). On Linux, glibc is
also told to keep freed memory for reuse (see ``_host_memory``; ``TORCHLIKE_KEEP_HOST_MEMORY=0``
leaves malloc alone). Compiled XLA programs are kept on disk so a script's second run does not
compile again (see ``_compile_cache``; ``TORCHLIKE_CACHE_DIR`` moves the cache, ``=0`` disables it).
"""
from __future__ import annotations

import os as _os

import jax as _jax

from . import _lazy

if _os.environ.get("TORCHLIKE_X64", "1") != "0":
    _jax.config.update("jax_enable_x64", True)

from . import _host_memory  # glibc keeps freed blocks for reuse (TORCHLIKE_KEEP_HOST_MEMORY=0 opts out)
from . import _compile_cache  # compiled XLA programs persist on disk (TORCHLIKE_CACHE_DIR=0 opts out)
_compile_cache.enable()

from .version import __version__  # a str comparing like torch.__version__ (TorchVersion)
from . import version

from . import _dtype
from ._dtype import (bfloat16, bool, complex32, complex64, complex128, dtype, float16, float32, float64, int8, int16, int32,
                     int64, uint8, uint16, uint32, uint64, get_default_dtype, set_default_dtype, promote_types,
                     can_cast)
from ._dtype import ALIASES as _ALIASES
from ._dtype import float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu
from math import e, inf, nan, pi  # torch's module constants are the math module's floats
newaxis = None

half, float, double, short, int, long, cfloat, cdouble, chalf = (
    _ALIASES[k] for k in ("half", "float", "double", "short", "int", "long", "cfloat", "cdouble", "chalf"))

from ._device import device
from ._tensor_str import set_printoptions, get_printoptions
from ._size import Size
from ._tensor import Tensor
from . import _printing  # registers Tensor's repr (_above)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from . import autograd
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import random

from ._functions import *  # noqa: F401,F403  the torch.* op functions, generated from the declarations (ops/)
from ._types import finfo, iinfo, is_tensor, is_storage, is_floating_point, is_complex, numel, result_type, typename
from ._legacy import (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
                      CharTensor, ByteTensor, BoolTensor)
from . import cuda, accelerator, backends
from .ops.reductions import return_types
from . import nn
import torchlike.nn.functional
from . import utils
from . import vision
from . import optim
from . import linalg, fft
from . import special
from .compile import compile  # noqa: E402  (the function; the package stays importable as torchlike.compile.*)
from .serialization import save, load
from ._interop import from_torch
from ._alias import install_torch_alias
from . import amp, cpu
from .amp import autocast
from .amp.autocast_mode import is_autocast_enabled, get_autocast_dtype, set_autocast_enabled, is_autocast_available
from . import multiprocessing  # registers Tensor.share_memory_'s warning (_above)
from ._flags import (set_float32_matmul_precision, get_float32_matmul_precision, use_deterministic_algorithms,
                     are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,
                     set_deterministic_debug_mode, get_deterministic_debug_mode, set_num_threads, get_num_threads,
                     set_num_interop_threads, get_num_interop_threads, set_warn_always, is_warn_always_enabled,
                     set_default_device, get_default_device)
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled
from ._symbolic import SymBool, SymFloat, SymInt, sym_float, sym_int, sym_ite, sym_max, sym_min, sym_not
from ._control_flow import cond  # noqa: E402
from ._layout import (layout, strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, jagged,
                      memory_format, contiguous_format, channels_last, channels_last_3d, preserve_format)
from . import sparse  # noqa: E402
from .sparse import sparse_coo_tensor, sparse_csr_tensor, spmm  # noqa: E402
sparse._dispatch.install(__import__(__name__))  # torch.mm/add/sum/... and dense methods accept sparse operands
from . import nested  # noqa: E402
from . import _meta  # noqa: E402
_meta.install()  # factories, to() and ops understand device="meta"
nested._dispatch.install(__import__(__name__), nested._dispatch.functional_modules())  # nested operands


# Rarely used packages load on first use (``torch.distributions``, ``import torch.fx``, ...), so that
# ``import torchlike`` costs little more than ``import jax`` (benchmarks/import_time.py).
_LAZY = ("distributions", "distributed", "fx", "export", "onnx", "testing", "func", "hub", "jit", "futures",
         "profiler", "_dynamo", "_inductor", "_logging", "_C", "compiler", "library", "masked", "signal",
         "functional")
_lazy_getattr = _lazy.lazy_submodules(__name__, _LAZY, {"_assert": ("fx._assert", "_assert"),
                                                                 "_assert_async": ("fx._assert", "_assert_async"),
                                                                 "UntypedStorage": ("_strides", "UntypedStorage"),
                                                                 "_standard_gamma": ("distributions._sampling", "standard_gamma"),
                                                                 "_sample_dirichlet": ("distributions._sampling",
                                                                                       "sample_dirichlet"),
                                                                 "vmap": ("func", "vmap")})  # torch.vmap is torch.func.vmap


def __getattr__(name):
    """The lazy packages above (imported on first use, then stored here), ``torch._assert`` and
    ``torch._assert_async`` (which traced graphs call) and ``torch.torch`` (the module itself)."""
    if name == "torch":  # torch.torch is torch (kornia annotates with it); here, not in the star-importable dict
        import sys
        return sys.modules[__name__]
    return _lazy_getattr(name)


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
