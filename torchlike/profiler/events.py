"""What a profile holds: events, their averages per name, and torch's text table and Chrome trace.

Names and units follow ``torch.autograd.profiler_util``: times in microseconds
(``cpu_time_total``, ``self_cpu_time_total``, ``cpu_time`` = average), memory in bytes
(``cpu_memory_usage`` including children, ``self_cpu_memory_usage``). Device columns exist for
code that sorts by them and read 0: an op's CPU time already includes its device work, since the
profiler waits for each result (``torchlike/_profile_record.py``). Memory is the bytes of the
arrays an op returns (JAX does not report an op's temporary allocations).
"""
from __future__ import annotations

import json
import os

from ..serialization.save import _atomic


class FunctionEvent:
    """One recorded op, backward node or named range."""

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None, nbytes=0, kind="cpu_op"):
        self.id, self.name, self.thread = id, name, thread
        self.start_us, self.end_us = start_us, end_us
        self.input_shapes = input_shapes
        self.own_bytes = nbytes
        self.is_user_annotation = kind == "user_annotation"
        self.cpu_parent = None
        self.cpu_children = []
        self.count = 1
        self.trace_name = name

    @property
    def key(self):
        return self.name

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_memory_usage(self):
        return self.own_bytes + sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.own_bytes

    cpu_time = cpu_time_total
    device_time_total = self_device_time_total = device_memory_usage = self_device_memory_usage = 0
    cuda_time_total = self_cuda_time_total = cuda_memory_usage = self_cuda_memory_usage = 0

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events sharing one key (name, and input shapes when grouped by them), summed."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.is_user_annotation = False
        self.top_level = False

    def add(self, ev):
        self.count += 1
        self.cpu_time_total += ev.cpu_time_total
        self.self_cpu_time_total += ev.self_cpu_time_total
        self.cpu_memory_usage += ev.cpu_memory_usage
        self.self_cpu_memory_usage += ev.self_cpu_memory_usage
        self.is_user_annotation = self.is_user_annotation or ev.is_user_annotation
        self.top_level = self.top_level or getattr(ev, "top_level", getattr(ev, "cpu_parent", None) is None)
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / max(self.count, 1)

    device_time_total = self_device_time_total = device_memory_usage = self_device_memory_usage = 0
    cuda_time_total = self_cuda_time_total = cuda_memory_usage = self_cuda_memory_usage = 0
    device_time = cuda_time = 0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us "
                f"cpu_time={self.cpu_time:.3f}us count={self.count} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events or averages, with torch's ``table()`` and ``export_chrome_trace()``."""

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        groups = {}
        for ev in self:
            name = ev.name
            shapes = str(ev.input_shapes) if group_by_input_shape else None
            avg = groups.get((name, shapes))
            if avg is None:
                avg = groups[(name, shapes)] = FunctionEventAvg(name, ev.input_shapes if group_by_input_shape else None)
            avg.add(ev)
        return EventList(groups.values())

    def total_average(self):
        total = FunctionEventAvg("Total")
        for ev in self:
            total.add(ev)
        return total

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """torch's text table: one row per entry, sorted (descending) by the attribute ``sort_by``."""
        rows = list(self)
        if top_level_events_only:
            rows = [r for r in rows if getattr(r, "top_level", getattr(r, "cpu_parent", None) is None)]
        if sort_by is not None:
            rows.sort(key=lambda r: getattr(r, sort_by), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total = self.self_cpu_time_total or 1.0
        with_mem = any(r.cpu_memory_usage for r in self)
        with_shapes = any(r.input_shapes is not None for r in self) and isinstance(self[0] if self else None,
                                                                                   FunctionEventAvg)
        name_w = min(max([len(r.key) for r in rows] + [4]), max_name_column_width)
        heads = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
        if with_mem:
            heads += ["CPU Mem", "Self CPU Mem"]
        heads.append("# of Calls")
        widths = [name_w] + [12] * len(heads)
        shapes_w = 0
        if with_shapes:
            shapes_w = min(max([len(str(r.input_shapes)) for r in rows] + [12]), max_shapes_column_width)
            heads.append("Input Shapes")
            widths.append(shapes_w)
        rule = "  ".join("-" * w for w in widths)

        def line(cells):
            return "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths))

        out = []
        if header is not None:
            out += ["=" * len(rule), header]
        out += [rule, line(["Name"] + heads), rule]
        for r in rows:
            cells = [_clip(r.key, name_w), f"{100 * r.self_cpu_time_total / total:.2f}%",
                     _time(r.self_cpu_time_total, time_unit), f"{100 * r.cpu_time_total / total:.2f}%",
                     _time(r.cpu_time_total, time_unit), _time(r.cpu_time_total / max(r.count, 1), time_unit)]
            if with_mem:
                cells += [_memory(r.cpu_memory_usage), _memory(r.self_cpu_memory_usage)]
            cells.append(str(r.count))
            if with_shapes:
                cells.append(_clip(str(r.input_shapes), shapes_w))
            out.append(line(cells))
        out += [rule, f"Self CPU time total: {_time(self.self_cpu_time_total, time_unit)}", ""]
        return "\n".join(out)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Write the events in Chrome's trace format (chrome://tracing, Perfetto, TensorBoard), atomically."""
        with _atomic(path) as f:
            f.write(self.chrome_trace())

    def chrome_trace(self):
        """The events in Chrome's trace format, as JSON bytes."""
        events = [{"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op", "name": e.trace_name,
                   "pid": os.getpid(), "tid": e.thread, "ts": e.start_us, "dur": e.cpu_time_total,
                   "args": {} if e.input_shapes is None else {"Input Dims": e.input_shapes}}
                  for e in self if isinstance(e, FunctionEvent)]
        return json.dumps({"traceEvents": events, "displayTimeUnit": "ms"}).encode()


def build_events(raw, t0_ns):
    """FunctionEvents from the recorder's raw events, children linked to parents, in start order."""
    index = {}
    events = EventList()
    for r in sorted(raw, key=lambda r: r.start_ns):
        name = "ProfilerStep*" if r.name.startswith("ProfilerStep#") else r.name  # torch's name for all steps
        ev = FunctionEvent(len(events), name, r.tid, (r.start_ns - t0_ns) / 1e3, (r.end_ns - t0_ns) / 1e3,
                           r.shapes, r.nbytes, r.kind)
        ev.trace_name = r.name  # the chrome trace keeps each step's number, as torch's does
        index[id(r)] = ev
        events.append(ev)
    for r in raw:
        if r.parent is not None and id(r.parent) in index:
            child, parent = index[id(r)], index[id(r.parent)]
            child.cpu_parent = parent
            parent.cpu_children.append(child)
    return events


def _clip(s, width):
    return s if len(s) <= width else s[:width - 3] + "..."


def _time(us, unit=None):
    if unit == "s" or (unit is None and us >= 1e6):
        return f"{us / 1e6:.3f}s"
    if unit == "ms" or (unit is None and us >= 1e3):
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _memory(nbytes):
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{int(nbytes)} B"
