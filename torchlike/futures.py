"""torch.futures: Future, wait_all, collect_all.

Work here completes when it is dispatched (XLA queues it asynchronously and results block on
read), so futures are created already resolved or resolved by ``set_result``; ``then`` callbacks
run as soon as the value exists.
"""
from __future__ import annotations

__all__ = ["Future", "wait_all", "collect_all"]

_UNSET = object()


class Future:
    """torch.futures.Future: ``wait``, ``value``, ``done``, ``set_result``, ``set_exception``, ``then``."""

    def __init__(self, *, devices=None):
        self._value = _UNSET
        self._exc = None
        self._callbacks = []

    def done(self) -> bool:
        return self._value is not _UNSET or self._exc is not None

    def wait(self):
        if self._exc is not None:
            raise self._exc
        if self._value is _UNSET:
            raise RuntimeError("Future.wait() called on a Future that was never completed (no set_result)")
        return self._value

    def value(self):
        return self.wait()

    def set_result(self, result) -> None:
        if self.done():
            raise RuntimeError("Future can only be marked completed once")
        self._value = result
        self._fire()

    def set_exception(self, result) -> None:
        if self.done():
            raise RuntimeError("Future can only be marked completed once")
        self._exc = result
        self._fire()

    def _fire(self):
        cbs, self._callbacks = self._callbacks, []
        for cb in cbs:
            cb(self)

    def add_done_callback(self, callback) -> None:
        if self.done():
            callback(self)
        else:
            self._callbacks.append(callback)

    def then(self, callback):
        fut = Future()

        def run(f):
            try:
                fut.set_result(callback(f))
            except Exception as e:  # noqa: BLE001 - delivered through the future, as torch does
                fut.set_exception(e)
        self.add_done_callback(run)
        return fut


def _resolved(value):
    f = Future()
    f.set_result(value)
    return f


def collect_all(futures):
    """A Future completed with the list of (completed) input futures."""
    return _resolved(list(futures))


def wait_all(futures):
    """The results of all futures, in order (raises the first stored exception)."""
    return [f.wait() for f in futures]
