"""Process-wide switches that ``torchlike.compile`` turns on while it records or traces a step.

Kept in one tiny module so the hot paths (``ops.registry.apply``, ``Tensor._assign``, the random
generator) pay one attribute read when compile is not active.

- ``recorder``: while a step runs eagerly for the first time, collects every Tensor the step reads
  or writes, so they can be lifted to inputs/outputs of the compiled program.
- ``rng``: while a step is traced, supplies JAX keys (split from a key that is an *input* of the
  program) to every random draw, so each compiled call gets fresh randomness.
- ``forward_mode``: non-zero while forward-mode AD traces ops (``torchlike.func.jvp``/``jacfwd``/
  ``hessian``, dual tensors). Ops whose gradient is a ``jax.custom_vjp`` (which JAX cannot push
  tangents through) then use their plain forward, which JAX differentiates itself.
- ``cpu_hints``: a set while ``compile(fn)`` traces a step; lowerings add names of XLA:CPU settings
  that suit them (``note_cpu_hint``), which the step's program is then compiled with (``compile/step.py``).
"""
import contextlib

recorder = None
rng = None
forward_mode = 0
cpu_hints = None


def note_cpu_hint(name):
    if cpu_hints is not None:
        cpu_hints.add(name)


@contextlib.contextmanager
def forward_mode_tracing():
    global forward_mode
    forward_mode += 1
    try:
        yield
    finally:
        forward_mode -= 1


class TraceRNG:
    """Keys for random draws inside a traced program: fold_in(key, n) for the n-th draw."""

    def __init__(self, key):
        self.key = key
        self.count = 0

    def next_key(self):
        import jax
        self.count += 1
        return jax.random.fold_in(self.key, self.count)


@contextlib.contextmanager
def tracing(tensors, values, key, grads=None):
    """Trace with each of ``tensors`` holding the matching ``values`` (tracers), optionally ``grads``
    (Tensors or None) as their ``.grad``, and random draws keyed from ``key``; on exit every tensor's
    value, grad, grad_fn and output number are put back. Not a write to the tensors (no version bump):
    ``compile(model)`` and ``compile(step)`` both run their function this way."""
    global rng
    saved = [(t._value, t._grad, t.grad_fn, t._output_nr) for t in tensors]
    prev_rng = rng
    try:
        for t, v in zip(tensors, values):
            t._value = v
        if grads is not None:
            for t, g in zip(tensors, grads):
                t._grad = g
        rng = TraceRNG(key)
        yield
    finally:
        rng = prev_rng
        for t, (v, g, fn, nr) in zip(tensors, saved):
            t._value, t._grad, t.grad_fn = v, g, fn
            if t._output_nr != nr:
                t._output_nr = nr
