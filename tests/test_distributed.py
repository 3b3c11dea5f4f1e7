"""torchlike.distributed, nn.DataParallel, DDP, FSDP-style sharding, orbax checkpoints and the launcher.

Multi-device cases run in subprocesses (XLA_FLAGS must be set before JAX starts): 4 host devices for
DataParallel/FSDP, 2 local processes through ``python -m torchlike.distributed.run`` (loopback) for
the collectives and DDP. The scripts under tests/distributed_scripts/ print one ``RESULT {json}`` line
per process. All subprocesses start together to keep wall time down.
"""
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from jax.sharding import PartitionSpec as P

import torchlike
import torchlike.distributed as dist

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPTS = os.path.join(HERE, "distributed_scripts")
LAUNCH = [sys.executable, "-m", "torchlike.distributed.run", "--nproc-per-node", "2", "--standalone"]
TIMEOUT = 240


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=ROOT, **extra)
    env.pop("XLA_FLAGS", None)
    env.update(extra)
    return env


JOBS = {
    "collectives": (LAUNCH + [os.path.join(SCRIPTS, "collectives.py")], _env()),
    "collectives_torch": (LAUNCH + [os.path.join(SCRIPTS, "collectives.py")], _env(DIST_LIB="torch")),
    "ddp": (LAUNCH + [os.path.join(SCRIPTS, "ddp_check.py")], _env()),
    "failing": (LAUNCH + ["--term-timeout", "3", os.path.join(SCRIPTS, "failing.py")], _env()),
    "spawn": ([sys.executable, "-m", "torchlike", os.path.join(SCRIPTS, "spawn_ddp.py"), str(_free_port())], _env()),
    "dp": ([sys.executable, os.path.join(SCRIPTS, "dp_check.py")],
           _env(XLA_FLAGS="--xla_force_host_platform_device_count=4")),
    "fsdp": ([sys.executable, os.path.join(SCRIPTS, "fsdp_check.py")],
             _env(XLA_FLAGS="--xla_force_host_platform_device_count=4")),
}


@pytest.fixture(scope="module")
def runs():
    procs = {k: subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k, (cmd, env) in JOBS.items()}
    out = {}
    for k, p in procs.items():
        t0 = time.monotonic()
        try:
            so, se = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            so, se = p.communicate()
            pytest.fail(f"{k} did not finish within {TIMEOUT}s:\n{se[-3000:]}")
        out[k] = (p.returncode, so, se, time.monotonic() - t0)
    return out


def _results(run, n):
    rc, so, se, _ = run
    assert rc == 0, se[-4000:]
    res = [json.loads(line[len("RESULT "):]) for line in so.splitlines() if line.startswith("RESULT ")]
    assert len(res) == n, (so, se[-3000:])
    return sorted(res, key=lambda r: r.get("rank", 0))


def test_collectives_match_torch_gloo(runs):
    ours = _results(runs["collectives"], 2)
    ref = _results(runs["collectives_torch"], 2)  # real torch.distributed (gloo) through our launcher
    for o, r in zip(ours, ref):
        assert o["world"] == r["world"] == 2
        for k, v in r.items():
            if k == "reduce" and r["rank"] != 1:
                continue  # non-destination contents are unspecified (gloo leaves partial sums there)
            if isinstance(v, list) and v and isinstance(v[0], (int, float, list)) and k != "all_reduce_int":
                np.testing.assert_allclose(np.asarray(o[k], float), np.asarray(v, float), rtol=1e-6, err_msg=k)
            else:
                assert o[k] == v, k
        # gloo has no AVG: torch's NCCL AVG is SUM / world
        np.testing.assert_allclose(o["all_reduce_AVG"], np.asarray(r["all_reduce_SUM"]) / 2, rtol=1e-6)


def test_data_parallel_matches_single_device(runs):
    (res,) = _results(runs["dp"], 1)
    assert res["devices"] == 4 and res["mesh_size"] == 4
    for mode in ("compiled=False", "compiled=True"):
        r = res[mode]
        assert r["max_param_diff"] < 1e-5 and r["loss_diff"] < 1e-5, (mode, r)
        assert r["param_devices"] == ["cpu:0"] and r["keys_prefixed"]
    assert res["compiled=True"]["trace_count"] == 1
    assert res["inner_input_spec"] == str(P('batch', None, None, None))  # the module sees a batch-sharded input
    assert res["inner_output_ndevices"] == 4
    assert res["output_devices"] == ["cpu:0"]


def test_ddp_matches_full_batch_training(runs):
    r0, r1 = _results(runs["ddp"], 2)
    assert r0["init_is_rank0s"] and r1["init_is_rank0s"]
    assert r0["shard"] == list(range(0, 16, 2)) and r1["shard"] == list(range(1, 16, 2))
    for r in (r0, r1):
        assert r["max_param_diff"] < 1e-5, r
        assert r["reduce_count"] == 3  # one fused all-reduce per step
        assert r["after_no_sync_count"] == 3 and r["after_sync_count"] == 4
        assert r["no_sync_grad_diff"] < 1e-5


def test_spawn_launches_the_ddp_tutorial_under_python_m_torchlike(runs):
    r0, r1 = _results(runs["spawn"], 2)
    assert r0["torch"] == r1["torch"] == "torchlike"  # the spawned children import torch as torchlike too
    assert r0["sum"] == r1["sum"] == 3.0
    assert r0["params"] == r1["params"]  # same start (broadcast from rank 0), same averaged gradient


def test_fsdp_shards_and_checkpoint_round_trip(runs):
    (res,) = _results(runs["fsdp"], 1)
    for mode in ("compiled=False", "compiled=True"):
        r = res[mode]
        assert r["max_param_diff"] < 1e-5, (mode, r)
        assert r["weight_spec"] == str(P('fsdp')) and r["shard_rows"] == [2, 2, 2, 2]
        assert r["adam_state_spec"] == str(P('fsdp'))
    assert res["restored_diff"] == 0 and res["restored_opt_diff"] == 0
    assert res["restored_devices"] == ["cpu:0"]
    assert res["resharded_spec"] == str(P('fsdp')) and res["resharded_diff"] == 0


def test_failing_rank_ends_the_others(runs):
    rc, so, se, _ = runs["failing"]
    assert rc != 0
    assert "rank 1 fails on purpose" in se
    # rank 1 is reported; rank 0 was either terminated by the launcher or ended by JAX's coordination
    # service noticing the lost peer, whichever came first
    assert "ERROR: rank 1 (local_rank 1" in se and "terminating the other" in se
    assert "ChildFailedError" in se
    assert "should not get here" not in so


# ---------------------------------------------------------------- in-process, world size 1
@pytest.fixture
def world1(monkeypatch):
    for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(k, raising=False)
    dist.init_process_group("nccl")
    yield
    dist.destroy_process_group()


def test_not_initialized_errors():
    assert dist.is_available() and not dist.is_initialized()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.all_reduce(torchlike.ones(2))


def test_world_of_one(world1):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_backend() == "nccl"
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group("gloo")
    t = torchlike.tensor([1.0, -2.0])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    assert t.tolist() == [1.0, -2.0]
    out = torchlike.zeros(2)
    dist.all_gather_into_tensor(out, t)
    assert out.tolist() == [1.0, -2.0]
    with pytest.raises(ValueError, match="world_size times"):
        dist.all_gather_into_tensor(torchlike.zeros(3), t)
    dist.barrier()
    model = torchlike.nn.Linear(3, 2)
    ddp = torchlike.nn.parallel.DistributedDataParallel(model)
    ddp(torchlike.ones(4, 3)).sum().backward()
    assert ddp.reduce_count == 1 and model.weight.grad is not None


def test_ddp_unused_parameter_error(world1):
    class Two(torchlike.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = torchlike.nn.Linear(2, 2), torchlike.nn.Linear(2, 2)

        def forward(self, x):
            return self.a(x)
    ddp = torchlike.nn.parallel.DistributedDataParallel(Two())
    ddp(torchlike.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="find_unused_parameters=True"):
        ddp(torchlike.ones(1, 2))
    ok = torchlike.nn.parallel.DistributedDataParallel(Two(), find_unused_parameters=True)
    ok(torchlike.ones(1, 2)).sum().backward()
    assert ok.reduce_count == 1
