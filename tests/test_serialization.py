"""Checkpoints without torch: torchlike.save/load round-trips with real torch 2.13 both ways."""
import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import torchlike as tl

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
          "complex64", "complex128", "uint16", "uint32", "uint64"]


def _np(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            import ml_dtypes
            return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        return t.numpy()
    return np.asarray(t.detach()._value)


def _torch_tensor(name, shape=(2, 3)):
    n = int(np.prod(shape))
    if name == "bool":
        return (torch.arange(n) % 3 == 0).reshape(shape)
    if name.startswith("uint") and name != "uint8":
        return torch.arange(n, dtype=torch.int64).to(getattr(torch, name)).reshape(shape)
    return (torch.arange(n, dtype=torch.float64) * 1.5 - 2).to(getattr(torch, name)).reshape(shape)


def assert_same(ours, ref):
    assert isinstance(ours, tl.Tensor), type(ours)
    assert str(ours.dtype) == str(ref.dtype)
    assert tuple(ours.shape) == tuple(ref.shape)
    a, b = _np(ours), _np(ref)
    if a.dtype.kind not in "bc":
        a, b = a.astype(np.float64), b.astype(np.float64)
    assert np.array_equal(a, b)


def torch_bytes(obj, **kw):
    b = io.BytesIO()
    torch.save(obj, b, **kw)
    return b.getvalue()


def tl_bytes(obj, **kw):
    b = io.BytesIO()
    tl.save(obj, b, **kw)
    return b.getvalue()


# ------------------------------------------------------------------------------ torch -> torchlike

@pytest.mark.parametrize("name", DTYPES)
def test_torch_saves_every_dtype(name):
    ref = _torch_tensor(name)
    assert_same(tl.load(io.BytesIO(torch_bytes(ref))), ref)


@pytest.mark.parametrize("name", DTYPES)
def test_torchlike_saves_every_dtype(name):
    ref = _torch_tensor(name)
    ours = tl.from_torch(ref)
    back = torch.load(io.BytesIO(tl_bytes(ours)))
    assert back.dtype == ref.dtype and torch.equal(back, ref)


def test_views_and_shared_storage_from_torch():
    base = torch.arange(24.).reshape(4, 6)
    obj = {"base": base, "col": base[:, 2], "t": base.t(), "tail": base.view(-1)[5:17:3], "same": base,
           "scalar": base[1, 1]}
    out = tl.load(io.BytesIO(torch_bytes(obj)))
    for k, v in obj.items():
        assert_same(out[k], v)
    assert out["same"] is out["base"]  # the same tensor object stays one object


def test_nested_containers_and_primitives():
    obj = {"list": [torch.ones(2), 3, 4.5, "s", None, True], "tuple": (torch.zeros(1, dtype=torch.int8), b"by"),
           "nested": {"a": [{"b": torch.tensor(7)}]}, "set": {1, 2}, "complex": 1 + 2j,
           "od": collections.OrderedDict([("z", 1), ("a", 2)]), "size": torch.Size([2, 3]),
           "dtype": torch.float16, "device": torch.device("cpu"), "big": 2**70}
    out = tl.load(io.BytesIO(torch_bytes(obj)))
    assert_same(out["list"][0], obj["list"][0])
    assert out["list"][1:] == [3, 4.5, "s", None, True]
    assert_same(out["tuple"][0], obj["tuple"][0]) and out["tuple"][1] == b"by"
    assert_same(out["nested"]["a"][0]["b"], obj["nested"]["a"][0]["b"])
    assert out["set"] == {1, 2} and out["complex"] == 1 + 2j and out["big"] == 2**70
    assert list(out["od"]) == ["z", "a"] and isinstance(out["od"], collections.OrderedDict)
    assert out["size"] == tl.Size([2, 3]) and isinstance(out["size"], tl.Size)
    assert out["dtype"] is tl.float16 and out["device"] == tl.device("cpu")
    assert list(out) == list(obj)


def test_state_dict_metadata_and_key_order():
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    sd = m.state_dict()
    out = tl.load(io.BytesIO(torch_bytes(sd)))
    assert list(out) == list(sd)
    assert out._metadata == sd._metadata
    for k in sd:
        assert_same(out[k], sd[k])
    # and back: torch reads torchlike's file with keys, order and metadata intact
    back = torch.load(io.BytesIO(tl_bytes(out)))
    assert list(back) == list(sd) and back._metadata == sd._metadata
    m.load_state_dict(back)


def test_optimizer_state_dict_both_ways():
    p = torch.nn.Parameter(torch.randn(3, 2))
    opt = torch.optim.Adam([p], lr=0.1)
    p.sum().backward()
    opt.step()
    sd = opt.state_dict()
    out = tl.load(io.BytesIO(torch_bytes(sd)))
    assert out["param_groups"][0]["lr"] == 0.1 and out["param_groups"][0]["params"] == [0]
    assert_same(out["state"][0]["exp_avg"], sd["state"][0]["exp_avg"])
    assert_same(out["state"][0]["step"], sd["state"][0]["step"])
    back = torch.load(io.BytesIO(tl_bytes(out)))
    opt2 = torch.optim.Adam([torch.nn.Parameter(torch.randn(3, 2))], lr=0.5)
    opt2.load_state_dict(back)
    assert torch.equal(opt2.state_dict()["state"][0]["exp_avg"], sd["state"][0]["exp_avg"])


def test_parameter_roundtrip():
    p = torch.nn.Parameter(torch.randn(2, 2))
    out = tl.load(io.BytesIO(torch_bytes({"p": p, "q": torch.ones(2, requires_grad=True)})))
    assert type(out["p"]).__name__ == "Parameter" and out["p"].requires_grad
    assert_same(out["p"].detach(), p.detach())
    assert out["q"].requires_grad
    back = torch.load(io.BytesIO(tl_bytes(out)))
    assert isinstance(back["p"], torch.nn.Parameter) and torch.equal(back["p"], p)
    assert back["q"].requires_grad


def test_legacy_format_both_ways():
    base = torch.arange(12.).reshape(3, 4)
    obj = {"a": base, "col": base[:, 1], "p": torch.nn.Parameter(torch.ones(2)), "i": torch.tensor([1, 2])}
    out = tl.load(io.BytesIO(torch_bytes(obj, _use_new_zipfile_serialization=False)))
    for k in ("a", "col", "i"):
        assert_same(out[k], obj[k])
    assert out["p"].requires_grad
    back = torch.load(io.BytesIO(tl_bytes(out, _use_new_zipfile_serialization=False)))
    for k in ("a", "col", "i"):
        assert torch.equal(back[k], obj[k])


def test_archive_layout_matches_torch(tmp_path):
    obj = {"w": torch.arange(6.).reshape(2, 3), "b": torch.ones(2, dtype=torch.int64)}
    (tmp_path / "ref").mkdir()
    (tmp_path / "ours").mkdir()
    torch.save(obj, tmp_path / "ref" / "ckpt.pt")
    tl.save(tl.from_torch(obj), tmp_path / "ours" / "ckpt.pt")
    zr, zo = zipfile.ZipFile(tmp_path / "ref" / "ckpt.pt"), zipfile.ZipFile(tmp_path / "ours" / "ckpt.pt")
    assert zr.namelist() == zo.namelist()
    for name in ("data.pkl", ".format_version", ".storage_alignment", "byteorder", "data/0", "data/1", "version"):
        assert zr.read("ckpt/" + name) == zo.read("ckpt/" + name), name
    raw = (tmp_path / "ours" / "ckpt.pt").read_bytes()
    for info in zo.infolist():  # every record's data starts 64-byte aligned, as torch writes it
        name_len, extra_len = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
        assert (info.header_offset + 30 + int(name_len) + int(extra_len)) % 64 == 0
    assert len(zo.read("ckpt/.data/serialization_id")) == 40
    ref_raw = (tmp_path / "ref" / "ckpt.pt").read_bytes()
    sid = zr.read("ckpt/.data/serialization_id")
    same_id = raw.replace(zo.read("ckpt/.data/serialization_id"), sid)
    assert len(same_id) == len(ref_raw)
    diff = [i for i in range(len(raw)) if same_id[i] != ref_raw[i]]
    assert len(diff) <= 8, diff  # byte-identical but for the random id's CRC-32 (local + central copies)


def test_paths_file_objects_and_atomic_replace(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pth"
    tl.save({"x": tl.ones(3)}, str(path))
    with open(path, "rb") as f:
        assert_same(tl.load(f)["x"], torch.ones(3))
    good = path.read_bytes()

    class Boom:
        def __reduce__(self):
            raise RuntimeError("interrupted mid-save")
    with pytest.raises(RuntimeError, match="interrupted"):
        tl.save({"x": tl.zeros(1000), "boom": Boom()}, path)
    assert path.read_bytes() == good  # the old checkpoint is untouched
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pth"]  # no temp file left behind
    assert torch.load(path)["x"].sum().item() == 3


def test_map_location_forms():
    data = torch_bytes({"x": torch.arange(3.)})
    for ml in ("cpu", tl.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage, lambda s, loc: None):
        out = tl.load(io.BytesIO(data), map_location=ml)
        assert out["x"].device == tl.device("cpu")
        assert_same(out["x"], torch.arange(3.))
    seen = []
    tl.load(io.BytesIO(data), map_location=lambda s, loc: seen.append(loc))
    assert seen == ["cpu"]


def test_cuda_location_without_cuda_raises():
    raw = tl_bytes({"x": tl.ones(2)}).replace(b"X\x03\x00\x00\x00cpu", b"X\x03\x00\x00\x00cpu")
    # rewrite the pickled location to 'cuda' through torch-compatible re-save
    b = io.BytesIO()
    obj = torch.load(io.BytesIO(raw))
    torch.save(obj, b)
    data = b.getvalue().replace(b"\x03\x00\x00\x00cpu", b"\x04\x00\x00\x00cuda")
    if tl.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(RuntimeError):  # the zip CRC or torch's CUDA message: never a silent CPU load
        tl.load(io.BytesIO(data))


# ------------------------------------------------------------------------------ hostile files

class _System:
    def __reduce__(self):
        return (os.system, ("touch PWNED_MARKER",))


class _Eval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch PWNED_MARKER')",))


@pytest.mark.parametrize("payload", [_System(), _Eval(), collections.deque([1]), print])
def test_weights_only_refuses_hostile_globals(tmp_path, monkeypatch, payload):
    monkeypatch.chdir(tmp_path)
    data = torch_bytes({"w": torch.ones(2), "evil": payload})
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as e:
        tl.load(io.BytesIO(data))
    assert "Unsupported global" in str(e.value)
    with pytest.raises(pickle.UnpicklingError):
        tl.load(io.BytesIO(data), weights_only=True)
    assert not (tmp_path / "PWNED_MARKER").exists()


def test_hostile_legacy_and_header_pickles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    legacy = torch_bytes({"evil": _System()}, _use_new_zipfile_serialization=False)
    with pytest.raises(pickle.UnpicklingError):
        tl.load(io.BytesIO(legacy))
    raw_pickle = pickle.dumps(_System(), protocol=2)  # a bare pickle, not a checkpoint
    with pytest.raises((pickle.UnpicklingError, RuntimeError)):
        tl.load(io.BytesIO(raw_pickle))
    assert not (tmp_path / "PWNED_MARKER").exists()


def test_safe_globals_allowlist():
    data = torch_bytes({"c": collections.deque([1, 2])})
    with tl.serialization.safe_globals([collections.deque]):
        assert list(tl.load(io.BytesIO(data))["c"]) == [1, 2]
    with pytest.raises(pickle.UnpicklingError):
        tl.load(io.BytesIO(data))


def test_safe_globals_allowlist_torchlike_modules():
    """A whole saved module (word_language_model's save/load) loads with torchlike's classes allow-listed."""
    buf = io.BytesIO()
    tl.save(tl.nn.Sequential(tl.nn.Linear(2, 3), tl.nn.Dropout(0.1)), buf)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        tl.load(io.BytesIO(buf.getvalue()))
    with tl.serialization.safe_globals([tl.nn.Sequential, tl.nn.modules.linear.Linear, tl.nn.Dropout]):
        model = tl.load(io.BytesIO(buf.getvalue()))
    assert isinstance(model[1], tl.nn.Dropout) and model[0].weight.shape == (3, 2)


def test_weights_only_false_loads_plain_objects():
    data = torch_bytes({"c": collections.deque([1, 2]), "t": torch.ones(1)})
    out = tl.load(io.BytesIO(data), weights_only=False)
    assert list(out["c"]) == [1, 2] and isinstance(out["t"], tl.Tensor)


# ------------------------------------------------------------------------------ corrupted files

def test_truncated_files_raise_clear_errors():
    data = torch_bytes({"w": torch.randn(64, 64), "b": torch.randn(64)})
    for cut in (0, 10, 100, len(data) // 2, len(data) - 30):
        with pytest.raises((RuntimeError, pickle.UnpicklingError, EOFError)) as e:
            tl.load(io.BytesIO(data[:cut]))
        assert str(e.value) or cut == 0


def test_bit_flips_raise_clear_errors():
    data = bytearray(torch_bytes({"w": torch.randn(32, 32), "b": torch.arange(10)}))
    rng = np.random.default_rng(0)
    for pos in list(rng.integers(0, len(data), 40)) + [70, 120, 200]:
        flipped = bytearray(data)
        flipped[pos] ^= 0x10
        try:
            out = tl.load(io.BytesIO(bytes(flipped)))
        except (RuntimeError, pickle.UnpicklingError, EOFError, ValueError) as e:
            assert str(e)
        else:  # a flip in padding or unused header bytes can be harmless: then values are intact
            assert_same(out["b"], torch.arange(10))


@pytest.mark.parametrize("weights_only", [True, False])
def test_a_damaged_storage_record_is_reported_as_corruption(weights_only):
    """A bad CRC in a tensor's data record says the file is corrupted; it must not advise retrying with
    ``weights_only=False`` (which fails the same way, and is unsafe)."""
    data = torch_bytes({"a": torch.arange(10.)})
    z = zipfile.ZipFile(io.BytesIO(data))
    info = next(i for i in z.infolist() if i.filename.endswith("data/0"))
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len  # the local header's extra field pads (alignment)
    damaged = bytearray(data)
    damaged[start + 3] ^= 0xFF
    with pytest.raises(RuntimeError, match="corrupted") as e:
        tl.load(io.BytesIO(bytes(damaged)), weights_only=weights_only)
    assert "weights_only" not in str(e.value) and "data/0" in str(e.value)


def test_legacy_truncated():
    data = torch_bytes({"w": torch.randn(8)}, _use_new_zipfile_serialization=False)
    for cut in (5, len(data) // 2, len(data) - 4):
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            tl.load(io.BytesIO(data[:cut]))


def test_out_of_bounds_strides_rejected():
    data = torch_bytes(torch.arange(4.))
    z = zipfile.ZipFile(io.BytesIO(data))
    pkl = z.read("archive/data.pkl").replace(b"K\x04\x85", b"K\x09\x85")  # size 4 -> 9 > storage
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as out:
        for n in z.namelist():
            out.writestr(n, pkl if n.endswith("data.pkl") else z.read(n))
    with pytest.raises(pickle.UnpicklingError, match="out of bounds"):
        tl.load(io.BytesIO(b.getvalue()))


# ------------------------------------------------------------------------------ pickle & safetensors

def test_plain_pickle_and_deepcopy_roundtrip():
    import copy
    t = tl.arange(6.).reshape(2, 3).requires_grad_()
    u = pickle.loads(pickle.dumps(t))
    assert np.array_equal(_np(u), _np(t)) and u.requires_grad
    p = tl.nn.Parameter(tl.ones(2))
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is type(p) and q.requires_grad
    assert np.array_equal(_np(copy.deepcopy(t)), _np(t))


def test_pickling_a_trained_module_drops_grads_as_torch_does():
    """``pickle.dumps(model)`` after ``backward()`` (a parameter then holds autograd bookkeeping with weak
    references): value, requires_grad and user attributes survive; ``.grad`` does not, as in torch."""
    model = tl.nn.Linear(3, 2)
    model.weight.tag = "encoder"
    model(tl.ones(4, 3)).sum().backward()
    back = pickle.loads(pickle.dumps(model))
    tmodel = torch.nn.Linear(3, 2)
    tmodel(torch.ones(4, 3)).sum().backward()
    tback = pickle.loads(pickle.dumps(tmodel))
    assert back.weight.grad is None and tback.weight.grad is None
    assert back.weight.requires_grad and back.weight.tag == "encoder"
    assert np.array_equal(_np(back.weight), _np(model.weight))


def test_safetensors_torch_naming(tmp_path):
    from safetensors.torch import load_file as t_load, save_file as t_save
    sd = {"w": tl.randn(3, 4), "i": tl.arange(5), "h": tl.ones(2, dtype=tl.bfloat16)}
    tl.serialization.save_file(sd, tmp_path / "a.safetensors")
    ref = t_load(str(tmp_path / "a.safetensors"))
    for k in sd:
        assert_same(sd[k], ref[k])
    t_save({k: v.contiguous() for k, v in ref.items()}, str(tmp_path / "b.safetensors"))
    back = tl.serialization.load_file(tmp_path / "b.safetensors")
    for k in sd:
        assert_same(back[k], ref[k])


# ------------------------------------------------------------------------------ whole modules (needs nn)

def test_whole_module_torch_to_torchlike():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    data = torch_bytes(model)
    with pytest.raises(pickle.UnpicklingError):
        tl.load(io.BytesIO(data))  # weights_only=True refuses module classes, as torch does
    ours = tl.load(io.BytesIO(data), weights_only=False)
    assert isinstance(ours, tl.nn.Sequential) and isinstance(ours[0], tl.nn.Linear)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    expect = model(torch.tensor(x)).detach().numpy()
    got = _np(ours(tl.tensor(x)).detach())
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-6)


def test_whole_module_torchlike_to_torch():
    tl.manual_seed(0)
    model = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.Linear(4, 2))
    data = tl_bytes(model)
    theirs = torch.load(io.BytesIO(data), weights_only=False)
    assert isinstance(theirs, torch.nn.Sequential) and isinstance(theirs[0], torch.nn.Linear)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.tensor(x)).detach().numpy(), _np(model(tl.tensor(x)).detach()),
                               rtol=1e-5, atol=1e-6)
    again = tl.load(io.BytesIO(data), weights_only=False)
    np.testing.assert_allclose(_np(again(tl.tensor(x)).detach()), _np(model(tl.tensor(x)).detach()))


def test_weights_only_build_cannot_touch_shared_objects():
    # GLOBAL torch.float32, then BUILD with slot state: would rebind the process-wide dtype's fields
    evil = (b"\x80\x02ctorch\nfloat32\nq\x00N}q\x01X\x02\x00\x00\x00npq\x02X\x04\x00\x00\x00evilq\x03s\x86q\x04b.")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("archive/data.pkl", evil)
        z.writestr("archive/version", "3\n")
    with pytest.raises(pickle.UnpicklingError, match="Can only build Tensor, Parameter, OrderedDict"):  # torch's words
        tl.load(io.BytesIO(b.getvalue()))
    assert tl.float32.np == np.float32
    klass = b"\x80\x02ctorch\nTensor\nq\x00N}q\x01X\x07\x00\x00\x00__add__q\x02c__builtin__\nset\nq\x03s\x86q\x04b."
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("archive/data.pkl", klass)
    with pytest.raises(pickle.UnpicklingError, match="Can only build Tensor, Parameter, OrderedDict"):
        tl.load(io.BytesIO(b.getvalue()))
    assert (tl.ones(1) + tl.ones(1)).item() == 2.0
