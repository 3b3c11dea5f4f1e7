"""torchlike.compile: compiled and eager runs agree; traces are counted; untraceable code is reported."""

import numpy as np
import pytest

import torchlike as torch
import torchlike.nn as nn
import torchlike.nn.functional as F


def _model(seed, bn=False, dropout=0.0):
    torch.manual_seed(seed)
    layers = [nn.Linear(8, 16, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm1d(16))
    layers += [nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3)]
    return nn.Sequential(*layers)


def _train_step(m, opt):
    """The tutorial training step: zero_grad, cross-entropy of m(x), backward, optimizer step."""
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _run(compiled, opt_cls, steps=8, bn=False, sched=False, donate=None, **opt_kw):
    m = _model(0, bn=bn)
    opt = opt_cls(m.parameters(), **opt_kw)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, 2, 0.5) if sched else None
    torch.manual_seed(1)
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    step = _train_step(m, opt)
    f = torch.compile(step, donate=donate) if compiled else step
    losses = []
    for _ in range(steps):
        losses.append(f(x, y).item())
        if scheduler:
            scheduler.step()
    bufs = [b.numpy() for b in m.buffers() if b.dtype.is_floating_point]
    return losses, [p.detach().numpy() for p in m.parameters()], bufs, f


@pytest.mark.parametrize("opt_cls,kw,bn,sched", [
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9), False, False),
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), True, True),
    (torch.optim.Adam, dict(lr=1e-2), False, False),
    (torch.optim.Adam, dict(lr=1e-2, weight_decay=0.01), True, True),
])
def test_compiled_step_matches_eager(opt_cls, kw, bn, sched):
    e = _run(False, opt_cls, bn=bn, sched=sched, **kw)
    c = _run(True, opt_cls, bn=bn, sched=sched, **kw)
    np.testing.assert_allclose(e[0], c[0], rtol=1e-5)
    for a, b in zip(e[1] + e[2], c[1] + c[2]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert c[3].trace_count == 1  # one trace for all compiled calls (the first call records eagerly)


@pytest.mark.parametrize("donate", [True, False])
def test_donated_step_matches_eager(donate):
    """donate=True / False (torchlike's option; the default, None, donates what nothing else holds: the
    tests above and test_compile_donation.py)."""
    e = _run(False, torch.optim.Adam, bn=True, lr=1e-2)
    c = _run(True, torch.optim.Adam, bn=True, donate=donate, lr=1e-2)
    np.testing.assert_allclose(e[0], c[0], rtol=1e-5)
    for a, b in zip(e[1] + e[2], c[1] + c[2]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("threshold,waits", [(0.0, True), (float("inf"), False)])
def test_cpu_dispatch_policy(monkeypatch, threshold, waits):
    """The second compiled call of a CPU program is timed; slower programs then wait for their inputs
    before dispatch (torchlike.compile.step._Program). Results are the same either way."""
    import types
    import jax
    from torchlike.compile import step as step_mod
    monkeypatch.setattr(step_mod, "WAIT_ABOVE_S", threshold)
    waits_seen = []

    class CountingJax(types.ModuleType):  # the step module's view of jax, counting its waits
        def __getattr__(self, name):
            return getattr(jax, name)

        def block_until_ready(self, x):
            waits_seen.append(1)
            return jax.block_until_ready(x)

    monkeypatch.setattr(step_mod, "jax", CountingJax("jax"))
    e = _run(False, torch.optim.Adam, lr=1e-2)
    c = _run(True, torch.optim.Adam, lr=1e-2)
    np.testing.assert_allclose(e[0], c[0], rtol=1e-5)
    for a, b in zip(e[1], c[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    (program,) = c[3]._programs.values()
    assert program.wait is waits and program.calls == 7  # 8 calls: one recorded eagerly, 7 compiled
    # the timed second call waits twice (inputs, outputs); a waiting program once per later call
    assert len(waits_seen) == 2 + (5 if waits else 0)


def test_one_trace_for_100_steps_and_retrace_on_mode_switch():
    m = _model(0, bn=True)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    step = torch.compile(_train_step(m, opt))

    for _ in range(100):
        step(x, y)
    assert step.trace_count == 1
    m.eval()
    step(x, y)
    step(x, y)
    assert step.trace_count == 2
    m.train()
    step(x, y)
    assert step.trace_count == 2  # the train-mode program is cached
    step(torch.randn(4, 8), torch.randint(0, 3, (4,)))
    assert step.trace_count == 3  # new shapes


def test_frozen_backbone_state_is_not_copied_out():
    """Fine-tuning with a frozen backbone in eval-mode BatchNorm: the compiled step matches eager, and the
    state it leaves alone stays the very same arrays (not a program output, so not copied each step)."""
    def build():
        torch.manual_seed(0)
        m = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
        for p in m[:2].parameters():
            p.requires_grad = False
        m[1].eval()
        return m, torch.optim.SGD(m[3].parameters(), lr=0.1, momentum=0.9)

    torch.manual_seed(1)
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    runs = []
    for compiled in (False, True):
        m, opt = build()
        step = _train_step(m, opt)
        f = torch.compile(step) if compiled else step
        f(x, y)
        frozen = [t._value for t in list(m[:2].parameters()) + list(m[:2].buffers())]
        losses = [f(x, y).item() for _ in range(4)]
        assert all(a is t._value for a, t in zip(frozen, list(m[:2].parameters()) + list(m[:2].buffers())))
        assert all(p.grad is None for p in m[:2].parameters())
        runs.append((losses, [p.detach().numpy() for p in m.parameters()], [p.grad.numpy() for p in m[3].parameters()]))
    (le, pe, ge), (lc, pc, gc) = runs
    np.testing.assert_allclose(le, lc, rtol=1e-5)
    for a, b in zip(pe + ge, pc + gc):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    (program,) = f._programs.values()
    assert len(program.out_info["v_idx"]) == 2 + 2  # the head's weight and bias, and their momentum buffers


def test_dropout_gets_fresh_randomness_each_compiled_call():
    torch.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = torch.ones(1000)

    @torch.compile
    def f(x):
        return drop(x)

    masks = [f(x).numpy() != 0 for _ in range(4)]
    assert all(0.4 < m.mean() < 0.6 for m in masks)
    assert not np.array_equal(masks[1], masks[2]) and not np.array_equal(masks[2], masks[3])
    assert set(np.unique(f(x).numpy())) <= {0.0, 2.0}


def test_compiled_module_forward_backward_and_buffers():
    m = _model(0, bn=True)
    ref = _model(0, bn=True)
    cm = torch.compile(m)
    x = torch.randn(8, 8)
    out, out_ref = cm(x), ref(x)
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert out.grad_fn is not None and out.grad_fn.name() == "CompiledFunctionBackward"
    out.sum().backward()
    out_ref.sum().backward()
    for p, q in zip(m.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m[1].running_mean.numpy(), ref[1].running_mean.numpy(), rtol=1e-5)
    assert int(m[1].num_batches_tracked.item()) == 1
    cm.eval()
    np.testing.assert_allclose(cm(x).detach().numpy(), ref.eval()(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert "OptimizedModule" in repr(cm) and len(list(cm.parameters())) == len(list(m.parameters()))


def test_module_compile_in_place_matches_torch():
    """``model.compile()`` (torch's Module.compile): the same object runs compiled; keys, values and
    gradients as torch's eager run from the same weights."""
    import copy
    import pickle

    import torch as T
    m = _model(0, bn=True)
    tm = T.nn.Sequential(T.nn.Linear(8, 16, bias=False), T.nn.BatchNorm1d(16), T.nn.ReLU(), T.nn.Dropout(0.0),
                         T.nn.Linear(16, 3))
    tm.load_state_dict({k: T.tensor(v.numpy()) for k, v in m.state_dict().items()})
    assert m.compile() is None and tm.compile() is None
    assert list(m.state_dict()) == list(tm.state_dict())  # no _orig_mod. prefix, unlike torch.compile(m)
    x = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    out = m(torch.tensor(x))
    tout = tm.forward(T.tensor(x))  # torch's eager forward: its compiled call would run Inductor (slow)
    assert out.grad_fn.name() == "CompiledFunctionBackward"
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    for (name, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(m[1].running_var.numpy(), tm[1].running_var.detach().numpy(), rtol=1e-5)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):  # the copies run eagerly, as torch's do
        assert "_compiled_call_impl" not in clone.__dict__
        assert clone(torch.tensor(x)).grad_fn.name() != "CompiledFunctionBackward"
    assert copy.deepcopy(tm)._compiled_call_impl is None
    m.compile(disable=True)  # torch.compile(disable=True) returns the module: calls stay as they were
    assert m(torch.tensor(x)).grad_fn.name() == "CompiledFunctionBackward"


def test_compiled_module_is_a_module_as_torchs_optimized_module():
    """``torch.compile(block)`` inside a ModuleList or as a submodule (the regional-compilation recipe):
    registered like any module, with torch's ``_orig_mod.`` keys, so optimizers and checkpoints see it."""
    import torch as T

    def build(lib):
        lib.manual_seed(0)

        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.head = lib.compile(lib.nn.Linear(4, 4))
                self.layers = lib.nn.ModuleList([lib.compile(lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.ReLU()))
                                                 for _ in range(3)])

            def forward(self, x):
                x = self.head(x)
                for layer in self.layers:
                    x = layer(x)
                return x
        return Model()

    ours, theirs = build(torch), build(T)
    assert type(ours.head).__name__ == type(theirs.head).__name__ == "OptimizedModule"
    assert isinstance(ours.head, nn.Module) and ours.head.in_features == 4
    assert list(ours.state_dict()) == list(theirs.state_dict())  # "head._orig_mod.weight", ...
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 8
    ours.load_state_dict({k: torch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    out = ours(torch.tensor(x))
    tout = theirs.head._orig_mod(T.tensor(x))  # torch's own compiled call would run Inductor (slow, needs a C compiler)
    for layer in theirs.layers:
        tout = layer._orig_mod(tout)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6)
    ours.eval()
    assert not ours.layers[0]._orig_mod[0].training
    ours.head.note = "set on the wrapper"
    theirs.head.note = "set on the wrapper"
    assert ours.head._orig_mod.note == theirs.head._orig_mod.note  # lands on the original, in both
    assert "(_orig_mod): Sequential(" in repr(ours.layers[0])


@pytest.mark.parametrize("how", ["torch.compile(m)", "m.compile()"])
def test_compiled_module_hooks_run_on_every_call_with_real_tensors(how):
    """The module's own forward hooks run around the compiled forward, eagerly: a feature-extraction hook
    sees each call's concrete output (not a tracer), as with torch."""
    m = _model(0)
    seen, pre = [], []
    m.register_forward_pre_hook(lambda mod, args: pre.append(args[0].shape))
    m.register_forward_hook(lambda mod, args, out: seen.append(out.detach()))
    if how == "m.compile()":
        m.compile()
        call = m
    else:
        call = torch.compile(m)
    outs = [call(torch.randn(4, 8)) for _ in range(3)]
    assert len(seen) == 3 and pre == [torch.Size([4, 8])] * 3
    for o, s in zip(outs, seen):
        np.testing.assert_array_equal(o.detach().numpy(), s.numpy())
    m.register_forward_hook(lambda mod, args, out: out * 2)  # a hook's return value replaces the output
    x = torch.randn(2, 8)
    np.testing.assert_allclose(call(x).detach().numpy(), 2 * m.forward(x).detach().numpy(), rtol=1e-5)


def test_untraceable_code_named_or_falls_back():
    w = torch.ones(3, requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        if loss.item() > 0:  # Python control flow on a tensor value
            loss = loss * 2
        return loss

    strict = torch.compile(step, fullgraph=True)
    strict(torch.ones(3))  # first call records eagerly
    with pytest.raises(torch.compile.__globals__["UntraceableError"]) as e:
        strict(torch.ones(3))
    assert "test_compile.py" in str(e.value) and "item()" in str(e.value)
    lenient = torch.compile(step)
    lenient(torch.ones(3))
    with pytest.warns(UserWarning, match="falling back to eager"):
        r = lenient(torch.ones(3))
    assert r.item() == 6.0


def test_untraceable_error_names_user_code_whose_path_mentions_jax(tmp_path, monkeypatch):
    """Only torchlike's and JAX's own frames are skipped: a project under, say, ~/my_jax_work/ is named."""
    folder = tmp_path / "my_jax_work"
    folder.mkdir()
    (folder / "jaxy_train.py").write_text(
        "def step(w, x):\n"
        "    loss = (w * x).sum()\n"
        "    return loss * 2 if loss.item() > 0 else loss\n")
    monkeypatch.syspath_prepend(str(folder))
    import jaxy_train
    w = torch.ones(3, requires_grad=True)
    strict = torch.compile(jaxy_train.step, fullgraph=True)
    strict(w, torch.ones(3))
    with pytest.raises(torch.compile.__globals__["UntraceableError"]) as e:
        strict(w, torch.ones(3))
    assert f"{folder / 'jaxy_train.py'}:3" in str(e.value)


@pytest.fixture
def jit_options(monkeypatch):
    """The ``compiler_options`` of every ``jax.jit`` call that passes them (compile(step) programs)."""
    import jax
    options = []
    real_jit = jax.jit

    def spy(fun, **kw):
        if "compiler_options" in kw:
            options.append(kw["compiler_options"])
        return real_jit(fun, **kw)
    monkeypatch.setattr(jax, "jit", spy)
    return options


@pytest.mark.parametrize("side,hinted", [(32, False), (256, True)])
def test_large_max_pool_step_asks_xla_cpu_for_its_own_reductions(jit_options, side, hinted):
    """A compiled step with a max-pool of at least 2**20 elements is compiled with compile.xla_cpu.CPU_OPTIONS
    (XLA's own reduce fusion instead of YNN's), a smaller one without; results match eager."""
    from torchlike.compile import xla_cpu
    options = jit_options
    x = torch.tensor(np.random.default_rng(0).standard_normal((16, 4, side, side)).astype(np.float32))
    losses = []
    for compiled in (False, True):
        w = torch.ones(4, 1, 1, requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.01)

        def step():
            opt.zero_grad()
            loss = F.max_pool2d(x * w, 2).square().mean()
            loss.backward()
            opt.step()
            return loss
        f = torch.compile(step) if compiled else step
        losses.append([f().item() for _ in range(3)])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert len(options) == 1
    reduce_opts = {k: v for k, v in options[0].items() if k != "xla_multiheap_size_constraint_per_heap"}
    assert reduce_opts == (xla_cpu.CPU_OPTIONS["window_max"] if hinted else {})


def test_step_temporaries_are_split_into_reusable_heaps(jit_options):
    """On CPU a step program's temporaries are split into heaps of at most 16 MiB (malloc reuses them;
    one block over 32 MiB is mapped and unmapped, page by page, every call), or its largest value if
    bigger: XLA cannot split a buffer. Results match eager."""
    import jax
    from torchlike.compile import xla_cpu
    options = jit_options
    limit = "xla_multiheap_size_constraint_per_heap"
    for n, expect in ((64, 16 << 20), (3072, 3072 * 3072 * 4)):  # a 36 MiB matrix product needs a bigger heap
        a = torch.tensor(np.random.default_rng(0).standard_normal((n, 8)).astype(np.float32))
        w = torch.ones(8, requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.01)

        def step():
            opt.zero_grad()
            loss = ((a * w) @ (a * w).T).tanh().mean()
            loss.backward()
            opt.step()
            return loss
        eager = [step().item() for _ in range(2)]
        w.data = torch.ones(8)
        f = torch.compile(step)
        compiled = [f().item() for _ in range(2)]
        np.testing.assert_allclose(eager, compiled, rtol=1e-5)
        assert options[-1][limit] == expect
    body = lambda c, _: (c + jax.numpy.ones((20, 30), jax.numpy.float32).sum(), None)  # noqa: E731
    nested = jax.make_jaxpr(lambda c: jax.lax.scan(body, c, None, length=3))(np.float32(1))
    assert xla_cpu.largest_value_bytes(nested) == 20 * 30 * 4  # a value inside the loop body counts


@pytest.mark.filterwarnings("ignore:torchlike.compile. falling back")
def test_private_names_compile_tutorials_call(capsys, xla_compiles):
    """``torch._dynamo.reset``, ``torch._inductor.utils.fresh_inductor_cache`` and ``torch._logging.set_logs``
    (recompiles, graph breaks) after a bare ``import torch``."""
    assert torch._dynamo.reset is torch.compiler.reset
    compiles = xla_compiles
    f = torch.compile(lambda x: (x * 3).sum())
    x = torch.ones(5)
    for _ in range(3):
        f(x)
    before = len(compiles)
    f(x)
    assert len(compiles) == before  # cached
    with torch._inductor.utils.fresh_inductor_cache():
        f(x)
    assert len(compiles) > before  # compiled again from scratch

    torch._logging.set_logs(recompiles=True, graph_breaks=True, dynamo=20, output_code=True)
    try:
        f(torch.ones(7))
        g = torch.compile(lambda x: x * 2 if float(x.sum()) > 0 else x)
        for _ in range(2):
            g(torch.ones(2))
    finally:
        torch._logging.set_logs()
    err = capsys.readouterr().err
    assert "Recompiling function <lambda>: the arguments' shapes or dtypes changed" in err
    assert "Graph break in <lambda>: running it eagerly for these inputs" in err and "needs a concrete value" in err
    f(torch.ones(9))
    assert "Recompiling" not in capsys.readouterr().err  # set_logs() turned it off
