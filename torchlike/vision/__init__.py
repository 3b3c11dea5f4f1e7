"""torchvision-shaped vision package: ``datasets``, ``transforms``, ``models``, ``ops``, ``utils``.

Subpackages load on first attribute access, so ``import torchlike`` does not import Pillow.
"""
import importlib as _importlib

from ..version import TorchVersion as _TorchVersion

# the torchvision release that pairs with the torch API torchlike follows (2.13 -> 0.28), so libraries'
# version checks (``torchvision.__version__ >= "0.15"``) take the path they take with real torchvision
__version__ = _TorchVersion("0.28.0+torchlike.0.1")

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
