"""torch.utils.benchmark: Timer, Measurement and Compare over ``timeit``.

``Timer(stmt, setup, globals=...)`` times a statement like torch's does (``timeit``,
``blocked_autorange``, ``adaptive_autorange``). JAX dispatches asynchronously: end the statement with
something that waits for its result (``.item()``, ``jax.block_until_ready``) to time the computation
rather than its dispatch.
"""
from .timer import Compare, Measurement, Timer

__all__ = ["Timer", "Measurement", "Compare"]
