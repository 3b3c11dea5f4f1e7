"""torchlike.vision.transforms against reference values computed directly with numpy and Pillow
(torchvision has no CPU build here): conversions, geometry, colour, randomness under manual_seed."""
import numpy as np
import pytest
from PIL import Image, ImageEnhance

import torchlike
import torchlike.vision.transforms as T
import torchlike.vision.transforms.functional as F
from conftest import to_np


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (37, 50, 3), dtype=np.uint8)


def test_import_does_not_load_pil():
    import subprocess
    import sys
    code = "import sys, torchlike; torchlike.vision; print('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_to_tensor_pil_to_tensor_and_back(rgb):
    img = Image.fromarray(rgb)
    x = T.ToTensor()(img)
    assert x.dtype == torchlike.float32 and tuple(x.shape) == (3, 37, 50)
    np.testing.assert_allclose(to_np(x), rgb.transpose(2, 0, 1).astype(np.float32) / 255, rtol=0, atol=0)
    p = T.PILToTensor()(img)
    assert p.dtype == torchlike.uint8 and np.array_equal(to_np(p), rgb.transpose(2, 0, 1))
    back = T.ToPILImage()(x)
    assert back.mode == "RGB"
    # float -> uint8 truncates after * 255, as torchvision's mul(255).byte()
    assert np.array_equal(np.asarray(back), (rgb.astype(np.float32) / 255 * 255).astype(np.uint8))
    gray = T.ToPILImage()(x[:1])
    assert gray.mode == "L"
    y = T.ToTensor()(rgb[:, :, 0])
    assert tuple(y.shape) == (1, 37, 50)
    with pytest.raises(TypeError):
        T.ToTensor()([1, 2])


def test_normalize_and_errors(rgb):
    x = T.ToTensor()(Image.fromarray(rgb))
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    y = T.Normalize(mean, std)(x)
    ref = (to_np(x) - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_allclose(to_np(y), ref, rtol=1e-6, atol=1e-6)
    with pytest.raises(TypeError):
        T.Normalize([0.5], [0.5])(T.PILToTensor()(Image.fromarray(rgb)))
    with pytest.raises(ValueError):
        T.Normalize([0.5], [0.0])(x)


@pytest.mark.parametrize("size,expect", [(20, (20, 27)), ((10, 12), (10, 12)), ([25], (25, 33))])
def test_resize_pil_size_semantics_and_filter(rgb, size, expect):
    img = Image.fromarray(rgb)
    out = T.Resize(size)(img)
    assert (out.height, out.width) == expect
    ref = img.resize((expect[1], expect[0]), Image.BILINEAR)
    assert np.array_equal(np.asarray(out), np.asarray(ref))
    out = T.Resize(size, interpolation=T.InterpolationMode.NEAREST)(img)
    assert np.array_equal(np.asarray(out), np.asarray(img.resize((expect[1], expect[0]), Image.NEAREST)))


def test_resize_max_size_and_tensor(rgb):
    img = Image.fromarray(rgb)
    out = T.Resize(30, max_size=35)(img)
    assert (out.height, out.width) == (26, 35)  # int(35 * 30 / int(30 * 50 / 37))
    t = T.PILToTensor()(img)
    r = T.Resize(20)(t)  # uint8 tensor: Pillow's 8-bit antialiased bilinear, per channel
    ref = np.stack([np.asarray(Image.fromarray(rgb[:, :, c]).resize((27, 20), Image.BILINEAR)) for c in range(3)])
    assert tuple(r.shape) == (3, 20, 27) and np.array_equal(to_np(r), ref)
    f = T.Resize((74, 100))(T.ToTensor()(img))  # upsampling float: plain bilinear, half-pixel centres
    src = rgb[:, :, 0].astype(np.float32) / 255
    ys = np.clip((np.arange(74) + 0.5) / 2 - 0.5, 0, None)
    y0 = np.floor(ys).astype(int)
    wy = ys - y0
    y1 = np.minimum(y0 + 1, 36)
    col = src[y0] * (1 - wy)[:, None] + src[y1] * wy[:, None]
    xs = np.clip((np.arange(100) + 0.5) / 2 - 0.5, 0, None)
    x0 = np.floor(xs).astype(int)
    wx = xs - x0
    x1 = np.minimum(x0 + 1, 49)
    ref = col[:, x0] * (1 - wx) + col[:, x1] * wx
    np.testing.assert_allclose(to_np(f)[0], ref, atol=1e-5)


def test_crops_pad_flips(rgb):
    img = Image.fromarray(rgb)
    c = T.CenterCrop(20)(img)
    top, left = int(round((37 - 20) / 2)), int(round((50 - 20) / 2))
    assert np.array_equal(np.asarray(c), rgb[top:top + 20, left:left + 20])
    ct = T.CenterCrop((20, 20))(T.PILToTensor()(img))
    assert np.array_equal(to_np(ct), rgb[top:top + 20, left:left + 20].transpose(2, 0, 1))
    big = T.CenterCrop(40)(T.PILToTensor()(img))  # larger than the image: zero padded
    assert tuple(big.shape) == (3, 40, 40)
    p = T.Pad((1, 2, 3, 4), fill=7)(img)
    ref = np.pad(rgb, ((2, 4), (1, 3), (0, 0)), constant_values=7)
    assert np.array_equal(np.asarray(p), ref)
    pr = T.Pad(2, padding_mode="reflect")(T.PILToTensor()(img))
    assert np.array_equal(to_np(pr), np.pad(rgb.transpose(2, 0, 1), ((0, 0), (2, 2), (2, 2)), mode="reflect"))
    assert np.array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(img)), rgb[:, ::-1])
    assert np.array_equal(to_np(T.RandomVerticalFlip(1.0)(T.PILToTensor()(img))), rgb.transpose(2, 0, 1)[:, ::-1])
    assert np.array_equal(np.asarray(T.RandomHorizontalFlip(0.0)(img)), rgb)


def test_random_crop_follows_manual_seed_and_padding(rgb):
    img = Image.fromarray(rgb)
    tf = T.RandomCrop(32, padding=4)
    torchlike.manual_seed(0)
    a = np.asarray(tf(img))
    torchlike.manual_seed(0)
    b = np.asarray(tf(img))
    assert a.shape == (32, 32, 3) and np.array_equal(a, b)
    # the crop is a window of the padded image
    padded = np.pad(rgb, ((4, 4), (4, 4), (0, 0)))
    torchlike.manual_seed(0)
    i = int(torchlike.randint(0, 45 - 32 + 1, (1,)).item())
    j = int(torchlike.randint(0, 58 - 32 + 1, (1,)).item())
    assert np.array_equal(a, padded[i:i + 32, j:j + 32])
    with pytest.raises(ValueError):
        T.RandomCrop(60)(img)
    assert T.RandomCrop(60, pad_if_needed=True)(img).size == (60, 60)


def test_random_resized_crop_and_rotation(rgb):
    img = Image.fromarray(rgb)
    torchlike.manual_seed(1)
    i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
    assert 0 <= i <= 37 - h and 0 <= j <= 50 - w
    torchlike.manual_seed(1)
    out = T.RandomResizedCrop(16)(img)
    ref = img.crop((j, i, j + w, i + h)).resize((16, 16), Image.BILINEAR)
    assert np.array_equal(np.asarray(out), np.asarray(ref))
    torchlike.manual_seed(2)
    angle = T.RandomRotation.get_params([-30.0, 30.0])
    assert -30 <= angle <= 30
    torchlike.manual_seed(2)
    rot = T.RandomRotation(30)(img)
    assert np.array_equal(np.asarray(rot), np.asarray(img.rotate(angle, Image.NEAREST, fillcolor=(0, 0, 0))))
    rt = F.rotate(T.ToTensor()(img), 90)
    np.testing.assert_allclose(to_np(rt)[0], np.asarray(Image.fromarray(rgb[:, :, 0].astype(np.float32) / 255, "F")
                                                         .rotate(90, Image.NEAREST)), atol=1e-7)


def test_color_ops_match_pillow_and_numpy(rgb):
    img = Image.fromarray(rgb)
    for fn, enh, f in ((F.adjust_brightness, ImageEnhance.Brightness, 1.3), (F.adjust_contrast,
                       ImageEnhance.Contrast, 0.6), (F.adjust_saturation, ImageEnhance.Color, 0.4)):
        assert np.array_equal(np.asarray(fn(img, f)), np.asarray(enh(img).enhance(f)))
    x = T.ToTensor()(img)
    a = to_np(x)
    gray = 0.2989 * a[0] + 0.587 * a[1] + 0.114 * a[2]
    np.testing.assert_allclose(to_np(F.adjust_brightness(x, 1.3)), np.clip(a * 1.3, 0, 1), atol=1e-6)
    np.testing.assert_allclose(to_np(F.adjust_saturation(x, 0.4)), np.clip(0.4 * a + 0.6 * gray, 0, 1), atol=1e-6)
    np.testing.assert_allclose(to_np(F.adjust_contrast(x, 0.6)), np.clip(0.6 * a + 0.4 * gray.mean(), 0, 1),
                               atol=1e-6)
    np.testing.assert_allclose(to_np(T.Grayscale()(x))[0], gray, atol=1e-6)
    assert np.array_equal(np.asarray(T.Grayscale(3)(img))[:, :, 1], np.asarray(img.convert("L")))
    h = F.adjust_hue(x, 0.0)
    np.testing.assert_allclose(to_np(h), a, atol=1e-5)
    h = to_np(F.adjust_hue(x, 0.5))  # half-turn of hue: max/min channels of each pixel swap order
    np.testing.assert_allclose(h.max(0) + h.min(0), a.max(0) + a.min(0), atol=1e-5)
    torchlike.manual_seed(0)
    j1 = np.asarray(T.ColorJitter(0.4, 0.4, 0.4, 0.1)(img))
    torchlike.manual_seed(0)
    j2 = np.asarray(T.ColorJitter(0.4, 0.4, 0.4, 0.1)(img))
    assert np.array_equal(j1, j2) and not np.array_equal(j1, rgb)


def test_gaussian_blur_matches_numpy(rgb):
    x = T.ToTensor()(Image.fromarray(rgb))
    out = to_np(F.gaussian_blur(x, 5, 1.5))
    k = np.exp(-0.5 * (np.linspace(-2, 2, 5) / 1.5) ** 2)
    k /= k.sum()
    p = np.pad(to_np(x), ((0, 0), (2, 2), (2, 2)), mode="reflect")
    ref = np.zeros_like(to_np(x), dtype=np.float64)
    for dy in range(5):
        for dx in range(5):
            ref += k[dy] * k[dx] * p[:, dy:dy + 37, dx:dx + 50]
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert T.GaussianBlur(3)(Image.fromarray(rgb)).size == (50, 37)
    with pytest.raises(ValueError):
        T.GaussianBlur(4)


def test_random_erasing_lambda_apply_choice_convert(rgb):
    x = T.ToTensor()(Image.fromarray(rgb))
    torchlike.manual_seed(3)
    e = to_np(T.RandomErasing(p=1.0, value=0.5)(x))
    changed = np.argwhere((e != to_np(x)).any(0))
    assert len(changed) > 0 and np.all(e[:, changed[:, 0], changed[:, 1]] == 0.5)
    assert np.array_equal(to_np(T.Lambda(lambda t: t * 0)(x)), np.zeros_like(to_np(x)))
    assert T.RandomApply([T.Lambda(lambda t: "applied")], p=1.0)(x) == "applied"
    assert T.RandomApply([T.Lambda(lambda t: "applied")], p=0.0)(x) is x
    assert T.RandomChoice([T.Lambda(lambda t: 1), T.Lambda(lambda t: 1)])(x) == 1
    u8 = T.ConvertImageDtype(torchlike.uint8)(x)
    assert u8.dtype == torchlike.uint8
    assert np.array_equal(to_np(u8), (to_np(x) * (255 + 1 - 1e-3)).astype(np.uint8))
    back = T.ConvertImageDtype(torchlike.float32)(T.PILToTensor()(Image.fromarray(rgb)))
    np.testing.assert_allclose(to_np(back), to_np(x), atol=1e-7)
    with pytest.raises(RuntimeError):
        F.convert_image_dtype(x, torchlike.int64)


def test_compose_pipeline_in_dataloader_workers(rgb):
    from torchlike.utils.data import DataLoader, Dataset

    class Imgs(Dataset):
        tf = T.Compose([T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.ToTensor(),
                        T.Normalize([0.5] * 3, [0.5] * 3)])

        def __len__(self):
            return 6

        def __getitem__(self, i):
            return self.tf(Image.fromarray(rgb)), i

    batches = list(DataLoader(Imgs(), batch_size=3, num_workers=2))
    assert tuple(batches[0][0].shape) == (3, 3, 24, 24) and batches[1][1].tolist() == [3, 4, 5]
