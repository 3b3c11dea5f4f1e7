"""torch.ops.profiler._record_function_enter/_exit, as pytorch/examples' fx/profiling_tracer.py uses
them: a Tracer that turns ``record_function`` blocks into graph nodes, whose GraphModule then
records the range when run under the profiler. Compared with torch 2.13: the graph's nodes and
code, dead-code elimination keeping the ranges, the range in the profile, errors."""
import numpy as np
import pytest

import torchlike
import torchlike.fx
from conftest import torch


def make_foo(t):
    class Foo(t.nn.Module):
        def forward(self, x):
            with t.profiler.record_function("foo"):
                return t.relu(x)
    return Foo()


def profiler_tracer(t):
    """The profiling_tracer example's Tracer, for library ``t``."""
    rf = t.autograd.profiler.record_function

    class ProfilerTracer(t.fx.Tracer):
        def trace(self, root, concrete_args=None):
            enter, exit_ = rf.__enter__, rf.__exit__

            def fake_enter(rf_self):
                rf_self._fx_ctx = self.create_proxy("call_function", t.ops.profiler._record_function_enter,
                                                    (rf_self.name,), {})
                return rf_self._fx_ctx

            def fake_exit(rf_self, *exc):
                t.ops.profiler._record_function_exit(rf_self._fx_ctx)
            rf.__enter__, rf.__exit__ = fake_enter, fake_exit
            try:
                return super().trace(root, concrete_args)
            finally:
                rf.__enter__, rf.__exit__ = enter, exit_
    return ProfilerTracer()


def traced(t):
    tracer = profiler_tracer(t)
    graph = tracer.trace(make_foo(t))
    return t.fx.GraphModule(tracer.root, graph)


def test_tracer_records_the_range_as_nodes_like_torch():
    ours, ref = traced(torchlike), traced(torch)

    def nodes(gm):
        return [(n.op, n.name, tuple(str(a) for a in n.args)) for n in gm.graph.nodes]
    assert nodes(ours) == nodes(ref)
    assert ours.code == ref.code  # torch.ops.profiler._record_function_enter('foo') ... _exit(...)
    # the ranges have no users, yet dead-code elimination keeps them (side-effectful operators)
    assert ours.graph.eliminate_dead_code() == ref.graph.eliminate_dead_code() is False
    assert len(ours.graph.nodes) == len(ref.graph.nodes) == 5


def event_names(t, fn, x):
    with t.autograd.profiler.profile() as prof:
        fn(x)
    return prof, [e.name for e in prof.function_events]


def test_traced_module_records_the_range_when_profiled():
    x = np.random.default_rng(0).standard_normal((5, 3, 2)).astype(np.float32)
    ours, ref = traced(torchlike), traced(torch)
    prof, names = event_names(torchlike, ours, torchlike.tensor(x))
    _, ref_names = event_names(torch, ref, torch.tensor(x))
    assert names[0] == ref_names[0] == "foo"
    foo = prof.function_events[0]
    assert [c.name for c in foo.cpu_children] == ["relu"]  # the op ran inside the range
    assert "foo" in str(prof)  # print(prof) is the events table, as torch prints it
    np.testing.assert_allclose(ours(torchlike.tensor(x)).numpy(), ref(torch.tensor(x)).numpy())
    # a plain symbolic trace drops the range, in both
    plain = torchlike.fx.symbolic_trace(make_foo(torchlike))
    assert "foo" not in event_names(torchlike, plain, torchlike.tensor(x))[1]
    assert "foo" not in event_names(torch, torch.fx.symbolic_trace(make_foo(torch)), torch.tensor(x))[1]


def test_enter_exit_called_directly():
    with torchlike.profiler.profile() as prof:
        handle = torchlike.ops.profiler._record_function_enter("outer")
        inner = torchlike.ops.profiler._record_function_enter_new("inner", "args")
        torchlike.relu(torchlike.ones(3))
        torchlike.ops.profiler._record_function_exit(inner)
        torchlike.ops.profiler._record_function_exit(handle)
    events = {e.name: e for e in prof.events()}
    assert events["inner"].cpu_parent is events["outer"]
    assert [c.name for c in events["inner"].cpu_children] == ["relu"]


@pytest.mark.parametrize("call", [lambda t: t.ops.profiler._record_function_exit("x"),
                                  lambda t: t.ops.profiler._record_function_enter(3)])
def test_bad_arguments_raise_runtime_error_like_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="profiler::_record_function_"):
        call(torchlike)
