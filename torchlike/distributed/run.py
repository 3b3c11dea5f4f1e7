"""A torchrun-compatible launcher: ``python -m torchlike.distributed.run --nproc-per-node N script.py ...``.

Starts N local processes with the environment torchrun gives its workers (``RANK``, ``LOCAL_RANK``,
``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``ROLE_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``,
``TORCHELASTIC_RUN_ID``...). As torchrun does, when one worker fails the launcher terminates the
others (SIGTERM, then SIGKILL after ``--term-timeout`` seconds), reports which rank failed with
which exit code, and exits non-zero. Single node only (``--nnodes 1``); restarts are not supported.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid


def _free_port(addr):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def _nproc(v):
    if v in ("auto", "cpu", "gpu"):
        return os.cpu_count() or 1
    return int(v)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m torchlike.distributed.run",
                                description="torchrun-compatible single-node launcher for torchlike")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=_nproc, default=1)
    p.add_argument("--nnodes", default="1")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", type=int, default=None)
    p.add_argument("--standalone", action="store_true")
    p.add_argument("--rdzv-backend", "--rdzv_backend", default=None)
    p.add_argument("--rdzv-endpoint", "--rdzv_endpoint", default=None)
    p.add_argument("--rdzv-id", "--rdzv_id", default=None)
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0)
    p.add_argument("--monitor-interval", "--monitor_interval", type=float, default=0.1)
    p.add_argument("--term-timeout", "--term_timeout", type=float, default=10.0,
                   help="seconds between SIGTERM and SIGKILL for the surviving ranks when one fails")
    p.add_argument("--run-path", "--run_path", action="store_true")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    p.add_argument("--no-python", "--no_python", action="store_true")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if str(args.nnodes) not in ("1", "1:1"):
        p.error("only single-node launches are supported (--nnodes 1)")
    if args.max_restarts:
        print("torchlike.distributed.run: --max-restarts is ignored (no elastic restarts)", file=sys.stderr)
    return args


def _worker_env(args, local_rank, port, run_id):
    env = dict(os.environ)
    n = args.nproc_per_node
    env.update(RANK=str(local_rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(n), LOCAL_WORLD_SIZE=str(n),
               GROUP_RANK="0", GROUP_WORLD_SIZE="1", ROLE_RANK=str(local_rank), ROLE_WORLD_SIZE=str(n),
               ROLE_NAME="default", MASTER_ADDR=args.master_addr, MASTER_PORT=str(port),
               TORCHELASTIC_RUN_ID=run_id, TORCHELASTIC_RESTART_COUNT="0", TORCHELASTIC_MAX_RESTARTS="0",
               OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"))
    return env


def _command(args):
    """The worker's command line. Launched as ``python -m torchlike -m torch.distributed.run`` (torchrun
    under the torch alias), the workers run under ``python -m torchlike`` too, so that their
    ``import torch`` means torchlike as well."""
    if args.no_python:
        return [args.training_script] + args.training_script_args
    from .._alias import TorchAliasFinder
    python = [sys.executable, "-u"]
    if any(type(f) is TorchAliasFinder for f in sys.meta_path):
        python += ["-m", "torchlike"]
    if args.module:
        return python + ["-m", args.training_script] + args.training_script_args
    return python + [args.training_script] + args.training_script_args


def _kill_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def launch(args):
    """Start the workers and supervise them; returns the launcher's exit code."""
    addr = args.master_addr
    if args.rdzv_endpoint and not args.master_port:
        addr, _, port = args.rdzv_endpoint.rpartition(":")
        args.master_addr, args.master_port = addr or "127.0.0.1", int(port)
    port = args.master_port or (_free_port(args.master_addr) if args.standalone or args.master_port == 0 else 29500)
    run_id = args.rdzv_id or uuid.uuid4().hex[:12]
    procs = []
    for r in range(args.nproc_per_node):  # own session per worker, so its children can be ended with it
        procs.append(subprocess.Popen(_command(args), env=_worker_env(args, r, port, run_id), start_new_session=True))

    def forward(signum, frame):
        for p in procs:
            if p.poll() is None:
                _kill_group(p, signum)
    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _supervise(args, procs)
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _supervise(args, procs):
    while True:
        codes = [p.poll() for p in procs]
        failed = [(r, c) for r, c in enumerate(codes) if c not in (None, 0)]
        if failed:
            rank, code = failed[0]
            alive = [p for p in procs if p.poll() is None]

            def why(c):
                return f"signal {signal.Signals(-c).name}" if c < 0 else f"exit code {c}"
            for r, c in failed:  # several may have ended within one poll (JAX also reports a lost peer)
                print(f"torchlike.distributed.run: ERROR: rank {r} (local_rank {r}, pid {procs[r].pid}) "
                      f"failed with {why(c)}", file=sys.stderr, flush=True)
            print(f"torchlike.distributed.run: terminating the other {len(alive)} running rank(s)",
                  file=sys.stderr, flush=True)
            for p in alive:
                _kill_group(p, signal.SIGTERM)
            deadline = time.monotonic() + args.term_timeout
            while any(p.poll() is None for p in alive) and time.monotonic() < deadline:
                time.sleep(0.05)
            for p in alive:
                if p.poll() is None:
                    _kill_group(p, signal.SIGKILL)
                    p.wait()
            print(f"torchlike.distributed.run: ChildFailedError: {args.training_script} failed "
                  f"(first failure seen: rank {rank}, {why(code)})", file=sys.stderr, flush=True)
            return 1
        if all(c == 0 for c in codes):
            return 0
        time.sleep(args.monitor_interval)


def main(argv=None):
    sys.exit(launch(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
