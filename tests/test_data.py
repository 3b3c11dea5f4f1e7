"""torchlike.utils.data against torch.utils.data: sampler orders, collate outputs, lengths,
splits, DataLoader arguments, and worker processes (parallel, errors, early exit)."""
import collections
import multiprocessing as mp
import os
import time

import numpy as np
import pytest
import torch

import torchlike
from torchlike.utils import data as tld
from torch.utils import data as ttd
from conftest import assert_same, to_np


def _same_batches(ours, ref):
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert_same(a, b)


# ------------------------------------------------------------------ samplers and splits

def test_dataloader_shuffle_matches_torch_and_changes_per_epoch():
    torch.manual_seed(0)
    torchlike.manual_seed(0)
    t_dl = ttd.DataLoader(range(23), batch_size=5, shuffle=True)
    l_dl = tld.DataLoader(range(23), batch_size=5, shuffle=True)
    epochs = []
    for _ in range(2):
        ref, ours = list(t_dl), list(l_dl)
        _same_batches(ours, ref)
        epochs.append(np.concatenate([to_np(b) for b in ours]))
    assert sorted(epochs[0]) == list(range(23))
    assert not np.array_equal(epochs[0], epochs[1])
    # the default generator advanced exactly as torch's
    assert_same(torchlike.rand(3), torch.rand(3))


def test_sequential_loader_advances_default_generator_like_torch():
    torch.manual_seed(3)
    torchlike.manual_seed(3)
    list(ttd.DataLoader(range(4)))
    list(tld.DataLoader(range(4)))
    assert torchlike.randperm(7).tolist() == torch.randperm(7).tolist()


@pytest.mark.parametrize("kw", [dict(replacement=True, num_samples=40), dict(num_samples=25), dict()])
def test_random_sampler_matches_torch(kw):
    gt = torch.Generator().manual_seed(5)
    gl = torchlike.Generator().manual_seed(5)
    ref = list(ttd.RandomSampler(range(10), generator=gt, **kw))
    ours = list(tld.RandomSampler(range(10), generator=gl, **kw))
    assert ours == ref
    assert len(tld.RandomSampler(range(10), **kw)) == len(ttd.RandomSampler(range(10), **kw))


def test_subset_random_and_batch_samplers_match_torch():
    gt = torch.Generator().manual_seed(1)
    gl = torchlike.Generator().manual_seed(1)
    idx = [3, 9, 4, 11, 20]
    assert list(tld.SubsetRandomSampler(idx, gl)) == list(ttd.SubsetRandomSampler(idx, gt))
    for drop in (False, True):
        ref = ttd.BatchSampler(ttd.SequentialSampler(range(10)), 3, drop)
        ours = tld.BatchSampler(tld.SequentialSampler(range(10)), 3, drop)
        assert list(ours) == list(ref) and len(ours) == len(ref)
    with pytest.raises(ValueError):
        tld.BatchSampler(range(3), 0, False)


def test_weighted_random_sampler_draws_by_weight():
    torchlike.manual_seed(0)
    s = tld.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400)
    draws = list(s)
    assert len(draws) == len(s) == 400
    assert set(draws) == {1, 3}
    assert 0.6 < draws.count(3) / 400 < 0.9
    no_rep = list(tld.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 2]
    with pytest.raises(ValueError):
        tld.WeightedRandomSampler([1.0], 0)


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25]])
def test_random_split_matches_torch(lengths):
    gt = torch.Generator().manual_seed(42)
    gl = torchlike.Generator().manual_seed(42)
    ref = ttd.random_split(range(10), lengths, generator=gt)
    ours = tld.random_split(range(10), lengths, generator=gl)
    assert [list(s) for s in ours] == [list(s) for s in ref]
    assert [s.indices for s in ours] == [s.indices for s in ref]


def test_random_split_bad_lengths():
    with pytest.raises(ValueError):
        tld.random_split(range(10), [3, 3])
    with pytest.raises(ValueError):
        ttd.random_split(range(10), [3, 3])


def test_distributed_sampler_matches_torch():
    for shuffle in (True, False):
        for drop in (False, True):
            for rank in range(3):
                ref = ttd.DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=shuffle, drop_last=drop)
                ours = tld.DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=shuffle, drop_last=drop)
                ref.set_epoch(2)
                ours.set_epoch(2)
                assert list(ours) == list(ref) and len(ours) == len(ref)


# ------------------------------------------------------------------ datasets

def test_tensor_concat_subset_datasets():
    a = np.arange(12, dtype=np.float32).reshape(6, 2)
    b = np.arange(6)
    ours = tld.TensorDataset(torchlike.tensor(a), torchlike.tensor(b))
    ref = ttd.TensorDataset(torch.tensor(a), torch.tensor(b))
    assert len(ours) == len(ref)
    assert_same(list(ours[4]), list(ref[4]))
    cat_o, cat_r = tld.ConcatDataset([ours, ours]), ttd.ConcatDataset([ref, ref])
    assert len(cat_o) == len(cat_r) and cat_o.cumulative_sizes == cat_r.cumulative_sizes
    assert_same(list(cat_o[-1]), list(cat_r[-1]))
    assert_same(list(cat_o[7]), list(cat_r[7]))
    sub = tld.Subset(ours, [5, 0])
    assert len(sub) == 2
    assert_same(list(sub[0]), list(ref[5]))
    with pytest.raises(AssertionError):
        tld.TensorDataset(torchlike.zeros(3), torchlike.zeros(4))


class _Count(tld.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = tld.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_and_chain_datasets():
    ours = list(tld.DataLoader(_Count(7), batch_size=3))
    assert [b.tolist() for b in ours] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(tld.DataLoader(_Count(7), batch_size=3)) == 3
    assert list(tld.ChainDataset([_Count(2), _Count(3)])) == [0, 1, 0, 1, 2]
    with pytest.raises(ValueError):
        tld.DataLoader(_Count(3), shuffle=True)


# ------------------------------------------------------------------ collate

Point = collections.namedtuple("Point", "x y")


def _samples(lib):
    return [
        {"img": np.full((2, 3), i, np.float32), "label": i, "w": float(i) / 2,
         "t": lib.tensor([i, i + 1]), "p": Point(i, np.float64(i)), "name": f"s{i}",
         "pair": (i, np.int32(i)), "flag": bool(i % 2)}
        for i in range(3)]


def test_default_collate_matches_torch():
    ours = tld.default_collate(_samples(torchlike))
    ref = ttd.default_collate(_samples(torch))
    assert set(ours) == set(ref)
    for k in ("img", "label", "w", "t", "flag"):
        assert_same(ours[k], ref[k])
    assert isinstance(ours["p"], Point)
    assert_same(list(ours["p"]), list(ref["p"]))
    assert type(ours["pair"]) is type(ref["pair"]) is list
    assert_same(ours["pair"], ref["pair"])
    assert ours["name"] == ref["name"]


def test_default_collate_errors():
    with pytest.raises(RuntimeError):
        ttd.default_collate([[1, 2], [1]])
    with pytest.raises(RuntimeError):
        tld.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError):
        tld.default_collate([object(), object()])
    with pytest.raises(TypeError):
        ttd.default_collate([object(), object()])
    with pytest.raises(RuntimeError):
        tld.default_collate([np.zeros(2), np.zeros(3)])


def test_default_convert_and_batch_size_none():
    ours = tld.default_convert((np.arange(3), {"a": np.float32(2)}, "s"))
    ref = ttd.default_convert((np.arange(3), {"a": np.float32(2)}, "s"))
    assert type(ours) is type(ref)
    assert_same(ours[0], ref[0])
    assert_same(ours[1]["a"], ref[1]["a"])
    dl = tld.DataLoader([np.arange(2), np.arange(2) + 2], batch_size=None)
    assert [b.tolist() for b in dl] == [[0, 1], [2, 3]]


# ------------------------------------------------------------------ DataLoader arguments

def test_loader_lengths_drop_last_and_batch_sampler():
    for bs, drop in ((3, False), (3, True), (5, False)):
        assert len(tld.DataLoader(range(10), batch_size=bs, drop_last=drop)) == \
            len(ttd.DataLoader(range(10), batch_size=bs, drop_last=drop))
        assert [b.tolist() for b in tld.DataLoader(range(10), batch_size=bs, drop_last=drop)] == \
            [b.tolist() for b in ttd.DataLoader(range(10), batch_size=bs, drop_last=drop)]
    bsamp = [[0, 2], [1], [3, 4, 5]]
    assert [b.tolist() for b in tld.DataLoader(range(6), batch_sampler=bsamp)] == [[0, 2], [1], [3, 4, 5]]
    dl = tld.DataLoader(range(6), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(dl) == [1, 5, 9]


@pytest.mark.parametrize("kw", [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
                                dict(persistent_workers=True), dict(sampler=[0], shuffle=True),
                                dict(batch_sampler=[[0]], batch_size=2), dict(batch_size=None, drop_last=True)])
def test_loader_argument_errors(kw):
    with pytest.raises(ValueError):
        ttd.DataLoader(range(3), **kw)
    with pytest.raises(ValueError):
        tld.DataLoader(range(3), **kw)


def test_loader_generator_argument_is_reproducible():
    def order(seed):
        g = torchlike.Generator().manual_seed(seed)
        return [b.tolist() for b in tld.DataLoader(range(9), batch_size=4, shuffle=True, generator=g)]
    gt = torch.Generator().manual_seed(7)
    ref = [b.tolist() for b in ttd.DataLoader(range(9), batch_size=4, shuffle=True, generator=gt)]
    assert order(7) == order(7) == ref


def test_batches_are_device_tensors_not_numpy():
    x, y = next(iter(tld.DataLoader(tld.TensorDataset(torchlike.ones(4, 2), torchlike.zeros(4)), batch_size=2)))
    assert not isinstance(x._value, np.ndarray)
    assert x.dtype == torchlike.float32 and tuple(x.shape) == (2, 2)


# ------------------------------------------------------------------ workers

class _Rendezvous(tld.Dataset):
    """Each sample is returned only once two different processes have started loading samples (each
    leaves a file named by its pid in ``folder``). Loading all 8 therefore proves two workers run at the
    same time, whatever the machine's load: a serial loader would wait at the first sample forever
    (the generous limit below only turns that hang into an error)."""

    def __init__(self, folder):
        self.folder = str(folder)

    def __len__(self):
        return 8

    def __getitem__(self, i):
        open(os.path.join(self.folder, str(os.getpid())), "w").close()
        waited = 0
        while len(os.listdir(self.folder)) < 2:
            if waited > 12000:  # 120 s of polling: no second worker ever started
                raise TimeoutError(f"sample {i}: no other worker process started")
            time.sleep(0.01)
            waited += 1
        return np.full(2, i), os.getpid()


class _Failing(tld.Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"missing sample {i}")
        return i


def _children():
    return [p for p in mp.active_children()]


def _wait_for_no_children(limit_s=120):
    """Worker processes may need a moment to exit after the loader lets them go; wait for that (the limit
    only turns a leak into a failure instead of a hang) and return those still alive."""
    for _ in range(int(limit_s / 0.05)):
        if not _children():
            break
        time.sleep(0.05)
    return _children()


def test_workers_run_in_parallel_and_keep_order(tmp_path):
    started = tmp_path / "started"
    started.mkdir()
    batches = list(tld.DataLoader(_Rendezvous(started), batch_size=1, num_workers=2))
    assert [int(b[0][0, 0]) for b in batches] == list(range(8))
    pids = {int(b[1][0]) for b in batches}
    assert len(pids) == 2 and os.getpid() not in pids
    assert sorted(os.listdir(started)) == sorted(map(str, pids))  # both were loading at once
    assert not _wait_for_no_children()


def test_worker_exception_reraises_with_traceback_and_no_leak():
    with pytest.raises(KeyError) as ei:
        for _ in tld.DataLoader(_Failing(), batch_size=2, num_workers=2):
            pass
    msg = str(ei.value)
    assert "DataLoader worker process" in msg and "missing sample 5" in msg and "__getitem__" in msg
    assert not _wait_for_no_children()


def test_early_break_leaves_no_processes():
    for i, _ in enumerate(tld.DataLoader(range(100), batch_size=2, num_workers=2)):
        if i == 1:
            break
    assert not _wait_for_no_children()


def test_worker_info_seed_init_fn_and_iterable_sharding():
    def init(wid):
        info = tld.get_worker_info()
        assert info.id == wid and info.num_workers == 2

    torchlike.manual_seed(0)
    got = sorted(int(v) for b in tld.DataLoader(_Count(9), batch_size=2, num_workers=2, worker_init_fn=init)
                 for v in b.tolist())
    assert got == list(range(9))
    assert tld.get_worker_info() is None


def test_persistent_workers_two_epochs_and_shuffle():
    dl = tld.DataLoader(range(10), batch_size=3, num_workers=2, persistent_workers=True, shuffle=True)
    e1 = [v for b in dl for v in b.tolist()]
    e2 = [v for b in dl for v in b.tolist()]
    assert sorted(e1) == sorted(e2) == list(range(10)) and e1 != e2
    dl._iterator._shutdown_workers()
    assert not _children()


# ------------------------------------------------------------------ shared-memory batches

class _Big(tld.Dataset):
    """Samples large enough that worker batches travel in shared memory; index 5 can fail."""

    def __init__(self, n=12, fail=None, lib=torchlike):
        self.n, self.fail, self.lib = n, fail, lib

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == 5 and self.fail == "raise":
            raise ValueError("bad sample 5")
        if i == 5 and self.fail == "exit":
            os._exit(3)
        return {"x": self.lib.tensor(np.full((3, 40, 40), i, np.float32)), "n": np.arange(20000.0) + i, "y": i}


def _our_segments():
    return [n for n in os.listdir("/dev/shm") if n.startswith(f"tl{os.getpid()}_")]


def _shm_collate(batch):
    from torchlike.utils.data import collate
    out = tld.default_collate(batch)
    out["shared"] = type(collate._shared).__name__
    return out


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs POSIX shared memory")
def test_worker_batches_in_shared_memory_match_torch_and_leave_no_segments():
    ref = list(ttd.DataLoader(_Big(lib=torch), batch_size=4))
    ours = list(tld.DataLoader(_Big(), batch_size=4, num_workers=2, collate_fn=_shm_collate))
    assert [b.pop("shared") for b in ours] == ["SharedAllocator"] * 3
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert sorted(a) == sorted(b)
        for k in b:
            assert_same(a[k], b[k])
        assert not isinstance(a["x"]._value, np.ndarray)
    assert _our_segments() == []


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs POSIX shared memory")
@pytest.mark.parametrize("how", ["break", "raise", "exit", "persistent"])
def test_shared_memory_segments_unlinked_on_break_error_and_worker_death(how):
    ds = _Big(40, fail=how if how in ("raise", "exit") else None)
    dl = tld.DataLoader(ds, batch_size=2, num_workers=2, prefetch_factor=4, persistent_workers=how == "persistent")
    if how == "break":
        for i, b in enumerate(dl):
            if i == 1:
                break
        del b
    elif how == "persistent":
        first = next(iter(dl))
        assert int(first["y"][1]) == 1
        assert len(list(dl)) == 20  # a new epoch while the last one's batches are still queued
        dl._iterator._shutdown_workers()
    else:
        with pytest.raises((ValueError, RuntimeError)) as ei:
            list(dl)
        assert ("bad sample 5" if how == "raise" else "exited unexpectedly") in str(ei.value)
    assert not _wait_for_no_children()
    for _ in range(2400):  # the segments go with the workers; 120 s only turns a leak into a failure
        if not _our_segments():
            break
        time.sleep(0.05)
    assert _our_segments() == []


def test_shared_arrays_round_trip_read_only_and_zero_copy_on_device():
    from torchlike.utils.data import collate
    if not collate.shared_memory_available():
        pytest.skip("needs POSIX shared memory")
    alloc = collate.SharedAllocator(f"tl{os.getpid()}_test_")
    a = alloc.empty((4, 5000), np.float32)
    a[:] = np.arange(5000, dtype=np.float32)
    msg = alloc.send(a)
    b = alloc.send(np.ones((3, 7000), np.int64))  # not in a segment yet: copied into one
    unsent = alloc.empty((10,), np.uint8)
    alloc.release_pending()
    assert sorted(_our_segments()) == [f"tl{os.getpid()}_test_{i}" for i in (0, 1)]  # unsent one unlinked
    got = collate.from_transport({"a": msg, "b": [b]})
    assert _our_segments() == []
    assert not got["a"].array.flags.writeable
    np.testing.assert_array_equal(got["a"].array, a)
    np.testing.assert_array_equal(got["b"][0].array, np.ones((3, 7000), np.int64))
    t = collate.to_device_tree(got)
    assert t["a"].dtype == torchlike.float32 and t["b"][0].dtype == torchlike.int64
    np.testing.assert_array_equal(t["a"].numpy(), a)
    del unsent
