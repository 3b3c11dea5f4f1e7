"""The meta device against torch 2.13: factories, printing, errors when data is asked for, device
contexts, Module.to_empty, and shape/dtype inference of nn layers on meta inputs."""
import pytest

import torchlike
from torchlike import nn

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _meta_hook_removed_after():
    """The op hook stays on once a meta tensor exists; leave later tests (profiler) as they started."""
    yield
    torchlike._meta.deactivate()


def test_factories_and_printing():
    pairs = [
        (torchlike.empty(3, 4, device="meta"), torch.empty(3, 4, device="meta")),
        (torchlike.ones(2, dtype=torchlike.int64, device="meta"), torch.ones(2, dtype=torch.int64, device="meta")),
        (torchlike.randn(2, 5, device="meta"), torch.randn(2, 5, device="meta")),
        (torchlike.full((2,), 1.5, device="meta"), torch.full((2,), 1.5, device="meta")),
        (torchlike.empty(3, device="meta", requires_grad=True) * 2,
         torch.empty(3, device="meta", requires_grad=True) * 2),
        (torchlike.ones(3).to("meta"), torch.ones(3).to("meta")),
        (torchlike.zeros_like(torchlike.empty(2, 2, device="meta")), torch.zeros_like(torch.empty(2, 2, device="meta"))),
        (torchlike.empty(2, 3, device="meta").sum(1), torch.empty(2, 3, device="meta").sum(1)),
        (torchlike.empty(2, 3, device="meta").to(torchlike.float64),
         torch.empty(2, 3, device="meta").to(torch.float64)),
    ]
    for o, t in pairs:
        assert repr(o) == repr(t)
        assert o.is_meta and t.is_meta and o.device == torchlike.device("meta")
        assert tuple(o.shape) == tuple(t.shape) and str(o.dtype) == str(t.dtype)


def test_errors_when_data_is_asked_for():
    o, t = torchlike.empty(1, device="meta"), torch.empty(1, device="meta")
    for f in (lambda x: x.item(), lambda x: bool(x), lambda x: x.numpy(), lambda x: x.tolist(),
              lambda x: x.to("cpu")):
        with pytest.raises(Exception) as ref:
            f(t)
        with pytest.raises(type(ref.value)):
            f(o)
    with pytest.raises(RuntimeError, match="meta"):
        torch.empty(3, 4, device="meta") + torch.ones(3, 4)
    with pytest.raises(RuntimeError, match="meta"):
        torchlike.empty(3, 4, device="meta") + torchlike.ones(3, 4)
    with pytest.raises(RuntimeError):
        torch.empty(3, 4, device="meta") @ torch.empty(3, 4, device="meta")
    with pytest.raises(RuntimeError):
        torchlike.empty(3, 4, device="meta") @ torchlike.empty(3, 4, device="meta")


def test_device_context_default_device_and_to_empty():
    with torchlike.device("meta"):
        lin = nn.Linear(3, 4)
        x = torchlike.empty(2, 3)
    assert lin.weight.is_meta and lin.bias.is_meta and x.is_meta and isinstance(lin.weight, nn.Parameter)
    assert lin.weight.requires_grad
    assert not torchlike.empty(2).is_meta
    torchlike.set_default_device("meta")
    try:
        assert torchlike.zeros(2).is_meta
    finally:
        torchlike.set_default_device(None)
    assert not torchlike.zeros(2).is_meta
    lin.to_empty(device="cpu")
    assert not lin.weight.is_meta and lin.weight.device.type == "cpu" and tuple(lin.weight.shape) == (4, 3)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    assert tuple(lin(torchlike.ones(2, 3)).shape) == (2, 4)


LAYERS = [
    ("Linear", (3, 4), (2, 5, 3)),
    ("Conv1d", (3, 6, 3), (2, 3, 10)),
    ("Conv2d", (3, 8, 3), (2, 3, 10, 9)),
    ("Conv2d", (3, 8, 3, 2, 1), (2, 3, 11, 11)),
    ("Conv3d", (2, 4, 3), (1, 2, 6, 6, 6)),
    ("ConvTranspose2d", (3, 5, 3, 2), (2, 3, 5, 5)),
    ("MaxPool2d", (2,), (2, 3, 9, 9)),
    ("AvgPool2d", (3, 2), (2, 3, 9, 9)),
    ("AdaptiveAvgPool2d", ((1, 1),), (2, 3, 9, 9)),
    ("BatchNorm2d", (3,), (2, 3, 4, 4)),
    ("LayerNorm", (6,), (2, 5, 6)),
    ("GroupNorm", (2, 4), (2, 4, 3)),
    ("Embedding", (10, 4), None),
    ("Flatten", (), (2, 3, 4, 5)),
    ("Dropout", (0.5,), (4, 5)),
    ("ReLU", (), (4, 5)),
    ("GELU", (), (4, 5)),
    ("Softmax", (-1,), (4, 5)),
    ("Upsample", (None, 2), (1, 2, 3, 3)),
    ("LSTM", (4, 6), (5, 2, 4)),
    ("GRU", (4, 6, 2), (5, 2, 4)),
    ("MultiheadAttention", (8, 2), None),
    ("TransformerEncoderLayer", (8, 2, 16), (3, 5, 8)),
]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=[f"{n}{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_meta_shape_inference_of_nn_layers(name, args, shape):
    with torch.device("meta"):
        lt = getattr(torch.nn, name)(*args)
    with torchlike.device("meta"):
        lo = getattr(nn, name)(*args)
    for (kt, pt), (ko, po) in zip(lt.named_parameters(), lo.named_parameters()):
        assert kt == ko and po.is_meta and tuple(po.shape) == tuple(pt.shape)
    if name == "Embedding":
        xt, xo = torch.empty(2, 7, dtype=torch.long, device="meta"), torchlike.empty(2, 7, dtype=torchlike.long,
                                                                                         device="meta")
    elif name == "MultiheadAttention":
        xt, xo = torch.empty(5, 2, 8, device="meta"), torchlike.empty(5, 2, 8, device="meta")
    else:
        xt, xo = torch.empty(*shape, device="meta"), torchlike.empty(*shape, device="meta")
    if name == "MultiheadAttention":
        yt, yo = lt(xt, xt, xt), lo(xo, xo, xo)
    else:
        yt, yo = lt(xt), lo(xo)
    flat_t = yt if isinstance(yt, tuple) else (yt,)
    flat_o = yo if isinstance(yo, tuple) else (yo,)
    flat_t = [a for x in flat_t for a in (x if isinstance(x, tuple) else (x,))]
    flat_o = [a for x in flat_o for a in (x if isinstance(x, tuple) else (x,))]
    assert len(flat_t) == len(flat_o)
    for a, b in zip(flat_o, flat_t):
        if b is None:
            assert a is None
            continue
        assert a.is_meta and b.is_meta
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)


_INITS = [
    ("uniform_", lambda m, t: m.nn.init.uniform_(t, -1, 1)),
    ("normal_", lambda m, t: m.nn.init.normal_(t)),
    ("trunc_normal_", lambda m, t: m.nn.init.trunc_normal_(t)),
    ("xavier_uniform_", lambda m, t: m.nn.init.xavier_uniform_(t)),
    ("xavier_normal_", lambda m, t: m.nn.init.xavier_normal_(t)),
    ("kaiming_uniform_", lambda m, t: m.nn.init.kaiming_uniform_(t)),
    ("kaiming_normal_", lambda m, t: m.nn.init.kaiming_normal_(t)),
    ("orthogonal_", lambda m, t: m.nn.init.orthogonal_(t)),
    ("sparse_", lambda m, t: m.nn.init.sparse_(t, 0.5)),
    ("constant_", lambda m, t: m.nn.init.constant_(t, 0.3)),
    ("eye_", lambda m, t: m.nn.init.eye_(t)),
    ("dirac_", lambda m, t: m.nn.init.dirac_(t.view(4, 3, 1))),
    ("Tensor.uniform_", lambda m, t: t.uniform_()),
    ("Tensor.normal_", lambda m, t: t.normal_()),
    ("Tensor.bernoulli_", lambda m, t: t.bernoulli_(0.3)),
    ("Tensor.exponential_", lambda m, t: t.exponential_()),
    ("Tensor.random_", lambda m, t: t.random_(0, 5)),
    ("Linear", lambda m, t: m.nn.Linear(3, 4, device="meta").weight),
]


@pytest.mark.parametrize("name,init", _INITS, ids=[n for n, _ in _INITS])
def test_init_on_meta_draws_nothing(name, init):
    """torch's initialisers and random fills on a meta tensor leave the generator where it was: the
    next real draw is the same as torch's."""
    draws = []
    for m in (torchlike, torch):
        m.manual_seed(0)
        t = m.empty(4, 3, device="meta")
        out = init(m, t)
        assert out.is_meta and t.is_meta
        draws.append((m.rand(3).numpy(), tuple(out.shape)))
    assert draws[0][1] in ((4, 3), (4, 3, 1))
    assert draws[0][1] == draws[1][1]
    assert (draws[0][0] == draws[1][0]).all()


def test_inplace_writes_through_meta_views():
    for m in (torchlike, torch):
        t = m.empty(4, 3, device="meta")
        t[0].fill_(1)
        t.view(12).add_(1)
        t.t().copy_(m.empty(3, 4, device="meta"))
        assert t.is_meta and tuple(t.shape) == (4, 3) and t.t().stride() == (1, 3)
