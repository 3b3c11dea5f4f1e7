"""Make ``import torch`` / ``import torchvision`` resolve to torchlike (an import hook).

``torch`` and ``torch.X.Y`` map to ``torchlike`` and ``torchlike.X.Y``; ``torchvision`` and
``torchvision.X`` map to ``torchlike.vision`` and ``torchlike.vision.X``; ``functorch`` (installed with
torch) to ``torchlike._functorch``. The alias is the same
module object, so ``import torch; torch is torchlike`` holds. A ``torch.*`` module torchlike does
not provide raises ``ModuleNotFoundError`` naming it, rather than falling through to a real torch.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

_PREFIXES = (("torchvision", "torchlike.vision"), ("torch", "torchlike"), ("functorch", "torchlike._functorch"))

# the script ``python -m torchlike`` runs, for the processes it spawns (``torchlike/_spawn_main.py``)
MAIN_SCRIPT_ENV = "TORCHLIKE_MAIN"


def target_name(fullname: str):
    """The torchlike module name that ``fullname`` aliases, or None when it is not torch's."""
    for src, dst in _PREFIXES:
        if fullname == src or fullname.startswith(src + "."):
            return dst + fullname[len(src):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Meta path finder serving torch/torchvision imports from torchlike."""

    def find_spec(self, fullname, path=None, target=None):
        name = target_name(fullname)
        if name is None:
            return None
        module = _resolve(name, fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=hasattr(module, "__path__"))


def _resolve(name, fullname):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name is not None and e.name != name and not name.startswith(e.name + "."):
            raise  # a genuine missing dependency inside torchlike
        parent, _, attr = name.rpartition(".")
        try:
            obj = getattr(importlib.import_module(parent), attr)
        except (ImportError, AttributeError):
            obj = None
        if isinstance(obj, types.ModuleType):
            return obj
        raise ModuleNotFoundError(f"No module named '{fullname}' (torchlike provides no '{name}')",
                                  name=fullname) from None


_finder = TorchAliasFinder()


def install_torch_alias():
    """Make later ``import torch`` / ``import torchvision`` give torchlike (for notebooks).

    Idempotent. If the real torch was imported already, the existing references keep pointing at
    it, so this warns; import torchlike's alias before anything imports torch.
    """
    if any(type(f) is TorchAliasFinder for f in sys.meta_path):
        return
    real = sys.modules.get("torch")
    if real is not None and not getattr(real, "__name__", "").startswith("torchlike"):
        warnings.warn("torch was already imported; code holding that module keeps using the real torch. "
                      "Call torchlike.install_torch_alias() before importing torch.", RuntimeWarning, stacklevel=2)
        for key in [k for k in sys.modules if target_name(k) is not None]:
            del sys.modules[key]
    sys.meta_path.insert(0, _finder)


def uninstall_torch_alias():
    """Remove the hook and the alias entries it put in ``sys.modules``."""
    sys.meta_path[:] = [f for f in sys.meta_path if type(f) is not TorchAliasFinder]
    for key in [k for k, m in list(sys.modules.items()) if target_name(k) is not None
                and getattr(m, "__name__", "").startswith("torchlike")]:
        del sys.modules[key]
