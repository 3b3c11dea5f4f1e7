"""torch.autocast / torch.amp.autocast: mixed precision by per-op dtype policy.

Inside an enabled region every registered op is looked up by name (``ops.registry.apply`` calls
:func:`_cast_args` through ``torchlike._intercept``):

- ops on torch's *lower-precision* list for the device (matmul, linear, conv, bmm, ...) get their
  float32/float16/bfloat16 tensor inputs cast to the autocast dtype;
- ops on its *float32* list (losses, and on CUDA also softmax, norms, exp/log, sums) get their
  float16/bfloat16 tensor inputs cast up to float32;
- everything else runs on its inputs as they are (so mixed inputs promote as usual).

float64 and integer tensors are never cast, as in torch. The lists follow torch 2.x's
``autocast_mode.cpp`` for CPU and CUDA, mapped onto torchlike's op names; TPU/XLA uses the CUDA
lists. Casts are ordinary recorded ops, so gradients flow back in the original dtypes, and inside
``torchlike.compile`` they are part of the traced XLA program. torch's cast cache
(``cache_enabled``) is accepted; casts are cheap enough here that nothing is cached.
The state is process-wide (torch's is thread-local).
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from .. import _dtype as D
from .. import _intercept

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "is_autocast_available",
           "set_autocast_enabled", "set_autocast_dtype", "custom_fwd", "custom_bwd"]

_CPU_LOWER = frozenset({
    "convolution", "bmm", "mm", "matmul", "linalg_vecdot", "addbmm", "linear", "prelu", "einsum",
    "tensordot", "scaled_dot_product_attention", "multi_head_attention", "rnn"})
_CPU_FP32 = frozenset({
    "binary_cross_entropy", "grid_sampler_2d", "prod", "quantile", "cdist", "trace", "cholesky_inverse",
    "cholesky_solve", "max_unpool", "mse_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss",
    "poisson_nll_loss", "smooth_l1_loss", "cross_entropy", "l1_loss", "huber_loss", "margin_ranking_loss",
    "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "ctc_loss", "kl_div", "multilabel_margin_loss",
    "binary_cross_entropy_with_logits", "fft_c2c", "fft_r2c", "fft_c2r", "linalg_matrix_norm",
    "linalg_matrix_rank", "linalg_solve_ex", "linalg_cholesky_ex", "linalg_svdvals", "linalg_inv_ex",
    "linalg_qr", "linalg_svd", "linalg_eig", "linalg_eigh", "linalg_lstsq", "linalg_solve_triangular",
    "linalg_lu_solve", "linalg_pinv"})
_CUDA_LOWER = frozenset({
    "convolution", "prelu", "mm", "matmul", "einsum", "mv", "addr", "linalg_vecdot", "linear", "addbmm", "bmm",
    "linalg_multi_dot", "rnn", "rnn_cell", "scaled_dot_product_attention", "multi_head_attention"})
_CUDA_FP32 = frozenset({
    "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt", "sinh",
    "tan", "pow", "softplus", "native_layer_norm", "native_group_norm", "cosine_similarity", "poisson_nll_loss",
    "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss", "kl_div", "l1_loss", "smooth_l1_loss",
    "huber_loss", "mse_loss", "margin_ranking_loss", "multilabel_margin_loss", "soft_margin_loss",
    "triplet_margin_loss", "multi_margin_loss", "binary_cross_entropy_with_logits", "pdist", "cdist",
    "logsumexp", "cross_entropy",
    # torch's "fp32_set_opt_dtype" ops: run in float32 unless a dtype is given
    "prod", "softmax", "log_softmax", "softmin", "cumprod", "cumsum", "linalg_vector_norm", "linalg_matrix_norm",
    "sum"})
_CUDA_BANNED = frozenset({"binary_cross_entropy"})

_LISTS = {"cpu": (_CPU_LOWER, _CPU_FP32, frozenset()), "cuda": (_CUDA_LOWER, _CUDA_FP32, _CUDA_BANNED)}
_LISTS["tpu"] = _LISTS["xla"] = _LISTS["cuda"]
_DEFAULT_DTYPE = {"cpu": D.bfloat16, "cuda": D.float16, "tpu": D.bfloat16, "xla": D.bfloat16}
_SUPPORTED = {"cpu": (D.bfloat16, D.float16), "cuda": (D.bfloat16, D.float16), "tpu": (D.bfloat16, D.float16),
              "xla": (D.bfloat16, D.float16)}
_PLATFORM = {"cpu": "cpu", "gpu": "cuda", "cuda": "cuda", "rocm": "cuda", "tpu": "tpu"}

_ELIGIBLE = frozenset(np.dtype(d) for d in ("float32", "float16")) | {D.bfloat16.np}
_F32 = np.dtype("float32")

# device type -> (enabled, dtype); the settings torch keeps per device type
_state = {k: [False, v] for k, v in _DEFAULT_DTYPE.items()}
_BCE_MSG = ("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
            "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
            "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
            "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
            "safe to autocast.")


def _canon(device_type: str) -> str:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    return "cuda" if device_type == "gpu" else device_type


def is_autocast_available(device_type: str) -> bool:
    return _canon(device_type) in _LISTS


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """torch.is_autocast_enabled(): with no argument, the CUDA setting (torch's legacy meaning)."""
    return bool(_state.get(_canon(device_type or "cuda"), (False,))[0])


def get_autocast_dtype(device_type: str):
    return _state[_canon(device_type)][1]


def set_autocast_enabled(device_type, enabled=None):
    if enabled is None:  # legacy set_autocast_enabled(flag) meant CUDA
        device_type, enabled = "cuda", device_type
    _state[_canon(device_type)][0] = bool(enabled)
    _refresh()


def set_autocast_dtype(device_type, dtype):
    _state[_canon(device_type)][1] = D.to_dtype(dtype)
    _refresh()


# ------------------------------------------------------------------ the per-op policy

_active = {}   # platform-independent device type -> (lower set, fp32 set, banned set, np dtype)


def _refresh():
    _active.clear()
    for dev, (on, dt) in _state.items():
        if on:
            lower, fp32, banned = _LISTS[dev]
            _active[dev] = (lower, fp32, banned, dt.np)
    _intercept.autocast_fn = _cast_args if _active else None
    _intercept.autocast_key = tuple(sorted((dev, str(v[3])) for dev, v in _active.items()))
    _intercept.autocast_lower_names = frozenset().union(*(v[0] for v in _active.values())) if _active else frozenset()
    _intercept.refresh()


def _device_type(args):
    import jax
    from .._tensor import Tensor
    for a in args:
        if isinstance(a, Tensor):
            v = a._value
            if isinstance(v, jax.core.Tracer):
                return None
            try:
                return _PLATFORM.get(next(iter(v.devices())).platform)
            except (AttributeError, StopIteration):
                return "cpu"
    return None


def _cast_args(op, args):
    name = op.name
    policy = None
    if len(_active) == 1:
        dev, policy = next(iter(_active.items()))
        if name not in policy[0] and name not in policy[1] and name not in policy[2]:
            return args
        dt = _device_type(args)
        if dt is not None and dt != dev and not (dev in ("tpu", "xla") and dt == "tpu"):
            return args
    else:
        dt = _device_type(args)
        policy = _active.get(dt) if dt is not None else next(iter(_active.values()))
        if policy is None:
            return args
    lower, fp32, banned, low = policy
    if name in lower:
        target = low
    elif name in fp32:
        target = _F32
    elif name in banned:
        raise RuntimeError(_BCE_MSG)
    else:
        return args
    from .._tensor import Tensor
    from ..ops.conversions import _convert
    from ..ops.registry import _apply
    out = []
    for a in args:
        if isinstance(a, Tensor) and a._value.dtype in _ELIGIBLE and a._value.dtype != target:
            a = _apply(_convert, a, dtype=target)
        out.append(a)
    return tuple(out)


# ------------------------------------------------------------------ the context manager

class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: context manager
    and decorator. ``dtype`` defaults to bfloat16 on CPU/TPU and float16 on CUDA."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        device_type = _canon(device_type)
        self.device = device_type
        self.fast_dtype = D.to_dtype(dtype) if dtype is not None else _DEFAULT_DTYPE.get(device_type, D.bfloat16)
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        if device_type not in _LISTS:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if device_type == "cuda" and self._enabled:
            from .._cuda_base import is_available
            if not is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling")
                self._enabled = False
        if self._enabled and self.fast_dtype not in _SUPPORTED[device_type]:
            kind = "CPU" if device_type == "cpu" else device_type.upper()
            warnings.warn(f"In {kind} autocast, but the target dtype is not supported. Disabling autocast.\n"
                          f"{kind} Autocast only supports dtype of "
                          f"{', '.join(str(d) for d in _SUPPORTED[device_type])} currently.")
            self._enabled = False

    def __enter__(self):
        st = _state[self.device]
        self._prev = (st[0], st[1])
        st[0], st[1] = self._enabled, self.fast_dtype
        _refresh()
        return self

    def __exit__(self, *exc):
        st = _state[self.device]
        st[0], st[1] = self._prev
        _refresh()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return fn(*args, **kwargs)
        return wrapper


def _cast_tree(value, dtype):
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        return value.to(dtype) if value.is_floating_point() and value.dtype is not D.float64 else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_tree(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_tree(v, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type="cuda", cast_inputs=None):
    """torch.amp.custom_fwd: with ``cast_inputs``, run ``forward`` with autocast off on cast inputs."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def wrapper(*args, **kwargs):
        if cast_inputs is not None and is_autocast_enabled(device_type):
            with autocast(device_type, enabled=False):
                return fwd(*_cast_tree(args, cast_inputs), **_cast_tree(kwargs, cast_inputs))
        return fwd(*args, **kwargs)
    return wrapper


def custom_bwd(bwd=None, *, device_type="cuda"):
    """torch.amp.custom_bwd: backward runs under the autocast state (here: as-is)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
