"""torchlike.multiprocessing against torch.multiprocessing: spawn's results, failures and exceptions.

The same targets (tests/_mp_workers.py) run under both libraries' ``spawn``; the DDP tutorial's use of
it (spawn + init_process_group, under ``python -m torchlike``) is in test_distributed.py.
"""
import os
import sys

import pytest
import torch
import torch.multiprocessing as tmp

import torchlike
import torchlike.multiprocessing as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _mp_workers as W  # noqa: E402


def test_namespace_is_the_standard_librarys_plus_torchs():
    import multiprocessing
    assert torchlike.multiprocessing is mp
    assert issubclass(mp.Process, multiprocessing.Process) and mp.get_context is multiprocessing.get_context
    assert set(tmp.__all__) <= set(mp.__all__)
    for name in tmp.__all__:
        assert hasattr(mp, name), name


@pytest.mark.parametrize("lib", [mp, tmp], ids=["torchlike", "torch"])
def test_spawn_runs_fn_with_its_index(lib, tmp_path):
    assert lib.spawn(W.write_rank, args=(str(tmp_path), 10), nprocs=3) is None
    assert sorted(os.listdir(tmp_path)) == ["0.txt", "1.txt", "2.txt"]
    assert [(tmp_path / f"{i}.txt").read_text() for i in range(3)] == ["0", "10", "20"]


def _failure(lib, fn, args, nprocs=2):
    with pytest.raises(Exception) as info:
        lib.spawn(fn, args=args, nprocs=nprocs)
    return info.value


def test_an_exception_in_a_child_is_raised_in_the_parent_with_its_traceback():
    ours, theirs = (_failure(lib, W.raise_in_one, (1,)) for lib in (mp, tmp))
    assert type(ours).__name__ == type(theirs).__name__ == "ProcessRaisedException"
    assert isinstance(ours, mp.ProcessException) and isinstance(ours, Exception)
    assert ours.error_index == theirs.error_index == 1
    for e in (ours, theirs):
        msg = str(e)
        assert msg.startswith("\n\n-- Process 1 terminated with the following error:\nTraceback")
        assert "ValueError: boom from 1" in msg and "raise_in_one" in msg


def test_a_nonzero_exit_or_a_signal_is_reported_as_torch_does():
    ours, theirs = (_failure(lib, W.exit_in_one, (0, 3)) for lib in (mp, tmp))
    assert type(ours).__name__ == type(theirs).__name__ == "ProcessExitedException"
    assert str(ours) == str(theirs) == "process 0 terminated with exit code 3"
    assert ours.exit_code == theirs.exit_code == 3 and ours.error_index == 0
    ours, theirs = (_failure(lib, W.killed, (), nprocs=1) for lib in (mp, tmp))
    assert str(ours) == str(theirs) == "process 0 terminated with signal SIGKILL"
    assert ours.exit_code == theirs.exit_code == -9
    assert ours.signal_name == theirs.signal_name == "SIGKILL"


def test_join_false_returns_a_context_to_join_later(tmp_path):
    go = tmp_path / "go"
    ctx = mp.spawn(W.wait_for_file, args=(str(go),), nprocs=2, join=False)
    assert isinstance(ctx, mp.ProcessContext) and len(ctx.pids()) == 2
    assert ctx.join(timeout=0.01) is False  # the processes wait for `go`, which does not exist yet
    go.touch()
    while not ctx.join():
        pass
    assert ctx.join() is True
    assert [p.exitcode for p in ctx.processes] == [0, 0]


def test_spawn_with_another_start_method_warns_as_torch_does(tmp_path):
    with pytest.warns(FutureWarning, match="start_processes"):
        mp.spawn(W.write_rank, args=(str(tmp_path), 1), nprocs=1, start_method="forkserver")
    assert (tmp_path / "0.txt").read_text() == "0"


def test_sharing_strategies():
    assert mp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == tmp.get_sharing_strategy()
    mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    for lib in (mp, tmp):
        with pytest.raises(AssertionError):
            lib.set_sharing_strategy("shared_everything")


def test_share_memory_warns_that_tensors_stay_unshared(monkeypatch):
    monkeypatch.setattr(mp, "_warned_not_shared", False)
    t = torchlike.ones(3)
    model = torchlike.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="cannot be moved to shared memory"):
        assert t.share_memory_() is t
    assert t.is_shared() is False and torch.ones(3).is_shared() is False
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process
        assert model.share_memory() is model


SPAWNED_LOADER = '''
import torch
from torch.utils.data import DataLoader


class Squares(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return torch.tensor([float(i * i)])


if __name__ == "__main__":
    loader = DataLoader(Squares(), batch_size=4, num_workers=2, multiprocessing_context="spawn")
    print([(type(b).__module__, b.flatten().tolist()) for b in loader])
'''


def test_spawned_dataloader_workers_of_a_python_m_torchlike_script_see_torchlike(tmp_path):
    """Spawned workers import the script again; ``import torch`` there must mean torchlike too (before, they
    imported the real torch when it was installed, and iterating the loader failed)."""
    import subprocess
    (tmp_path / "loader.py").write_text(SPAWNED_LOADER)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-m", "torchlike", "loader.py"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == str([("torchlike._tensor", [0.0, 1.0, 4.0, 9.0]),
                                    ("torchlike._tensor", [16.0, 25.0, 36.0, 49.0])])


CHILD_DIES_WHILE_STARTING = """
import sys
if __name__ == "__mp_main__":  # the spawned child re-imports this script: make that fail
    raise SystemExit(3)
if sys.argv[1] == "torch":
    import torch
    import torch.multiprocessing as mp
else:
    import torchlike as torch
    import torchlike.multiprocessing as mp


def work(t):
    print("never runs", t.shape)


if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    p = mp.Process(target=work, args=(torch.ones(512, 1024),))  # 2 MiB: far more than a pipe holds
    p.start()
    p.join()
    print("exitcode", p.exitcode)
"""


def test_a_child_dying_while_it_starts_does_not_hang_the_parent(tmp_path):
    """mnist_hogwild's parent hung when its spawned children failed to import the script again: the
    pickled model and dataset outgrew the pipe. torch (tensors in shared memory) goes on to ``join()``;
    so must torchlike, with the child's exit code."""
    import subprocess
    (tmp_path / "dies.py").write_text(CHILD_DIES_WHILE_STARTING)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, JAX_PLATFORMS="cpu")
    outs = [subprocess.run([sys.executable, "dies.py", lib], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120).stdout for lib in ("torch", "torchlike")]
    assert outs[0] == outs[1] == "exitcode 3\n"
