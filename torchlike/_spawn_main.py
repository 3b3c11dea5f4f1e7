"""The main module of processes started with the "spawn" or "forkserver" method under ``python -m torchlike``.

Such a child is a fresh interpreter that re-imports its parent's main module before it runs the
process's target (so that functions defined in the script can be unpickled). A script run by
``python -m torchlike`` writes ``import torch``, which only means torchlike while the alias is
installed, so the launcher names this module as the script's module (``__main__.__spec__``); the
child runs it in place of the script, and it installs the alias and then runs the script under the
name ``__mp_main__``, as multiprocessing does for a plain ``python script.py``. The script's path
comes from the environment the child inherits (``TORCHLIKE_MAIN``, set by the launcher).
Scripts only: a module run with ``python -m torchlike -m NAME`` is re-imported by its children
without the alias.
"""
import os
import runpy

from torchlike._alias import MAIN_SCRIPT_ENV, install_torch_alias

install_torch_alias()
if os.environ.get(MAIN_SCRIPT_ENV):
    _torchlike_spec = __spec__
    globals().update(runpy.run_path(os.environ[MAIN_SCRIPT_ENV], run_name="__mp_main__"))
    __spec__ = _torchlike_spec  # the script's own is None; keeping this one lets the child spawn in turn
