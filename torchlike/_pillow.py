"""Pillow, imported where images are read or written: when it is missing, the error says how to get it."""
from __future__ import annotations

import importlib


def pillow(*names):
    """``PIL.<name>`` for each name (one module, or a tuple of them); a ModuleNotFoundError naming the
    install command when Pillow is not installed."""
    try:
        mods = tuple(importlib.import_module(f"PIL.{n}") for n in names or ("Image",))
    except ModuleNotFoundError as e:
        if e.name != "PIL" and not (e.name or "").startswith("PIL."):
            raise
        raise ModuleNotFoundError("this needs Pillow, which is not installed: pip install 'torchlike[vision]' "
                                  "(or: pip install Pillow)", name="PIL") from None
    return mods[0] if len(mods) == 1 else mods
