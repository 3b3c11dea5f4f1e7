"""The handle torch.distributed returns for ``async_op=True`` (here every collective has already
completed by the time it returns)."""
from __future__ import annotations


class _Work:
    """What ``async_op=True`` returns; the collective already completed."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True

    def get_future(self):
        import concurrent.futures
        f = concurrent.futures.Future()
        f.set_result(None)
        return f


def _done(async_op):
    return _Work() if async_op else None
