"""Run every ``*.py`` in a folder under real torch and under torchlike, and compare what they print.

    python scripts/run_programs.py FOLDER [--timeout 300] [--rtol 1e-3] [--atol 1e-5]

Each program runs in a fresh, empty working directory, once with ``python prog.py`` (real torch)
and twice with ``python -m torchlike prog.py`` (the second run shows what torchlike's on-disk
compile cache saves). The table gives each run's exit status, wall time and peak resident memory,
and whether stdout matched torch's: the texts must agree once numbers are taken out, and the
numbers must agree within ``rtol``/``atol``. Timings a program prints (``12.3 ms``, ``ms/batch
45.6``, ``time: 1.2``, imagenet's ``Time  9.798 (10.296)`` and ``Data  0.246 ( 0.629)``) are left out of the
comparison. ``--save-outputs DIR`` keeps each run's stdout and stderr there. Programs that read arguments can be run
through small wrapper files that set ``sys.argv`` and call ``runpy.run_path``.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b", re.IGNORECASE)
_TIMINGS = [re.compile(p, re.IGNORECASE) for p in (
    r"[-+]?\d+(?:\.\d+)?\s*(?:ms|s|sec|secs|seconds|it/s|s/it)\b",
    r"ms/batch\s*[-+]?\d+(?:\.\d+)?",
    r"\b(?:time|data)\s+[-+]?\d+(?:\.\d+)?\s*\(\s*[-+]?\d+(?:\.\d+)?\)",  # imagenet: `Time  9.798 (10.296)`
    r"\btime\b[^\d\n]{0,12}[-+]?\d+(?:\.\d+)?",
    r"\b0x[0-9a-f]+\b",  # object addresses
)]


def run_once(cmd, env, timeout):
    """Run ``cmd`` in a new empty directory; (exit status, wall seconds, peak RSS MiB, stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="run_programs_") as cwd, \
            tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        status, rss_kib = None, 0
        while status is None:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(wait_status)
                rss_kib = usage.ru_maxrss
                proc.returncode = status
            elif time.perf_counter() - start > timeout:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                proc.returncode = status = "timeout"
                rss_kib = usage.ru_maxrss
            else:
                time.sleep(0.05)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return status, wall, rss_kib / 1024, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def _normalise(text):
    for pattern in _TIMINGS:
        text = pattern.sub("<timing>", text)  # not "time": a later pattern would take the next number
    numbers = [float(m.group()) for m in _NUMBER.finditer(text)]
    return _NUMBER.sub("#", text), numbers


def compare_outputs(ref, ours, rtol, atol):
    """("same" | "close" | "differs", detail)."""
    if ref == ours:
        return "same", ""
    ref_text, ref_nums = _normalise(ref)
    our_text, our_nums = _normalise(ours)
    if ref_text != our_text:
        for i, (a, b) in enumerate(zip(ref_text.splitlines(), our_text.splitlines())):
            if a != b:
                return "differs", f"line {i + 1}: {a[:60]!r} vs {b[:60]!r}"
        return "differs", f"{len(ref_text.splitlines())} vs {len(our_text.splitlines())} lines"
    worst = 0.0
    for a, b in zip(ref_nums, our_nums):
        if a == b or (a != a and b != b):
            continue
        excess = abs(a - b) - atol
        if excess > rtol * abs(a):
            return "differs", f"{a} vs {b}"
        worst = max(worst, abs(a - b) / max(abs(a), atol))
    return "close", f"max rel diff {worst:.1e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--only", default="", help="comma-separated program names")
    ap.add_argument("--save-outputs", default="", help="folder to write each run's stdout and stderr to")
    ap.add_argument("--show-errors", action="store_true", help="print the last lines of failing runs' stderr")
    ap.add_argument("--torch-pythonpath", default=os.environ.get("TORCHVISION_PATH", ""),
                    help="extra PYTHONPATH for the real-torch runs (e.g. a torchvision matching torch)")
    args = ap.parse_args()
    programs = sorted(Path(args.folder).resolve().glob("*.py"))
    if args.only:
        programs = [p for p in programs if p.name in args.only.split(",") or p.stem in args.only.split(",")]
    base = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    env = dict(base, PYTHONPATH=os.pathsep.join(filter(None, [args.torch_pythonpath, base.get("PYTHONPATH", "")])))
    ours_env = dict(base, PYTHONPATH=os.pathsep.join([str(REPO), base.get("PYTHONPATH", "")]))
    rows, errors = [], []
    for prog in programs:
        ref = run_once([sys.executable, str(prog)], env, args.timeout)
        first = run_once([sys.executable, "-m", "torchlike", str(prog)], ours_env, args.timeout)
        second = run_once([sys.executable, "-m", "torchlike", str(prog)], ours_env, args.timeout)
        if args.save_outputs:
            os.makedirs(args.save_outputs, exist_ok=True)
            for tag, run in (("torch", ref), ("torchlike", first), ("torchlike2", second)):
                for stream, text in (("out", run[3]), ("err", run[4])):
                    Path(args.save_outputs, f"{prog.stem}.{tag}.{stream}").write_text(text)
        verdict, detail = ("-", "")
        if ref[0] == 0 and first[0] == 0:
            verdict, detail = compare_outputs(ref[3], first[3], args.rtol, args.atol)
        for name, run in (("torch", ref), ("torchlike", first)):
            if run[0] != 0:
                tail = [line for line in run[4].strip().splitlines() if line.strip()][-1:] or [""]
                errors.append(f"- {prog.name} under {name}: exit {run[0]}: {tail[0][:200]}")
                if args.show_errors:
                    errors.append("  " + "\n  ".join(run[4].strip().splitlines()[-12:]))
        rows.append((prog.name, ref, first, second, verdict, detail))
        print(f"{prog.name}: torch {ref[0]} ({ref[1]:.1f}s), torchlike {first[0]} ({first[1]:.1f}s, "
              f"2nd {second[1]:.1f}s) output {verdict} {detail}", flush=True)
    print()
    print("| program | exit torch / torchlike / 2nd | same output | wall s torch / torchlike / 2nd | "
          "peak RSS MiB torch / torchlike / 2nd |")
    print("|---|---|---|---|---|")
    for name, ref, first, second, verdict, detail in rows:
        print(f"| {name} | {ref[0]} / {first[0]} / {second[0]} | {verdict}{' (' + detail + ')' if detail else ''} | "
              f"{ref[1]:.1f} / {first[1]:.1f} / {second[1]:.1f} | {ref[2]:.0f} / {first[2]:.0f} / {second[2]:.0f} |")
    if errors:
        print()
        print("\n".join(errors))


if __name__ == "__main__":
    main()
