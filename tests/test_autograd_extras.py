"""autograd.functional, gradcheck, anomaly detection and forward AD, compared with torch."""
import warnings

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw

import torchlike as tl
import torchlike.autograd.forward_ad as fw

rng = np.random.default_rng(0)
A = rng.standard_normal(3)
B = rng.standard_normal((2, 3))


def _f(m):
    return lambda x, w: (w @ m.sin(x)) * x.sum()


def _np(x):
    if isinstance(x, tuple):
        return tuple(_np(y) for y in x)
    return x.detach().numpy()


def _close(x, y):
    if isinstance(x, tuple):
        assert isinstance(y, tuple) and len(x) == len(y)
        for u, v in zip(x, y):
            _close(u, v)
    else:
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


def test_jacobian_and_hessian_match_torch():
    ja = tl.autograd.functional.jacobian(_f(tl), (tl.tensor(A), tl.tensor(B)))
    jb = torch.autograd.functional.jacobian(_f(torch), (torch.tensor(A), torch.tensor(B)))
    _close(_np(ja), _np(jb))
    # single input, single output: a Tensor, not a tuple
    j1 = tl.autograd.functional.jacobian(lambda x: x.exp() * 2, tl.tensor(A))
    np.testing.assert_allclose(j1.numpy(), np.diag(np.exp(A) * 2), rtol=1e-12)
    ha = tl.autograd.functional.hessian(lambda x: (x.sin() * x).sum(), tl.tensor(A))
    hb = torch.autograd.functional.hessian(lambda x: (x.sin() * x).sum(), torch.tensor(A))
    _close(_np(ha), _np(hb))
    h2a = tl.autograd.functional.hessian(lambda x, w: (w @ x.pow(3)).sum(), (tl.tensor(A), tl.tensor(B)))
    h2b = torch.autograd.functional.hessian(lambda x, w: (w @ x.pow(3)).sum(), (torch.tensor(A), torch.tensor(B)))
    _close(_np(h2a), _np(h2b))
    with pytest.raises(RuntimeError, match="single element"):
        tl.autograd.functional.hessian(lambda x: x * 2, tl.tensor(A))


def test_vjp_jvp_hvp_vhp_match_torch():
    v_out = rng.standard_normal(2)
    va = tl.autograd.functional.vjp(_f(tl), (tl.tensor(A), tl.tensor(B)), tl.tensor(v_out))
    vb = torch.autograd.functional.vjp(_f(torch), (torch.tensor(A), torch.tensor(B)), torch.tensor(v_out))
    _close(_np(va), _np(vb))
    ta = tl.autograd.functional.jvp(_f(tl), (tl.tensor(A), tl.tensor(B)), (tl.tensor(A), tl.tensor(B)))
    tb = torch.autograd.functional.jvp(_f(torch), (torch.tensor(A), torch.tensor(B)), (torch.tensor(A), torch.tensor(B)))
    _close(_np(ta), _np(tb))
    g = lambda m: (lambda x: (x.exp() * x.cos()).sum())  # noqa: E731
    for name in ("hvp", "vhp"):
        a = getattr(tl.autograd.functional, name)(g(tl), tl.tensor(A), tl.tensor(A[::-1].copy()))
        b = getattr(torch.autograd.functional, name)(g(torch), torch.tensor(A), torch.tensor(A[::-1].copy()))
        _close(_np(a), _np(b))
    with pytest.raises(RuntimeError, match="v can only be None"):
        tl.autograd.functional.vjp(_f(tl), (tl.tensor(A), tl.tensor(B)))
    with pytest.raises(RuntimeError, match="independent of input 0"):
        tl.autograd.functional.vjp(lambda x: x.detach().sum(), tl.tensor(A), strict=True)


def test_gradcheck_and_gradgradcheck():
    for m in (tl, torch):
        x = m.tensor(A, requires_grad=True)
        w = m.tensor(B, requires_grad=True)
        assert m.autograd.gradcheck(_f(m), (x, w))
        assert m.autograd.gradgradcheck(lambda a: (a.sin() * a).sum() * a, (x,))
        bad = lambda a: a * 2 + (a.detach() * 0.1)  # noqa: E731  gradient deliberately wrong
        assert m.autograd.gradcheck(bad, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        tl.autograd.gradcheck(lambda a: a * 2 + a.detach() * 0.1, (tl.tensor(A, requires_grad=True),))
    with pytest.warns(UserWarning, match="not a double precision"):
        tl.autograd.gradcheck(lambda a: a * 2, (tl.tensor(A.astype(np.float32), requires_grad=True),),
                              atol=1e-2, rtol=1e-2, eps=1e-3)


def test_detect_anomaly_names_the_backward_node_like_torch():
    msgs = []
    for m in (tl, torch):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as ei:
                with m.autograd.detect_anomaly():
                    ((x * 0) / (x * 0)).sum().backward()
        msgs.append(str(ei.value).splitlines()[0])
    assert msgs[0] == msgs[1] == "Function 'DivBackward0' returned nan values in its 1th output."
    # off: NaN gradients propagate silently, as in torch
    x = tl.tensor([0.0], requires_grad=True)
    ((x * 0) / (x * 0)).sum().backward()
    assert np.isnan(x.grad.numpy()).all()
    assert not tl.is_anomaly_enabled()
    with tl.autograd.set_detect_anomaly(True):
        assert tl.is_anomaly_enabled()
    assert not tl.is_anomaly_enabled()


def test_forward_ad_matches_torch():
    t = rng.standard_normal(3)
    res = []
    for m, F in ((tl, fw), (torch, tfw)):
        with F.dual_level():
            x = F.make_dual(m.tensor(A), m.tensor(t))
            y = (x.sin() * x).sum() + m.tensor(B) @ x.exp()
            p, tan = F.unpack_dual(y)
            res.append((p.numpy(), tan.numpy()))
            assert F.unpack_dual(m.tensor(A)).tangent is None
            tangent = m.tensor(t)
            dual = F.make_dual(m.tensor(A), tangent)
            assert F.unpack_dual(dual).tangent is tangent  # the very object, as torch returns it
            assert F.unpack_dual(y).tangent is F.unpack_dual(y).tangent
        assert F.unpack_dual(y).tangent is None  # tangents end with the level
    _close(res[0], res[1])


def test_forward_ad_errors_match_torch():
    for m, F in ((tl, fw), (torch, tfw)):
        with pytest.raises(RuntimeError, match="no level exists"):
            F.make_dual(m.zeros(2), m.zeros(2))
        with F.dual_level():
            with pytest.raises(RuntimeError, match="different size"):
                F.make_dual(m.zeros(2), m.zeros(3))
            with pytest.raises(RuntimeError, match="Nested forward mode AD"):
                with F.dual_level():
                    pass
