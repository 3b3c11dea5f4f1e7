"""``python -m torchlike script.py [args]``: run an unmodified PyTorch script on torchlike.

For this run only, ``import torch`` / ``import torchvision`` (and their submodules) resolve to
torchlike. The script sees ``sys.argv == ['script.py', *args]``, ``__name__ == '__main__'``, its
directory first on ``sys.path``; uncaught exceptions print a traceback starting at the script's
frames and exit with status 1, ``sys.exit(n)`` exits with ``n`` — as ``python script.py`` does.
``python -m torchlike -m package.module [args]`` runs a module the same way.
"""
from __future__ import annotations

import io
import os
import runpy
import sys

USAGE = "usage: python -m torchlike script.py [args ...]\n       python -m torchlike -m module [args ...]\n"


def _trim(tb, files):
    """Drop the launcher's own frames (runpy, this file) from the front of a traceback."""
    first = tb
    while tb is not None and tb.tb_frame.f_code.co_filename not in files:
        tb = tb.tb_next
    return tb if tb is not None else first


def _is_zip(path):
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _run_file(path):
    """Execute a script as ``__main__`` the way ``python script.py`` does (runpy.run_path would
    set ``sys.argv[0]`` to the absolute path; the interpreter keeps it as typed).

    One difference: ``__spec__`` names ``torchlike._spawn_main``, so that processes the script starts
    with the "spawn" method (``torch.multiprocessing.spawn``, a spawn-context DataLoader) run the
    script again with ``import torch`` meaning torchlike (see that module)."""
    import builtins
    import importlib.machinery
    import types
    from ._alias import MAIN_SCRIPT_ENV
    with io.open_code(path) as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __builtins__=builtins, __cached__=None, __loader__=None,
                         __spec__=importlib.machinery.ModuleSpec("torchlike._spawn_main", None), __package__=None)
    os.environ[MAIN_SCRIPT_ENV] = path
    old = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    finally:
        if old is not None:
            sys.modules["__main__"] = old


def _report(exc, files):
    exc.__traceback__ = _trim(exc.__traceback__, files)
    sys.excepthook(type(exc), exc, exc.__traceback__)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 0 if argv else 2
    from ._alias import install_torch_alias
    install_torch_alias()
    if argv[0] == "-m":
        if len(argv) < 2:
            sys.stderr.write(USAGE)
            return 2
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())
        try:
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as e:  # noqa: BLE001 - report like the interpreter, minus our frames
            spec_file = getattr(sys.modules.get("__main__"), "__file__", None)
            _report(e, {spec_file})
            return 1
        return 0
    script = argv[0]
    if not os.path.exists(script):
        sys.stderr.write(f"{sys.executable}: can't open file {os.path.abspath(script)!r}: "
                         f"[Errno 2] No such file or directory\n")
        return 2
    sys.argv = argv
    sys.path[0:0] = [os.path.dirname(os.path.abspath(script))]
    path = os.path.abspath(script)  # as `python script.py`: __file__ and tracebacks show the full path
    try:
        if os.path.isfile(path) and not _is_zip(path):
            _run_file(path)
        else:  # a directory or zip with __main__.py
            runpy.run_path(path, run_name="__main__")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: BLE001
        _report(e, {path})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
