"""utils.checkpoint (against torch), SummaryWriter (read back with TensorBoard's reader), jit."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tcp

import torchlike as tl
import torchlike.utils.checkpoint as cp

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3)).astype(np.float32)


def _grads(m, ckpt, use_reentrant, x_requires_grad=True):
    m.manual_seed(0)
    lin1, lin2 = m.nn.Linear(3, 5), m.nn.Linear(5, 2)
    x = m.tensor(X, requires_grad=x_requires_grad)

    def seg(a):
        return m.tanh(lin1(a)) * 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = ckpt(seg, x, use_reentrant=use_reentrant)
    loss = lin2(h).pow(2).sum()
    loss.backward()
    out = [loss.item(), lin1.weight.grad, lin1.bias.grad, lin2.weight.grad]
    out.append(x.grad)
    return [o if o is None or isinstance(o, float) else o.numpy() for o in out], h


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_grads_match_torch(use_reentrant):
    a, h = _grads(tl, cp.checkpoint, use_reentrant)
    b, _ = _grads(torch, tcp.checkpoint, use_reentrant)
    assert h.grad_fn.name() == ("CheckpointFunctionBackward" if use_reentrant else h.grad_fn.name())
    np.testing.assert_allclose(a[0], b[0], rtol=1e-5)
    for u, v in zip(a[1:], b[1:]):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-6)


def test_checkpoint_input_without_grad():
    # non-reentrant: parameters inside still get gradients; reentrant: warns and output has no grad
    a, _ = _grads(tl, cp.checkpoint, False, x_requires_grad=False)
    b, _ = _grads(torch, tcp.checkpoint, False, x_requires_grad=False)
    for u, v in zip(a[1:4], b[1:4]):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-6)
    assert a[4] is None
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad"):
        h = cp.checkpoint(lambda t: t * 2, tl.ones(2), use_reentrant=True)
    assert not h.requires_grad
    with pytest.warns(UserWarning, match="use_reentrant"):
        cp.checkpoint(lambda t: t * 2, tl.ones(2, requires_grad=True))


def test_checkpoint_replays_dropout_mask():
    tl.manual_seed(0)
    x = tl.ones(64, requires_grad=True)
    y = cp.checkpoint(lambda t: tl.nn.functional.dropout(t, 0.5) * 3, x, use_reentrant=False)
    y.sum().backward()
    # gradient is 3/(1-p) exactly where the forward kept the element: same mask in the recomputation
    np.testing.assert_allclose(x.grad.numpy(), np.where(y.detach().numpy() != 0, 6.0, 0.0))


def test_checkpoint_sequential_matches_plain():
    tl.manual_seed(0)
    net = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.Linear(4, 4), tl.nn.Tanh(), tl.nn.Linear(4, 1))
    x = tl.tensor(X, requires_grad=True)
    out = cp.checkpoint_sequential(net, 2, x, use_reentrant=False)
    out.sum().backward()
    g_ckpt = [p.grad.numpy().copy() for p in net.parameters()] + [x.grad.numpy().copy()]
    net.zero_grad()
    x.grad = None
    net(x).sum().backward()
    g_plain = [p.grad.numpy() for p in net.parameters()] + [x.grad.numpy()]
    np.testing.assert_allclose(out.detach().numpy(), net(x).detach().numpy(), rtol=1e-6)
    for u, v in zip(g_ckpt, g_plain):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-7)


def test_checkpoint_inside_compiled_step_matches_eager():
    tl.manual_seed(0)
    lin1, lin2 = tl.nn.Linear(3, 5), tl.nn.Linear(5, 1)
    opt = tl.optim.SGD(list(lin1.parameters()) + list(lin2.parameters()), lr=0.1)
    x = tl.tensor(X)

    def step():
        opt.zero_grad()
        h = cp.checkpoint(lambda a: tl.tanh(lin1(a)), x, use_reentrant=False)
        loss = lin2(h).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    eager = [step().item() for _ in range(3)]
    tl.manual_seed(0)
    lin1.__init__(3, 5)
    lin2.__init__(5, 1)
    opt.__init__(list(lin1.parameters()) + list(lin2.parameters()), lr=0.1)
    compiled = tl.compile(step)
    got = [compiled().item() for _ in range(3)]
    np.testing.assert_allclose(got, eager, rtol=1e-5)
    assert compiled.trace_count == 1 and not compiled._eager_keys  # traced, no eager fallback

    # dropout inside a checkpoint in a compiled step: the recomputation replays the same mask
    xg = tl.ones(64, requires_grad=True)

    def drop_step():
        xg.grad = None
        y = cp.checkpoint(lambda t: tl.nn.functional.dropout(t, 0.5) * 3, xg, use_reentrant=False)
        y.sum().backward()
        return y
    run = tl.compile(drop_step)
    for _ in range(3):
        y = run()
        np.testing.assert_allclose(xg.grad.numpy(), np.where(y.detach().numpy() != 0, 6.0, 0.0))
    assert not run._eager_keys


# ------------------------------------------------------------------ tensorboard

def test_summary_writer_files_read_back_with_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torchlike.utils.tensorboard import SummaryWriter

    w = SummaryWriter(log_dir=str(tmp_path))
    for step in range(3):
        w.add_scalar("loss/train", tl.tensor(1.0 / (step + 1)), step)
    w.add_scalars("acc", {"train": 0.5, "val": 0.25}, 7)
    w.add_image("img", tl.rand(3, 8, 6), 1)
    w.add_image("img_hwc", np.zeros((5, 4, 3), np.uint8), 1, dataformats="HWC")
    w.add_images("batch", tl.rand(10, 1, 4, 4), 2)
    w.add_histogram("weights", tl.randn(1000), 3)
    w.add_text("note", "hello **tensorboard**", 4)
    w.add_graph(tl.nn.Linear(2, 3), tl.zeros(1, 2))
    w.add_hparams({"lr": 0.1, "opt": "sgd", "bn": True}, {"hparam/acc": 0.9}, run_name="hp")
    w.flush()
    w.close()

    acc = EventAccumulator(str(tmp_path), size_guidance={"images": 0, "tensors": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert [(e.step, round(e.value, 6)) for e in acc.Scalars("loss/train")] == [(0, 1.0), (1, 0.5), (2, 0.333333)]
    img = acc.Images("img")[0]
    assert (img.step, img.width, img.height) == (1, 6, 8)
    assert (acc.Images("img_hwc")[0].width, acc.Images("img_hwc")[0].height) == (4, 5)
    grid = acc.Images("batch")[0]
    assert (grid.width, grid.height) == (4 * 8, 4 * 2)  # 8 images per row, as torch tiles them
    h = acc.Histograms("weights")[0].histogram_value
    assert h.num == 1000 and sum(h.bucket) == 1000
    assert "note/text_summary" in tags["tensors"] and "graph/text_summary" in tags["tensors"]
    text = acc.Tensors("note/text_summary")[0].tensor_proto.string_val[0].decode()
    assert text == "hello **tensorboard**"

    sub = EventAccumulator(str(tmp_path / "acc_val"))
    sub.Reload()
    assert [(e.step, e.value) for e in sub.Scalars("acc")] == [(7, 0.25)]
    hp = EventAccumulator(str(tmp_path / "hp"))
    hp.Reload()
    assert hp.Scalars("hparam/acc")[0].value == pytest.approx(0.9)
    assert "_hparams_/session_start_info" in hp.Tags()["tensors"] or hp.summary_metadata


# ------------------------------------------------------------------ jit

def test_jit_script_and_trace_run_the_same_computation():
    tl.manual_seed(0)
    net = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU())
    x = tl.tensor(X)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        scripted = tl.jit.script(net)
        traced = tl.jit.trace(net, x)
    assert sum("TorchScript is not produced" in str(r.message) for r in rec) <= 1
    want = net(x).detach().numpy()
    for m in (scripted, traced):
        np.testing.assert_allclose(m(x).detach().numpy(), want, rtol=1e-6)
        np.testing.assert_allclose(m(x).detach().numpy(), want, rtol=1e-6)  # second call: compiled program
    assert len(list(scripted.parameters())) == 2
    scripted.eval()
    assert not net.training

    @tl.jit.script
    def branchy(a):
        if a.sum() > 0:  # Python control flow on a value: runs eagerly
            return a * 2
        return a - 1
    np.testing.assert_allclose(branchy(tl.ones(2)).numpy(), [2.0, 2.0])
    np.testing.assert_allclose(branchy(-tl.ones(2)).numpy(), [-2.0, -2.0])


def test_jit_save_load_raise_clear_errors(tmp_path):
    m = tl.jit.script(tl.nn.Linear(2, 2))
    for call in (lambda: tl.jit.save(m, tmp_path / "m.pt"), lambda: tl.jit.load(tmp_path / "m.pt"),
                 lambda: m.save(str(tmp_path / "m.pt"))):
        with pytest.raises(RuntimeError, match="TorchScript serialization is not supported"):
            call()
    assert tl.jit.is_scripting() is False and tl.jit.annotate(int, 3) == 3


def test_summary_writer_embedding_and_pr_curve_as_torch(tmp_path):
    """The TensorBoard tutorial's ``add_embedding`` (projector files) and ``add_pr_curve`` (plugin tensor):
    the same files and values as torch's writer."""
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    import torch.utils.tensorboard
    import torchlike.utils.tensorboard  # noqa: F401  (makes tl.utils.tensorboard an attribute)

    rng = np.random.default_rng(0)
    feats = rng.standard_normal((5, 4)).astype(np.float32)
    imgs = rng.random((5, 1, 3, 2)).astype(np.float32)
    labels = rng.integers(0, 2, 50)
    preds = rng.random(50).astype(np.float32)
    for m, name in ((tl, "ours"), (torch, "theirs")):
        w = m.utils.tensorboard.SummaryWriter(log_dir=str(tmp_path / name))
        w.add_embedding(m.tensor(feats), metadata=list("abcde"), label_img=m.tensor(imgs), tag="feat/x")
        w.add_embedding(m.tensor(feats[:, :2]), metadata=[[1, "a"], [2, "b"], [3, "c"], [4, "d"], [5, "e"]],
                        metadata_header=["id", "name"], global_step=3)
        w.add_pr_curve("pr", m.tensor(labels), m.tensor(preds), global_step=2)
        w.close()
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    files = sorted(p.relative_to(theirs).as_posix() for p in theirs.rglob("*") if p.is_file()
                   and "events" not in p.name)
    assert files == sorted(p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file()
                           and "events" not in p.name)
    from PIL import Image
    for f in files:
        if f.endswith(".png"):
            assert np.array_equal(np.asarray(Image.open(ours / f)), np.asarray(Image.open(theirs / f)))
        else:
            assert (ours / f).read_text() == (theirs / f).read_text(), f
    curves = []
    for d in (ours, theirs):
        acc = EventAccumulator(str(d), size_guidance={"tensors": 0})
        acc.Reload()
        ev = acc.Tensors("pr")[0]
        curves.append((ev.step, list(ev.tensor_proto.tensor_shape.dim), list(ev.tensor_proto.float_val),
                       acc.SummaryMetadata("pr").plugin_data.plugin_name))
    assert curves[0] == curves[1]
