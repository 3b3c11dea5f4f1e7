"""torch.nn.attention: ``SDPBackend`` and the ``sdpa_kernel`` context manager; ``flex_attention``.

XLA chooses how scaled_dot_product_attention runs, so ``sdpa_kernel`` records the backends asked for
(as ``torch.backends.cuda.sdp_kernel`` does here) and changes no result.
"""
from __future__ import annotations

import contextlib
import enum

from . import flex_attention  # noqa: F401

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The attention implementations torch can pick (values as torch's)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_FLAGS = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
          SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block only ``backends`` (one or a list of SDPBackend) are enabled."""
    from ...backends import cuda
    backends = [backends] if isinstance(backends, SDPBackend) else list(backends)
    for b in backends:
        if not isinstance(b, SDPBackend):
            raise TypeError(f"sdpa_kernel: expected SDPBackend values, got {b!r}")
    with cuda.sdp_kernel(**{f"enable_{flag}": b in backends for b, flag in _FLAGS.items()}):
        yield
