"""The worker-process side of a multi-process DataLoader.

A worker loops: take a task (index or batch of indices) from its index queue, fetch and collate
on the host, and put ``(task_id, batch)`` on the shared result queue. Large arrays travel as the
names of shared-memory segments the worker collated into (see ``collate.SharedAllocator``),
small ones as pickled numpy arrays. It never calls into JAX (the parent converts each batch once).
Once the parent sets ``done_event``, queued tasks are skipped so shutdown does not wait for them.
Exceptions travel back as :class:`ExceptionWrapper` carrying the worker's formatted traceback.
"""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback

import numpy as np

from . import collate as _collate
from .collate import to_host_tree

_worker_info = None

_POLL_S = 1.0


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: id, num_workers, seed, dataset."""

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, key, val):
        if getattr(self, "_frozen", False):
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        object.__setattr__(self, key, val)

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, dataset={self.dataset!r})"


def get_worker_info():
    """The current worker's WorkerInfo, or None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception's type and formatted traceback, re-raised by the main process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(_KeyErrorMessage(msg))
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    def __repr__(self):
        return str(self)


class IterableDatasetStopIteration:
    """Sent when a worker's replica of an IterableDataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class ResumeIteration:
    """Sent (both ways) to restart persistent workers for a new epoch."""

    def __init__(self, seed=None):
        self.seed = seed


# ------------------------------------------------------------------ fetchers (shared with the main process)

class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def _seed_worker(seed, worker_id):
    from ... import random as _random
    random.seed(seed)
    _random.manual_seed(seed)  # host-side mt19937 only; no JAX call
    np.random.seed(np.random.SeedSequence([worker_id, seed & 0xFFFFFFFF, seed >> 32]).generate_state(4))


def worker_loop(fetcher_cls, dataset, index_queue, result_queue, done_event, auto_collation, collate_fn,
                drop_last, base_seed, init_fn, worker_id, num_workers, parent_pid, shm_prefix):
    global _worker_info
    alloc = None
    if shm_prefix is not None:
        alloc = _collate._shared = _collate.SharedAllocator(f"{shm_prefix}{worker_id}_")
    try:
        seed = base_seed + worker_id
        _seed_worker(seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = fetcher_cls(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        while True:
            try:
                task = index_queue.get(timeout=_POLL_S)
            except queue.Empty:
                if os.getppid() != parent_pid:  # the main process died: leave quietly, and clean up
                    _collate.sweep_shared(shm_prefix)
                    break
                continue
            if task is None:
                break
            if isinstance(task, ResumeIteration):
                result_queue.put((task, None))
                iteration_end = False
                if task.seed is not None:
                    _seed_worker(task.seed, worker_id)
                try:
                    fetcher = fetcher_cls(dataset, auto_collation, collate_fn, drop_last)
                except Exception:
                    init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                continue
            if iteration_end or done_event.is_set():
                continue
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = to_host_tree(fetcher.fetch(index))
                except StopIteration:
                    if fetcher_cls is IterableFetcher:
                        data = IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            result_queue.put((idx, data))
            del data
            if alloc is not None and alloc.pending:  # segments collated but not part of the batch sent
                alloc.release_pending()
    except KeyboardInterrupt:
        pass
    finally:
        if alloc is not None:
            alloc.release_pending()
    if result_queue is not None:
        result_queue.cancel_join_thread()
        result_queue.close()
