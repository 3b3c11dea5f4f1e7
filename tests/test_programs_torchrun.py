"""torchrun under the torch alias: ``python -m torchlike -m torch.distributed.run --nproc_per_node 2 script.py``.

pytorch/examples' distributed programs are launched with torchrun. Under ``python -m torchlike`` that
module name now runs torchlike's launcher (before, runpy failed on the alias's loader), and its
workers run under ``python -m torchlike`` too, so their ``import torch`` is torchlike. The same
script runs under real torch's torchrun; both print the same all-reduced values.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """
import os
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank = dist.get_rank()
t = torch.arange(3, dtype=torch.float32) * (rank + 1)
dist.all_reduce(t)
line = f"rank {rank} of {dist.get_world_size()} local {os.environ['LOCAL_RANK']} {torch.__name__}: {t.tolist()}"
with open(f"rank{rank}.txt", "w") as f:  # a file per rank: two workers printing at once can share a line
    f.write(line)
dist.destroy_process_group()
"""


def _torchrun(prefix, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu", PYTHONUNBUFFERED="1")
    r = subprocess.run(prefix + ["-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2", "--standalone",
                                 "allreduce.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = []
    for rank in (0, 1):
        path = tmp_path / f"rank{rank}.txt"
        lines.append(path.read_text())
        path.unlink()
    return lines


def test_torchrun_module_name_under_python_m_torchlike_runs_torchlike_workers(tmp_path):
    (tmp_path / "allreduce.py").write_text(SCRIPT)
    ours = _torchrun([sys.executable, "-m", "torchlike"], tmp_path)
    theirs = _torchrun([sys.executable], tmp_path)
    assert theirs == [f"rank {r} of 2 local {r} torch: [0.0, 3.0, 6.0]" for r in (0, 1)]
    assert ours == [line.replace(" torch:", " torchlike:") for line in theirs]


def test_a_missing_torch_module_is_named_as_asked(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-m", "torchlike", "-m", "torch.no_such_module"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    theirs = subprocess.run([sys.executable, "-m", "torch.no_such_module"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert r.returncode == theirs.returncode == 1
    assert r.stderr.strip().endswith("No module named torch.no_such_module")
    assert theirs.stderr.strip().endswith("No module named torch.no_such_module")
