"""Process-wide switches that ``torchlike.compile`` turns on while it records or traces a step.

Kept in one tiny module so the hot paths (``ops.registry.apply``, ``Tensor._assign``, the random
generator) pay one attribute read when compile is not active.

- ``recorder``: while a step runs eagerly for the first time, collects every Tensor the step reads
  or writes, so they can be lifted to inputs/outputs of the compiled program.
- ``rng``: while a step is traced, supplies JAX keys (split from a key that is an *input* of the
  program) to every random draw, so each compiled call gets fresh randomness.
"""
recorder = None
rng = None


class TraceRNG:
    """Keys for random draws inside a traced program: fold_in(key, n) for the n-th draw."""

    def __init__(self, key):
        self.key = key
        self.count = 0

    def next_key(self):
        import jax
        self.count += 1
        return jax.random.fold_in(self.key, self.count)
