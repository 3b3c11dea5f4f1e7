"""torch.backends.cuda flags.

``matmul.allow_tf32`` is tied to ``torch.set_float32_matmul_precision`` as in torch: True means
"high", False "highest" (which JAX then uses as its default matmul precision). The other flags are
recorded; XLA picks kernels itself.
"""


class _Matmul:
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self) -> bool:
        from .._flags import get_float32_matmul_precision
        return get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        from .._flags import set_float32_matmul_precision
        set_float32_matmul_precision("high" if value else "highest")


matmul = _Matmul()
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    from .. import cuda
    return cuda.is_available()


def preferred_linalg_library(backend=None):
    return "default"


def flash_sdp_enabled() -> bool:
    return _sdp["flash"]


def mem_efficient_sdp_enabled() -> bool:
    return _sdp["mem_efficient"]


def math_sdp_enabled() -> bool:
    return _sdp["math"]


def enable_flash_sdp(enabled: bool) -> None:
    _sdp["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _sdp["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled: bool) -> None:
    _sdp["math"] = bool(enabled)


class sdp_kernel:
    """Context manager choosing attention kernels (recorded; XLA picks its own)."""

    def __init__(self, enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
        self._new = {"flash": enable_flash, "math": enable_math, "mem_efficient": enable_mem_efficient,
                     "cudnn": enable_cudnn}

    def __enter__(self):
        self._prev = dict(_sdp)
        _sdp.update(self._new)
        return self

    def __exit__(self, *exc):
        _sdp.update(self._prev)
        return False
