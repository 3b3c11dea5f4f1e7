"""torchvision-shaped vision package: ``datasets``, ``transforms``, ``models``, ``ops``, ``utils``.

Subpackages load on first attribute access, so ``import torchlike`` does not import Pillow.
"""
import importlib as _importlib

__all__ = ["datasets", "transforms", "models", "ops", "utils", "io", "get_image_backend", "set_image_backend"]

_SUBMODULES = ("datasets", "transforms", "models", "ops", "utils", "io")


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_image_backend():
    return "PIL"


def set_image_backend(backend):
    if backend != "PIL":
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
