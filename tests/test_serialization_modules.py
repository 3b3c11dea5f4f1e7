"""Whole pickled modules (``torch.save(model)`` then ``torch.load``), as the word_language_model
example does: torchlike writes torch's global names (``torch.nn.modules.sparse.Embedding``), refuses a
module under the default ``weights_only=True`` with torch's message, loads it under
``serialization.safe_globals`` as torch 2.13 does, and files cross between the two libraries."""
import io
import pickle

import numpy as np
import pytest
import torch

import torchlike
from conftest import assert_same
from torchlike.serialization.pickling import torch_global_name


def _lm(lib):
    """A small RNN language model of stock modules (encoder, LSTM, dropout, decoder)."""
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.0)
            self.encoder = nn.Embedding(11, 6)
            self.rnn = nn.LSTM(6, 5)
            self.decoder = nn.Linear(5, 11)

        def forward(self, x):
            out, _ = self.rnn(self.drop(self.encoder(x)))
            return self.decoder(out)
    return LM


LM_TORCH = _lm(torch)
LM_TORCH.__qualname__ = "LM_TORCH"
LM_TORCHLIKE = _lm(torchlike)
LM_TORCHLIKE.__qualname__ = "LM_TORCHLIKE"


def _allowed(lib, cls):
    nn = lib.nn
    return [cls, nn.modules.dropout.Dropout, nn.modules.sparse.Embedding, nn.modules.rnn.LSTM,
            nn.modules.linear.Linear]


def test_torchlike_objects_pickle_under_torchs_names():
    checked = 0
    for ns_t, ns_l in [(torch.nn, torchlike.nn), (torch.nn.functional, torchlike.nn.functional),
                       (torch.optim, torchlike.optim)]:
        for name in dir(ns_t):
            ref, ours = getattr(ns_t, name), getattr(ns_l, name, None)
            if name.startswith("_") or ours is None or not callable(ref):
                continue
            module = getattr(ref, "__module__", None) or ""
            if not module.startswith(("torch.nn", "torch.optim")) or module.startswith("torch.nn.modules.module"):
                continue  # torch's C builtins are pickled under torch._C names torchlike does not mirror
            if torch_global_name(ours) is None or ref.__qualname__ != name:
                continue  # not torchlike's / torch's alias (F.threshold is torch's _threshold)
            assert torch_global_name(ours) == (module, ref.__qualname__), name
            checked += 1
    assert checked > 150


@pytest.mark.parametrize("lib", [torch, torchlike], ids=["torch", "torchlike"])
def test_whole_module_needs_safe_globals(lib):
    cls = LM_TORCH if lib is torch else LM_TORCHLIKE
    lib.manual_seed(0)
    model = cls()
    buf = io.BytesIO()
    lib.save(model, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError) as err:
        lib.load(buf)  # weights_only=True by default, as in torch 2.13
    assert "Weights only load failed" in str(err.value)
    assert f"Unsupported global: GLOBAL {__name__}.{cls.__qualname__} was not an allowed global" in str(err.value)
    assert f"add_safe_globals([{__name__}.{cls.__qualname__}])" in str(err.value)
    buf.seek(0)
    before = lib.serialization.get_safe_globals()
    with lib.serialization.safe_globals(_allowed(lib, cls)):
        loaded = lib.load(buf)
    assert type(loaded) is cls
    x = lib.tensor([[1, 4], [2, 7], [10, 0]])
    assert np.array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    assert set(lib.serialization.get_safe_globals()) == set(before)  # the context manager leaves nothing behind
    buf.seek(0)
    assert type(lib.load(buf, weights_only=False)) is cls


def test_the_same_globals_as_torch_are_written():
    import pickletools
    import zipfile

    def globals_of(lib, cls):
        lib.manual_seed(0)
        buf = io.BytesIO()
        lib.save(cls(), buf)
        z = zipfile.ZipFile(buf)
        out = io.StringIO()
        pickletools.dis(z.read(next(n for n in z.namelist() if n.endswith("data.pkl"))), out)
        return {line.split("GLOBAL")[1].strip().replace("_TORCHLIKE", "").replace("_TORCH", "")
                for line in out.getvalue().splitlines() if "GLOBAL" in line}
    assert globals_of(torchlike, LM_TORCHLIKE) == globals_of(torch, LM_TORCH)


def test_modules_cross_between_the_libraries():
    # torchlike's file, loaded by torch with torch's allow-list
    torchlike.manual_seed(0)
    ours = torchlike.nn.Sequential(torchlike.nn.Embedding(5, 3), torchlike.nn.BatchNorm1d(3).eval(),
                                   torchlike.nn.Linear(3, 2))
    buf = io.BytesIO()
    torchlike.save(ours, buf)
    buf.seek(0)
    nn = torch.nn
    with torch.serialization.safe_globals([nn.Sequential, nn.Embedding, nn.BatchNorm1d, nn.Linear]):
        theirs = torch.load(buf)
    idx = [1, 4, 0]
    assert_same(ours(torchlike.tensor(idx)), theirs(torch.tensor(idx)))
    # and torch's file in torchlike
    torch.manual_seed(1)
    ref = nn.Sequential(nn.Embedding(5, 3), nn.LSTM(3, 2, batch_first=True))
    buf = io.BytesIO()
    torch.save(ref, buf)
    buf.seek(0)
    tnn = torchlike.nn
    with torchlike.serialization.safe_globals([tnn.Sequential, tnn.Embedding, tnn.LSTM]):
        got = torchlike.load(buf)
    assert type(got[1]) is tnn.LSTM
    assert_same(got[1](got[0](torchlike.tensor([idx])))[0], ref[1](ref[0](torch.tensor([idx])))[0])


class _Opaque:
    pass


def _factory():
    return _Opaque()


class _Smuggled:
    """Pickles as ``_factory()`` then BUILD with a state: the allowed factory returns an object of a type that
    is not allowed, so setting its state must be refused."""

    def __reduce__(self):
        return (_factory, (), {"x": 1})


@pytest.mark.parametrize("lib", [torch, torchlike], ids=["torch", "torchlike"])
def test_build_is_refused_for_types_not_allowed(lib):
    buf = io.BytesIO()
    torch.save({"obj": _Smuggled()}, buf)
    buf.seek(0)
    with lib.serialization.safe_globals([_factory]):
        with pytest.raises(pickle.UnpicklingError, match="Can only build Tensor, Parameter, OrderedDict or types "
                                                         "allowlisted via `add_safe_globals`, but got"):
            lib.load(buf)
    buf.seek(0)
    with lib.serialization.safe_globals([_factory, _Opaque]):
        assert lib.load(buf)["obj"].x == 1
