"""The torch surface Hugging Face transformers touches at import and in its attention code, against
torch 2.13: float8 dtypes, nn.attention (sdpa_kernel, flex_attention), distributed placements,
DeviceMesh, functional collectives, FSDP2's fully_shard, and the CUDA graph names."""
import math
import warnings

import numpy as np
import pytest
import torch

import torchlike
import torchlike.distributed as dist
from conftest import assert_same

FLOAT8 = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]
CAST_INPUT = [1.0, 300.0, -0.3, 1000.0, 500.0, 460.0, 470.0, 1e9, 3e-3, 1e-9, math.inf, -math.inf, math.nan, -7.5]


# ---------------------------------------------------------------- float8 dtypes

@pytest.mark.parametrize("name", FLOAT8)
def test_float8_dtype_facts_match_torch(name):
    ours, ref = getattr(torchlike, name), getattr(torch, name)
    assert repr(ours) == repr(ref)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(ours, attr) == getattr(ref, attr), attr
    fo, fr = torchlike.finfo(ours), torch.finfo(ref)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(fo, attr) == getattr(fr, attr), attr


@pytest.mark.parametrize("name", FLOAT8)
@pytest.mark.parametrize("src", ["float32", "float64", "bfloat16"])
def test_float8_casts_match_torch(name, src):
    """Rounding, saturation (e4m3fn), NaN for the fnuz types, magnitudes for the unsigned e8m0fnu."""
    x = np.array(CAST_INPUT, np.float64)
    ours = torchlike.tensor(x).to(getattr(torchlike, src)).to(getattr(torchlike, name))
    ref = torch.tensor(x).to(getattr(torch, src)).to(getattr(torch, name))
    assert str(ours.dtype) == str(ref.dtype)
    np.testing.assert_array_equal(ours.float().numpy(), ref.float().numpy())


def test_float8_between_float8_types_and_back():
    x = np.array(CAST_INPUT, np.float32)
    ours = torchlike.tensor(x).to(torchlike.float8_e5m2).to(torchlike.float8_e4m3fn).float()
    ref = torch.tensor(x).to(torch.float8_e5m2).to(torch.float8_e4m3fn).float()
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


@pytest.mark.parametrize("vals", [[1.0, 288.0, -0.3125, 448.0], [1.0, 2.0, 4.0], [0.5, -1.5, math.nan], [1e-3, 2.0]])
@pytest.mark.parametrize("name", ["float8_e4m3fn", "float8_e5m2"])
def test_float8_printing_matches_torch(vals, name):
    assert repr(torchlike.tensor(vals).to(getattr(torchlike, name))) == repr(torch.tensor(vals).to(getattr(torch, name)))


@pytest.mark.parametrize("other", ["float32", "float8_e5m2", "int32", "bool"])
def test_float8_promotion_raises_as_torch(other):
    with pytest.raises(RuntimeError) as ref:
        torch.promote_types(torch.float8_e4m3fn, getattr(torch, other))
    with pytest.raises(RuntimeError) as ours:
        torchlike.promote_types(torchlike.float8_e4m3fn, getattr(torchlike, other))
    assert str(ours.value) == str(ref.value)
    assert torchlike.promote_types(torchlike.float8_e4m3fn, torchlike.float8_e4m3fn) is torchlike.float8_e4m3fn


# ---------------------------------------------------------------- nn.attention

def test_sdp_backend_values_and_sdpa_kernel_flags():
    from torch.nn.attention import SDPBackend as TB, sdpa_kernel as tk
    from torchlike.nn.attention import SDPBackend as LB, sdpa_kernel as lk
    assert {k: int(v) for k, v in TB.__members__.items()} == {k: int(v) for k, v in LB.__members__.items()}
    names = ("flash_sdp_enabled", "mem_efficient_sdp_enabled", "math_sdp_enabled")
    with tk([TB.MATH]):
        ref = [getattr(torch.backends.cuda, n)() for n in names]
    with lk([LB.MATH]):
        ours = [getattr(torchlike.backends.cuda, n)() for n in names]
    assert ours == ref
    assert [getattr(torchlike.backends.cuda, n)() for n in names] == [getattr(torch.backends.cuda, n)() for n in names]


def _qkv(lib, hq=4, hkv=4, L=10, S=10, seed=0, grad=False):
    rng = np.random.default_rng(seed)
    shapes = [(2, hq, L, 8), (2, hkv, S, 8), (2, hkv, S, 8)]
    return [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=grad) for s in shapes]


def _causal(b, h, q, kv):
    return q >= kv


def _window(b, h, q, kv):
    return (q - kv) <= 3


def _flex(lib, mask_mods, score_mod, hkv=4, B=2, H=None, block=4, scale=None, aux=False):
    from importlib import import_module
    F = import_module(f"{lib.__name__}.nn.attention.flex_attention")
    q, k, v = _qkv(lib, hkv=hkv)
    mask = F.and_masks(*mask_mods) if len(mask_mods) > 1 else mask_mods[0]
    bm = F.create_block_mask(mask, B, H, 10, 10, device="cpu", BLOCK_SIZE=block)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = {"return_aux": F.AuxRequest(lse=True)} if aux else {"return_lse": True}
        out, extra = F.flex_attention(q, k, v, score_mod=score_mod, block_mask=bm, scale=scale,
                                      enable_gqa=hkv != 4, **kw)
    lse = extra.lse if aux else extra
    return out, lse, bm


@pytest.mark.parametrize("case", ["causal", "window_and_causal_gqa", "score_mod_heads", "per_batch_mask"])
def test_flex_attention_matches_torch(case):
    def bias(s, b, h, q, kv):
        return s + (q - kv).float() * 0.1 * (h + 1)

    def lengths(b, h, q, kv):  # row 1 sees only its first 6 keys
        return kv < (10 - 4 * b)
    cfg = {"causal": dict(mask_mods=[_causal], score_mod=None),
           "window_and_causal_gqa": dict(mask_mods=[_causal, _window], score_mod=None, hkv=2, scale=0.3),
           "score_mod_heads": dict(mask_mods=[_causal], score_mod=bias, H=4, aux=True),
           "per_batch_mask": dict(mask_mods=[lengths], score_mod=None, block=3)}[case]
    ours, ref = _flex(torchlike, **cfg), _flex(torch, **cfg)
    assert_same(ours[0], ref[0], rtol=1e-5, atol=2e-6)
    assert_same(ours[1], ref[1], rtol=1e-5, atol=2e-6)
    for attr in ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices", "q_num_blocks",
                 "q_indices", "full_q_num_blocks", "full_q_indices"):
        assert_same(getattr(ours[2], attr), getattr(ref[2], attr))
    assert_same(ours[2].to_dense(), ref[2].to_dense())
    assert ours[2].shape == tuple(ref[2].shape) and ours[2].BLOCK_SIZE == tuple(ref[2].BLOCK_SIZE)
    assert ours[2].sparsity() == pytest.approx(ref[2].sparsity())


def test_flex_attention_fully_masked_rows_and_create_mask_match_torch():
    from torch.nn.attention import flex_attention as TF
    from torchlike.nn.attention import flex_attention as LF

    def none_for_row0(b, h, q, kv):
        return q > 0

    for F, lib in ((LF, torchlike), (TF, torch)):
        q, k, v = _qkv(lib)
        bm = F.create_block_mask(none_for_row0, None, None, 10, 10, device="cpu", BLOCK_SIZE=4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, aux = F.flex_attention(q, k, v, block_mask=bm, return_aux=F.AuxRequest(lse=True))
        dense = F.create_mask(F.or_masks(_causal, _window), 2, 1, 10, 10, device="cpu")
        if lib is torchlike:
            ours = (out, aux.lse, dense)
        else:
            ref = (out, aux.lse, dense)
    assert_same(ours[0], ref[0], atol=2e-6)
    assert np.all(ours[1].numpy()[:, :, 0] == -np.inf) and np.all(ref[1].numpy()[:, :, 0] == -np.inf)
    assert_same(ours[1][:, :, 1:], ref[1][:, :, 1:], atol=2e-6)
    assert_same(ours[2], ref[2])


def test_flex_attention_gradients_match_torch_dense_attention():
    """torch's CPU flex_attention has no backward: the reference is the same attention written out."""
    q, k, v = _qkv(torchlike, grad=True)
    pos_bias = torchlike.tensor(np.linspace(-1, 1, 100, dtype=np.float32).reshape(10, 10), requires_grad=True)
    from torchlike.nn.attention.flex_attention import create_block_mask, flex_attention
    bm = create_block_mask(_causal, None, None, 10, 10, BLOCK_SIZE=4)
    out = flex_attention(q, k, v, score_mod=lambda s, b, h, qi, ki: s + pos_bias[qi, ki], block_mask=bm)
    (out ** 2).sum().backward()

    tq, tk, tv = _qkv(torch, grad=True)
    tb = torch.tensor(pos_bias.detach().numpy(), requires_grad=True)
    s = tq @ tk.transpose(-1, -2) / math.sqrt(8) + tb
    s = s.masked_fill(~torch.ones(10, 10, dtype=torch.bool).tril(), -math.inf)
    ref = torch.softmax(s, -1) @ tv
    (ref ** 2).sum().backward()
    assert_same(out, ref, atol=2e-6)
    for a, b in ((q, tq), (k, tk), (v, tv), (pos_bias, tb)):
        assert_same(a.grad, b.grad, rtol=1e-4, atol=1e-5)


def test_flex_attention_errors_as_torch():
    from torch.nn.attention.flex_attention import flex_attention as tf
    from torchlike.nn.attention.flex_attention import flex_attention as lf
    for f, lib in ((lf, torchlike), (tf, torch)):
        q, k, v = _qkv(lib, hkv=2)
        with pytest.raises(ValueError, match="enable_gqa=True"):
            f(q, k, v)


# ---------------------------------------------------------------- torch.distributed surface

def test_placements_match_torch():
    from torch.distributed.tensor import Partial as TP, Replicate as TR, Shard as TS
    from torch.distributed.tensor.placement_types import _StridedShard as TSS
    from torchlike.distributed.tensor import Partial as LP, Replicate as LR, Shard as LS
    from torchlike.distributed.tensor.placement_types import _StridedShard as LSS
    pairs = [(LS(1), TS(1)), (LR(), TR()), (LP(), TP()), (LP("max"), TP("max")), (LSS(0, 2), TSS(0, split_factor=2))]
    for ours, ref in pairs:
        assert str(ours) == str(ref)
        assert (ours.is_shard(), ours.is_replicate(), ours.is_partial()) == \
            (ref.is_shard(), ref.is_replicate(), ref.is_partial())
    assert [repr(o) for o, _ in pairs[:4]] == [repr(r) for _, r in pairs[:4]]
    assert LS(0) == LS(0) and LS(0) != LS(1) and LS(0) != LR() and len({LS(0), LS(0), LR()}) == 2
    assert LS(1).is_shard(1) == TS(1).is_shard(1) and LS(1).is_shard(0) == TS(1).is_shard(0)
    for size in range(0, 11):
        for chunks in range(1, 5):
            for rank in range(chunks):
                assert LS.local_shard_size_and_offset(size, chunks, rank) == \
                    tuple(TS.local_shard_size_and_offset(size, chunks, rank)), (size, chunks, rank)


def test_dtensor_is_a_type_no_ordinary_tensor_belongs_to():
    from torchlike.distributed.tensor import DTensor, distribute_tensor
    assert issubclass(DTensor, torchlike.Tensor)
    assert not isinstance(torchlike.ones(2), DTensor)
    with pytest.raises(NotImplementedError, match="shard"):
        distribute_tensor(torchlike.ones(2), None, None)
    with pytest.raises(NotImplementedError):
        DTensor.from_local(torchlike.ones(2))


def test_device_mesh_module_and_compute_local_shape():
    from torchlike.distributed.device_mesh import DeviceMesh, init_device_mesh
    from torchlike.distributed.tensor import Replicate, Shard
    from torchlike.distributed.tensor._utils import compute_local_shape_and_global_offset
    mesh = init_device_mesh("cpu", (1,), mesh_dim_names=("dp",))
    assert isinstance(mesh, DeviceMesh) and mesh.ndim == 1 and mesh.shape == (1,) and mesh.size() == 1
    assert mesh.mesh.tolist() == [0] and mesh.get_coordinate() == [0] and mesh.get_local_rank() == 0
    assert mesh["dp"] == mesh and mesh.jax_mesh.axis_names == ("dp",)
    assert compute_local_shape_and_global_offset((6, 4), mesh, [Shard(0)]) == ((6, 4), (0, 0))
    assert compute_local_shape_and_global_offset((6, 4), mesh, [Replicate()]) == ((6, 4), (0, 0))
    with pytest.raises(KeyError, match="tp"):
        mesh["tp"]
    with pytest.raises(RuntimeError, match="needs 99"):
        init_device_mesh("cpu", (99,))
    # the module stays callable as the old local-device mesh factory
    assert dist.device_mesh(axis_names=("x",)).axis_names == ("x",)
    t = dist.shard(torchlike.arange(4.0), mesh, ("dp",))
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.fixture
def world1(monkeypatch):
    for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(k, raising=False)
    dist.init_process_group("gloo")
    yield
    dist.destroy_process_group()


def test_functional_collectives_world_of_one(world1):
    import torchlike.distributed._functional_collectives as fc
    x = torchlike.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    y = fc.all_reduce(x, "sum", [0])
    assert y is not x and y.tolist() == x.tolist()
    assert fc.wait_tensor(y) is y
    assert fc.all_gather_tensor(x, 1, None).tolist() == x.tolist()
    assert fc.reduce_scatter_tensor(x, "sum", 0, None).tolist() == x.tolist()
    a = torchlike.tensor([1.0, 2.0], requires_grad=True)
    out = fc.all_to_all_single_autograd(a, None, None, None)
    (out * torchlike.tensor([3.0, 4.0])).sum().backward()
    assert out.tolist() == [1.0, 2.0] and a.grad.tolist() == [3.0, 4.0]


def test_fully_shard_and_policies():
    from torch.distributed.fsdp import CPUOffloadPolicy as TC, MixedPrecisionPolicy as TM
    from torchlike.distributed.fsdp import (CPUOffloadPolicy, FSDPModule, MixedPrecisionPolicy, OffloadPolicy,
                                            fully_shard)
    assert repr(CPUOffloadPolicy()) == repr(TC()) and repr(MixedPrecisionPolicy()) == repr(TM())
    torchlike.manual_seed(0)
    m = torchlike.nn.Linear(4, 2)
    x = torchlike.ones(3, 4)
    before = m(x).detach().numpy()
    assert fully_shard(m) is m
    assert type(m).__name__ == "FSDPLinear" and isinstance(m, FSDPModule) and isinstance(m, torchlike.nn.Linear)
    np.testing.assert_array_equal(m(x).detach().numpy(), before)
    m(x).sum().backward()
    assert m.weight.grad.shape == (2, 4)
    with pytest.raises(NotImplementedError, match="CPUOffloadPolicy"):
        fully_shard(torchlike.nn.Linear(2, 2), offload_policy=CPUOffloadPolicy())
    assert isinstance(OffloadPolicy(), OffloadPolicy)


def test_cuda_graph_names():
    assert torchlike.cuda.is_current_stream_capturing() is False  # torch's CPU build raises here instead
    if not torchlike.cuda.is_available():
        with pytest.raises(RuntimeError):
            torchlike.cuda.CUDAGraph()
    s = torchlike.cuda.Stream()
    assert isinstance(torchlike.cuda.stream(s), torchlike.cuda.StreamContext)


_FULLY_SHARD_4 = """
import json, numpy as np, torchlike as torch
from torchlike.distributed.device_mesh import init_device_mesh
from torchlike.distributed.fsdp import fully_shard
def make():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
x = torch.tensor(np.random.default_rng(0).standard_normal((8, 6)).astype(np.float32))
ref, m = make(), make()
fully_shard(m, mesh=init_device_mesh("cpu", (4,), mesh_dim_names=("dp",)))
out = m(x)  # the batch is split over the 4 devices, the output comes back to the first
assert {d.id for d in out._value.devices()} == {0}, out._value.devices()
for model in (ref, m):
    model(x).square().sum().backward()
print(json.dumps({"spec": str(m[0].weight._value.sharding.spec), "rows": [int(s.data.shape[0]) for s in
                  m[0].weight._value.addressable_shards], "bias3_spec": str(m[2].bias._value.sharding.spec),
                  "grad_spec": str(m[0].weight.grad._value.sharding.spec),
                  "out": float(np.abs(m(x).detach().numpy() - ref(x).detach().numpy()).max()),
                  "grad": max(float(np.abs(a.grad.numpy() - b.grad.numpy()).max())
                              for a, b in zip(m.parameters(), ref.parameters()))}))
"""


def test_fully_shard_over_four_devices_matches_unsharded():
    import json
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    proc = subprocess.run([sys.executable, "-c", _FULLY_SHARD_4], env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    from jax.sharding import PartitionSpec as P
    assert res["spec"] == str(P("dp")) and res["rows"] == [2, 2, 2, 2]  # 8 rows over 4 devices
    assert res["bias3_spec"] == str(P())  # 3 does not split 4 ways: replicated
    assert res["grad_spec"] == res["spec"]
    assert res["out"] < 1e-6 and res["grad"] < 1e-5
