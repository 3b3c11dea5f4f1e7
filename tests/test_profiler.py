"""torchlike.profiler against torch.profiler: schedules, when traces are saved, the table's columns,
and what a training step records (ops, backward nodes, optimizer ranges, compiled steps)."""
import contextlib
import gzip
import json
import re

import numpy as np
import pytest
import torch
import torch.profiler as tprof

import torchlike as tl
from torchlike import _intercept
from torchlike.ops import registry
from torchlike.profiler import ProfilerActivity, profile, record_function, schedule, tensorboard_trace_handler


SCHEDULES = [dict(wait=1, warmup=1, active=2), dict(wait=1, warmup=1, active=2, repeat=2, skip_first=1),
             dict(wait=0, warmup=0, active=1), dict(wait=2, warmup=1, active=3, repeat=1),
             dict(wait=2, warmup=1, active=1, skip_first_wait=1), dict(wait=2, warmup=1, active=1, repeat=2,
                                                                        skip_first=2, skip_first_wait=1)]


@pytest.mark.filterwarnings("ignore:Profiler won't be using warmup")
@pytest.mark.parametrize("kw", SCHEDULES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_schedule_matches_torch(kw):
    ours, theirs = schedule(**kw), tprof.schedule(**kw)
    assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]


def test_schedule_rejects_what_torch_rejects():
    for bad in (dict(wait=-1, warmup=0, active=1), dict(wait=0, warmup=0, active=0)):
        with pytest.raises(AssertionError):
            tprof.schedule(**bad)
        with pytest.raises(AssertionError):
            schedule(**bad)


def _cycles(lib, prof_cls, sched, steps=11):
    """Run a loop under ``prof_cls``; per on_trace_ready call: the step number, and how many step ranges
    and multiplications (``aten::mul`` in torch, ``mul`` here) were recorded, and in which steps."""
    saved = []
    x = lib.ones(3)

    def ready(p):
        events = p.events()
        steps = [e for e in events if e.name == "ProfilerStep*"]
        muls = [e for e in events if e.name.split("::")[-1] == "mul"]
        saved.append((p.step_num, len(steps), len(muls), all(m.cpu_parent in steps for m in muls)))
    with prof_cls(activities=[tprof.ProfilerActivity.CPU] if lib is torch else [ProfilerActivity.CPU],
                  schedule=sched, on_trace_ready=ready) as p:
        for _ in range(steps):
            (x * 2).sum()
            p.step()
    return saved


@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2, repeat=2, skip_first=1),
                                dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=1, active=1, repeat=3)])
def test_traces_are_saved_at_torchs_steps_with_torchs_step_ranges(kw):
    ours = _cycles(tl, profile, schedule(**kw))
    theirs = _cycles(torch, tprof.profile, tprof.schedule(**kw))
    assert ours == theirs and ours


def _train(lib, prof):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 2))
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    x = lib.randn(4, 8)
    for step in range(2):  # the first step compiles torchlike's ops; record the second
        recorded = step == 1
        with (prof if recorded else contextlib.nullcontext()), \
                (lib.profiler.record_function("train_step") if recorded else contextlib.nullcontext()):
            opt.zero_grad()
            m(x).sum().backward()
            opt.step()
    return prof


def _header(table):
    return [c for c in table.splitlines()[1].split("  ") if c.strip()]


@pytest.mark.parametrize("memory", [False, True])
@pytest.mark.parametrize("by_shape", [False, True])
def test_table_has_torchs_columns(memory, by_shape):
    ours = _train(tl, profile(record_shapes=True, profile_memory=memory))
    theirs = _train(torch, tprof.profile(record_shapes=True, profile_memory=memory))
    t_ours = ours.key_averages(group_by_input_shape=by_shape).table(sort_by="cpu_time_total", row_limit=5)
    t_theirs = theirs.key_averages(group_by_input_shape=by_shape).table(sort_by="cpu_time_total", row_limit=5)
    assert [c.strip() for c in _header(t_ours)] == [c.strip() for c in _header(t_theirs)]
    assert t_ours.splitlines()[-1].startswith("Self CPU time total: ")
    assert t_theirs.splitlines()[-1].startswith("Self CPU time total: ")
    assert len([ln for ln in t_ours.splitlines() if ln and not ln.startswith("-")]) == 1 + 5 + 1  # head, rows, total


def test_what_a_training_step_records():
    prof = _train(tl, profile(record_shapes=True, profile_memory=True))
    avgs = {a.key: a for a in prof.key_averages()}
    torch_avgs = {a.key: a for a in _train(torch, tprof.profile()).key_averages()}
    # the ranges and engine events torch records under the same names
    for name in ("train_step", "Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad",
                 "autograd::engine::evaluate_function: AddmmBackward0",
                 "autograd::engine::evaluate_function: ReluBackward0"):
        assert name in avgs and name in torch_avgs, name
        assert avgs[name].count == torch_avgs[name].count, name
    assert avgs["linear"].count == 2 and avgs["relu"].count == 1
    events = prof.events()
    top = [e for e in events if e.cpu_parent is None]
    assert [e.name for e in top] == ["train_step"]
    root = top[0]
    assert root.cpu_time_total >= sum(c.cpu_time_total for c in root.cpu_children) > 0
    assert root.self_cpu_time_total == pytest.approx(root.cpu_time_total - sum(c.cpu_time_total
                                                                                for c in root.cpu_children))
    assert events.self_cpu_time_total == pytest.approx(root.cpu_time_total)
    relu = next(e for e in events if e.name == "relu")
    assert relu.input_shapes == [[4, 16]] and relu.self_cpu_memory_usage == 4 * 16 * 4
    assert avgs["train_step"].cpu_memory_usage == sum(e.self_cpu_memory_usage for e in events)
    rows = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=3).splitlines()[3:6]
    by_self = sorted(avgs, key=lambda k: -avgs[k].self_cpu_time_total)[:3]
    assert [re.split(r"\s{2,}", r.strip())[0] for r in rows] == by_self
    with pytest.raises(AttributeError):
        prof.key_averages().table(sort_by="no_such_column")


def test_profiler_hook_is_removed_and_nothing_is_recorded_outside():
    # (the dispatch hook itself may stay installed for the meta hook, once a meta tensor exists)
    assert _intercept.profile_fn is None and not registry.interceptor_beyond_meta
    x = tl.ones(2)
    with profile() as prof:
        assert registry.interceptor is not None and registry.interceptor_beyond_meta
        (x * 2).sum()
    assert _intercept.profile_fn is None and not registry.interceptor_beyond_meta
    (x * 2).sum()
    assert [e.name for e in prof.events()] == ["mul", "sum"]
    with profile():
        with pytest.raises(RuntimeError, match="already recording"):
            profile().__enter__()


def test_compiled_step_is_one_event():
    m = tl.nn.Linear(4, 2)
    opt = tl.optim.SGD(m.parameters(), lr=0.1)

    @tl.compile
    def step(x):
        opt.zero_grad()
        loss = m(x).sum()
        loss.backward()
        opt.step()
        return loss

    x = tl.ones(3, 4)
    step(x)  # the first call runs eagerly (finding the step's state), the second traces and compiles
    with profile() as prof:
        for _ in range(3):
            step(x)
    names = [e.name for e in prof.events()]
    assert names.count("torchlike.compile: step") == 3
    assert not {"linear", "sum", "Optimizer.step#SGD.step"} & set(names)  # traced, not run, inside the program


def test_record_function_decorator_chrome_trace_and_tensorboard_handler(tmp_path):
    @record_function("scaled")
    def scaled(x):
        return x * 3

    with profile(on_trace_ready=tensorboard_trace_handler(str(tmp_path), worker_name="w0")) as prof:
        scaled(tl.ones(2))
    (path,) = list(tmp_path.iterdir())
    assert path.name.startswith("w0.") and path.name.endswith(".pt.trace.json")
    trace = json.loads(path.read_text())["traceEvents"]
    assert [e["name"] for e in trace] == ["scaled", "mul"] and all(e["ph"] == "X" for e in trace)
    assert trace[0]["cat"] == "user_annotation" and trace[1]["dur"] <= trace[0]["dur"]
    prof.export_chrome_trace(str(tmp_path / "again.json"))
    assert json.loads((tmp_path / "again.json").read_text())["traceEvents"] == trace
    gz = tmp_path / "gz"
    with profile(on_trace_ready=tensorboard_trace_handler(str(gz), use_gzip=True)):
        tl.ones(1) + 1
    (path,) = list(gz.iterdir())
    assert path.name.endswith(".pt.trace.json.gz") and json.loads(gzip.decompress(path.read_bytes()))["traceEvents"]


def test_legacy_autograd_profiler():
    from torchlike.autograd.profiler import profile as legacy
    with legacy(record_shapes=True) as prof:
        with tl.autograd.profiler.record_function("block"):
            tl.ones(3).sum()
    assert {e.name for e in prof.function_events} == {"block", "sum"}
    assert "block" in prof.table(sort_by="cpu_time_total") and prof.self_cpu_time_total() > 0
    with legacy(enabled=False) as off:
        tl.ones(1)
    assert len(off.events()) == 0
    assert tl.profiler.record_function is tl.autograd.profiler.record_function
    assert np.isfinite(prof.key_averages().total_average().cpu_time_total)
