"""torch.profiler: which ops a program runs and how long each takes, in torch's tables and traces.

``with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:`` records, per call:
every torchlike op (by its op name: ``linear``, ``conv2d``, ``relu`` ...), every node the autograd
engine evaluates (``autograd::engine::evaluate_function: AddmmBackward0``, as torch names it),
``record_function`` ranges, ``Optimizer.step#SGD.step`` / ``Optimizer.zero_grad#SGD.zero_grad``, and
each ``torchlike.compile``d step as one event. ``prof.key_averages().table(sort_by=
"cpu_time_total", row_limit=10)`` prints torch's table; ``export_chrome_trace`` and
``tensorboard_trace_handler`` write Chrome traces.

How it differs from torch's: events are torchlike's ops, not ATen's (``aten::addmm`` has no
counterpart; a compiled model or step is one event; functions that create tensors, such as
``zeros`` or ``randn``, are not ops and make no events). The first call of each op includes its
compilation by XLA: profile a warmed-up step (a ``schedule`` with ``wait``/``warmup`` does that). Times are host wall-clock times, and the
profiler waits for each op's result, so an op's time includes its computation on whatever device
ran it (there are no separate device columns; they read 0). Memory columns count the bytes of the
arrays each op returns. For XLA's own view of a program (fusions, kernels, device timelines) use
``jax.profiler.trace(dir)``; ``record_function`` ranges appear there too.
"""
from .profiler import (ProfilerAction, ProfilerActivity, kineto_available, profile, record_function, schedule,
                       supported_activities, tensorboard_trace_handler)
from .events import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler", "ProfilerAction",
           "ProfilerActivity", "kineto_available", "record_function", "EventList", "FunctionEvent",
           "FunctionEventAvg"]
