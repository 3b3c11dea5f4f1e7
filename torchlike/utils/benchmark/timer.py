"""Timer and Measurement shaped like torch.utils.benchmark's."""
from __future__ import annotations

import statistics
import textwrap
import timeit


class Measurement:
    """Per-run times of one Timer (seconds per statement execution)."""

    def __init__(self, number_per_run, raw_times, task_spec):
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)
        self.task_spec = task_spec

    @property
    def times(self):
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def mean(self):
        return statistics.mean(self.times)

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def iqr(self):
        ts = sorted(self.times)
        if len(ts) < 2:
            return 0.0
        q = statistics.quantiles(ts, n=4)
        return q[2] - q[0]

    def __getattr__(self, name):
        spec = self.__dict__.get("task_spec") or {}
        if name in spec:
            return spec[name]
        raise AttributeError(name)

    @property
    def title(self):
        """The label (with ": sub_label"), else a one-line statement, else "stmt:" and the indented statement."""
        spec = self.task_spec
        sub = spec.get("sub_label")
        if spec.get("label") is not None:
            return spec["label"] + (f": {sub}" if sub else "")
        stmt = spec.get("stmt", "")
        if "\n" not in stmt:
            return stmt + (f": {sub}" if sub else "")
        return f"stmt:{f' ({sub})' if sub else ''}\n" + textwrap.indent(stmt, "  ")

    def _summary(self):
        setup = self.task_spec.get("setup") or ""
        setup = ("" if setup in ("", "pass") else f"setup:\n{textwrap.indent(setup, '  ')}" if "\n" in setup
                 else f"setup: {setup}")
        parts = [self.title, self.task_spec.get("description") or "", setup]
        return "\n".join(p + "\n" if "\n" in p else p for p in parts if p)

    def __repr__(self):
        """torch's layout: the object, the task summary, the median ("Median: " only over several
        measurements), the IQR from four measurements on, then the counts."""
        n = len(self.raw_times)
        unit, scale = _unit(self.median)
        lines = [f"<torch.utils.benchmark.utils.common.Measurement object at {hex(id(self))}>", self._summary(),
                 f"  {'Median: ' if n > 1 else ''}{self.median * scale:.2f} {unit}"]
        if n >= 4:
            ts = sorted(self.times)
            q = statistics.quantiles(ts, n=4)
            lines.append(f"  IQR:    {self.iqr * scale:.2f} {unit} ({q[0] * scale:.2f} to {q[2] * scale:.2f})")
        threads = self.task_spec.get("num_threads") or 1
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {threads} thread{'s' if threads > 1 else ''}")
        return "\n".join(lines).strip()


def _unit(t):
    for unit, scale in (("s", 1), ("ms", 1e3), ("us", 1e6), ("ns", 1e9)):
        if t * scale >= 1:
            return unit, scale
    return "ns", 1e9


class Timer:
    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=timeit.default_timer, globals=None,
                 label=None, sub_label=None, description=None, env=None, num_threads=1, language="python"):
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=dict(globals or {}))
        self._spec = {"stmt": stmt, "setup": setup, "label": label, "sub_label": sub_label,
                      "description": description, "env": env, "num_threads": num_threads}

    def timeit(self, number=1000000):
        self._timer.timeit(number=max(number // 100, 2))  # warm-up (compiles XLA programs)
        return Measurement(number, [self._timer.timeit(number=number)], self._spec)

    def repeat(self, repeat=-1, number=-1):
        raise NotImplementedError("See `Timer.blocked_autorange`.")

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        self._timer.timeit(number=1)
        number = 1
        while True:
            t = self._timer.timeit(number=number)
            if t >= 0.01 or number >= 1 << 20:
                break
            number *= 10
        times, total = [], 0.0
        while total < min_run_time or not times:
            t = self._timer.timeit(number=number)
            times.append(t)
            total += t
            if callback is not None:
                callback(number, t)
        return Measurement(number, times, self._spec)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0, callback=None):
        return self.blocked_autorange(callback=callback, min_run_time=min(max(min_run_time, 0.05), max_run_time))


class Compare:
    """Prints a table of Measurements grouped by label/description."""

    def __init__(self, results):
        self._results = list(results)

    def __str__(self):
        lines = []
        for m in self._results:
            name = " | ".join(str(x) for x in (m.task_spec.get("label"), m.task_spec.get("sub_label"),
                                               m.task_spec.get("description")) if x)
            unit, scale = _unit(m.median)
            lines.append(f"{name or m.task_spec.get('stmt')}: {m.median * scale:.2f} {unit}")
        return "\n".join(lines)

    def print(self):
        print(str(self))

    def trim_significant_figures(self):
        pass

    def colorize(self, rowwise=False):
        pass
