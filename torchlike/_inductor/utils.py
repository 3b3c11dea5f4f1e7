"""torch._inductor.utils.fresh_inductor_cache: compile inside the block as if nothing were cached."""
from __future__ import annotations

import contextlib

from ..compiler import reset


@contextlib.contextmanager
def fresh_inductor_cache(cache_entries=None, dir=None, delete=True):
    """Forget compiled programs on entry (``torch.compiler.reset``), so the block's first calls compile
    from scratch, as with torch's fresh, empty Inductor cache. Programs compiled inside stay cached."""
    reset()
    yield
