"""torchlike.fx against torch.fx 2.x: the same modules traced by both give the same node lists
(op, target name, args) and the same generated code; traced and transformed modules compute the
same values as the originals (with autograd and under torchlike.compile)."""
import copy
import operator
import pickle
import re

import numpy as np
import pytest

import torchlike
import torchlike.fx
from conftest import assert_same, torch

import torch.fx  # noqa: E402  (the reference)


@pytest.fixture(autouse=True)
def _originals_restored():
    """Tests that use Proxies outside a trace install fx's stand-ins for good; other test files in the
    same worker process check function identity, so each test here leaves the originals in place."""
    yield
    from torchlike.fx import _patching
    _patching.uninstall_permanent()


# ------------------------------------------------------------------ models written once for both libraries
def make_mlp(t):
    class MLP(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = t.nn.Flatten()
            self.fc1 = t.nn.Linear(12, 16)
            self.act = t.nn.ReLU()
            self.drop = t.nn.Dropout(0.1)
            self.fc2 = t.nn.Linear(16, 5)

        def forward(self, x):
            return self.fc2(self.drop(self.act(self.fc1(self.flatten(x)))))
    return MLP()


def make_cnn(t):
    F = t.nn.functional

    class CNN(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = t.nn.Conv2d(3, 8, 3, padding=1)
            self.bn1 = t.nn.BatchNorm2d(8)
            self.conv2 = t.nn.Conv2d(8, 8, 3, stride=2)
            self.bn2 = t.nn.BatchNorm2d(8)
            self.pool = t.nn.MaxPool2d(2)
            self.fc = t.nn.Linear(8, 4)

        def forward(self, x):
            x = self.pool(F.relu(self.bn1(self.conv1(x))))
            x = t.relu(self.bn2(self.conv2(x)))
            x = F.adaptive_avg_pool2d(x, 1)
            x = t.flatten(x, 1)
            return F.log_softmax(self.fc(x), dim=-1)
    return CNN()


def make_basic_block(t):
    class BasicBlock(t.nn.Module):
        def __init__(self, inplanes=4, planes=8, stride=2):
            super().__init__()
            self.conv1 = t.nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = t.nn.BatchNorm2d(planes)
            self.relu = t.nn.ReLU(inplace=True)
            self.conv2 = t.nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = t.nn.BatchNorm2d(planes)
            self.downsample = t.nn.Sequential(t.nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                              t.nn.BatchNorm2d(planes))

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            identity = self.downsample(x)
            out += identity
            return self.relu(out)
    return BasicBlock()


def make_encoder_layer(t):
    """A Transformer encoder layer written out (attention is a leaf module; the rest is traced through)."""
    F = t.nn.functional

    class EncoderLayer(t.nn.Module):
        def __init__(self, d=8, heads=2, ff=16):
            super().__init__()
            self.self_attn = t.nn.MultiheadAttention(d, heads, batch_first=True)
            self.linear1 = t.nn.Linear(d, ff)
            self.linear2 = t.nn.Linear(ff, d)
            self.norm1 = t.nn.LayerNorm(d)
            self.norm2 = t.nn.LayerNorm(d)
            self.dropout = t.nn.Dropout(0.0)

        def forward(self, src):
            b, s, d = src.shape
            attn = self.self_attn(src, src, src, need_weights=False)[0]
            x = self.norm1(src + self.dropout(attn))
            h = self.linear2(self.dropout(F.gelu(self.linear1(x))))
            out = self.norm2(x + h)
            return out.reshape(b * s, d).view(b, s, -1)
    return EncoderLayer()


def make_builtin_encoder(t):
    class Wrapped(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = t.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)

        def forward(self, x):
            return self.layer(x).mean(dim=1)
    return Wrapped()


def fn_ops(t):
    def f(x, y):
        a = t.sigmoid(x) * y + 1.5
        b = t.cat([a, x], dim=0).transpose(0, 1)
        c = b.sum(-1, keepdim=True) - t.mean(b) / 2
        d = t.where(c > 0, c, -c).clamp(min=0.1)
        e = x[0] @ y[0]
        return d.flatten(), e, a.size(1), t.matmul(x, y.t()).softmax(-1)
    return f


MODELS = {"mlp": (make_mlp, (2, 3, 4)), "cnn": (make_cnn, (2, 3, 8, 8)),
          "basic_block": (make_basic_block, (2, 4, 8, 8)), "encoder_layer": (make_encoder_layer, (2, 5, 8)),
          "builtin_encoder": (make_builtin_encoder, (2, 5, 8))}


def _pair(factory):
    """The same model in torch and torchlike, with torch's weights copied into ours."""
    torch.manual_seed(0)
    ref = factory(torch)
    ours = factory(torchlike)
    sd = {k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()}
    ours.load_state_dict(sd)
    return ours, ref


# ------------------------------------------------------------------ normalising names that must differ
def _norm(s: str) -> str:
    """torch's builtin ops print as torch._C._nn.X / torch._C._VariableFunctions.X; ours as torch.nn.functional.X."""
    s = re.sub(r"torch\._C\._nn\.", "torch.nn.functional.", s)
    s = re.sub(r"torch\._C\._VariableFunctions\.", "torch.", s)
    return s


def _target_name(n):
    if isinstance(n.target, str):
        return n.target
    return _norm(n._pretty_print_target(n.target))


def _fmt(a):
    if isinstance(a, (list, tuple)):
        return type(a).__name__[:5], [_fmt(x) for x in a]
    if isinstance(a, dict):
        return {k: _fmt(v) for k, v in a.items()}
    if hasattr(a, "op") and hasattr(a, "users"):
        return "%" + a.name
    if isinstance(a, (torch.dtype, torchlike.dtype)):
        return str(a)
    return repr(a)


def node_list(gm):
    return [(n.op, n.name, _target_name(n), _fmt(n.args), _fmt(dict(n.kwargs))) for n in gm.graph.nodes]


def assert_same_graph(ours, ref):
    assert node_list(ours) == node_list(ref)
    assert _norm(ours.code) == _norm(ref.code)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_trace_matches_torch(name):
    factory, shape = MODELS[name]
    ours, ref = _pair(factory)
    ours.eval(), ref.eval()
    gm, gref = torchlike.fx.symbolic_trace(ours), torch.fx.symbolic_trace(ref)
    assert_same_graph(gm, gref)
    assert type(gm).__name__ == type(gref).__name__
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    assert_same(gm(torchlike.tensor(x)), ref(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    assert_same(gm(torchlike.tensor(x)), ours(torchlike.tensor(x)))
    assert list(gm.state_dict()) == list(gref.state_dict())
    assert str(gm.graph).replace("torch._C._nn.", "torch.nn.functional.") == _norm(str(gref.graph))


def test_function_trace_matches_torch(rng):
    f, fref = fn_ops(torchlike), fn_ops(torch)
    gm, gref = torchlike.fx.symbolic_trace(f), torch.fx.symbolic_trace(fref)
    assert_same_graph(gm, gref)
    assert type(gm).__name__ == "f"
    x, y = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    assert_same(gm(torchlike.tensor(x), torchlike.tensor(y)), fref(torch.tensor(x), torch.tensor(y)),
                rtol=1e-5, atol=1e-6)


def test_traced_module_autograd_and_compile(rng):
    ours, ref = _pair(make_cnn)
    gm = torchlike.fx.symbolic_trace(ours)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    xt, xr = torchlike.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gm(xt).sum().backward()
    ref(xr).sum().backward()
    assert_same(xt.grad, xr.grad, rtol=1e-4, atol=1e-5)
    assert_same(gm.conv1.weight.grad, ref.conv1.weight.grad, rtol=1e-4, atol=1e-5)
    gm.eval(), ref.eval()
    compiled = torchlike.compile(gm)
    assert_same(compiled(torchlike.tensor(x)), ref(torch.tensor(x)), rtol=1e-4, atol=1e-5)


def test_concrete_args_and_defaults():
    def make(t):
        def f(x, flag, scale=2.0):
            if flag:
                return t.relu(x) * scale
            return x - 1
        return f
    args = {"flag": True}
    gm = torchlike.fx.symbolic_trace(make(torchlike), concrete_args=args)
    gref = torch.fx.symbolic_trace(make(torch), concrete_args=args)
    assert_same_graph(gm, gref)
    x = np.arange(-3, 3, dtype=np.float32)
    assert_same(gm(torchlike.tensor(x), True), gref(torch.tensor(x), True))
    with pytest.raises(AssertionError, match="flag has been specialized to have value True"):
        gm(torchlike.tensor(x), False)


def test_control_flow_errors_use_torchs_wording():
    def branch(t):
        def f(x):
            if x.sum() > 0:
                return x
            return -x
        return f

    def loop(t):
        def f(x):
            return [v for v in x]
        return f

    def length(t):
        def f(x):
            return x + len(x)
        return f

    for make, exc in ((branch, torch.fx.proxy.TraceError), (loop, torch.fx.proxy.TraceError),
                      (length, RuntimeError)):
        with pytest.raises(exc) as ref_err:
            torch.fx.symbolic_trace(make(torch))
        with pytest.raises(exc if exc is RuntimeError else torchlike.fx.proxy.TraceError) as our_err:
            torchlike.fx.symbolic_trace(make(torchlike))
        assert str(our_err.value).replace("torch.fx", "") == str(ref_err.value).replace("torch.fx", "")


def test_tuple_unpacking_and_tensor_constants():
    def make(t):
        class M(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("buf", t.ones(4))
                self.const = t.arange(4.0)

            def forward(self, x):
                b, n = x.shape
                a, c = x.chunk(2, dim=1)
                return (a * c).sum() + self.buf + self.const + t.zeros(4) + b * n
        return M()
    ours, ref = make(torchlike), make(torch)
    gm, gref = torchlike.fx.symbolic_trace(ours), torch.fx.symbolic_trace(ref)
    assert_same_graph(gm, gref)
    assert sorted(gm.state_dict()) == sorted(gref.state_dict())
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    assert_same(gm(torchlike.tensor(x)), gref(torch.tensor(x)))


def test_custom_tracer_leaf_modules():
    def tracer_cls(base):
        class LeafAll(base):
            def is_leaf_module(self, m, qualname):
                return qualname.startswith("downsample") or super().is_leaf_module(m, qualname)
        return LeafAll
    ours, ref = _pair(make_basic_block)
    g = tracer_cls(torchlike.fx.Tracer)().trace(ours)
    gr = tracer_cls(torch.fx.Tracer)().trace(ref)
    gm, gref = torchlike.fx.GraphModule(ours, g), torch.fx.GraphModule(ref, gr)
    assert_same_graph(gm, gref)
    assert [n.target for n in gm.graph.nodes if n.op == "call_module"][-2] == "downsample"


def test_graph_editing_and_recompile(rng):
    ours, ref = _pair(make_mlp)
    for lib, m in ((torchlike, ours), (torch, ref)):
        gm = lib.fx.symbolic_trace(m)
        g = gm.graph
        act = next(n for n in g.nodes if n.op == "call_module" and n.target == "act")
        with g.inserting_after(act):
            neg = g.call_function(lib.neg, (act,))
        act.replace_all_uses_with(neg, delete_user_cb=lambda u: u is not neg)
        with g.inserting_before(neg):
            g.call_method("abs", (act,))  # dead: removed below
        assert g.eliminate_dead_code()
        g.lint()
        gm.recompile()
        m.result = gm
    assert_same_graph(ours.result, ref.result)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    ours.eval(), ref.eval()
    ours.result.eval(), ref.result.eval()
    assert_same(ours.result(torchlike.tensor(x)), ref.result(torch.tensor(x)))


def test_graph_errors():
    gm = torchlike.fx.symbolic_trace(make_mlp(torchlike))
    fc1 = next(n for n in gm.graph.nodes if n.target == "fc1")
    with pytest.raises(RuntimeError, match="still had 1 users"):
        gm.graph.erase_node(fc1)
    gref = torch.fx.symbolic_trace(make_mlp(torch))
    with pytest.raises(RuntimeError, match="still had 1 users"):
        gref.graph.erase_node(next(n for n in gref.graph.nodes if n.target == "fc1"))


def test_graph_copy_and_proxy_construction():
    def build(lib):
        g = lib.fx.Graph()
        x = lib.fx.Proxy(g.placeholder("x"))
        y = lib.fx.Proxy(g.placeholder("y"))
        z = lib.relu(x * 2) + y.sum(dim=0)
        g.output(z.node)
        g2 = lib.fx.Graph()
        env = {}
        out = g2.graph_copy(g, env)
        g2.output(out)
        return lib.fx.GraphModule(lib.nn.Module(), g2)
    gm, gref = build(torchlike), build(torch)
    assert_same_graph(gm, gref)
    x = np.ones((2, 3), np.float32)
    assert_same(gm(torchlike.tensor(x), torchlike.tensor(x)), gref(torch.tensor(x), torch.tensor(x)))


def test_pickle_deepcopy_and_submodules(rng):
    ours, ref = _pair(make_cnn)
    gm = torchlike.fx.symbolic_trace(ours)
    x = torchlike.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    gm.eval()
    expected = gm(x)
    for clone in (pickle.loads(pickle.dumps(gm)), copy.deepcopy(gm)):
        assert type(clone).__name__ == "CNN"
        assert clone.code == gm.code
        assert_same(clone(x), expected)
    assert gm.add_submodule("extra.inner", torchlike.nn.Identity())
    assert isinstance(gm.extra.inner, torchlike.nn.Identity)
    assert gm.delete_submodule("extra.inner") and not gm.delete_submodule("extra.inner")
    text = gm.print_readable(print_output=False)
    assert text.startswith("class CNN(torch.nn.Module):\n    def forward(self, x):")


def test_interpreter_and_transformer(rng):
    def transformed(lib):
        class NegSigmoid(lib.fx.Transformer):
            def call_function(self, target, args, kwargs):
                if target == lib.relu:
                    return super().call_function(lib.sigmoid, args, kwargs)
                return super().call_function(target, args, kwargs)

            def call_method(self, target, args, kwargs):
                if target == "sum":
                    target = "mean"
                return super().call_method(target, args, kwargs)
        f = fn_ops(lib)

        def g(x, y):
            return lib.relu(x).sum(0) + f(x, y)[0][:4]
        return NegSigmoid(lib.fx.symbolic_trace(g)).transform()
    gm, gref = transformed(torchlike), transformed(torch)
    assert_same_graph(gm, gref)
    x, y = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    assert_same(gm(torchlike.tensor(x), torchlike.tensor(y)), gref(torch.tensor(x), torch.tensor(y)))

    class Counting(torchlike.fx.Interpreter):
        calls = []

        def run_node(self, n):
            Counting.calls.append(n.op)
            return super().run_node(n)
    out = Counting(gm).run(torchlike.tensor(x), torchlike.tensor(y))
    assert_same(out, gm(torchlike.tensor(x), torchlike.tensor(y)))
    assert Counting.calls == [n.op for n in gm.graph.nodes]


def test_replace_pattern(rng):
    def run(lib):
        def f(x, w):
            a = lib.relu(x + w)
            b = lib.relu(a + w) * 2
            return b.neg()

        def pattern(x, w):
            return lib.relu(x + w)

        def replacement(x, w):
            return lib.sigmoid(lib.sub(x, w))
        gm = lib.fx.symbolic_trace(f)
        matches = lib.fx.replace_pattern(gm, pattern, replacement)
        return gm, matches
    (gm, m), (gref, mref) = run(torchlike), run(torch)
    assert len(m) == len(mref) == 2
    assert [x.anchor.name for x in m] == [x.anchor.name for x in mref]
    assert_same_graph(gm, gref)
    x, w = rng.standard_normal(5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    assert_same(gm(torchlike.tensor(x), torchlike.tensor(w)), gref(torch.tensor(x), torch.tensor(w)))


def test_shape_prop():
    ours, ref = _pair(make_basic_block)
    gm, gref = torchlike.fx.symbolic_trace(ours), torch.fx.symbolic_trace(ref)
    from torch.fx.passes.shape_prop import ShapeProp as RefShapeProp

    from torchlike.fx.passes.shape_prop import ShapeProp
    x = np.ones((2, 4, 8, 8), np.float32)
    ShapeProp(gm).propagate(torchlike.tensor(x))
    RefShapeProp(gref).propagate(torch.tensor(x))
    for n, nr in zip(gm.graph.nodes, gref.graph.nodes):
        if "tensor_meta" in nr.meta:
            tm, tr = n.meta["tensor_meta"], nr.meta["tensor_meta"]
            assert tuple(tm.shape) == tuple(tr.shape) and str(tm.dtype) == str(tr.dtype), n.name
            assert tm.stride == tr.stride, n.name


def test_wrap_and_leaf_functions():
    import _fx_wrapped as mod
    gm = torchlike.fx.symbolic_trace(mod.make(torchlike))
    names = [(n.op, n.name) for n in gm.graph.nodes]
    assert ("call_function", "scaled") in names and ("call_function", "len_1") in names
    assert "wrap(\"len\")" in gm.code
    assert_same(gm(torchlike.ones(3)), torchlike.ones(3) * 3 + 3)


def test_node_meta_and_users():
    gm = torchlike.fx.symbolic_trace(fn_ops(torchlike))
    x = next(iter(gm.graph.nodes))
    assert x.op == "placeholder" and len(x.users) == 4
    for n in gm.graph.nodes:
        n.meta["seen"] = n.name
    assert copy.deepcopy(gm).graph.find_nodes(op="placeholder")[0].meta["seen"] == "x"
    mul = next(n for n in gm.graph.nodes if n.target is operator.mul)
    assert mul.args[0].target == torchlike.sigmoid


def test_python_level_functions_print_as_torch(rng):
    """torch.split/einsum live in torch.functional and F.* pass defaults as keywords: same code as torch."""
    def make(t):
        F = t.nn.functional

        def f(x, y):
            a = t.split(y, 2, 1)[0] + t.einsum("ij,ij->ij", x, x)[:, :2]
            b = F.softmax(x, dim=-1) + F.dropout(x, 0.2, training=False) + F.layer_norm(x, (x.shape[-1],))
            return a, b, x.to(t.float64) + t.zeros_like(x, dtype=t.float64), t.max(x, dim=1)[0]
        return f
    gm, gref = torchlike.fx.symbolic_trace(make(torchlike)), torch.fx.symbolic_trace(make(torch))
    assert gm.code == gref.code
    x, y = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    assert_same(gm(torchlike.tensor(x), torchlike.tensor(y)), gref(torch.tensor(x), torch.tensor(y)),
                rtol=1e-5, atol=1e-5)


def test_traces_through_layers_and_functions_imported_at_module_level():
    """Layers traced through (not leaves) call their functional form, and library code may hold a
    function imported at module level (torchvision's ResNet calls ``flatten``): both are recorded, also
    where the public name is a routing wrapper (sparse/nested operands)."""
    def run(m):
        class NoLeaves(m.fx.Tracer):
            def is_leaf_module(self, module, qualname):
                return False
        model = m.nn.Sequential(m.nn.Linear(3, 2), m.nn.ReLU(), m.nn.Flatten())
        graph = NoLeaves().trace(model)
        return [(n.op, getattr(n.target, "__name__", str(n.target))) for n in graph.nodes]
    assert run(torchlike) == run(torch)
    gm = torchlike.fx.symbolic_trace(torchlike.vision.models.resnet18())
    assert any(n.op == "call_function" and n.target.__name__ == "flatten" for n in gm.graph.nodes)
