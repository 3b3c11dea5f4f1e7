"""What ``safetensors.torch`` (and so transformers' ``save_pretrained``/``from_pretrained``) needs, against
torch 2.13: ``data_ptr()`` of a CPU tensor is a readable address holding the tensor's bytes in torch's
layout, ``torch.frombuffer``, ``Tensor.view(dtype=...)`` (bool and complex too), and
``UntypedStorage.from_file`` / slicing / ``torch.asarray(storage)``; then the library itself under
``python -m torchlike``, its files read back by real torch."""
import ctypes
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(ptr, nbytes):
    return bytes(np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_ubyte)), (nbytes,)))


def _bytes_at_data_ptr(t):
    return _read(t.data_ptr(), t.numel() * t.element_size())


@pytest.mark.parametrize("make", [
    lambda m: m.arange(12.0).reshape(3, 4),
    lambda m: m.arange(12.0).reshape(3, 4)[1],
    lambda m: m.arange(24, dtype=m.int64).reshape(2, 3, 4)[:, 1:],
    lambda m: m.tensor([True, False, True]),
    lambda m: m.arange(6.0).to(m.bfloat16),
    lambda m: m.arange(16.0).reshape(1, 4, 2, 2).contiguous(memory_format=m.channels_last),
], ids=["contiguous", "row_view", "offset_view", "bool", "bfloat16", "channels_last"])
def test_data_ptr_reads_the_bytes_torch_has_there(make):
    ours, ref = make(torchlike), make(torch)
    n = ours.untyped_storage().nbytes()
    assert n == ref.untyped_storage().nbytes()
    assert _read(ours.untyped_storage().data_ptr(), n) == _read(ref.untyped_storage().data_ptr(), n)
    assert ours.data_ptr() - ours.untyped_storage().data_ptr() == ref.data_ptr() - ref.untyped_storage().data_ptr()


def test_data_ptr_stays_put_across_in_place_ops_and_sees_them():
    for m in (torchlike, torch):
        x = m.arange(6.0)
        p = x.data_ptr()
        x.add_(1)
        x[2:4].fill_(-1)
        assert x.data_ptr() == p
        assert np.frombuffer(_bytes_at_data_ptr(x), np.float32).tolist() == [1.0, 2.0, -1.0, -1.0, 5.0, 6.0]
        assert x.detach().data_ptr() == p and x.clone().data_ptr() != p


@pytest.mark.parametrize("dtype,count,offset", [("float32", -1, 0), ("int16", 3, 2), ("uint8", -1, 5),
                                                 ("bfloat16", 4, 0), ("bool", 2, 1), ("complex64", 1, 8)])
def test_frombuffer_matches_torch(dtype, count, offset):
    buf = bytearray(np.arange(16, dtype=np.uint8).tobytes())
    if dtype == "bool":
        buf = bytearray([0, 1, 1, 0])
    ours = torchlike.frombuffer(buf, dtype=getattr(torchlike, dtype), count=count, offset=offset)
    ref = torch.frombuffer(buf, dtype=getattr(torch, dtype), count=count, offset=offset)
    assert str(ours.dtype) == str(ref.dtype)
    if dtype == "bfloat16":  # numpy has no bfloat16 for torch's .numpy()
        ours, ref = ours.float(), ref.float()
    assert_same(ours, ref)


@pytest.mark.parametrize("kw", [dict(dtype="float32"), dict(dtype="float32", offset=1), dict(dtype="int64", count=3),
                                dict(dtype="uint8", offset=16)])
def test_frombuffer_bad_lengths_raise_as_torch(kw):
    buf = bytearray(15)
    kw = dict(kw)
    name = kw.pop("dtype")
    with pytest.raises(ValueError) as ref:
        torch.frombuffer(buf, dtype=getattr(torch, name), **kw)
    with pytest.raises(ValueError) as ours:
        torchlike.frombuffer(buf, dtype=getattr(torchlike, name), **kw)
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("src,dst", [("uint8", "bool"), ("bool", "uint8"), ("uint8", "complex64"),
                                     ("complex64", "float32"), ("complex128", "int64"), ("float32", "int32")])
def test_view_dtype_by_keyword_incl_bool_and_complex(src, dst):
    data = np.array([0, 1, 1, 0, 1, 0, 0, 1] * 4, np.uint8)
    ours = torchlike.tensor(data).view(torchlike.uint8)
    ref = torch.tensor(data)
    if src != "uint8":
        ours, ref = ours.view(dtype=getattr(torchlike, src)), ref.view(dtype=getattr(torch, src))
    assert_same(ours.view(dtype=getattr(torchlike, dst)), ref.view(dtype=getattr(torch, dst)))
    assert_same(torchlike.arange(6).view(size=(2, 3)), torch.arange(6).view(size=(2, 3)))


def test_storage_from_file_slices_and_asarray(tmp_path):
    path = tmp_path / "raw.bin"
    path.write_bytes(np.arange(10, dtype=np.float32).tobytes())
    res = []
    for m in (torchlike, torch):
        s = m.UntypedStorage.from_file(str(path), shared=False, nbytes=40)
        part = s[8:24]
        res.append((len(s), s[4], len(part), m.asarray(part, dtype=m.uint8).view(dtype=m.float32).reshape(2, 2)))
    assert res[0][:3] == res[1][:3]
    assert_same(res[0][3], res[1][3])


SAVE_LOAD = textwrap.dedent("""\
    import sys
    import numpy as np
    import torch
    from safetensors import safe_open
    from safetensors.torch import load, load_file, save, save_file
    x = torch.arange(12.0).reshape(3, 4)
    x[1].mul_(-2)
    tensors = {"x": x, "row": x[2].clone().to(torch.bfloat16), "mask": torch.tensor([True, False]),
               "ids": torch.arange(5), "t": torch.ones(2, 3).t().contiguous()}
    save_file(tensors, sys.argv[1], metadata={"format": "pt"})
    back = load_file(sys.argv[1])
    assert all(torch.equal(back[k], v) for k, v in tensors.items()), back
    with safe_open(sys.argv[1], framework="pt") as f:
        assert torch.equal(f.get_slice("x")[1:, 2:], x[1:, 2:])
    assert torch.equal(load(save({"x": x}))["x"], x)
    print("ok")
""")


def test_safetensors_torch_under_torchlike_writes_files_torch_reads(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    script, out = tmp_path / "save_load.py", tmp_path / "t.safetensors"
    script.write_text(SAVE_LOAD)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-m", "torchlike", str(script), str(out)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
    ref = torch.arange(12.0).reshape(3, 4)
    ref[1].mul_(-2)
    got = st.load_file(str(out))
    assert torch.equal(got["x"], ref) and got["row"].dtype == torch.bfloat16 and torch.equal(got["row"], ref[2].bfloat16())
    assert got["mask"].tolist() == [True, False] and torch.equal(got["ids"], torch.arange(5))
