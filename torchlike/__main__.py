"""``python -m torchlike``: run an unmodified PyTorch program on torchlike, as ``python`` runs it.

For this run only, ``import torch`` / ``import torchvision`` (and their submodules) resolve to
torchlike. ``python -m torchlike script.py [args]``, ``-m module [args]``, ``-c code [args]`` and
``- [args]`` (the program on stdin) behave as the same ``python`` command: ``sys.argv`` (``['script.py',
*args]``, ``['/path/to/module.py', *args]``, ``['-c', *args]``, ``['-', *args]``), ``sys.path[0]``,
``__name__ == '__main__'``, tracebacks that start at the program's own frames, exit status 1 for an
uncaught exception, ``n`` for ``sys.exit(n)``, 2 for a usage error. ``--version`` and ``--help``
print what torchlike is and which environment variables it reads.
"""
from __future__ import annotations

import io
import os
import runpy
import sys

USAGE = ("usage: python -m torchlike [--version | -h] [-c cmd | -m mod | file | -] [arg] ...\n"
         "Try `python -m torchlike -h' for more information.\n")

HELP = """\
usage: python -m torchlike [--version | -h] [-c cmd | -m mod | file | -] [arg] ...

Run a PyTorch program on torchlike (the PyTorch API over JAX) without changing it: for this run,
`import torch` and `import torchvision` (with their submodules) resolve to torchlike and
torchlike.vision, here and in the processes the program starts with the "spawn" method. Only the
program sees the alias; torch itself need not be installed.

  file     run a script, as `python file [arg] ...`
  -m mod   run a module as __main__, as `python -m mod [arg] ...`
  -c cmd   run the program passed as a string, as `python -c cmd [arg] ...`
  -        read the program from standard input
  --version  print torchlike's version (the torch API version it follows) and JAX's, then exit
  -h, --help print this message and exit

sys.argv, sys.path[0], __name__ == "__main__" and tracebacks are as with the same python command.

environment variables (read when torchlike is imported):
  TORCHLIKE_X64=0               leave JAX's 64-bit mode off: int64/float64 tensors become 32-bit
                                (default: on, as torch's int64 indices and float64 data need)
  TORCHLIKE_KEEP_HOST_MEMORY=0  let malloc return freed memory to the system instead of keeping it
                                for the next training step (default: keep; faster on CPU)
  TORCHLIKE_CACHE_DIR=DIR       where compiled XLA programs are cached between runs (default:
                                $XDG_CACHE_HOME/torchlike/xla, i.e. ~/.cache/torchlike/xla);
                                set it to 0 or to an empty value to disable the cache
  JAX_PLATFORMS=cpu             (JAX's own) run on the CPU even when a GPU or TPU is present

exit status:
  0   the program finished (or called sys.exit() / sys.exit(0))
  1   an uncaught exception (its traceback is printed), or -m names no module
  n   the program called sys.exit(n)
  2   usage error: unknown option, missing argument, or a script file that does not exist
"""


def _trim(exc, files):
    """Drop the launcher's own frames (runpy, this file) from the front of a traceback. A syntax error in
    the program itself has no program frame and, as python prints it, no traceback either."""
    tb = first = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in files:
        tb = tb.tb_next
    if tb is None and isinstance(exc, SyntaxError) and exc.filename in files:
        return None
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
    exc.__traceback__ = _trim(exc, files)
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _version():
    from importlib import metadata
    from . import __version__

    def dist(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"
    py = ".".join(map(str, sys.version_info[:3]))
    return f"torchlike {__version__} (jax {dist('jax')}, jaxlib {dist('jaxlib')}, Python {py})\n"


def _usage_error(message):
    sys.stderr.write(message + "\n" + USAGE)
    return 2


def _run_code(source, filename):
    """``python -c`` / ``python -``: the code runs in a fresh ``__main__`` module (no ``__file__``), as the
    interpreter runs it; ``__spec__`` names ``torchlike._spawn_main`` so spawned processes get the alias."""
    import builtins
    import importlib.machinery
    import types
    from ._alias import MAIN_SCRIPT_ENV
    code = compile(source, filename, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__builtins__=builtins, __loader__=None, __package__=None,
                         __spec__=importlib.machinery.ModuleSpec("torchlike._spawn_main", None))
    os.environ.pop(MAIN_SCRIPT_ENV, None)  # no script for spawned children to run again
    old = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    finally:
        if old is not None:
            sys.modules["__main__"] = old


def _run_guarded(fn, files):
    """Run ``fn``; an uncaught exception prints its traceback (from the program's first frame) and gives
    status 1. ``SystemExit`` and ``KeyboardInterrupt`` go on to the interpreter, which handles them as
    it would for ``python`` itself."""
    try:
        fn()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: BLE001 - report like the interpreter, minus our frames
        _report(e, files() if callable(files) else files)
        return 1
    return 0


def _split_option(argv, flag):
    """``-c CODE rest`` or ``-cCODE rest`` -> (CODE, rest), or None when the argument is missing."""
    if len(argv[0]) > 2:
        return argv[0][2:], argv[1:]
    if len(argv) < 2:
        return None
    return argv[1], argv[2:]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return _usage_error("missing program: give a script, -m module, -c code or -")
    first = argv[0]
    if first in ("-h", "--help", "-?"):
        sys.stdout.write(HELP)
        return 0
    if first in ("--version", "-V"):
        sys.stdout.write(_version())
        return 0
    if first.startswith(("-c", "-m")):
        split = _split_option(argv, first[:2])
        if split is None:
            return _usage_error(f"Argument expected for the {first[:2]} option")
    elif first.startswith("-") and first != "-":
        return _usage_error(f"unknown option {first}")
    from ._alias import install_torch_alias
    install_torch_alias()

    if first.startswith("-c"):
        code, rest = split
        sys.argv = ["-c", *rest]
        sys.path.insert(0, "")
        return _run_guarded(lambda: _run_code(code, "<string>"), {"<string>"})
    if first == "-":
        sys.argv = argv
        sys.path.insert(0, "")
        return _run_guarded(lambda: _run_code(sys.stdin.read(), "<stdin>"), {"<stdin>"})
    if first.startswith("-m"):
        asked, rest = split
        from ._alias import target_name
        name = target_name(asked) or asked  # `-m torch.distributed.run` (torchrun) runs torchlike's module
        sys.path.insert(0, os.getcwd())
        import importlib.util
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # ValueError: an empty or relative name
            found = False
        except Exception:  # noqa: BLE001 - a parent package failing to import: run_module reports it
            found = True
        if not found:
            sys.stderr.write(f"{sys.executable}: No module named {asked}\n")
            return 1
        sys.argv = [asked, *rest]  # run_module sets argv[0] to the module's file, as python does
        return _run_guarded(lambda: runpy.run_module(name, run_name="__main__", alter_sys=True),
                            lambda: {getattr(sys.modules.get("__main__"), "__file__", None)})

    script = first
    if not os.path.exists(script):
        sys.stderr.write(f"{sys.executable}: can't open file {os.path.abspath(script)!r}: "
                         f"[Errno 2] No such file or directory\n")
        return 2
    sys.argv = argv
    sys.path[0:0] = [os.path.dirname(os.path.abspath(script))]
    path = os.path.abspath(script)  # as `python script.py`: __file__ and tracebacks show the full path
    if os.path.isfile(path) and not _is_zip(path):
        return _run_guarded(lambda: _run_file(path), {path})
    return _run_guarded(lambda: runpy.run_path(path, run_name="__main__"), {path})  # a directory or zip


if __name__ == "__main__":
    sys.exit(main())
