"""Autograd internals the autograd tutorials use, against torch: ``grad_fn._saved_*`` /
``_raw_saved_*``, ``next_functions``, node metadata, ``saved_tensors_hooks``, ``save_on_cpu``,
``disable_saved_tensors_hooks``."""
import pytest
import torch
import torch.autograd.graph

import torchlike
import torchlike.autograd.graph


def _run(m):
    G = m.autograd.graph
    out = []
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.pow(2)
    out.append((y.grad_fn._saved_self is x, y.grad_fn._saved_exponent, y.grad_fn.name()))
    z = x.exp()
    out.append(m.equal(z.grad_fn._saved_result, z))
    a = x * m.tensor([2.0, 2.0, 2.0])
    out.append(a.grad_fn._saved_other.tolist())
    out.append([(type(f).__name__ if f is not None else None, nr) for f, nr in (a * 3).sin().grad_fn.next_functions])
    z.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.grad_fn._saved_result

    shapes = []

    def pack(t):
        shapes.append(tuple(t.shape))
        return t * 1  # ops inside a pack hook are not packed again

    with G.saved_tensors_hooks(pack, lambda t: t):
        w = m.tensor([2.0, 3.0, 4.0], requires_grad=True)
        (x * w).sin().sum().backward()
    out.append((bool(shapes), x.grad.tolist(), w.grad.tolist()))
    with G.saved_tensors_hooks(lambda t: t * 10, lambda t: t):  # what unpack returns is what backward uses
        v = m.tensor([1.0, 2.0], requires_grad=True)
        (v * v).sum().backward()
    out.append(v.grad.tolist())
    with G.save_on_cpu():
        v2 = m.tensor([1.0, 2.0], requires_grad=True)
        (v2 * v2).sin().sum().backward()
    out.append(v2.grad.tolist())
    q = m.tensor([1.0, 2.0], requires_grad=True)
    r = q * q
    r.grad_fn._raw_saved_self.register_hooks(lambda t: t * 3, lambda t: t)
    r.sum().backward()
    out.append(q.grad.tolist())
    s = (q * 2).sin()
    s.grad_fn.metadata["k"] = 1
    out.append(dict(s.grad_fn.metadata))
    with G.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with G.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    return out


def test_saved_tensors_and_hooks_match_torch():
    ours, theirs = _run(torchlike), _run(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(a, list) and a and isinstance(a[0], float):
            assert a == pytest.approx(b, rel=1e-6)
        elif isinstance(a, tuple) and len(a) == 3 and isinstance(a[1], list):
            assert a[0] == b[0] and a[1] == pytest.approx(b[1], rel=1e-6) and a[2] == pytest.approx(b[2], rel=1e-6)
        else:
            assert a == b


def test_saved_tensor_hooks_with_create_graph():
    """Packed inputs also feed a double backward (the recorded backward reads the unpacked values)."""
    def run(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            y = (x * x * x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        return g.tolist(), x.grad.tolist()
    (g1, x1), (g2, x2) = run(torchlike), run(torch)
    assert g1 == pytest.approx(g2) and x1 == pytest.approx(x2)
