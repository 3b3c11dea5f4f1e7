"""torchlike.autocast / amp.GradScaler against torch 2.13's CPU autocast and GradScaler('cpu')."""
import warnings

import numpy as np
import pytest
import torch

import torchlike as tl

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 4)).astype(np.float32)
W = rng.standard_normal((4, 4)).astype(np.float32)
IMG = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
K = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
T = np.array([0, 1, 2, 3])


def _cases(m):
    """name -> fn(lib) using the same numpy inputs in both libraries."""
    F = m.nn.functional

    def t(a, bf=False):
        r = m.tensor(a)
        return r.to(m.bfloat16) if bf else r
    return {
        "mm": lambda: m.mm(t(X), t(W)),
        "matmul": lambda: t(X) @ t(W),
        "matmul_mixed": lambda: t(X, True) @ t(W),
        "linear": lambda: F.linear(t(X), t(W), t(W[0])),
        "conv2d": lambda: F.conv2d(t(IMG), t(K)),
        "conv_t": lambda: F.conv_transpose2d(t(IMG), t(K).transpose(0, 1)),
        "bmm": lambda: m.bmm(t(X)[None], t(W)[None]),
        "addmm": lambda: m.addmm(t(X), t(X), t(W)),
        "baddbmm": lambda: m.baddbmm(t(X)[None], t(X)[None], t(W)[None]),
        "einsum": lambda: m.einsum("ij,jk->ik", t(X), t(W)),
        "softmax_f32": lambda: F.softmax(t(X), -1),
        "softmax_bf16": lambda: F.softmax(t(X, True), -1),
        "log_softmax_bf16": lambda: F.log_softmax(t(X, True), -1),
        "cross_entropy_bf16": lambda: F.cross_entropy(t(X, True), m.tensor(T)),
        "mse_bf16": lambda: F.mse_loss(t(X, True), t(W, True)),
        "nll_bf16": lambda: F.nll_loss(t(X, True), m.tensor(T)),
        "l1_bf16": lambda: F.l1_loss(t(X, True), t(W, True)),
        "bce_logits_bf16": lambda: F.binary_cross_entropy_with_logits(t(X, True), t(W, True).sigmoid()),
        "exp_bf16": lambda: m.exp(t(X, True)),
        "sum_bf16": lambda: t(X, True).sum(),
        "prod_bf16": lambda: t(X, True).prod(),
        "layer_norm_bf16": lambda: F.layer_norm(t(X, True), (4,)),
        "relu_bf16": lambda: F.relu(t(X, True)),
        "add_mixed": lambda: t(X) + t(X, True),
        "cat_mixed": lambda: m.cat([t(X), t(X, True)]),
        "mm_f64": lambda: m.mm(t(X).double(), t(W).double()),
        "mv": lambda: m.mv(t(X), t(W[0])),
        "cdist_bf16": lambda: m.cdist(t(X, True), t(W, True)),
        "trace_bf16": lambda: m.trace(t(X, True)),
        "max_pool_bf16": lambda: F.max_pool2d(t(IMG, True), 2),
        "sdpa": lambda: F.scaled_dot_product_attention(t(X)[None], t(W)[None], t(W)[None]),
        "lstm": lambda: m.nn.LSTM(4, 3)(t(X)[:, None])[0],
        "gru_cell": lambda: m.nn.GRUCell(4, 3)(t(X)),
        "mha": lambda: m.nn.MultiheadAttention(4, 2)(t(X)[:, None], t(X)[:, None], t(X)[:, None])[0],
        "embedding": lambda: m.nn.Embedding(5, 4)(m.tensor([1, 2])),
    }


def test_autocast_op_dtypes_match_torch_cpu_bf16():
    mine, ref = _cases(tl), _cases(torch)
    got, want = {}, {}
    with tl.autocast("cpu", dtype=tl.bfloat16):
        for k, f in mine.items():
            got[k] = str(f().dtype)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        for k, f in ref.items():
            want[k] = str(f().dtype)
    assert got == want
    # outside the region nothing is cast
    assert _cases(tl)["mm"]().dtype is tl.float32


def _model(m):
    m.manual_seed(0)
    nn = m.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3)
            self.fc = nn.Linear(27, 5)

        def forward(self, x):
            h = m.relu(self.conv(x))
            logits = self.fc(h.flatten(1))
            return h, logits, m.nn.functional.softmax(logits, -1)
    return Net()


def test_autocast_model_dtypes_values_and_grads():
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    y = np.array([1, 3])
    res = {}
    for m in (tl, torch):
        net = _model(m)
        with m.autocast("cpu", dtype=m.bfloat16):
            h, logits, p = net(m.tensor(x))
            loss = m.nn.functional.cross_entropy(logits, m.tensor(y))
        loss.backward()
        res[m.__name__] = ([str(t.dtype) for t in (h, logits, p, loss)],
                           [str(q.grad.dtype) for q in net.parameters()],
                           loss.item(), net.fc.weight.grad.float().numpy())
    a, b = res["torchlike"], res["torch"]
    assert a[0] == b[0] and a[1] == b[1]
    # bfloat16 matmuls: values agree to bf16 rounding (8 mantissa bits)
    np.testing.assert_allclose(a[2], b[2], rtol=2e-2)
    np.testing.assert_allclose(a[3], b[3], rtol=5e-2, atol=5e-2)


def test_autocast_nesting_disable_and_decorator():
    a, b = tl.randn(3, 3), tl.randn(3, 3)
    with tl.autocast("cpu"):
        assert tl.is_autocast_enabled("cpu") and tl.get_autocast_dtype("cpu") is tl.bfloat16
        with tl.autocast("cpu", enabled=False):
            assert (a @ b).dtype is tl.float32
        assert (a @ b).dtype is tl.bfloat16
    assert not tl.is_autocast_enabled("cpu")

    @tl.autocast("cpu", dtype=tl.float16)
    def f(x, y):
        return x @ y
    assert f(a, b).dtype is tl.float16
    with tl.cpu.amp.autocast():
        assert (a @ b).dtype is tl.bfloat16
    import torchlike.cpu.amp  # noqa: F401  importable as a module, like torch's
    import torchlike.cuda.amp  # noqa: F401


def test_autocast_cuda_without_gpu_disables_with_warning():
    if tl.cuda.is_available():
        pytest.skip("a GPU exists")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ctx = tl.autocast("cuda")
    with ctx:
        assert (tl.randn(2, 2) @ tl.randn(2, 2)).dtype is tl.float32


def test_autocast_under_compile_casts_in_program():
    lin = tl.nn.Linear(4, 3)

    def step(x):
        with tl.autocast("cpu", dtype=tl.bfloat16):
            return lin(x)
    fn = tl.compile(step)
    for _ in range(3):  # the first call records eagerly; later ones run the traced program
        out = fn(tl.randn(2, 4))
        assert out.dtype is tl.bfloat16
    assert fn.trace_count >= 1
    # a program compiled outside autocast is not reused inside it (and vice versa)
    plain = tl.compile(lambda x: lin(x))
    cm = tl.compile(lin)
    x = tl.randn(2, 4)
    for _ in range(2):
        assert plain(x).dtype is tl.float32 and cm(x).dtype is tl.float32
        with tl.autocast("cpu"):
            assert plain(x).dtype is tl.bfloat16 and cm(x).dtype is tl.bfloat16


# ------------------------------------------------------------------ GradScaler

def _scaler_run(m, grads_seq, **kw):
    p = m.zeros(3, requires_grad=True)
    opt = (tl.optim.SGD if m is tl else torch.optim.SGD)([p], lr=0.1)
    sc = m.amp.GradScaler("cpu", **kw)
    scales, params, trackers = [], [], []
    for g in grads_seq:
        opt.zero_grad()
        loss = (p * m.tensor(np.asarray(g, np.float32))).sum()
        sc.scale(loss).backward()
        sc.step(opt)
        sc.update()
        scales.append(sc.get_scale())
        trackers.append(sc._get_growth_tracker())
        params.append(p.detach().numpy().copy())
    return scales, trackers, np.array(params), sc.state_dict()


def test_grad_scaler_trajectory_matches_torch():
    inf = np.float32(np.inf)
    seq = [[1, 2, 3], [inf, 1, 1], [1, 1, 1], [1, np.nan, 1], [0.5, 0.5, 0.5], [1, 1, 1], [2, 2, 2], [1e38, 1, 1],
           [1, 1, 1]]
    kw = dict(init_scale=2.0 ** 10, growth_interval=2)
    a = _scaler_run(tl, seq, **kw)
    b = _scaler_run(torch, seq, **kw)
    assert a[0] == b[0]   # scale after each update: backoff on inf/NaN, growth after 2 clean steps
    assert a[1] == b[1]
    np.testing.assert_allclose(a[2], b[2], rtol=1e-6)  # skipped steps leave the parameter unchanged
    assert a[3] == b[3]


def test_grad_scaler_unscale_and_errors():
    p = tl.ones(2, requires_grad=True)
    opt = tl.optim.SGD([p], lr=1.0)
    sc = tl.amp.GradScaler("cpu", init_scale=8.0)
    sc.scale((p * 3).sum()).backward()
    assert p.grad.tolist() == [24.0, 24.0]
    sc.unscale_(opt)
    assert p.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="already been called"):
        sc.unscale_(opt)
    sc.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        sc.step(opt)
    sc.update()
    assert p.tolist() == [-2.0, -2.0]
    with pytest.raises(AssertionError):
        tl.amp.GradScaler("cpu").step(opt)  # scale() never called
    with pytest.raises(RuntimeError, match="Closure"):
        sc.step(opt, closure=lambda: 0)


def test_grad_scaler_disabled_passthrough_and_state_dict():
    p = tl.ones(2, requires_grad=True)
    opt = tl.optim.SGD([p], lr=1.0)
    sc = tl.amp.GradScaler("cpu", enabled=False)
    loss = (p * 2).sum()
    assert sc.scale(loss) is loss
    loss.backward()
    sc.step(opt)
    sc.update()
    assert p.tolist() == [-1.0, -1.0] and sc.get_scale() == 1.0 and sc.state_dict() == {}
    on = tl.amp.GradScaler("cpu", init_scale=4.0)
    with pytest.raises(RuntimeError, match="state dict is empty"):
        on.load_state_dict({})
    on.load_state_dict({"scale": 32.0, "growth_factor": 3.0, "backoff_factor": 0.25, "growth_interval": 7,
                        "_growth_tracker": 2})
    assert on.state_dict() == {"scale": 32.0, "growth_factor": 3.0, "backoff_factor": 0.25, "growth_interval": 7,
                               "_growth_tracker": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = tl.cuda.amp.GradScaler()
    assert legacy.is_enabled() == tl.cuda.is_available()


def test_torch_alias_imports_of_amp_modules(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "s.py"
    script.write_text("import torch.cuda.amp, torch.cpu.amp\nfrom torch.cuda.amp import autocast, GradScaler\n"
                      "from torch.amp import GradScaler as G2\nimport torch.utils.checkpoint\n"
                      "print(torch.__name__, torch.cpu.amp.autocast.__name__, G2.__name__)\n")
    r = subprocess.run([sys.executable, "-W", "ignore", "-m", "torchlike", str(script)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["torchlike", "autocast", "GradScaler"]
