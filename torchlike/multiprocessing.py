"""torch.multiprocessing: Python's ``multiprocessing`` plus torch's ``spawn`` / ``start_processes``.

Everything in the standard library's ``multiprocessing`` namespace is re-exported, as torch does.
Added on top, with torch's signatures and behaviour:

- ``spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method='spawn')`` runs
  ``fn(i, *args)`` for ``i`` in ``range(nprocs)``, each in a new process. With ``join=True`` it
  waits for all of them; otherwise it returns a :class:`ProcessContext` to ``join()`` later. When a
  process fails, the others are terminated and the parent raises :class:`ProcessRaisedException`
  (the child raised: its traceback is in the message) or :class:`ProcessExitedException` (it exited
  with a non-zero code or was killed by a signal). This is the launcher of PyTorch's DDP tutorial:
  each process calls ``torch.distributed.init_process_group(backend, rank=i, world_size=n)``.
- ``get_sharing_strategy`` / ``set_sharing_strategy`` / ``get_all_sharing_strategies``: accepted
  and recorded, with torch's names.

What differs from torch: a torchlike tensor is a JAX array and cannot live in shared memory, so a
tensor (or model) sent to another process arrives as a copy, and changes the child makes to it are
not seen by the parent. ``Tensor.share_memory_()`` and ``Module.share_memory()`` therefore warn
once and leave the tensor as it is; Hogwild-style training, where processes update one shared
model, needs another design (``torchlike.distributed``, or a gradient all-reduce).
"""
from __future__ import annotations

import io
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import traceback
import warnings
from multiprocessing import *  # noqa: F401,F403  torch re-exports the standard library's namespace
from multiprocessing import popen_spawn_posix as _popen_spawn_posix

from ._above import above as _above

__all__ = list(multiprocessing.__all__) + [
    "spawn", "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
    "ProcessExitedException", "get_sharing_strategy", "set_sharing_strategy", "get_all_sharing_strategies"]

_ALL_SHARING_STRATEGIES = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def get_all_sharing_strategies():
    """The strategies torch accepts on Linux: ``{'file_descriptor', 'file_system'}``."""
    return set(_ALL_SHARING_STRATEGIES)


def get_sharing_strategy():
    return _sharing_strategy


def set_sharing_strategy(new_strategy):
    """Record the strategy (torch's names; an unknown one fails as torch's does, with AssertionError).

    It changes nothing else: torchlike tensors cross process boundaries by value (module docstring).
    """
    global _sharing_strategy
    if new_strategy not in _ALL_SHARING_STRATEGIES:
        raise AssertionError(f"unknown sharing strategy {new_strategy!r}; expected one of "
                             f"{sorted(_ALL_SHARING_STRATEGIES)}")
    _sharing_strategy = new_strategy


_warned_not_shared = False


def warn_not_shared():
    """Warn, once per process, that ``share_memory_()`` / ``share_memory()`` leave tensors unshared."""
    global _warned_not_shared
    if not _warned_not_shared:
        _warned_not_shared = True
        warnings.warn("torchlike tensors are JAX arrays and cannot be moved to shared memory: another process "
                      "receives a copy, and its in-place updates are not seen here (Hogwild-style training on one "
                      "shared model does not work; see torchlike.multiprocessing)", UserWarning, stacklevel=3)


class _SpawnPopen(_popen_spawn_posix.Popen):
    """The standard library's spawn launcher, except that a child dying while it starts cannot hang the parent.

    The parent sends the child its pickled process object through a pipe. The standard library keeps
    its own copy of the pipe's read end open until that write has finished, so when the pickle is
    larger than the pipe buffer (64 KiB) and the child dies before reading it all (an ``ImportError``
    while re-running ``__main__``, say), the write never returns. torch's pickles stay small (tensors
    travel through shared memory) so the parent goes on and ``join()`` reports the child's exit code;
    torchlike tensors are pickled by value, so a model or a dataset passed to ``Process`` easily
    fills the pipe. Here the parent closes its copies of the child's ends as soon as the child runs,
    so the write fails with a broken pipe instead; it is then dropped, and, as with torch,
    ``join()`` returns and ``exitcode`` tells what happened (the child printed its traceback).
    """

    def _launch(self, process_obj):
        from multiprocessing import context, reduction, resource_tracker, spawn, util
        tracker_fd = resource_tracker.getfd()
        self._fds.append(tracker_fd)
        payload = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(spawn.get_preparation_data(process_obj._name), payload)
            reduction.dump(process_obj, payload)
        finally:
            context.set_spawning_popen(None)
        sentinel_r, sentinel_w = os.pipe()
        data_r, data_w = os.pipe()
        self.finalizer = util.Finalize(self, util.close_fds, (sentinel_r, data_w))
        try:
            command = spawn.get_command_line(tracker_fd=tracker_fd, pipe_handle=data_r)
            self.pid = util.spawnv_passfds(spawn.get_executable(), command, self._fds + [data_r, sentinel_w])
        finally:
            os.close(data_r)  # the child has its own copies now
            os.close(sentinel_w)
        self.sentinel = sentinel_r
        try:
            with open(data_w, "wb", closefd=False) as f:
                f.write(payload.getbuffer())
        except BrokenPipeError:
            pass  # the child died before reading its process object; its exit code says why


class Process(multiprocessing.Process):
    """``multiprocessing.Process`` (which torch re-exports), started with :class:`_SpawnPopen` under 'spawn'.

    The start method is the one ``set_start_method`` chose, as for the standard library's class.
    """

    @staticmethod
    def _Popen(process_obj):
        if multiprocessing.get_start_method() == "spawn":
            return _SpawnPopen(process_obj)
        return multiprocessing.Process._Popen(process_obj)


class _SpawnProcess(multiprocessing.get_context("spawn").Process):
    """``get_context('spawn').Process`` with :class:`_SpawnPopen`, for :func:`start_processes`."""

    @staticmethod
    def _Popen(process_obj):
        return _SpawnPopen(process_obj)


class ProcessException(Exception):
    """A process started by :func:`spawn` failed; ``error_index`` is its ``i``, ``error_pid`` its pid."""

    __slots__ = ["error_index", "error_pid"]

    def __init__(self, msg: str, error_index: int, error_pid: int):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """The process raised an exception; the message ends with its traceback."""


class ProcessExitedException(ProcessException):
    """The process exited with a non-zero ``exit_code``, or was killed by the signal ``signal_name``."""

    __slots__ = ["exit_code"]

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _run(fn, i, args, error_file):
    """The child's entry point: ``fn(i, *args)``; an exception's traceback goes to ``error_file``."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent is already stopping everything
    except Exception:  # noqa: BLE001 - forwarded to the parent, which raises ProcessRaisedException
        from .serialization.save import _atomic
        with _atomic(error_file) as f:  # the parent never reads a half-written traceback
            f.write(traceback.format_exc().encode())
        sys.exit(1)


class ProcessContext:
    """The processes of one :func:`spawn` call; ``join()`` waits for them and raises on failure."""

    def __init__(self, processes, error_files):
        self.processes = processes
        self.error_files = error_files
        self._sentinels = {p.sentinel: i for i, p in enumerate(processes)}
        self._error_dir = os.path.dirname(error_files[0]) if error_files else None

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None, grace_period=None):
        """Wait up to ``timeout`` seconds (None: until something happens) for the processes.

        Returns True once all have exited successfully, False while some are still running. When one
        fails, the others get SIGTERM (after ``grace_period`` seconds, if given, to finish on their
        own), then SIGKILL if they still run, and the failure is raised.
        """
        if not self._sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self._sentinels), timeout=timeout)
        failed = None
        for s in ready:
            i = self._sentinels.pop(s)
            p = self.processes[i]
            p.join()
            if p.exitcode != 0 and failed is None:
                failed = i
        if failed is None:
            if self._sentinels:
                return False
            self._clean_up()
            return True
        self._stop_others(grace_period)
        self._sentinels.clear()
        try:
            self._raise(failed)
        finally:
            self._clean_up()

    def _clean_up(self):
        if self._error_dir is not None:
            shutil.rmtree(self._error_dir, ignore_errors=True)

    def _stop_others(self, grace_period):
        alive = [self.processes[i] for i in self._sentinels.values()]
        if grace_period is not None:
            multiprocessing.connection.wait([p.sentinel for p in alive], timeout=grace_period)
        for p in alive:
            if p.is_alive():
                p.terminate()
        for p in alive:
            p.join(30)
            if p.is_alive():
                p.kill()
                p.join()

    def _raise(self, i):
        p = self.processes[i]
        path = self.error_files[i]
        if os.path.exists(path):
            with open(path) as f:
                trace = f.read()
            raise ProcessRaisedException(f"\n\n-- Process {i} terminated with the following error:\n{trace}",
                                         i, p.pid)
        if p.exitcode < 0:
            name = signal.Signals(-p.exitcode).name
            raise ProcessExitedException(f"process {i} terminated with signal {name}", i, p.pid, p.exitcode, name)
        raise ProcessExitedException(f"process {i} terminated with exit code {p.exitcode}", i, p.pid, p.exitcode)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start ``nprocs`` processes running ``fn(i, *args)`` with the given start method (see :func:`spawn`)."""
    ctx = multiprocessing.get_context(start_method)
    error_dir = tempfile.mkdtemp(prefix="torchlike-spawn-")
    error_files = [os.path.join(error_dir, f"{i}.error") for i in range(nprocs)]
    processes = []
    for i in range(nprocs):
        process_class = _SpawnProcess if start_method == "spawn" else ctx.Process
        p = process_class(target=_run, args=(fn, i, args, error_files[i]), daemon=daemon)
        p.start()
        processes.append(p)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn: run ``fn(i, *args)`` in ``nprocs`` new processes (module docstring).

    ``fn`` must be importable by the children (defined at the top level of a module or script), and
    a script that calls ``spawn`` must guard it with ``if __name__ == '__main__':``, because each
    child imports the script again — both as with torch.
    """
    if start_method != "spawn":
        warnings.warn(f"spawn() starts processes with start_method='spawn' (got {start_method!r}); for another "
                      "start method call torch.multiprocessing.start_processes(fn, args, nprocs, join, daemon, "
                      "start_method)", FutureWarning, stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method)


_above.warn_not_shared = warn_not_shared  # Tensor.share_memory_
