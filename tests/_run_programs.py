"""Runs several programs one after another in this one interpreter, each as ``python PROGRAM`` runs it,
and writes each one's stdout, stderr and exit status to a JSON file (tests/test_main_alias.py).

    python [-m torchlike] tests/_run_programs.py RESULTS.json PROGRAM...

Each program runs as ``__main__`` (``runpy.run_path``) with ``sys.argv == [PROGRAM]`` and its folder as
``sys.path[0]``; an uncaught exception prints its traceback to the program's stderr and gives status
1, ``sys.exit(n)`` gives n (a message: printed, status 1), as the interpreter does. Under
``python -m torchlike`` the programs' ``import torch`` resolves to torchlike. One interpreter for many
short programs saves the seconds of importing JAX (or torch) for every one of them.
"""
import contextlib
import io
import json
import os
import runpy
import sys
import traceback


def run_one(path):
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_path0 = sys.argv, sys.path[0]
    sys.argv, sys.path[0] = [path], os.path.dirname(os.path.abspath(path))
    status = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                runpy.run_path(path, run_name="__main__")
            except SystemExit as e:
                if e.code is None or isinstance(e.code, int):
                    status = e.code or 0
                else:
                    print(e.code, file=sys.stderr)
                    status = 1
            except BaseException:
                traceback.print_exc()
                status = 1
    finally:
        sys.argv, sys.path[0] = saved_argv, saved_path0
    return {"returncode": status, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    results_file, programs = sys.argv[1], sys.argv[2:]
    results = {p: run_one(p) for p in programs}
    with open(results_file, "w") as f:
        json.dump(results, f)
