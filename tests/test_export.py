"""torchlike.export against torch.export 2.x: the exported program runs like the module, its
signature lifts the same parameters/buffers with torch's names, shape guards and Dim ranges
behave as torch's, and save/load round-trips."""
import io

import numpy as np
import pytest

import torchlike
import torchlike.export
from conftest import assert_same, torch
from test_fx import MODELS, _pair

import torch.export  # noqa: E402  (the reference)


def make_small(t):
    class Small(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.l = t.nn.Linear(4, 3)
            self.register_buffer("b", t.ones(3))

        def forward(self, x, scale=2.0):
            return t.relu(self.l(x)) * scale + self.b
    return Small()


def test_signature_and_program_match_torch():
    ours, ref = _pair(make_small)
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    ep = torchlike.export.export(ours, (torchlike.tensor(x),))
    epr = torch.export.export(ref, (torch.tensor(x),))
    s, sr = ep.graph_signature, epr.graph_signature
    assert s.user_inputs == sr.user_inputs
    assert s.parameters == sr.parameters and s.buffers == sr.buffers
    assert s.inputs_to_parameters == sr.inputs_to_parameters and s.inputs_to_buffers == sr.inputs_to_buffers
    assert [str(a) for a in s.input_specs] == [str(a) for a in sr.input_specs]
    assert list(ep.state_dict) == list(epr.state_dict)
    assert [n.name for n in ep.graph.nodes if n.op == "placeholder"] == \
        [n.name for n in epr.graph.nodes if n.op == "placeholder"]
    assert_same(ep.module()(torchlike.tensor(x)), epr.module()(torch.tensor(x)))
    with pytest.raises(RuntimeError, match="Unable to call ExportedProgram directly"):
        ep(torchlike.tensor(x))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_export_runs_like_module(name):
    factory, shape = MODELS[name]
    ours, ref = _pair(factory)
    ours.eval(), ref.eval()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    ep = torchlike.export.export(ours, (torchlike.tensor(x),))
    assert_same(ep.module()(torchlike.tensor(x)), ref(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    # lifted graph_module takes parameters and buffers first, then the user input
    sig = ep.graph_signature
    flat = [ep.state_dict[t] if t in ep.state_dict else ep.constants[t]
            for t in [s.target for s in sig.input_specs if s.target is not None]]
    assert_same(ep.graph_module(*flat, torchlike.tensor(x)), ref(torch.tensor(x)), rtol=1e-4, atol=1e-5)


def test_static_shape_guards_like_torch():
    ours, ref = _pair(make_small)
    ep = torchlike.export.export(ours, (torchlike.ones(2, 4),))
    epr = torch.export.export(ref, (torch.ones(2, 4),))
    for bad in ((3, 4), (2, 5)):
        with pytest.raises(AssertionError) as e_ref:
            epr.module()(torch.ones(*bad))
        with pytest.raises(AssertionError) as e_ours:
            ep.module()(torchlike.ones(*bad))
        assert str(e_ours.value) == str(e_ref.value)


def test_dynamic_dim():
    ours, ref = _pair(make_small)
    batch = torchlike.export.Dim("batch", min=1, max=8)
    ep = torchlike.export.export(ours, (torchlike.ones(2, 4),), dynamic_shapes={"x": {0: batch}})
    epr = torch.export.export(ref, (torch.ones(2, 4),), dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1,
                                                                                                      max=8)}})
    x = np.arange(20, dtype=np.float32).reshape(5, 4)
    assert_same(ep.module()(torchlike.tensor(x)), epr.module()(torch.tensor(x)))
    with pytest.raises(AssertionError) as e_ref:
        epr.module()(torch.ones(9, 4))
    with pytest.raises(AssertionError) as e_ours:
        ep.module()(torchlike.ones(9, 4))
    assert str(e_ours.value) == str(e_ref.value)
    assert [repr(v) for v in ep.range_constraints.values()] == [repr(v) for v in epr.range_constraints.values()]
    with pytest.raises(ValueError, match="outside the range"):
        torchlike.export.export(ours, (torchlike.ones(9, 4),), dynamic_shapes={"x": {0: batch}})


def make_pair_add(t):
    class PairAdd(t.nn.Module):
        def forward(self, x, y):
            return x + y[1:]
    return PairAdd()


def make_same_add(t):
    class SameAdd(t.nn.Module):
        def forward(self, x, y):
            return x * 2 + y
    return SameAdd()


@pytest.mark.parametrize("case", ["derived", "shared"])
def test_derived_and_shared_dims_like_torch(case):
    """``y`` is one longer than ``x`` (``b + 1``), or both share ``b``: sizes must agree at run time."""
    def program(t):
        b = t.export.Dim("b", min=2, max=10)
        if case == "derived":
            return t.export.export(make_pair_add(t), (t.ones(3, 4), t.ones(4, 4)),
                                   dynamic_shapes={"x": {0: b}, "y": {0: b + 1}})
        return t.export.export(make_same_add(t), (t.ones(3, 4), t.ones(3, 4)), dynamic_shapes={"x": {0: b}, "y": {0: b}})
    ep, epr = program(torchlike), program(torch)
    n = 5 + (case == "derived")
    x, y = np.arange(20, dtype=np.float32).reshape(5, 4), np.arange(4 * n, dtype=np.float32).reshape(n, 4)
    assert_same(ep.module()(torchlike.tensor(x), torchlike.tensor(y)), epr.module()(torch.tensor(x), torch.tensor(y)))
    for bad in ((5, n + 1), (11, 12 if case == "derived" else 11)):
        with pytest.raises(AssertionError) as e_ref:
            epr.module()(torch.ones(bad[0], 4), torch.ones(bad[1], 4))
        with pytest.raises(AssertionError) as e_ours:
            ep.module()(torchlike.ones(bad[0], 4), torchlike.ones(bad[1], 4))
        assert str(e_ours.value) == str(e_ref.value)
    assert sorted(repr(v) for v in ep.range_constraints.values()) == \
        sorted(repr(v) for v in epr.range_constraints.values())


def test_dim_arithmetic_like_torch():
    b, br = torchlike.export.Dim("b", min=2, max=10), torch.export.Dim("b", min=2, max=10)
    for f in (lambda d: 2 * d, lambda d: d + 1, lambda d: d * 2 + 1, lambda d: d - 1, lambda d: (d + 1) * 3):
        ours, ref = f(b), f(br)
        assert (ours.__name__, ours.min, ours.max) == (ref.__name__, ref.min, ref.max)
    for f in (lambda d: 1 - d, lambda d: d * -1, lambda d: d * 1.5, lambda d: d + 0.5):
        with pytest.raises(NotImplementedError) as e_ref:
            f(br)
        with pytest.raises(NotImplementedError) as e_ours:
            f(b)
        assert str(e_ours.value) == str(e_ref.value)
    c = torchlike.export.Dim("c")  # only derived uses: sizes must be 2*c and 2*c + 1
    ep = torchlike.export.export(make_pair_add(torchlike), (torchlike.ones(6, 4), torchlike.ones(7, 4)),
                                 dynamic_shapes={"x": {0: 2 * c}, "y": {0: 2 * c + 1}})
    assert ep.module()(torchlike.ones(8, 4), torchlike.ones(9, 4)).shape == (8, 4)
    with pytest.raises(AssertionError, match="Guard failed"):
        ep.module()(torchlike.ones(7, 4), torchlike.ones(8, 4))


def test_save_load_and_decompositions(tmp_path):
    ours, ref = _pair(make_cnn_like := MODELS["cnn"][0])
    del make_cnn_like
    ours.eval()
    x = torchlike.randn(2, 3, 8, 8)
    ep = torchlike.export.export(ours, (x,))
    path = tmp_path / "cnn.pt2"
    torchlike.export.save(ep, path, extra_files={"note.txt": "hi"})
    extra = {"note.txt": ""}
    loaded = torchlike.export.load(path, extra_files=extra)
    assert extra["note.txt"] == "hi"
    assert_same(loaded.module()(x), ours(x))
    assert list(loaded.state_dict) == list(ep.state_dict)
    dec = ep.run_decompositions()
    assert_same(dec.module()(x), ours(x))
    buf = io.BytesIO()
    torchlike.export.save(ep, buf)
    assert_same(torchlike.export.load(io.BytesIO(buf.getvalue())).module()(x), ours(x))


def test_bad_arguments():
    m = make_small(torchlike)
    with pytest.raises(ValueError, match="Expecting `args` to be a tuple"):
        torchlike.export.export(m, torchlike.ones(2, 4))
    with pytest.raises(ValueError, match="instance of `torch.nn.Module`"):
        torchlike.export.export(lambda x: x, (torchlike.ones(2, 4),))
