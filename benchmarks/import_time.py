"""Start-up cost: ``import jax``, ``import torchlike``, ``import torch``, and an empty script under
``python -m torchlike``, each in fresh processes.

Prints the median CPU time (user + system of the child, from ``os.wait4``) and the median wall time
over ``--runs`` processes, run in turn (jax, torchlike, torch, alias, jax, ...) so that load on a
shared machine spreads over all of them. CPU time is the figure to compare on a busy machine.

Python's bytecode cache is on, as for an installed package (``pip`` writes ``.pyc`` files): the
children get ``PYTHONPYCACHEPREFIX`` set to a temporary folder (so the source tree stays clean) and
``PYTHONDONTWRITEBYTECODE`` removed, and each command runs once before timing to fill it.
``--source`` keeps the caller's environment instead (with ``PYTHONDONTWRITEBYTECODE=1`` every import
compiles torchlike's sources again: about a second more).

    PYTHONPATH=$PWD python benchmarks/import_time.py --runs 7
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CASES = {
    "import jax": [sys.executable, "-c", "import jax"],
    "import torchlike": [sys.executable, "-c", "import torchlike"],
    "import torch": [sys.executable, "-c", "import torch"],
    "python -m torchlike empty.py": None,  # filled in main() with a temporary empty script
}


def run_once(cmd, env=None):
    """(cpu seconds, wall seconds) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--only", nargs="*", help="case names to run (default: all)")
    p.add_argument("--source", action="store_true", help="no bytecode cache set up: the caller's environment")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = None
        if not args.source:
            env = dict(os.environ, PYTHONPYCACHEPREFIX=os.path.join(tmp, "pycache"))
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        empty = os.path.join(tmp, "empty.py")
        open(empty, "w").close()
        cases = dict(CASES)
        cases["python -m torchlike empty.py"] = [sys.executable, "-m", "torchlike", empty]
        if args.only:
            cases = {k: v for k, v in cases.items() if k in args.only}
        results = {k: [] for k in cases}
        for run in range(-1 if env else 0, args.runs):
            for name, cmd in cases.items():
                try:
                    timing = run_once(cmd, env)
                    if run >= 0:  # run -1 fills the bytecode cache
                        results[name].append(timing)
                except SystemExit as e:  # e.g. torch not installed
                    print(e, file=sys.stderr)
                    results[name] = None
                    cases = {k: v for k, v in cases.items() if k != name}
                    break
    print(f"| command | CPU s (median of {args.runs}) | wall s (median) |")
    print("|---|---|---|")
    for name, rows in results.items():
        if rows:
            cpu = statistics.median(r[0] for r in rows)
            wall = statistics.median(r[1] for r in rows)
            print(f"| `{name}` | {cpu:.2f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
