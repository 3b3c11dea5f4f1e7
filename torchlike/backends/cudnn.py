"""torch.backends.cudnn flags (recorded; XLA picks its own convolution algorithms).

``is_available()`` and ``version()`` report whether JAX has a GPU backend (XLA's GPU backend links
cuDNN); ``version()`` is None without one, as torch's is on CPU builds.
"""
import sys as _sys

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True
benchmark_limit = 10


def is_available() -> bool:
    from .. import cuda
    return cuda.is_available()


def version():
    if not is_available():
        return None
    try:
        from jax._src.lib import cuda_versions
        v = cuda_versions.cudnn_get_version() if cuda_versions is not None else None
        return int(v) if v else 90000
    except Exception:  # noqa: BLE001 - the query is best effort
        return 90000


def is_acceptable(tensor) -> bool:
    return is_available() and tensor.is_cuda


class flags:
    """``with torch.backends.cudnn.flags(enabled=..., benchmark=..., deterministic=..., allow_tf32=...)``."""

    def __init__(self, enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True):
        self._new = dict(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit,
                         deterministic=deterministic, allow_tf32=allow_tf32)

    def __enter__(self):
        mod = _sys.modules[__name__]
        self._prev = {k: getattr(mod, k) for k in self._new}
        for k, v in self._new.items():
            setattr(mod, k, v)
        return self

    def __exit__(self, *exc):
        mod = _sys.modules[__name__]
        for k, v in self._prev.items():
            setattr(mod, k, v)
        return False


