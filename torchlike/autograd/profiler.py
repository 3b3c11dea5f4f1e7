"""torch.autograd.profiler: ``profile`` and ``record_function`` as wall-clock timers.

torch's profiler records per-op CPU/CUDA events; here ``profile`` records the wall time of each
``record_function`` block (and of the whole region) and ``key_averages().table()`` prints them.
For device-level traces use ``jax.profiler`` (TensorBoard's profile plugin).
"""
from __future__ import annotations

import time
from collections import defaultdict

__all__ = ["profile", "record_function", "emit_nvtx"]

_active = []


class _Event:
    def __init__(self, key, count, total_s):
        self.key, self.count = key, count
        self.cpu_time_total = total_s * 1e6  # microseconds, like torch
        self.cpu_time = self.cpu_time_total / max(count, 1)


class _Averages(list):
    def table(self, sort_by=None, row_limit=100, **kwargs):
        rows = sorted(self, key=lambda e: -e.cpu_time_total)[:row_limit]
        width = max([len(e.key) for e in rows] + [4])
        lines = [f"{'Name':<{width}}  {'Calls':>6}  {'CPU total (us)':>15}  {'CPU avg (us)':>13}"]
        lines += [f"{e.key:<{width}}  {e.count:>6}  {e.cpu_time_total:>15.1f}  {e.cpu_time:>13.1f}" for e in rows]
        return "\n".join(lines)

    def __str__(self):
        return self.table()


class profile:
    """``with profile() as prof: ...; print(prof.key_averages().table())``."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=True, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        self._times = defaultdict(list)

    def __enter__(self):
        if self.enabled:
            _active.append(self)
            self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            _sync()
            self._times["[profiled region]"].append(time.perf_counter() - self._t0)
            _active.remove(self)
        return False

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        return _Averages(_Event(k, len(v), sum(v)) for k, v in self._times.items())

    def table(self, *args, **kwargs):
        return self.key_averages().table(*args, **kwargs)

    def export_chrome_trace(self, path):
        import json
        events = [{"name": k, "ph": "X", "ts": 0, "dur": sum(v) * 1e6, "pid": 0, "tid": 0}
                  for k, v in self._times.items()]
        with open(path, "w") as f:
            json.dump({"traceEvents": events}, f)


def _sync():
    import jax
    jax.effects_barrier()


class record_function:
    """Names a block in the enclosing ``profile``."""

    def __init__(self, name, args=None):
        self.name = name

    def __enter__(self):
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if _active:
            _sync()
            dt = time.perf_counter() - self._t0
            for p in _active:
                p._times[self.name].append(dt)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with record_function(self.name):
                return fn(*a, **k)
        return wrapper


class emit_nvtx:
    def __init__(self, enabled=True, record_shapes=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
