"""torch.serialization: torch's checkpoint formats read and written without torch, and safetensors."""
from .load import (LoadedStorage, StorageType, add_safe_globals, clear_safe_globals, get_safe_globals, load,
                   safe_globals)
from .save import save
from . import legacy  # noqa: F401  registers the pre-1.6 format's reader with load
from .safetensors import load_file, save_file

DEFAULT_PROTOCOL = 2

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "save_file", "load_file", "DEFAULT_PROTOCOL"]
