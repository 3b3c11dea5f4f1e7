"""Tensor attributes, conversions, creation functions and devices against torch."""
import copy

import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

CREATE = {
    "tensor_nested": lambda m: m.tensor([[1, 2], [3, 4]]),
    "tensor_float": lambda m: m.tensor([1.5, 2]),
    "tensor_bool": lambda m: m.tensor([True, False]),
    "tensor_scalar": lambda m: m.tensor(3),
    "tensor_dtype": lambda m: m.tensor([1, 2], dtype=m.float64),
    "tensor_empty": lambda m: m.tensor([]),
    "tensor_np64": lambda m: m.tensor(np.arange(3.0)),
    "as_tensor": lambda m: m.as_tensor([1.0, 2.0]),
    "from_numpy": lambda m: m.from_numpy(np.arange(6, dtype=np.int32).reshape(2, 3)),
    "zeros": lambda m: m.zeros(2, 3), "zeros_tuple": lambda m: m.zeros((2, 3)),
    "zeros_size_kw": lambda m: m.zeros(size=[2, 3]), "ones_dtype": lambda m: m.ones(2, dtype=m.int32),
    "full": lambda m: m.full((2, 2), 7), "full_float": lambda m: m.full((2,), 1.5),
    "full_bool": lambda m: m.full((2,), True), "zeros_like": lambda m: m.zeros_like(m.ones(2, 3, dtype=m.int64)),
    "ones_like": lambda m: m.ones_like(m.ones(2)), "full_like": lambda m: m.full_like(m.ones(2), 3.0),
    "empty_shape": lambda m: m.empty(2, 3).shape,
    "arange": lambda m: m.arange(5), "arange_f": lambda m: m.arange(0, 1, 0.1), "arange_neg": lambda m: m.arange(5, 0, -1.5),
    "arange_dtype": lambda m: m.arange(3, dtype=m.float64), "linspace": lambda m: m.linspace(0, 1, 7),
    "linspace_neg": lambda m: m.linspace(-3.5, 10, 11), "logspace": lambda m: m.logspace(0, 2, 5),
    "logspace_base": lambda m: m.logspace(0, 3, 4, base=2), "eye": lambda m: m.eye(3), "eye_rect": lambda m: m.eye(2, 4),
    "legacy_Tensor_sizes": lambda m: m.Tensor(2, 3).shape, "legacy_Tensor_data": lambda m: m.Tensor([1, 2]),
    "FloatTensor": lambda m: m.FloatTensor([1, 2]), "LongTensor": lambda m: m.LongTensor([1, 2]),
    "FloatTensor_size": lambda m: m.FloatTensor(2, 2).shape, "ByteTensor": lambda m: m.ByteTensor([1, 2]),
}


@pytest.mark.parametrize("name", sorted(CREATE))
def test_creation(name):
    ours, ref = CREATE[name](torchlike), CREATE[name](torch)
    if isinstance(ref, torch.Size):
        assert tuple(ours) == tuple(ref)
    else:
        assert_same(ours, ref)


def test_random_creation_shapes_dtypes():
    for fn in [lambda m: m.rand(2, 3), lambda m: m.randn((4,)), lambda m: m.randint(0, 5, (3, 2)),
               lambda m: m.randint(10, (3,)), lambda m: m.randperm(6), lambda m: m.normal(0.0, 1.0, size=(2,)),
               lambda m: m.rand(2, dtype=m.float64), lambda m: m.randn_like(m.ones(2, 2)),
               lambda m: m.bernoulli(m.full((3,), 0.5)), lambda m: m.multinomial(m.tensor([0.2, 0.8]), 4, True),
               lambda m: m.normal(m.zeros(3), m.ones(3))]:
        ours, ref = fn(torchlike), fn(torch)
        assert tuple(ours.shape) == tuple(ref.shape) and str(ours.dtype) == str(ref.dtype)
    p = torchlike.randperm(20)
    assert sorted(p.tolist()) == list(range(20))
    r = torchlike.randint(3, 7, (1000,))
    assert r.min().item() >= 3 and r.max().item() <= 6
    u = torchlike.rand(10000)
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.02
    n = torchlike.randn(10000)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05


def test_manual_seed_reproducible_and_generator_state():
    torchlike.manual_seed(123)
    a = torchlike.randn(5)
    torchlike.manual_seed(123)
    b = torchlike.randn(5)
    assert torchlike.equal(a, b) if hasattr(torchlike, "equal") else (a == b).all().item()
    assert torchlike.initial_seed() == 123
    state = torchlike.get_rng_state()
    c = torchlike.rand(3)
    torchlike.set_rng_state(state)
    assert (torchlike.rand(3) == c).all().item()
    g = torchlike.Generator().manual_seed(7)
    x = torchlike.rand(3, generator=g)
    g2 = torchlike.Generator()
    g2.manual_seed(7)
    assert (torchlike.rand(3, generator=g2) == x).all().item()
    with torchlike.random.fork_rng():
        torchlike.rand(100)
    assert (torchlike.rand(3) == torchlike.rand(3)).sum().item() < 3  # stream moves on
    s = torchlike.seed()
    assert torchlike.initial_seed() == s


def test_attributes_and_conversions():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x, r = torchlike.tensor(a), torch.tensor(a)
    assert x.shape == r.shape and x.size() == r.size() and x.size(1) == r.size(1) and x.size(-1) == 3
    assert x.dim() == x.ndim == 2 and x.numel() == 6 and len(x) == 2
    assert x.dtype is torchlike.float32 and str(x.device) == "cpu" and x.device.type == "cpu"
    assert x.tolist() == r.tolist() and x[1, 2].item() == 5.0 and isinstance(x[0, 0].item(), float)
    assert isinstance(torchlike.tensor(3).item(), int)
    assert np.array_equal(x.numpy(), r.numpy()) and np.array_equal(np.asarray(x), a)
    assert float(x[1, 1]) == 4.0 and int(x[1, 1]) == 4 and bool(x[0, 1])
    assert [t.tolist() for t in x] == [t.tolist() for t in r]
    assert x.stride() == r.stride() and x.is_contiguous() and x.element_size() == 4 and x.nbytes == r.nbytes
    assert range(10)[torchlike.tensor(3)] == 3
    assert hash(x) != hash(torchlike.tensor(a)) and {x: 1}[x] == 1
    for name in ["float", "double", "half", "long", "int", "bool", "bfloat16"]:
        assert str(getattr(x, name)().dtype) == str(getattr(r, name)().dtype)
    assert x.type() == r.type() and x.type(torchlike.float64).dtype is torchlike.float64
    assert x.type("torch.LongTensor").dtype is torchlike.int64
    assert x.to(torchlike.int32).dtype is torchlike.int32 and x.to("cpu") is x
    assert x.to(torchlike.tensor([1], dtype=torchlike.float64)).dtype is torchlike.float64
    assert x.to("cpu", torchlike.float16).dtype is torchlike.float16
    assert x.to(dtype=torchlike.float32, copy=True) is not x
    assert x.cpu() is x and x.clone() is not x and x.contiguous() is x
    assert x.T.shape == r.T.shape and x.data.shape == x.shape
    with pytest.raises(RuntimeError, match="requires grad"):
        torchlike.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError):
        bool(torchlike.ones(2))
    with pytest.raises(TypeError):
        len(torchlike.tensor(1.0))


def test_detach_copy_and_deepcopy():
    x = torchlike.tensor([1.0, 2.0], requires_grad=True)
    y = copy.deepcopy(x)
    assert y.requires_grad and y is not x and (y == x).all().item()
    with pytest.raises(RuntimeError):
        copy.deepcopy(x * 2)


def test_devices():
    d = torchlike.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1) and str(d) == "cuda:1" and repr(d) == repr(torch.device("cuda:1"))
    assert torchlike.device("cpu") == "cpu" and repr(torchlike.device("cpu")) == repr(torch.device("cpu"))
    assert torchlike.device("cuda", 0) == torchlike.device("cuda:0")
    with pytest.raises(RuntimeError):
        torchlike.device("nonsense")
    assert torchlike.cuda.is_available() == bool(torchlike._device.platform_devices("gpu"))
    assert torchlike.backends.mps.is_available() is False
    if not torchlike.cuda.is_available():
        assert torchlike.cuda.device_count() == 0
        assert torchlike.accelerator.is_available() is False and torchlike.accelerator.current_accelerator() is None
        with pytest.raises(RuntimeError, match="not available"):
            torchlike.ones(2).to("cuda")
        with pytest.raises(RuntimeError, match="not available"):
            torchlike.ones(2, device="cuda")
    x = torchlike.ones(2, device=torchlike.device("cpu"))
    assert x.device == torchlike.device("cpu")


def test_tensor_in_numpy_and_python_ops():
    x = torchlike.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711  comparison with a non-tensor falls back to identity
    assert x.__add__("a") is NotImplemented
    assert (x + np.float32(2)).tolist() == [3.0, 4.0]
    assert (3 - x).tolist() == [2.0, 1.0] and (1 / x).tolist() == [1.0, 0.5] and (2 ** x).tolist() == [2.0, 4.0]


def test_linspace_bit_exact_float32():
    rng = np.random.default_rng(0)
    for _ in range(100):
        a, b = rng.uniform(-100, 100, 2)
        n = int(rng.integers(2, 200))
        assert np.array_equal(torchlike.linspace(a, b, n).numpy(), torch.linspace(a, b, n).numpy())
