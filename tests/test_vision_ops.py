"""torchvision.ops in torchlike.vision.ops. torchvision is not installed beside torch here, so the
references are torch's own layers and ops on the same weights and inputs, and the documented
formulas written out with numpy (IoU, greedy NMS, RoIAlign's bilinear sampling)."""
import math

import numpy as np
import pytest

import torchlike
from torchlike.vision import ops
from conftest import assert_same, to_np

torch = pytest.importorskip("torch")


def _boxes(rng, n):
    xy = rng.uniform(0, 20, (n, 2))
    wh = rng.uniform(1, 10, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)


def _inter_union_np(a, b):
    inter, union = np.zeros((len(a), len(b))), np.zeros((len(a), len(b)))
    for i, p in enumerate(a.astype(np.float64)):
        for j, q in enumerate(b.astype(np.float64)):
            w = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
            h = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            inter[i, j] = w * h
            union[i, j] = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - w * h
    return inter, union


def _iou_np(a, b):
    inter, union = _inter_union_np(a, b)
    return inter / union


def test_box_iou_giou_diou_ciou_match_formulas(rng):
    a, b = _boxes(rng, 5), _boxes(rng, 7)
    A, B = torchlike.tensor(a), torchlike.tensor(b)
    iou = _iou_np(a, b)
    np.testing.assert_allclose(to_np(ops.box_iou(A, B)), iou, rtol=1e-5)
    lt, rb = np.minimum(a[:, None, :2], b[None, :, :2]), np.maximum(a[:, None, 2:], b[None, :, 2:])
    enclosing = np.prod(rb - lt, -1).astype(np.float64)
    union = _inter_union_np(a, b)[1]
    np.testing.assert_allclose(to_np(ops.generalized_box_iou(A, B)), iou - (enclosing - union) / enclosing,
                               rtol=1e-5, atol=1e-6)
    centers = lambda x: (x[:, :2] + x[:, 2:]) / 2  # noqa: E731
    dist = np.sum((centers(a)[:, None] - centers(b)[None]) ** 2, -1)
    diou = iou - dist / (np.sum((rb - lt) ** 2, -1) + 1e-7)
    np.testing.assert_allclose(to_np(ops.distance_box_iou(A, B)), diou, rtol=1e-5, atol=1e-6)
    wa, ha, wb, hb = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    v = 4 / math.pi ** 2 * (np.arctan(wa / ha)[:, None] - np.arctan(wb / hb)[None]) ** 2
    np.testing.assert_allclose(to_np(ops.complete_box_iou(A, B)), diou - v / (1 - iou + v + 1e-7) * v,
                               rtol=1e-4, atol=1e-6)


def test_box_iou_gradient_matches_torch_formula(rng):
    a, b = _boxes(rng, 4), _boxes(rng, 3)
    ours = torchlike.tensor(a, requires_grad=True)
    ref = torch.tensor(a, requires_grad=True)
    ops.box_iou(ours, torchlike.tensor(b)).sum().backward()
    bt = torch.tensor(b)
    lt = torch.max(ref[:, None, :2], bt[None, :, :2])
    rb = torch.min(ref[:, None, 2:], bt[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    (inter / (area(ref)[:, None] + area(bt)[None] - inter)).sum().backward()
    assert_same(ours.grad, ref.grad, rtol=1e-5, atol=1e-6)


def test_box_convert_round_trips_and_area():
    b = torchlike.tensor([[1.0, 2.0, 5.0, 8.0], [0.0, 0.0, 2.0, 2.0]])
    cxcywh = ops.box_convert(b, "xyxy", "cxcywh")
    np.testing.assert_allclose(to_np(cxcywh), [[3, 5, 4, 6], [1, 1, 2, 2]])
    np.testing.assert_allclose(to_np(ops.box_convert(b, "xyxy", "xywh")), [[1, 2, 4, 6], [0, 0, 2, 2]])
    np.testing.assert_allclose(to_np(ops.box_convert(cxcywh, "cxcywh", "xyxy")), to_np(b))
    np.testing.assert_allclose(to_np(ops.box_convert(ops.box_convert(b, "xyxy", "xywh"), "xywh", "cxcywh")),
                               to_np(cxcywh))
    np.testing.assert_allclose(to_np(ops.box_area(b)), [24, 4])
    np.testing.assert_allclose(to_np(ops.box_area(cxcywh, fmt="cxcywh")), [24, 4])
    with pytest.raises(ValueError, match="Unsupported"):
        ops.box_convert(b, "xyxy", "polar")


def test_clip_remove_small_and_masks_to_boxes():
    b = torchlike.tensor([[-3.0, 2.0, 50.0, 8.0], [1.0, 1.0, 1.5, 9.0]])
    np.testing.assert_allclose(to_np(ops.clip_boxes_to_image(b, (6, 40))), [[0, 2, 40, 6], [1, 1, 1.5, 6]])
    assert ops.remove_small_boxes(b, 1.0).tolist() == [0]
    m = torchlike.zeros(3, 5, 6)
    m[0, 1:3, 2:5] = 1
    m[2, 4, 0] = 1
    np.testing.assert_allclose(to_np(ops.masks_to_boxes(m)), [[2, 1, 4, 2], [0, 0, 0, 0], [0, 4, 0, 4]])


def _greedy_nms(boxes, scores, thr):
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    for i in order:
        if all(_iou_np(boxes[i:i + 1], boxes[k:k + 1])[0, 0] <= thr for k in keep):
            keep.append(i)
    return keep


@pytest.mark.parametrize("thr", [0.2, 0.5])
def test_nms_is_greedy_suppression_by_score(rng, thr):
    b = _boxes(rng, 40)
    s = rng.permutation(40).astype(np.float32) / 40  # distinct scores
    keep = ops.nms(torchlike.tensor(b), torchlike.tensor(s), thr)
    assert keep.dtype == torchlike.int64
    assert keep.tolist() == _greedy_nms(b, s, thr)


def test_batched_nms_never_suppresses_across_categories(rng):
    b = _boxes(rng, 30)
    s = rng.permutation(30).astype(np.float32)
    cat = rng.integers(0, 3, 30)
    keep = ops.batched_nms(torchlike.tensor(b), torchlike.tensor(s), torchlike.tensor(cat), 0.3).tolist()
    expected = [i for c in range(3) for i in np.flatnonzero(cat == c)[_greedy_nms(b[cat == c], s[cat == c], 0.3)]]
    assert sorted(keep) == sorted(expected)
    assert keep == sorted(keep, key=lambda i: -s[i])
    assert ops.batched_nms(torchlike.zeros(0, 4), torchlike.zeros(0), torchlike.zeros(0, dtype=torchlike.int64),
                           0.5).shape == (0,)


def test_nms_bad_shapes_raise_runtime_error():
    with pytest.raises(RuntimeError, match="boxes should have 4 elements"):
        ops.nms(torchlike.zeros(3, 5), torchlike.zeros(3), 0.5)
    with pytest.raises(RuntimeError, match="same number of elements"):
        ops.nms(torchlike.zeros(3, 4), torchlike.zeros(2), 0.5)


def _roi_align_reference(x, rois, ph, pw, scale, ratio, aligned):
    """RoIAlign written out sample by sample (float64) from torchvision's documented algorithm."""
    n, c, h, w = x.shape
    out = np.zeros((len(rois), c, ph, pw))
    off = 0.5 if aligned else 0.0
    for k, (bi, x1, y1, x2, y2) in enumerate(rois):
        sx, sy = x1 * scale - off, y1 * scale - off
        rw, rh = x2 * scale - off - sx, y2 * scale - off - sy
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = ratio if ratio > 0 else math.ceil(rh / ph)
        gw = ratio if ratio > 0 else math.ceil(rw / pw)
        for i in range(ph):
            for j in range(pw):
                acc = np.zeros(c)
                for iy in range(gh):
                    yy = sy + i * bh + (iy + 0.5) * bh / gh
                    for ix in range(gw):
                        xx = sx + j * bw + (ix + 0.5) * bw / gw
                        if yy < -1 or yy > h or xx < -1 or xx > w:
                            continue
                        yy_, xx_ = max(yy, 0.0), max(xx, 0.0)
                        y0, x0 = int(yy_), int(xx_)
                        if y0 >= h - 1:
                            y0 = y1_ = h - 1
                            yy_ = float(y0)
                        else:
                            y1_ = y0 + 1
                        if x0 >= w - 1:
                            x0 = x1_ = w - 1
                            xx_ = float(x0)
                        else:
                            x1_ = x0 + 1
                        ly, lx = yy_ - y0, xx_ - x0
                        f = x[int(bi)]
                        acc += ((1 - ly) * (1 - lx) * f[:, y0, x0] + (1 - ly) * lx * f[:, y0, x1_]
                                + ly * (1 - lx) * f[:, y1_, x0] + ly * lx * f[:, y1_, x1_])
                out[k, :, i, j] = acc / max(gh * gw, 1)
    return out


@pytest.mark.parametrize("aligned,ratio", [(False, 2), (True, -1), (False, -1)])
def test_roi_align_matches_reference_and_has_input_gradient(rng, aligned, ratio):
    x = rng.standard_normal((2, 3, 9, 11)).astype(np.float32)
    # coordinates exact in binary, so float32 (torchvision's, and ours) and float64 (the reference) agree on
    # the adaptive sample counts ceil(size / bins)
    rois = np.array([[0, 1.0, 1.5, 7.0, 7.0], [1, -2.0, 0.0, 24.0, 18.0], [0, 3.25, 2.5, 4.5, 3.0]], np.float32)
    xt = torchlike.tensor(x, requires_grad=True)
    out = ops.roi_align(xt, torchlike.tensor(rois), (3, 2), spatial_scale=0.5, sampling_ratio=ratio, aligned=aligned)
    ref = _roi_align_reference(x.astype(np.float64), rois.astype(np.float64), 3, 2, 0.5, ratio, aligned)
    np.testing.assert_allclose(to_np(out), ref, rtol=1e-4, atol=1e-5)
    # output is linear in x: d(sum(out * g))/dx by finite structure = reference applied to basis images
    g = rng.standard_normal(out.shape).astype(np.float32)
    (out * torchlike.tensor(g)).sum().backward()
    probe = np.zeros_like(x, dtype=np.float64)
    probe[1, 2, 4, 5] = 1.0
    expected = np.sum(_roi_align_reference(probe, rois.astype(np.float64), 3, 2, 0.5, ratio, aligned) * g)
    np.testing.assert_allclose(to_np(xt.grad)[1, 2, 4, 5], expected, rtol=1e-4, atol=1e-5)


def test_roi_align_accepts_per_image_box_lists(rng):
    x = torchlike.tensor(rng.standard_normal((2, 2, 8, 8)).astype(np.float32))
    lists = [torchlike.tensor([[1.0, 1.0, 5.0, 5.0]]), torchlike.tensor([[0.0, 2.0, 7.0, 6.0], [2, 2, 3, 3.0]])]
    as_tensor = torchlike.tensor([[0, 1.0, 1.0, 5.0, 5.0], [1, 0.0, 2.0, 7.0, 6.0], [1, 2, 2, 3, 3.0]])
    np.testing.assert_allclose(to_np(ops.roi_align(x, lists, 2)), to_np(ops.RoIAlign(2, 1.0, -1)(x, as_tensor)))
    with pytest.raises(ValueError, match="Tensor\\[K, 5\\]"):
        ops.roi_align(x, torchlike.zeros(3, 4), 2)


def test_sigmoid_focal_and_giou_losses_match_torch_formulas(rng):
    logits, target = rng.standard_normal(12).astype(np.float32), rng.integers(0, 2, 12).astype(np.float32)
    x, t = torch.tensor(logits), torch.tensor(target)
    p = torch.sigmoid(x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    ref = (0.25 * t + 0.75 * (1 - t)) * ce * (1 - p_t) ** 2
    assert_same(ops.sigmoid_focal_loss(torchlike.tensor(logits), torchlike.tensor(target)), ref, rtol=1e-5)
    assert_same(ops.sigmoid_focal_loss(torchlike.tensor(logits), torchlike.tensor(target), reduction="mean"),
                ref.mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="alpha"):
        ops.sigmoid_focal_loss(torchlike.tensor(logits), torchlike.tensor(target), alpha=2.0)
    a, b = _boxes(rng, 6), _boxes(rng, 6)
    inter, union = (np.diag(m) for m in _inter_union_np(a, b))
    iou = inter / union
    enclosing = np.prod(np.maximum(a[:, 2:], b[:, 2:]) - np.minimum(a[:, :2], b[:, :2]), -1)
    np.testing.assert_allclose(to_np(ops.generalized_box_iou_loss(torchlike.tensor(a), torchlike.tensor(b))),
                               1 - iou + (enclosing - union) / enclosing, rtol=1e-4, atol=1e-6)


def test_frozen_batchnorm_equals_eval_batchnorm_and_loads_its_state_dict(rng):
    bn = torch.nn.BatchNorm2d(4).eval()
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean"):
            getattr(bn, name).copy_(torch.tensor(rng.standard_normal(4).astype(np.float32)))
        bn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, 4).astype(np.float32)))
    frozen = ops.FrozenBatchNorm2d(4)
    frozen.load_state_dict({k: torchlike.tensor(v.numpy()) for k, v in bn.state_dict().items()})
    assert "num_batches_tracked" not in frozen.state_dict()
    assert not list(frozen.parameters())
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    assert_same(frozen(torchlike.tensor(x)), bn(torch.tensor(x)), rtol=1e-5, atol=1e-5)
    assert repr(frozen) == "FrozenBatchNorm2d(4, eps=1e-05)"


def test_conv_norm_activation_has_torchs_layers_and_seeded_weights(rng):
    torchlike.manual_seed(0)
    block = ops.Conv2dNormActivation(3, 8, kernel_size=(3, 5), dilation=(1, 2))
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 8, (3, 5), 1, (1, 4), dilation=(1, 2), bias=False)
    assert [type(m).__name__ for m in block] == ["Conv2d", "BatchNorm2d", "ReLU"]
    assert block[0].padding == (1, 4) and block[0].bias is None and block[2].inplace
    assert block.out_channels == 8
    assert_same(block[0].weight, conv.weight)
    x = rng.standard_normal((2, 3, 7, 9)).astype(np.float32)
    ref = torch.relu(torch.nn.functional.batch_norm(conv(torch.tensor(x)), None, None, training=True))
    assert_same(block(torchlike.tensor(x)), ref, rtol=1e-4, atol=1e-5)
    no_norm = ops.Conv2dNormActivation(3, 4, norm_layer=None, activation_layer=None)
    assert len(no_norm) == 1 and no_norm[0].bias is not None
    assert [type(m).__name__ for m in ops.Conv3dNormActivation(2, 2)] == ["Conv3d", "BatchNorm3d", "ReLU"]


def test_squeeze_excitation_and_mlp_match_torch_with_the_same_seed(rng):
    torchlike.manual_seed(1)
    se = ops.SqueezeExcitation(6, 2)
    torch.manual_seed(1)
    fc1, fc2 = torch.nn.Conv2d(6, 2, 1), torch.nn.Conv2d(2, 6, 1)
    x = rng.standard_normal((2, 6, 4, 5)).astype(np.float32)
    xt = torch.tensor(x)
    ref = torch.sigmoid(fc2(torch.relu(fc1(xt.mean((2, 3), keepdim=True))))) * xt
    assert_same(se(torchlike.tensor(x)), ref, rtol=1e-5, atol=1e-6)

    torchlike.manual_seed(2)
    mlp = ops.MLP(5, [8, 3], norm_layer=torchlike.nn.LayerNorm, dropout=0.0)
    torch.manual_seed(2)
    l1, ln, l2 = torch.nn.Linear(5, 8), torch.nn.LayerNorm(8), torch.nn.Linear(8, 3)
    assert [type(m).__name__ for m in mlp] == ["Linear", "LayerNorm", "ReLU", "Dropout", "Linear", "Dropout"]
    v = rng.standard_normal((4, 5)).astype(np.float32)
    assert_same(mlp(torchlike.tensor(v)), l2(torch.relu(ln(l1(torch.tensor(v))))), rtol=1e-5, atol=1e-6)
    assert to_np(ops.Permute([0, 2, 1])(torchlike.zeros(2, 3, 4))).shape == (2, 4, 3)


@pytest.mark.parametrize("mode", ["row", "batch"])
def test_stochastic_depth_draws_torchs_mask(rng, mode):
    x = rng.standard_normal((8, 3, 2)).astype(np.float32)
    torchlike.manual_seed(5)
    ours = ops.stochastic_depth(torchlike.tensor(x), 0.4, mode)
    torch.manual_seed(5)
    size = [8, 1, 1] if mode == "row" else [1, 1, 1]
    ref = torch.tensor(x) * torch.empty(size).bernoulli_(0.6).div_(0.6)
    assert_same(ours, ref)
    layer = ops.StochasticDepth(0.4, mode).eval()
    assert to_np(layer(torchlike.tensor(x))).tolist() == x.tolist()
    assert repr(layer) == f"StochasticDepth(p=0.4, mode={mode})"
    with pytest.raises(ValueError, match="between 0 and 1"):
        ops.stochastic_depth(torchlike.tensor(x), 1.5, mode)
    with pytest.raises(ValueError, match="mode"):
        ops.stochastic_depth(torchlike.tensor(x), 0.5, "col")
