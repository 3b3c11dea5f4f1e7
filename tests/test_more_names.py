"""Smaller torch names tutorials use, against torch: distributions, torch.cond, library.custom_op,
torchvision.io.read_image, compiler.reset, the nn.modules.* locations."""
import numpy as np
import torch
import torch.distributions

import torchlike
import torchlike.distributions
from conftest import assert_same

LOGITS = np.array([[0.1, 0.5, 2.0], [1.0, -1.0, 0.0]], np.float32)


def test_categorical():
    def run(m):
        logits = m.tensor(LOGITS, requires_grad=True)
        d = m.distributions.Categorical(logits=logits)
        lp = d.log_prob(m.tensor([2, 0]))
        ent = d.entropy()
        (lp.sum() + ent.sum()).backward()
        return lp, ent, d.probs, logits.grad
    assert_same(run(torchlike), run(torch), rtol=1e-5, atol=1e-6)
    p = torchlike.distributions.Categorical(probs=torchlike.tensor([0.0, 1.0, 0.0]))
    assert p.sample((5,)).tolist() == [1] * 5
    torchlike.manual_seed(3)
    torch.manual_seed(3)
    probs = [0.2, 0.3, 0.5]
    a = torchlike.distributions.Categorical(probs=torchlike.tensor(probs)).sample((6,))
    b = torch.distributions.Categorical(probs=torch.tensor(probs)).sample((6,))
    assert a.tolist() == b.tolist()  # torch's random stream


def test_normal_and_bernoulli():
    def run(m):
        loc = m.tensor([0.5, -1.0], requires_grad=True)
        d = m.distributions.Normal(loc, m.tensor([1.0, 2.0]))
        lp = d.log_prob(m.tensor([0.0, 1.0]))
        lp.sum().backward()
        b = m.distributions.Bernoulli(logits=m.tensor([0.3, -2.0]))
        return lp, d.entropy(), d.cdf(m.tensor([0.0, 0.0])), loc.grad, b.log_prob(m.tensor([1.0, 0.0])), b.entropy()
    assert_same(run(torchlike), run(torch), rtol=1e-5, atol=1e-6)
    s = torchlike.distributions.Normal(torchlike.zeros(2), torchlike.ones(2)).rsample((1000,))
    assert tuple(s.shape) == (1000, 2) and abs(s.mean().item()) < 0.1


def test_cond_eager_and_compiled_with_grad():
    def run(m, flag):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.cond(m.tensor(flag), lambda t: t.sin() * 2, lambda t: t.cos(), (x,))
        y.sum().backward()
        return y, x.grad
    for flag in (True, False):
        assert_same(run(torchlike, flag), run(torch, flag))
    w = torchlike.tensor([1.0, 2.0], requires_grad=True)

    @torchlike.compile(fullgraph=True)
    def step(x):
        out = torchlike.cond(x.sum() > 0, lambda t: t * w, lambda t: t - w, (x,))
        return out.sum()

    for _ in range(3):
        assert step(torchlike.tensor([1.0, 1.0])).item() == 3.0
        assert step(torchlike.tensor([-1.0, -1.0])).item() == -5.0  # same program, other branch
    assert step.trace_count == 1


def test_custom_op_with_autograd():
    def build(m):
        def scaled_sin(x, k):
            return x.sin() * k

        scaled_sin.__annotations__ = {"x": m.Tensor, "k": float, "return": m.Tensor}  # torch infers a schema
        scaled_sin = m.library.custom_op("mylib::scaled_sin" + m.__name__, mutates_args=())(scaled_sin)

        def setup(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])
            ctx.k = inputs[1]

        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.cos() * ctx.k, None

        scaled_sin.register_autograd(backward, setup_context=setup)
        x = m.tensor([0.3, 1.2], requires_grad=True)
        y = scaled_sin(x, 3.0)
        y.sum().backward()
        return y, x.grad
    assert_same(build(torchlike), build(torch))


def test_read_image_and_module_locations(tmp_path):
    from PIL import Image
    arr = (np.arange(2 * 3 * 3) % 255).astype(np.uint8).reshape(2, 3, 3)
    Image.fromarray(arr).save(tmp_path / "a.png")
    from torchlike.vision.io import ImageReadMode, read_image
    img = read_image(str(tmp_path / "a.png"))
    assert img.dtype is torchlike.uint8 and tuple(img.shape) == (3, 2, 3)
    assert img.permute(1, 2, 0).numpy().tolist() == arr.tolist()
    assert tuple(read_image(str(tmp_path / "a.png"), ImageReadMode.GRAY).shape) == (1, 2, 3)
    from torchlike.nn.modules.activation import MultiheadAttention
    from torchlike.nn.modules.linear import NonDynamicallyQuantizableLinear
    from torchlike.nn.modules.sparse import Embedding
    assert Embedding is torchlike.nn.Embedding and MultiheadAttention is torchlike.nn.MultiheadAttention
    assert issubclass(NonDynamicallyQuantizableLinear, torchlike.nn.Linear)
    torchlike.compiler.reset()
    assert (torchlike.ones(2) + 1).tolist() == [2.0, 2.0]
