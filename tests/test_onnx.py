"""torchlike.onnx: exported files are valid ONNX and, run with onnxruntime, give the outputs of the
same model in torch 2.x (same weights). Skipped when onnx/onnxruntime are not installed."""
import numpy as np
import pytest

import torchlike
import torchlike.onnx
from conftest import torch
from test_fx import MODELS, _pair

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def run_file(path, *inputs):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, dict(zip(names, inputs)))


def ref_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o.detach().numpy() for o in outs if isinstance(o, torch.Tensor)]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_run_in_onnxruntime_like_torch(name, tmp_path):
    factory, shape = MODELS[name]
    ours, ref = _pair(factory)
    ref.eval()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    path = tmp_path / f"{name}.onnx"
    ours.train()  # export switches to eval mode, as torch's TrainingMode.EVAL does, and back
    torchlike.onnx.export(ours, (torchlike.tensor(x),), str(path), input_names=["input"])
    assert ours.training
    onnx.checker.check_model(onnx.load(str(path)))
    got = run_file(path, x)
    want = ref_outputs(ref(torch.tensor(x)))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def make_fn(t):
    def f(x, y):
        a = t.sigmoid(x) * y + 1.5
        b = t.cat([a, x], dim=1).transpose(0, 1)
        c = b.sum(-1, keepdim=True) - t.mean(b) / 2
        d = t.where(c > 0, c, -c).clamp(min=0.1)
        return d.flatten(), t.matmul(x, y.t()).softmax(-1), x[1:, :2].reshape(-1), (x ** 2).unsqueeze(0)
    return f


def test_function_with_torch_calls_and_methods(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    prog = torchlike.onnx.export(make_fn(torchlike), (torchlike.tensor(x), torchlike.tensor(y)), tmp_path / "f.onnx")
    got = run_file(tmp_path / "f.onnx", x, y)
    want = ref_outputs(make_fn(torch)(torch.tensor(x), torch.tensor(y)))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    for g, w in zip(prog(torchlike.tensor(x), torchlike.tensor(y)), want):  # ONNXProgram runs it too
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6)


def make_layers(t):
    class Layers(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = t.nn.Embedding(10, 6)
            self.conv = t.nn.Conv1d(6, 4, 3, padding="same")
            self.ln = t.nn.LayerNorm(4)
            self.act = t.nn.GELU(approximate="tanh")
            self.leaky = t.nn.LeakyReLU(0.2)
            self.pool = t.nn.AvgPool1d(2)
            self.mpool = t.nn.MaxPool1d(3, stride=2, ceil_mode=True)
            self.attn = t.nn.MultiheadAttention(4, 2)

        def forward(self, idx):
            h = self.conv(self.emb(idx).transpose(1, 2))
            h = self.leaky(self.ln(h.transpose(1, 2)))
            a, w = self.attn(h.transpose(0, 1), h.transpose(0, 1), h.transpose(0, 1))
            h = self.act(h + a.transpose(0, 1))
            p = self.pool(h.transpose(1, 2)) + self.mpool(h.transpose(1, 2))
            return t.nn.functional.log_softmax(p, dim=-1), w
    return Layers()


def test_common_layers(tmp_path):
    ours, ref = _pair(make_layers)
    ref.eval()
    idx = np.random.default_rng(2).integers(0, 10, (2, 7)).astype(np.int64)
    torchlike.onnx.export(ours, (torchlike.tensor(idx),), tmp_path / "l.onnx")
    got = run_file(tmp_path / "l.onnx", idx)
    want = ref_outputs(ref(torch.tensor(idx)))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_dynamic_axes(tmp_path):
    ours, ref = _pair(MODELS["mlp"][0])
    ref.eval()
    path = tmp_path / "mlp.onnx"
    torchlike.onnx.export(ours, (torchlike.ones(2, 3, 4),), path, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    model = onnx.load(str(path))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    x = np.random.default_rng(3).standard_normal((5, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(run_file(path, x)[0], ref(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_single_layer_and_unsupported_ops(tmp_path):
    conv = torchlike.nn.Conv2d(3, 2, 3, stride=2, padding=1)
    x = np.random.default_rng(4).standard_normal((1, 3, 7, 7)).astype(np.float32)
    torchlike.onnx.export(conv, (torchlike.tensor(x),), tmp_path / "c.onnx")
    np.testing.assert_allclose(run_file(tmp_path / "c.onnx", x)[0], conv(torchlike.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(torchlike.onnx.errors.UnsupportedOperatorError, match="'torch.nn.PixelShuffle'"):
        torchlike.onnx.export(torchlike.nn.PixelShuffle(2), (torchlike.ones(1, 4, 2, 2),), tmp_path / "x.onnx")

    def uses_cumsum(x):
        return torchlike.cumsum(x, 0) + 1
    with pytest.raises(torchlike.onnx.errors.UnsupportedOperatorError, match="'torch.cumsum'"):
        torchlike.onnx.export(uses_cumsum, (torchlike.ones(3),))


def test_is_in_onnx_export(tmp_path):
    seen = []

    class M(torchlike.nn.Module):
        def forward(self, x):
            seen.append(torchlike.onnx.is_in_onnx_export())
            return x * 2
    assert not torchlike.onnx.is_in_onnx_export()
    torchlike.onnx.export(M(), (torchlike.ones(2),), tmp_path / "m.onnx")
    assert seen and all(seen) and not torchlike.onnx.is_in_onnx_export()
    assert torchlike.onnx.TrainingMode.EVAL == torch.onnx.TrainingMode.EVAL.value


def make_size_dependent(t):
    """Python code on sizes, as word_language_model's TransformerModel has: ``len(src)``, a cached mask,
    a branch on a size, tuple unpacking, a loop over a dimension."""
    class SizeDependent(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = t.nn.Embedding(10, 8)
            self.enc = t.nn.TransformerEncoder(t.nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False)
            self.src_mask = None

        def forward(self, src, has_mask=True):
            if has_mask and (self.src_mask is None or self.src_mask.size(0) != len(src)):
                self.src_mask = t.log(t.tril(t.ones(len(src), len(src))))
            out = self.enc(self.emb(src), mask=self.src_mask)
            if out.size(1) > 1:
                out = out * 2
            a, b = out.chunk(2, dim=-1)
            rows = [r.sum(-1) for r in out[:2]]
            first, *rest = out.unbind(1)
            c, d = out.split([3, 5], dim=-1)
            return t.cat([b, a], -1), t.stack(rows), first - rest[-1], d.sum(-1) + c.sum(-1)
    return SizeDependent()


def test_python_code_on_sizes_follows_the_example(tmp_path):
    ours, ref = _pair(make_size_dependent)
    ref.eval()
    idx = np.random.default_rng(5).integers(0, 10, (6, 3)).astype(np.int64)
    torchlike.onnx.export(ours, (torchlike.tensor(idx),), tmp_path / "s.onnx")
    assert isinstance(ours.src_mask, torchlike.Tensor)  # set for real, not left a Proxy
    got = run_file(tmp_path / "s.onnx", idx)
    want = ref_outputs(ref(torch.tensor(idx)))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=2e-5)
