"""Deferred imports, so that ``import torchlike`` stays close to ``import jax`` in cost.

- :func:`lazy_module`: a third-party module whose import runs on first attribute access
  (``importlib.util.LazyLoader``), for a dependency that only some calls need (optax: an optimizer
  step; it costs more than half a second to import).
- :func:`lazy_submodules`: a package's module-level ``__getattr__`` that imports rarely used
  submodules when first named (``torch.distributions``, ``torch.fx``, ...); ``import pkg.sub`` works
  as always.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys


def lazy_module(name: str):
    """``name`` as a module object that imports itself on first attribute access (once imported, the
    real module: ``sys.modules[name]`` is that object either way)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(f"No module named '{name}'", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def lazy_submodules(package: str, names, attributes=None):
    """A module ``__getattr__`` for ``package``: each of ``names`` is imported as ``package.<name>``
    on first access; ``attributes`` maps a name to ``(submodule, attribute)`` for objects taken from
    a lazily imported submodule (``torch.sparse_coo_tensor``). Unknown names raise AttributeError as
    a module would. The imported value is stored in the package, so later lookups cost nothing."""
    names = frozenset(names)
    attributes = dict(attributes or {})
    pkg = sys.modules[package]

    def __getattr__(name):
        if name in names:
            value = importlib.import_module(f"{package}.{name}")
        elif name in attributes:
            sub, attr = attributes[name]
            value = getattr(importlib.import_module(f"{package}.{sub}"), attr)
        else:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        setattr(pkg, name, value)
        return value

    __getattr__.lazy = names | attributes.keys()  # for dir() and the surface tests
    return __getattr__
