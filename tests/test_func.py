"""torchlike.func against torch.func: the per-sample-gradient and model-ensembling tutorial patterns,
and the basic transforms."""
import numpy as np
import torch
import torch.func

import torchlike
import torchlike.func
from conftest import assert_same

R = np.random.default_rng(0)
X = R.standard_normal((5, 3)).astype(np.float32)


def _linear(m, w, b):
    lin = m.nn.Linear(3, 2)
    lin.load_state_dict({"weight": m.tensor(w), "bias": m.tensor(b)})
    return lin


W = R.standard_normal((2, 3)).astype(np.float32)
B = R.standard_normal((2,)).astype(np.float32)
Y = np.array([0, 1, 1, 0, 1])


def test_per_sample_gradients():
    def run(m):
        model = _linear(m, W, B)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(params, x, y):
            out = m.func.functional_call(model, params, (x.unsqueeze(0),))
            return m.nn.functional.cross_entropy(out, y.unsqueeze(0))

        grads = m.func.vmap(m.func.grad(loss), in_dims=(None, 0, 0))(params, m.tensor(X), m.tensor(Y))
        return grads["weight"], grads["bias"]
    assert_same(run(torchlike), run(torch), rtol=1e-5, atol=1e-6)


def test_model_ensembling():
    def run(m):
        models = [_linear(m, W * (i + 1), B - i) for i in range(3)]
        params, buffers = m.func.stack_module_state(models)
        base = _linear(m, W, B)

        def f(p, b, x):
            return m.func.functional_call(base, (p, b), (x,))
        return m.func.vmap(f, in_dims=(0, 0, None))(params, buffers, m.tensor(X))
    assert_same(run(torchlike), run(torch), rtol=1e-5, atol=1e-6)


def test_transforms():
    def f(m):
        return lambda x: (x.sin() * x).sum()

    def g(m):
        return lambda x: x.sin() * x

    for name in ["grad", "jacrev", "jacfwd", "hessian"]:
        ours = getattr(torchlike.func, name)(f(torchlike) if name in ("grad", "hessian") else g(torchlike))(torchlike.tensor(X[0]))
        ref = getattr(torch.func, name)(f(torch) if name in ("grad", "hessian") else g(torch))(torch.tensor(X[0]))
        assert_same(ours, ref, rtol=1e-5, atol=1e-6)
    out, fn = torchlike.func.vjp(g(torchlike), torchlike.tensor(X[0]))
    rout, rfn = torch.func.vjp(g(torch), torch.tensor(X[0]))
    assert_same(out, rout)
    assert_same(fn(torchlike.ones(3))[0], rfn(torch.ones(3))[0])
    o, t = torchlike.func.jvp(g(torchlike), (torchlike.tensor(X[0]),), (torchlike.ones(3),))
    ro, rt = torch.func.jvp(g(torch), (torch.tensor(X[0]),), (torch.ones(3),))
    assert_same(o, ro)
    assert_same(t, rt)
    gr, val = torchlike.func.grad_and_value(f(torchlike))(torchlike.tensor(X[1]))
    rgr, rval = torch.func.grad_and_value(f(torch))(torch.tensor(X[1]))
    assert_same(gr, rgr)
    assert_same(val, rval)


def test_forward_mode_through_ops_with_written_out_backwards():
    """Max-pooling and (on CPU) the banded, depthwise and transposed convolutions have hand-written
    backwards (custom VJPs, which JAX cannot push tangents through); forward mode (func.jvp, jacfwd,
    hessian, dual tensors) uses their plain forwards and matches torch."""
    x = R.standard_normal((1, 4, 10, 10)).astype(np.float32)
    t = R.standard_normal((1, 4, 10, 10)).astype(np.float32)

    def build(m):
        m.manual_seed(0)
        banded_then_depthwise = m.nn.Sequential(m.nn.Conv2d(4, 4, 5), m.nn.Conv2d(4, 4, 3, padding=1, groups=4))
        return banded_then_depthwise, m.nn.ConvTranspose2d(4, 2, 4, 2, 1)

    tdw, tct = build(torch)
    ldw, lct = build(torchlike)
    for ours, ref in ((ldw, tdw), (lct, tct)):
        ours.load_state_dict({k: torchlike.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})

    def net(m, dw, ct):
        return lambda x: ct(m.nn.functional.max_pool2d(dw(x), 2)).tanh()

    ours = torchlike.func.jvp(net(torchlike, ldw, lct), (torchlike.tensor(x),), (torchlike.tensor(t),))
    ref = torch.func.jvp(net(torch, tdw, tct), (torch.tensor(x),), (torch.tensor(t),))
    assert_same(ours, ref, rtol=1e-4, atol=1e-5)
    small = x[:, :1, :4, :4]
    h = torchlike.func.hessian(lambda v: torchlike.nn.functional.max_pool2d(v, 2).pow(3).sum())(torchlike.tensor(small))
    assert_same(h, torch.func.hessian(lambda v: torch.nn.functional.max_pool2d(v, 2).pow(3).sum())(torch.tensor(small)))
    import torchlike.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        out = fwAD.unpack_dual(net(torchlike, ldw, lct)(fwAD.make_dual(torchlike.tensor(x), torchlike.tensor(t))))
    assert_same(out.tangent, ref[1], rtol=1e-4, atol=1e-5)


def test_dict_results_keep_insertion_order_as_torch():
    """torch.func's pytrees keep dict insertion order (JAX's sort keys): per-sample-gradient code zips
    the result with ``named_parameters()``, so the order is part of the result."""
    def run(m):
        f = m.func
        model = m.nn.Sequential(m.nn.Linear(3, 2), m.nn.Linear(2, 1))
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, x, y):
            return ((f.functional_call(model, p, (x.unsqueeze(0),)) - y) ** 2).sum()

        x, y = m.tensor(X[:4]), m.tensor(X[:4, :1])
        p2 = {"z": m.ones(2), "a": m.ones(2)}
        dict_out = lambda p: {"k": p["z"] * 2, "b": p["a"].sum()}  # noqa: E731
        out, pull = f.vjp(dict_out, p2)
        return [list(f.vmap(f.grad(loss), in_dims=(None, 0, 0))(params, x, y)),
                list(f.grad(loss)(params, x[0], y[0])),
                list(f.jacrev(dict_out)(p2)), list(f.jacrev(dict_out)(p2)["k"]),
                list(f.hessian(lambda p: (p["z"] * p["a"]).sum())(p2)["z"]),
                list(out), list(pull({"k": m.ones(2), "b": m.ones(())})[0]),
                list(f.jvp(dict_out, (p2,), (p2,))[1]),
                list(f.vmap(lambda v: {"y": v, "x": v})(m.ones(3)))]

    assert run(torchlike) == run(torch)
