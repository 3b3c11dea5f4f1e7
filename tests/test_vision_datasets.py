"""Dataset readers on small files written here in torchvision's real formats and layouts."""
import gzip
import os
import pickle
import struct
import urllib.request

import numpy as np
import pytest
from PIL import Image

import torchlike
from torchlike.utils.data import DataLoader
from torchlike.vision import datasets, transforms
from conftest import to_np


def _idx(path, arr):
    with open(path, "wb") as f:
        if arr.ndim == 3:
            f.write(struct.pack(">IIII", 0x803, *arr.shape))
        else:
            f.write(struct.pack(">II", 0x801, arr.shape[0]))
        f.write(arr.astype(np.uint8).tobytes())


def _write_mnist(root, cls="MNIST", names=None, n=(12, 5), gz=False):
    raw = os.path.join(root, cls, "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(0)
    out = {}
    names = names or {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                      "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    for (split, (imf, lbf)), k in zip(names.items(), n):
        imgs = rng.integers(0, 256, (k, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, 10, k).astype(np.uint8)
        _idx(os.path.join(raw, imf), imgs)
        _idx(os.path.join(raw, lbf), labels)
        if gz:
            for f in (imf, lbf):
                p = os.path.join(raw, f)
                with open(p, "rb") as src, gzip.open(p + ".gz", "wb") as dst:
                    dst.write(src.read())
                os.remove(p)
        out[split] = (imgs, labels)
    return out


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_raw_layout_and_downloads_nothing(tmp_path, no_network, gz):
    ref = _write_mnist(tmp_path, gz=gz)
    ds = datasets.MNIST(str(tmp_path), train=True, download=True, transform=transforms.ToTensor())
    assert len(ds) == 12
    img, label = ds[3]
    assert tuple(img.shape) == (1, 28, 28) and img.dtype == torchlike.float32
    np.testing.assert_allclose(to_np(img)[0], ref["train"][0][3] / np.float32(255), atol=1e-7)
    assert label == int(ref["train"][1][3]) and isinstance(label, int)
    assert ds.data.dtype == torchlike.uint8 and tuple(ds.data.shape) == (12, 28, 28)
    assert ds.targets.dtype == torchlike.int64
    assert ds.targets.tolist() == ref["train"][1].tolist()
    assert ds.class_to_idx["3 - three"] == 3
    test = datasets.MNIST(str(tmp_path), train=False)
    assert len(test) == 5 and isinstance(test[0][0], Image.Image) and test[0][0].mode == "L"


def test_mnist_missing_files_error_names_paths(tmp_path, no_network):
    with pytest.raises(RuntimeError) as ei:
        datasets.MNIST(str(tmp_path), train=True)
    msg = str(ei.value)
    assert "train-images-idx3-ubyte" in msg and os.path.join(str(tmp_path), "MNIST", "raw") in msg
    assert "download=True" in msg


def test_mnist_offline_download_fails_clearly(tmp_path, monkeypatch):
    import urllib.error

    def offline(*a, **k):
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(RuntimeError) as ei:
        datasets.FashionMNIST(str(tmp_path), download=True)
    assert "FashionMNIST" in str(ei.value) and "t10k-labels-idx1-ubyte" in str(ei.value)
    assert "no network" in str(ei.value)


def test_fashion_kmnist_emnist_layouts(tmp_path, no_network):
    _write_mnist(tmp_path, "FashionMNIST")
    _write_mnist(tmp_path, "KMNIST")
    names = {s: (f"emnist-letters-{s}-images-idx3-ubyte", f"emnist-letters-{s}-labels-idx1-ubyte")
             for s in ("train", "test")}
    _write_mnist(tmp_path, "EMNIST", names)
    assert datasets.FashionMNIST(str(tmp_path)).classes[0] == "T-shirt/top"
    assert len(datasets.KMNIST(str(tmp_path), train=False)) == 5
    em = datasets.EMNIST(str(tmp_path), split="letters", download=True)
    assert len(em) == 12 and em.classes[1] == "a"
    with pytest.raises(ValueError):
        datasets.EMNIST(str(tmp_path), split="nope")


def test_mnist_through_dataloader_with_workers(tmp_path):
    ref = _write_mnist(tmp_path)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.MNIST(str(tmp_path), transform=tf)
    xs, ys = zip(*DataLoader(ds, batch_size=5, num_workers=2))
    x = np.concatenate([to_np(b) for b in xs])
    np.testing.assert_allclose(x[:, 0], (ref["train"][0] / np.float32(255) - 0.5) / 0.5, atol=1e-6)
    assert np.concatenate([to_np(b) for b in ys]).tolist() == ref["train"][1].tolist()
    assert ys[0].dtype == torchlike.int64


def _write_cifar(root, hundred=False):
    rng = np.random.default_rng(1)
    folder = os.path.join(root, "cifar-100-python" if hundred else "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    files = ["train", "test"] if hundred else [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    key = "fine_labels" if hundred else "labels"
    written = {}
    for name in files:
        data = rng.integers(0, 256, (4, 3072)).astype(np.uint8)
        labels = rng.integers(0, 10, 4).tolist()
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump({"data": data, key: labels}, f)
        written[name] = (data, labels)
    meta = ("meta", "fine_label_names") if hundred else ("batches.meta", "label_names")
    with open(os.path.join(folder, meta[0]), "wb") as f:
        pickle.dump({meta[1]: [f"c{i}" for i in range(10)]}, f)
    return written


def test_cifar10_and_100_pickles(tmp_path, no_network):
    w = _write_cifar(tmp_path)
    ds = datasets.CIFAR10(str(tmp_path), train=True, download=True)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3)
    img, label = ds[5]
    expect = w["data_batch_2"][0][1].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(np.asarray(img), expect) and label == w["data_batch_2"][1][1]
    assert ds.classes[2] == "c2" and ds.class_to_idx["c2"] == 2
    assert len(datasets.CIFAR10(str(tmp_path), train=False)) == 4
    w100 = _write_cifar(tmp_path, hundred=True)
    ds100 = datasets.CIFAR100(str(tmp_path), train=False)
    assert ds100.targets == w100["test"][1]
    with pytest.raises(RuntimeError, match="data_batch_1"):
        datasets.CIFAR10(str(tmp_path / "nothing"))


def test_image_folder_and_dataset_folder(tmp_path):
    rng = np.random.default_rng(2)
    for cls in ("b_cls", "a_cls"):
        os.makedirs(tmp_path / cls / "sub")
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (10, 12, 3)).astype(np.uint8)).save(tmp_path / cls / f"{i}.png")
        Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / cls / "sub" / "g.png")
        (tmp_path / cls / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())
    assert ds.classes == ["a_cls", "b_cls"] and ds.class_to_idx == {"a_cls": 0, "b_cls": 1}
    assert len(ds) == 8 and ds.targets == [0] * 4 + [1] * 4 and ds.imgs == ds.samples
    assert ds.samples[0][0].endswith(os.path.join("a_cls", "0.png"))
    x, y = ds[3]
    assert tuple(x.shape) == (3, 10, 12) and y == 0  # grayscale file converted to RGB
    df = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(), extensions=(".txt",))
    assert len(df) == 2 and df[1] == ("not an image", 1)
    with pytest.raises(FileNotFoundError):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=(".jpg",))
    with pytest.raises(FileNotFoundError):
        datasets.ImageFolder(str(tmp_path / "a_cls" / "sub"))


def test_fakedata_deterministic_and_global_stream_untouched():
    torchlike.manual_seed(0)
    before = torchlike.rand(2).tolist()
    torchlike.manual_seed(0)
    ds = datasets.FakeData(size=4, image_size=(3, 8, 6), num_classes=5)
    a, la = ds[2]
    b, lb = ds[2]
    assert np.array_equal(np.asarray(a), np.asarray(b)) and la == lb and 0 <= la < 5
    assert a.size == (6, 8) and len(ds) == 4
    assert torchlike.rand(2).tolist() == before


def test_svhn_mat_file(tmp_path):
    sio = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (32, 32, 3, 4)).astype(np.uint8)
    y = np.array([[10], [1], [2], [10]], np.uint8)
    sio.savemat(str(tmp_path / "test_32x32.mat"), {"X": X, "y": y})
    ds = datasets.SVHN(str(tmp_path), split="test")
    assert len(ds) == 4 and ds.labels.tolist() == [0, 1, 2, 0]
    img, label = ds[1]
    assert np.array_equal(np.asarray(img), X[:, :, :, 1]) and label == 1
    with pytest.raises(RuntimeError, match="train_32x32.mat"):
        datasets.SVHN(str(tmp_path), split="train")


def test_make_grid_and_save_image(tmp_path):
    from torchlike.vision import utils
    x = np.random.default_rng(4).random((5, 3, 4, 6)).astype(np.float32)
    g = utils.make_grid(torchlike.tensor(x), nrow=3, padding=1, pad_value=0.5)
    assert tuple(g.shape) == (3, 2 * 5 + 1, 3 * 7 + 1)
    gn = to_np(g)
    assert np.array_equal(gn[:, 1:5, 1:7], x[0]) and np.array_equal(gn[:, 6:10, 8:14], x[4])
    assert gn[0, 0, 0] == 0.5 and np.all(gn[:, 6:10, 15:21] == 0.5)
    one = utils.make_grid(torchlike.tensor(x[:1, :1]), normalize=True)
    assert tuple(one.shape) == (3, 4, 6) and float(to_np(one).max()) == 1.0
    utils.save_image(torchlike.tensor(x), str(tmp_path / "g.png"), nrow=5)
    saved = np.asarray(Image.open(tmp_path / "g.png"))
    assert saved.shape == (8, 2 + 5 * 8, 3)
    assert np.array_equal(saved[2:6, 2:8], np.clip(x[0].transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8))
