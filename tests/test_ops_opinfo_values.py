"""Values, shapes and gradients torch's OpInfo samples caught (issue 24), each checked against torch on
the same numpy inputs: 0-d inputs, empty batches, None arguments, aten-level ops and special functions."""
import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

R = np.random.default_rng(0)


def _both(fn, *arrays, grad=True, rtol=1e-5, atol=1e-6, grad_rtol=1e-4, grad_atol=1e-5):
    """fn(lib, *tensors) under torchlike and torch: same values, dtypes, shapes; with grad, the input
    gradients of sum(output[0] * w) too."""
    ours_in = [torchlike.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ours, ref = fn(torchlike, *ours_in), fn(torch, *ref_in)
    seq = isinstance(ref, (tuple, list))
    assert_same(tuple(ours) if seq else ours, tuple(ref) if seq else ref, rtol=rtol, atol=atol)
    o, r = (ours[0], ref[0]) if seq else (ours, ref)
    if grad and r.requires_grad:
        w = np.random.default_rng(1).standard_normal(tuple(r.shape)).astype(to_np_dtype(r))
        (o * torchlike.tensor(w)).sum().backward()
        (r * torch.tensor(w)).sum().backward()
        for a, b in zip(ours_in, ref_in):
            if b.grad is not None:
                ref_grad = torch.zeros(b.grad.shape, dtype=b.grad.dtype) if b.grad._is_zerotensor() else b.grad
                assert_same(a.grad, ref_grad, rtol=grad_rtol, atol=grad_atol)


def to_np_dtype(t):
    return {torch.float64: np.float64}.get(t.dtype, np.float32)


# ---------------------------------------------------------------- 0-d and empty inputs

def test_index_select_and_nonzero_of_0d():
    x = np.array(2.5)
    _both(lambda m, x: m.index_select(x, 0, m.tensor([0])), x)
    _both(lambda m, x: m.index_select(x, -1, m.tensor(0)), x)
    for lib in (torchlike, torch):
        with pytest.raises(RuntimeError, match="Index to scalar"):
            lib.index_select(lib.tensor(2.5), 0, lib.tensor([0, 0]))
    for v in (0.0, 3.0):
        _both(lambda m, x: m.nonzero(x), np.array(v), grad=False)
        _both(lambda m, x: m.nonzero(x, as_tuple=True), np.array(v), grad=False)


def test_gradient_none_spacing_and_spacing_errors():
    x = R.standard_normal((4, 5))
    _both(lambda m, x: m.gradient(x, spacing=None, dim=None), x)
    _both(lambda m, x: m.gradient(x, spacing=[0.5], dim=0), x)
    for kw in (dict(spacing=[0.1]), dict(spacing=[0.1], dim=(1, 0)), dict(dim=(1, 1))):
        for lib in (torchlike, torch):
            with pytest.raises(RuntimeError):
                lib.gradient(lib.tensor(x), **kw)


def test_vander_of_0d_and_small_n():
    _both(lambda m, x: m.linalg.vander(x, N=3), np.array(2.0))
    for lib in (torchlike, torch):
        with pytest.raises(RuntimeError, match="N must be greater than 1"):
            lib.linalg.vander(lib.tensor([2.0, 3.0]), N=1)


def test_unfold_of_an_empty_batch():
    _both(lambda m, x: m.nn.functional.unfold(x, 2, 1, 0, 1), np.zeros((0, 1, 5, 5), np.float32))


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_margin_losses_of_0d_and_1d_inputs(reduction):
    for x, t in ((np.array(0.3), np.array(0)), (np.array([0.3, 0.5, -0.2]), np.array(1)),
                 (np.array([0.3, 0.5, -0.2]), np.array([2]))):
        _both(lambda m, x, t: m.nn.functional.multi_margin_loss(x, t, reduction=reduction), x, t)
    for x, t in ((np.array(0.3), np.array(0)), (np.array([0.3, 0.5, -0.2]), np.array([2, 0, -1]))):
        _both(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), x, t)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_of_0d(reduce, include_self):
    _both(lambda m, x, s: m.index_reduce(x, 0, m.tensor([0]), s, reduce, include_self=include_self),
          np.array(1.5), np.array(-0.5))


# ---------------------------------------------------------------- special functions

# negative points where jax's polygamma (Hurwitz zeta) is off; poles and zero
POLY_X = np.array([-8.4784, -7.9506, -4.3228, -1.7658, -0.5735, 1e-3, 1.1351, 3.6116, 30.5, -3.0, 0.0, -0.0])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_polygamma_values_and_grad_match_torch(n, dtype):
    x = POLY_X.astype(dtype)
    tol = 2e-6 if dtype == np.float32 else 1e-10
    _both(lambda m, x: m.polygamma(n, x), x, grad=False, rtol=tol, atol=0)
    finite = x[np.abs(x - np.round(x)) > 1e-3]  # gradients away from the poles
    _both(lambda m, x: m.special.polygamma(n, x), finite, rtol=tol, atol=0, grad_rtol=tol, grad_atol=0)


def test_digamma_grad_is_torchs_trigamma():
    _both(lambda m, x: m.digamma(x), POLY_X[:9], rtol=1e-10, atol=0, grad_rtol=1e-10, grad_atol=0)


# ---------------------------------------------------------------- torch.native_* and grid samplers

@pytest.mark.parametrize("training", [True, False])
def test_native_batch_norm_outputs_and_running_stats(training):
    x, w, b = R.standard_normal((4, 3, 5)), R.standard_normal(3), R.standard_normal(3)
    running = {}

    def call(m, x, w, b):
        running[m] = (m.tensor(np.linspace(-1, 1, 3)), m.tensor(np.linspace(0.5, 2, 3)))
        return m.native_batch_norm(x, w, b, *running[m], training, 0.3, 1e-5)
    _both(call, x, w, b)
    assert_same(running[torchlike], running[torch])  # updated in place in training
    for lib in (torchlike, torch):
        outs = lib._native_batch_norm_legit(lib.tensor(x, requires_grad=True), None, None, lib.zeros(3, dtype=lib.float64),
                                            lib.ones(3, dtype=lib.float64), training, 0.3, 1e-5)
        assert [o.requires_grad for o in outs] == [True, False, False]
    _both(lambda m, x: m._native_batch_norm_legit(x, None, None, True, 0.3, 1e-5), x)


def test_native_group_and_layer_norm():
    x, w, b = R.standard_normal((2, 6, 3)), R.standard_normal(6), R.standard_normal(6)
    _both(lambda m, x, w, b: m.native_group_norm(x, w, b, 2, 6, 3, 3, 1e-5), x, w, b)
    # the statistics are outputs torch differentiates through
    _both(lambda m, x: m.native_group_norm(x, None, None, 2, 6, 3, 2, 1e-5)[2], x)
    for lib in (torchlike, torch):
        out = lib.native_layer_norm(lib.tensor(x, requires_grad=True), (6, 3), None, None, 1e-5)
        assert [o.requires_grad for o in out] == [True, False, False]
    _both(lambda m, x: m.native_layer_norm(x, (3,), None, None, 1e-5), x)


@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sampler_3d(mode, padding, align_corners):
    x, g = R.standard_normal((2, 3, 4, 5, 3)), R.uniform(-1.2, 1.2, (2, 2, 3, 4, 3))
    _both(lambda m, x, g: m.grid_sampler_3d(x, g, mode, padding, align_corners), x, g, rtol=1e-10, atol=1e-10)
    _both(lambda m, x, g: m.nn.functional.grid_sample(x, g, ("bilinear", "nearest")[mode],
                                                      ("zeros", "border", "reflection")[padding], align_corners),
          x, g, rtol=1e-10, atol=1e-10)


def test_grid_sampler_2d_integer_codes():
    x, g = R.standard_normal((2, 3, 4, 5)), R.uniform(-1.2, 1.2, (2, 3, 4, 2))
    _both(lambda m, x, g: m.grid_sampler_2d(x, g, 0, 2, False), x, g, rtol=1e-10, atol=1e-10)
    _both(lambda m, x, g: m.grid_sampler(x, g, 1, 1, True), x, g, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- sparse

@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
def test_sparse_mm_reduce_values_and_csr_gradient(reduce):
    a = np.array([[0.0, 2.0, -1.0], [0.0, 0.0, 0.0], [3.0, 0.0, 0.5]])
    b = R.standard_normal((3, 4))
    res = {}
    for lib in (torchlike, torch):
        x = lib.tensor(a).to_sparse_csr().requires_grad_()
        d = lib.tensor(b, requires_grad=True)
        y = lib.sparse.mm(x, d, reduce)
        gx, gd = lib.autograd.grad((y * lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4))).sum(), [x, d])
        assert str(gx.layout).endswith("sparse_csr")
        res[lib] = (y, gx.to_dense(), gd)
    assert_same(res[torchlike], res[torch])


def test_sparse_sampled_addmm_and_to_sparse():
    a = np.array([[0.0, 2.0, -1.0], [0.0, 0.0, 0.0]])
    m1, m2 = R.standard_normal((2, 4)), R.standard_normal((4, 3))
    res = {}
    for lib in (torchlike, torch):
        y = lib.sparse.sampled_addmm(lib.tensor(a).to_sparse_csr(), lib.tensor(m1), lib.tensor(m2), beta=0.2, alpha=0.6)
        assert str(y.layout).endswith("sparse_csr")
        res[lib] = (y.to_dense(), lib.tensor(a).to_sparse().to_dense())
    assert_same(res[torchlike], res[torch])


# ---------------------------------------------------------------- gradients of random draws and frexp

@pytest.mark.parametrize("fill", [lambda x: x.normal_(), lambda x: x.uniform_(), lambda x: x.bernoulli_(0.3),
                                  lambda x: x.exponential_(), lambda x: x.geometric_(0.5), lambda x: x.cauchy_(),
                                  lambda x: x.log_normal_(), lambda x: x.random_(0, 3)])
def test_random_fill_of_a_graph_tensor_cuts_its_history(fill):
    grads = []
    for lib in (torchlike, torch):
        a = lib.ones(3, requires_grad=True)
        x = a * 2
        fill(x)
        assert x.requires_grad and x.grad_fn is not None
        (x * 3).sum().backward()
        grads.append(a.grad)
    assert_same(grads[0], grads[1])  # zero: the drawn values do not depend on a


def test_bernoulli_and_normal_are_in_the_graph_with_zero_gradients():
    _both(lambda m, p: m.bernoulli(p) * 0, np.array([0.2, 0.7, 1.0]))
    _both(lambda m, mu, sd: m.normal(mu, sd) * 0, np.array([0.2, -1.0]), np.array([0.5, 2.0]))


def test_frexp_mantissa_gradient():
    x = np.array([3.0, -0.7, 1e-3, 0.0, 1024.0, -5e-300])
    _both(lambda m, x: m.frexp(x), x, rtol=0, atol=0, grad_rtol=1e-12, grad_atol=0)


# ---------------------------------------------------------------- linalg gradients

def test_sgn_and_nextafter_gradients():
    x, y = np.array([-1.5, 0.0, 2.0]), np.array([0.0, 1.0, 2.0])
    _both(lambda m, x: m.sgn(x), x)
    _both(lambda m, x, y: m.nextafter(x, y), x, y, rtol=0, atol=0)


def test_eig_and_eigvals_gradients():
    a = R.standard_normal((4, 4))
    # eigenvectors are defined up to a phase: a loss of their magnitudes is well defined (torch's OpInfo)
    _both(lambda m, a: (lambda r: (r[0].real + r[0].imag * 0.5, r[1].abs()))(m.linalg.eig(a)), a,
          rtol=1e-10, atol=1e-12, grad_rtol=1e-8, grad_atol=1e-10)
    _both(lambda m, a: m.linalg.eigvals(a).imag * 2 + m.linalg.eigvals(a).real, a, rtol=1e-10, atol=1e-12,
          grad_rtol=1e-8, grad_atol=1e-10)


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss"])
def test_lstsq_outputs_in_the_graph(driver):
    a, b = R.standard_normal((5, 3)), R.standard_normal((5, 2))
    flags = []
    for lib in (torchlike, torch):
        out = lib.linalg.lstsq(lib.tensor(a, requires_grad=True), lib.tensor(b), driver=driver)
        flags.append([(tuple(t.shape), t.requires_grad) for t in out])
    assert flags[0] == flags[1]
    _both(lambda m, a, b: m.linalg.lstsq(a, b, driver=driver).solution, a, b, rtol=1e-10, atol=1e-12,
          grad_rtol=1e-8, grad_atol=1e-10)


# ---------------------------------------------------------------- torch._chunk_cat, masked index, segment_reduce

def test_chunk_cat():
    a, b = R.standard_normal((2, 5, 3)), R.standard_normal((2, 4))
    _both(lambda m, a, b: m._chunk_cat([a, b], 1, 2), a, b, grad=False)  # torch has no derivative for it
    _both(lambda m, a: m._chunk_cat([a], -1, 2), a, grad=False)


def test_unsafe_masked_index_and_put_accumulate():
    x = R.standard_normal((4, 5))
    rows, cols = np.array([[0], [3], [7]]), np.array([[1, 4, -9]])  # out of range only where masked off
    mask = (rows < 4) & (cols > -5)
    _both(lambda m, x: m._unsafe_masked_index(x, m.tensor(mask), [m.tensor(rows), m.tensor(cols)], -2.5), x)
    v = R.standard_normal((3, 3))
    _both(lambda m, x, v: m._unsafe_masked_index_put_accumulate(x, m.tensor(mask), [m.tensor(rows), m.tensor(cols)],
                                                                v), x, v)


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod", "max", "min"])
@pytest.mark.parametrize("initial", [None, 1.5])
def test_segment_reduce(reduce, initial):
    x = R.standard_normal((6, 3))
    _both(lambda m, x: m.segment_reduce(x, reduce, lengths=m.tensor([0, 2, 3, 1]), initial=initial), x)
    _both(lambda m, x: m.segment_reduce(x, reduce, offsets=m.tensor([0, 1, 1, 4, 6]), initial=initial), x)
    for lib in (torchlike, torch):
        with pytest.raises(RuntimeError, match="last dimension of offsets"):
            lib.segment_reduce(lib.tensor(x), reduce, offsets=lib.tensor([0, 1, 3]), axis=1)


# ---------------------------------------------------------------- torch.ops.aten

def test_aten_namespace_overloads():
    x = R.standard_normal((4, 6))
    _both(lambda m, x: m.ops.aten.slice.Tensor(x, 1, 1, None, 2), x)
    _both(lambda m, x: m.ops.aten.slice(x, 0), x)
    _both(lambda m, x: m.ops.aten.add.Tensor(x, x), x)
    inf = np.where(np.arange(24).reshape(2, 3, 4) % 3 == 0, -np.inf, R.standard_normal((2, 3, 4)))
    inf[1] = -np.inf  # fully masked rows give 0, and no nan gradient
    _both(lambda m, x: m.ops.aten._safe_softmax.default(x, 1), inf)
    g, y = R.standard_normal((3, 5)), R.uniform(0.05, 0.3, (3, 5))
    _both(lambda m, g, y: m.ops.aten._softmax_backward_data(g, y, 1, m.float64), g, y)
    _both(lambda m, g: m.ops.aten.native_dropout_backward(g, m.tensor(y > 0.1), 2.0), g)


def test_aten_batch_norm_with_update_and_max_pool_backward():
    x, w = R.standard_normal((4, 3, 5)), R.standard_normal(3)
    running = {}

    def call(m, x, w):
        running[m] = (m.zeros(3, dtype=m.float64), m.ones(3, dtype=m.float64))
        return m.ops.aten._batch_norm_with_update(x, w, w, *running[m], 0.3, 1e-5)
    _both(call, x, w)
    assert_same(running[torchlike], running[torch])

    def pool_back(m, x):
        out, idx = m.nn.functional.max_pool2d(x, 3, 2, ceil_mode=True, return_indices=True)
        return m.ops.aten.max_pool2d_with_indices_backward.default(out * 2 + 1, x, 3, 2, 0, 1, True, idx)
    _both(pool_back, R.standard_normal((2, 3, 5, 7)))


def test_rrelu_training_draws_torchs_stream():
    x = R.standard_normal((4, 5))
    torchlike.manual_seed(7)
    torch.manual_seed(7)
    for _ in range(2):  # the stream advances as torch's (one 64-bit draw per element <= 0)
        _both(lambda m, x: m.nn.functional.rrelu(x, 0.1, 0.4, training=True), x, rtol=1e-12, atol=0,
              grad_rtol=1e-12, grad_atol=0)
    assert_same(torchlike.rand(3), torch.rand(3))


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_with_given_samples(nd):
    x = R.standard_normal((2, 3, 7, 6, 5)[:2 + nd])
    u = np.random.default_rng(1).uniform(size=(2, 3, nd))
    kw = dict(output_size=(3, 4, 2)[:nd]) if nd == 3 else dict(output_ratio=(0.6, 0.6))

    def call(m, x):
        f = getattr(m.nn.functional, f"fractional_max_pool{nd}d")
        return f(x, 2, return_indices=True, _random_samples=m.tensor(u), **kw)
    _both(call, x)


def test_pinv_hermitian_gradient_is_torchs_general_one():
    a = R.standard_normal((4, 4))  # not symmetric: the value reads the lower triangle, the gradient all of A
    _both(lambda m, a: m.linalg.pinv(a, hermitian=True), a, rtol=1e-10, atol=1e-12, grad_rtol=1e-8, grad_atol=1e-10)
    _both(lambda m, a: m.linalg.pinv(a, hermitian=True), a[:, :3] @ a[:, :3].T, rtol=1e-8, atol=1e-10,
          grad_rtol=1e-6, grad_atol=1e-8)


def test_max_unpool_gradient_reaches_inputs_sharing_an_index():
    x = R.standard_normal((1, 2, 4))
    idx = np.array([[[0, 0, 3, 3], [1, 2, 2, 5]]])  # repeated targets: torch gathers the gradient for each
    w = R.standard_normal((1, 2, 8))
    grads = []
    for lib in (torchlike, torch):
        t = lib.tensor(x, requires_grad=True)
        (lib.nn.functional.max_unpool1d(t, lib.tensor(idx), 2) * lib.tensor(w)).sum().backward()
        grads.append(t.grad)
    assert_same(grads[0], grads[1])
