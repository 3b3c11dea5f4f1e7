"""torch.autograd.profiler: the older entry points to the profiler (``torchlike.profiler``).

``profile(enabled=True, use_cuda=False, record_shapes=False, profile_memory=False, ...)`` records from
enter to exit like ``torchlike.profiler.profile`` without a schedule, and adds the legacy
``table()`` and ``function_events``; ``record_function`` is the same class as
``torchlike.profiler.record_function``. ``emit_nvtx`` is accepted and records nothing.
"""
from __future__ import annotations

from ..profiler.events import EventList, FunctionEvent, FunctionEventAvg
from ..profiler.profiler import profile as _profile
from ..profiler.profiler import record_function

__all__ = ["profile", "record_function", "emit_nvtx", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile(_profile):
    """``with torch.autograd.profiler.profile() as prof: ...; print(prof.key_averages().table())``."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None, activity_filters=None):
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory, acc_events=acc_events)
        self.enabled = enabled

    def start(self):
        if self.enabled:
            super().start()

    @property
    def function_events(self):
        return self.events()

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        return self.events().table(sort_by=sort_by, row_limit=row_limit, max_name_column_width=max_name_column_width,
                                   max_shapes_column_width=max_shapes_column_width, header=header,
                                   top_level_events_only=top_level_events_only)

    def self_cpu_time_total(self):
        return self.events().self_cpu_time_total

    def __str__(self):
        """``print(prof)``: the table of every event in the order they started, as torch prints it."""
        return str(self.events())


class emit_nvtx:
    """Accepted for compatibility: NVTX ranges are a CUDA tool; nothing is emitted."""

    def __init__(self, enabled=True, record_shapes=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
