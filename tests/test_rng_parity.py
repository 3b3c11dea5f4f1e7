"""torch's CPU random stream: after manual_seed, torchlike draws torch 2.13's exact bits.

Each check also compares the next draw, so the amount of the stream consumed matches too.
"""
import numpy as np
import pytest

import torchlike as tl

torch = pytest.importorskip("torch")

DTYPES = [("float32", torch.float32, tl.float32), ("float64", torch.float64, tl.float64),
          ("float16", torch.float16, tl.float16), ("bfloat16", torch.bfloat16, tl.bfloat16)]


def _np(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()
    a = np.asarray(t.detach()._value)
    return a.astype(np.float32) if a.dtype.name == "bfloat16" else a


def same_stream(f_torch, f_ours, seed=0):
    torch.manual_seed(seed)
    tl.manual_seed(seed)
    a, b = _np(f_torch()), _np(f_ours())
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    bad = np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b))))
    assert bad.size == 0, f"{bad.size}/{a.size} differ, first at {bad[:5]}: {a.ravel()[bad[:3]]} vs {b.ravel()[bad[:3]]}"
    assert torch.rand(1).item() == tl.rand(1).item(), "different amount of the stream consumed"


@pytest.mark.parametrize("n", [1, 7, 16, 17, 250, 4099])
@pytest.mark.parametrize("name,td,ld", DTYPES, ids=[d[0] for d in DTYPES])
def test_rand_randn(n, name, td, ld):
    same_stream(lambda: torch.rand(n, dtype=td), lambda: tl.rand(n, dtype=ld))
    same_stream(lambda: torch.randn(n, dtype=td), lambda: tl.randn(n, dtype=ld), seed=n)


@pytest.mark.parametrize("n", [5, 33])
@pytest.mark.parametrize("name,td,ld", DTYPES, ids=[d[0] for d in DTYPES])
def test_uniform_normal_inplace(n, name, td, ld):
    same_stream(lambda: torch.empty(n, dtype=td).uniform_(-0.3, 2.7), lambda: tl.empty(n, dtype=ld).uniform_(-0.3, 2.7))
    same_stream(lambda: torch.empty(n, 3, dtype=td).normal_(0.3, 2.5), lambda: tl.empty(n, 3, dtype=ld).normal_(0.3, 2.5))
    same_stream(lambda: torch.normal(0.5, 3.0, (n,), dtype=td), lambda: tl.normal(0.5, 3.0, (n,), dtype=ld))


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40 + 3])
def test_seeds_and_shapes(seed):
    same_stream(lambda: torch.randn(3, 5, 7), lambda: tl.randn(3, 5, 7), seed)
    same_stream(lambda: torch.rand(2, 0, 3), lambda: tl.rand(2, 0, 3), seed)
    same_stream(lambda: torch.randn(()), lambda: tl.randn(()), seed)


def test_scalar_normal_cache_between_calls():
    # sizes < 16 use Box-Muller pairs and cache the second value across calls
    def run(lib):
        return lib.cat([lib.randn(3), lib.randn(3), lib.randn(20), lib.randn(1, dtype=lib.float64).float()])
    same_stream(lambda: run(torch), lambda: run(tl))


def test_manual_seed_resets_cached_normal():
    torch.manual_seed(0); torch.randn(1)
    tl.manual_seed(0); tl.randn(1)
    same_stream(lambda: torch.randn(1), lambda: tl.randn(1), seed=5)


@pytest.mark.parametrize("low,high", [(0, 10), (-5, 3), (0, 2**33), (-(2**40), 2**40)])
def test_randint(low, high):
    same_stream(lambda: torch.randint(low, high, (40,)), lambda: tl.randint(low, high, (40,)))


def test_randint_dtypes():
    same_stream(lambda: torch.randint(0, 10, (9,), dtype=torch.int32), lambda: tl.randint(0, 10, (9,), dtype=tl.int32))
    same_stream(lambda: torch.randint(3, (2, 4)), lambda: tl.randint(3, (2, 4)))


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, 60000])
def test_randperm(n):
    same_stream(lambda: torch.randperm(n), lambda: tl.randperm(n))


@pytest.mark.parametrize("td,ld", [(torch.int64, tl.int64), (torch.int32, tl.int32), (torch.uint8, tl.uint8),
                                   (torch.int8, tl.int8), (torch.bool, tl.bool), (torch.float32, tl.float32),
                                   (torch.float64, tl.float64), (torch.float16, tl.float16)])
def test_random_(td, ld):
    same_stream(lambda: torch.empty(7, dtype=td).random_(), lambda: tl.empty(7, dtype=ld).random_())
    if td is not torch.bool:
        same_stream(lambda: torch.empty(7, dtype=td).random_(3, 50), lambda: tl.empty(7, dtype=ld).random_(3, 50))


@pytest.mark.parametrize("td,ld", [(torch.float32, tl.float32), (torch.float64, tl.float64)])
def test_bernoulli_exponential(td, ld):
    p = np.linspace(0, 1, 37)
    same_stream(lambda: torch.bernoulli(torch.tensor(p, dtype=td)), lambda: tl.bernoulli(tl.tensor(p, dtype=ld)))
    same_stream(lambda: torch.empty(37, dtype=td).bernoulli_(0.3), lambda: tl.empty(37, dtype=ld).bernoulli_(0.3))
    gen_t = lambda: torch.empty(37, dtype=td).exponential_(2.0)  # noqa: E731
    gen_l = lambda: tl.Tensor._wrap(tl.random.default_generator.exponential((37,), 2.0).astype(ld.np))  # noqa: E731
    same_stream(gen_t, gen_l)


@pytest.mark.parametrize("td,ld", [(torch.float32, tl.float32), (torch.float64, tl.float64)])
def test_normal_tensor_forms(td, ld):
    m = np.random.default_rng(0).normal(size=(40,))
    s = np.abs(m) + 0.5
    same_stream(lambda: torch.normal(torch.tensor(m, dtype=td), torch.tensor(s, dtype=td)),
                lambda: tl.normal(tl.tensor(m, dtype=ld), tl.tensor(s, dtype=ld)))
    same_stream(lambda: torch.normal(torch.tensor(m, dtype=td), 2.5), lambda: tl.normal(tl.tensor(m, dtype=ld), 2.5))
    same_stream(lambda: torch.normal(1.5, torch.tensor(s, dtype=td)), lambda: tl.normal(1.5, tl.tensor(s, dtype=ld)))


@pytest.mark.parametrize("td,ld", [(torch.float32, tl.float32), (torch.float64, tl.float64)])
def test_multinomial(td, ld):
    w = np.random.default_rng(1).random((3, 40)) + 0.01
    for k, rep in [(5, True), (3, False), (1, False), (1, True)]:
        same_stream(lambda: torch.multinomial(torch.tensor(w, dtype=td), k, rep),
                    lambda: tl.multinomial(tl.tensor(w, dtype=ld), k, rep))


def test_generator_objects_and_state():
    gt, gl = torch.Generator().manual_seed(7), tl.Generator().manual_seed(7)
    assert np.array_equal(torch.randn(20, generator=gt).numpy(), _np(tl.randn(20, generator=gl)))
    tl.manual_seed(3)
    tl.randn(1)  # leaves a cached normal behind: get/set_state must carry it
    state = tl.get_rng_state()
    a = _np(tl.randn(5))
    tl.set_rng_state(state)
    assert np.array_equal(a, _np(tl.randn(5)))


def test_layers_and_init():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 4), torch.nn.Conv2d(3, 8, 3)
    tl.manual_seed(0)
    c, d = tl.nn.Linear(3, 4), tl.nn.Conv2d(3, 8, 3)
    for x, y in [(a.weight, c.weight), (a.bias, c.bias), (b.weight, d.weight), (b.bias, d.bias)]:
        assert np.array_equal(_np(x), _np(y))


@pytest.mark.parametrize("draw", [None, "rand", "randn_small", "randn_big"])
def test_rng_state_is_torchs_layout(draw):
    def go(lib):
        lib.manual_seed(42)
        if draw == "rand":
            lib.rand(5)
        elif draw == "randn_small":
            lib.randn(3)  # leaves a cached normal in the state
        elif draw == "randn_big":
            lib.randn(1000)
    go(torch)
    go(tl)
    ref = torch.get_rng_state().numpy()
    assert np.array_equal(_np(tl.get_rng_state()), ref)
    tl.manual_seed(1)
    tl.set_rng_state(torch.get_rng_state())  # a torch state (e.g. from a checkpoint) restores here
    assert np.array_equal(torch.randn(5).numpy(), _np(tl.randn(5)))
    torch.set_rng_state(torch.from_numpy(_np(tl.get_rng_state()).copy()))
    assert torch.rand(3).tolist() == tl.rand(3).tolist()


@pytest.mark.parametrize("fn, p, shape", [("dropout", 0.3, (4, 3, 5, 5)), ("dropout", 1.0, (6,)),
                                          ("dropout1d", 0.2, (4, 3, 5)), ("dropout2d", 0.5, (4, 3, 5, 5)),
                                          ("dropout3d", 0.4, (2, 3, 2, 2, 2)), ("dropout2d", 0.5, (3, 5, 5)),
                                          ("dropout2d", 0.25, (6, 7)), ("dropout2d", 0.5, (2, 3, 2, 2, 2)),
                                          ("dropout1d", 0.5, (3, 5)), ("dropout3d", 0.5, (3, 2, 2, 2)),
                                          ("dropout3d", 0.5, (3, 4))])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_eager_cpu_dropout_drops_what_torch_drops(fn, p, shape, dtype):
    """Eager CPU dropout draws torch's noise (bernoulli_(1 - p) / (1 - p)) from torch's stream: same
    values, same gradient, and the generator is left where torch leaves it."""
    import warnings
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    outs, grads, after = [], [], []
    for lib in (torch, tl):
        lib.manual_seed(11)
        xt = lib.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropout2d of a 3-D input warns in both
            y = getattr(lib.nn.functional, fn)(xt, p)
        (y.float() * lib.tensor(np.arange(y.numel(), dtype=np.float32).reshape(shape))).sum().backward()
        outs.append(_np(y)), grads.append(_np(xt.grad)), after.append(_np(lib.rand(3)))
    np.testing.assert_array_equal(outs[1], outs[0])
    np.testing.assert_array_equal(grads[1], grads[0])
    np.testing.assert_array_equal(after[1], after[0])


def test_dropout_module_inplace_matches_torch():
    x = np.random.default_rng(2).standard_normal((8, 16)).astype(np.float32)
    res = []
    for lib in (torch, tl):
        lib.manual_seed(5)
        t = lib.tensor(x)
        lib.nn.Dropout(0.5, inplace=True)(t)
        res.append(_np(t))
    np.testing.assert_array_equal(res[1], res[0])
