"""torch.profiler.profile, schedule, tensorboard_trace_handler and record_function over torchlike's recorder."""
from __future__ import annotations

import enum
import gzip
import os
import socket
import time
import warnings

import jax

from .. import _intercept
from .. import _profile_record as _rec
from ..serialization.save import _atomic
from .events import EventList, build_events

__all__ = ["profile", "schedule", "tensorboard_trace_handler", "record_function", "ProfilerAction",
           "ProfilerActivity", "supported_activities", "kineto_available"]


class ProfilerActivity(enum.Enum):
    """torch's activity kinds. Any is accepted; every recorded time is the host's wall time of a call,
    which includes its device work (module docstring of ``torchlike.profiler``)."""
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def supported_activities():
    return {ProfilerActivity.CPU}


def kineto_available():
    return False


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: after ``skip_first`` steps, cycles of ``wait`` idle steps, ``warmup``
    steps and ``active`` recorded steps (the last one saves: ``on_trace_ready`` runs after it);
    ``repeat`` cycles, or endless with 0. ``skip_first_wait=1`` leaves out the first cycle's wait."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError("Invalid profiler schedule arguments")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", UserWarning, stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Invalid profiler step: {step}")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait  # the first cycle starts at its warmup
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An ``on_trace_ready`` handler writing ``{worker}.{ms}.pt.trace.json[.gz]`` into ``dir_name``
    (torch's file naming, which TensorBoard's PyTorch profiler plugin and Perfetto read)."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json" + (".gz" if use_gzip else "")
        data = prof.events().chrome_trace()
        with _atomic(os.path.join(dir_name, name)) as f:
            f.write(gzip.compress(data) if use_gzip else data)
    return handler


class record_function:
    """Names a block of code in the profile (context manager or decorator), as torch's does.

    The block also appears in JAX's own traces (``jax.profiler``) under the same name. Without an
    active profiler it costs next to nothing."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._span = None
        self._jax = None

    def __enter__(self):
        self._span = _rec.span(self.name).__enter__()
        self._jax = jax.profiler.TraceAnnotation(self.name)
        self._jax.__enter__()
        return self

    def __exit__(self, *exc):
        self._jax.__exit__(*exc)
        self._span.__exit__(*exc)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with record_function(self.name, self.args):
                return fn(*a, **k)
        return wrapper


class profile:
    """torch.profiler.profile: ``with profile(...) as prof:`` records every op, backward node and
    named range run inside (see ``torchlike.profiler``); then ``prof.key_averages().table(...)``,
    ``prof.events()``, ``prof.export_chrome_trace(path)``.

    With ``schedule``, ``prof.step()`` marks the end of each training step: steps the schedule marks
    RECORD are recorded (each as a ``ProfilerStep#N`` range) and ``on_trace_ready(prof)`` runs after
    each RECORD_AND_SAVE step; without one, everything between enter and exit is recorded and
    ``on_trace_ready`` runs at exit. ``with_stack``, ``with_flops``, ``with_modules`` and
    ``experimental_config`` are accepted and have no effect."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        self.activities = set(activities) if activities is not None else supported_activities()
        self.schedule = schedule
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = schedule(0) if schedule is not None else ProfilerAction.RECORD
        self.profiler = None  # torch's attribute; here the last cycle's events
        self._recorder = None
        self._t0 = None
        self._events = EventList()
        self._step_span = None
        self._metadata = {}

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if self._recording(self.current_action):
            self._start_recording()

    def stop(self):
        if self._recorder is not None:
            self._end_step_span()
            self._stop_recording()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)

    def step(self):
        """Mark the end of one step; the schedule decides what the next one records."""
        self._end_step_span()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num) if self.schedule is not None else ProfilerAction.RECORD
        was, now = self._recording(prev), self._recording(self.current_action)
        if was and (not now or prev is ProfilerAction.RECORD_AND_SAVE):
            self._stop_recording()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        if now and self._recorder is None:
            self._start_recording()
        elif self._recorder is not None:
            self._begin_step_span()

    @staticmethod
    def _recording(action):
        return action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def _start_recording(self):
        if _rec.recorder is not None:
            raise RuntimeError("torchlike.profiler: another profiler is already recording in this process")
        self._recorder = _rec.Recorder(self.record_shapes, self.profile_memory)
        self._t0 = time.perf_counter_ns()
        _rec.recorder = self._recorder
        _intercept.profile_fn = _rec.profile_op
        _intercept.refresh()
        self._begin_step_span()

    def _stop_recording(self):
        rec, self._recorder = self._recorder, None
        if _rec.recorder is rec:
            _rec.recorder = None
            _intercept.profile_fn = None
            _intercept.refresh()
        events = build_events(rec.events, self._t0)
        self._events = EventList(self._events + events) if self.acc_events else events
        self.profiler = self._events

    def _begin_step_span(self):
        if self.record_steps:
            self._step_span = _rec.span(f"ProfilerStep#{self.step_num}").__enter__()

    def _end_step_span(self):
        if self._step_span is not None:
            self._step_span.__exit__(None, None, None)
            self._step_span = None

    # ------------------------------------------------------------------ results
    def events(self):
        """The recorded events (of the last saved cycle), in start order."""
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """Events summed per name (and per input shapes with ``group_by_input_shape``; shapes are
        recorded with ``record_shapes=True``)."""
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        self._events.export_chrome_trace(path)

    def add_metadata(self, key, value):
        self._metadata[key] = value

    def add_metadata_json(self, key, value):
        self._metadata[key] = value
