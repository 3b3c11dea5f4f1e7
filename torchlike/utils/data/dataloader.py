"""DataLoader: torch.utils.data.DataLoader's arguments and iteration semantics.

Samples are fetched and collated on the host (numpy), in the main process or in worker
processes (``multiprocessing``, fork context on Linux) that never touch JAX; every batch becomes
device tensors once, in the main process. Workers hand large arrays over in shared memory (as
torch's workers do): the main process only maps each segment and unlinks its name on receipt;
whatever is still in flight when iteration ends (early ``break``, an error, a dead worker) is
unlinked by name prefix once the workers are gone. Generator use follows torch's order: creating an
iterator draws the workers' base seed, then the first batch makes the sampler draw its seed.
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import queue
import sys
import warnings
from multiprocessing import util as _mp_util

from . import _worker
from .collate import (default_collate, default_convert, from_transport, new_shared_prefix, shared_memory_available,
                      sweep_shared, to_device_tree)
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _draw_seed

__all__ = ["DataLoader", "get_worker_info"]

get_worker_info = _worker.get_worker_info


class _InfiniteConstantSampler(Sampler):
    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Combines a dataset and a sampler and iterates over batches.

    Arguments as torch's: ``batch_size``, ``shuffle``, ``sampler``, ``batch_sampler``,
    ``num_workers``, ``collate_fn``, ``pin_memory`` (accepted; batches are placed on the
    default device), ``drop_last``, ``timeout``, ``worker_init_fn``, ``multiprocessing_context``,
    ``generator``, ``prefetch_factor``, ``persistent_workers``, ``pin_memory_device``, ``in_order``.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = "iterable"
            if isinstance(shuffle, bool) and shuffle:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = "map"

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                                 "drop_last")

        if sampler is None:
            if self._dataset_kind == "iterable":
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiProcessIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._dataset_kind == "iterable":
            length = len(self.dataset)
            if self.batch_size is not None:
                from math import ceil
                length = length // self.batch_size if self.drop_last else ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        pass


class _BaseIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._timeout = loader.timeout
        self._fetcher_cls = _worker.IterableFetcher if loader._dataset_kind == "iterable" else _worker.MapFetcher
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _draw_seed(loader.generator)
        self._num_yielded = 0
        self._shutdown = False

    def __iter__(self):
        return self

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _next_index(self):
        return next(self._sampler_iter)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return to_device_tree(data)

    def __len__(self):
        return len(self._index_sampler)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = self._fetcher_cls(self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)


def _mp_context(ctx):
    if ctx is None:
        return mp.get_context("fork" if sys.platform.startswith("linux") else None)
    if isinstance(ctx, str):
        return mp.get_context(ctx)
    return ctx


class _MultiProcessIter(_BaseIter):
    """Workers with one index queue each and a shared result queue; results are handed out in
    task order (or arrival order with ``in_order=False``)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._persistent = loader.persistent_workers
        self._in_order = loader.in_order
        ctx = _mp_context(loader.multiprocessing_context)
        self._shm_prefix = new_shared_prefix() if shared_memory_available() else None
        # unlinks leftovers if the interpreter exits with this iterator alive (after daemonic
        # workers are terminated: negative exit priority)
        _mp_util.Finalize(self, sweep_shared, args=(self._shm_prefix,), exitpriority=-1)
        self._done_event = ctx.Event()
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        pid = os.getpid()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*fork.*")  # workers run no JAX code
            for i in range(self._num_workers):
                iq = ctx.Queue()
                iq.cancel_join_thread()
                w = ctx.Process(target=_worker.worker_loop,
                                args=(self._fetcher_cls, self._dataset, iq, self._result_queue, self._done_event,
                                      self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                                      loader.worker_init_fn, i, self._num_workers, pid, self._shm_prefix),
                                daemon=True)
                w.start()
                self._index_queues.append(iq)
                self._workers.append(w)
        self._reset(loader, first=True)

    def _reset(self, loader, first=False):
        super()._reset(loader)
        self._send_idx = getattr(self, "_send_idx", 0)
        self._rcvd_idx = self._send_idx
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first:
            # persistent workers: restart each worker's fetcher and drop anything from the last epoch
            for q in self._index_queues:
                q.put(_worker.ResumeIteration())
            acks = 0
            while acks < self._num_workers:
                ok, item = self._get_data()
                if ok and isinstance(item[0], _worker.ResumeIteration):
                    acks += 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        """(True, item) from the result queue; checks worker liveness while waiting."""
        timeout = self._timeout if self._timeout > 0 else None
        waited = 0.0
        poll = 1.0 if timeout is None else min(1.0, timeout)
        while True:
            try:
                idx, data = self._result_queue.get(timeout=poll)
                return True, (idx, from_transport(data))
            except queue.Empty:
                waited += poll
                dead = [w for w in self._workers if not w.is_alive() and w.exitcode not in (0, None)]
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
                if timeout is not None and waited >= timeout:
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is None:
                    self._rcvd_idx += 1
                    continue
                if len(info) == 2 or self._workers_status[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]  # its worker has stopped: this task gives nothing
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            if self._shutdown:
                raise StopIteration
            ok, (idx, data) = self._get_data()
            if isinstance(idx, _worker.ResumeIteration) or idx < self._rcvd_idx:
                continue
            self._tasks_outstanding -= 1
            if isinstance(data, _worker.IterableDatasetStopIteration):
                if self._persistent:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_done(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx and self._in_order:
                self._task_info[idx] += (data,)
                continue
            del self._task_info[idx]
            if idx == self._rcvd_idx:
                self._rcvd_idx += 1
            return self._process(data)

    def _mark_worker_done(self, wid):
        self._workers_status[wid] = False
        self._index_queues[wid].put(None)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            if not self._persistent:
                self._shutdown_workers()
            data.reraise()
        return data

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for q in self._index_queues:
                try:
                    q.put(None)
                except Exception:
                    pass
            for w in self._workers:
                w.join(timeout=5.0)
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=1.0)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
        except Exception:
            pass
        finally:
            sweep_shared(self._shm_prefix)  # segments still in the queue or left by a dead worker

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass
