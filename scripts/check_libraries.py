"""Run real libraries that ``import torch`` under real torch and under torchlike, and compare.

    python scripts/check_libraries.py [--only timm,torchmetrics] [--timeout 600]

Each check runs twice in a fresh subprocess: once with ``python`` (real torch), then with
``python -m torchlike`` (``import torch`` gives torchlike). Models are built from small configs
with random weights; the torch run saves its ``state_dict`` and the torchlike run loads it, so both
compute with the same weights. Inputs come from numpy seeds. Each run saves its outputs (logits,
losses, gradients, metric values, images) and the table shows the largest absolute difference
over all of them, and each side's wall time for the check (library import included).

Requirements: the libraries installed next to torch without their dependencies
(``pip install --no-deps timm torchmetrics kornia transformers ...``); nothing is downloaded at run
time (``HF_HUB_OFFLINE=1``). timm imports ``torchvision.ops.misc``: for the torch side, point
``--torchvision-path`` (or ``$TORCHVISION_PATH``) at a directory holding a torchvision matching the
installed torch; the checks that need it report "no torchvision" otherwise. Not part of the test
suite: it needs the libraries and takes minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- checks (run inside a worker)
# Each check takes (torch, shared) -- ``shared`` a directory both runs see -- and returns a dict of
# named outputs (tensors, numbers or lists), compared between the two runs.

def _same_weights(torch, model, shared, name):
    """The torch run saves the model's weights; the torchlike run loads them."""
    path = Path(shared) / f"{name}.pth"
    if path.exists():
        model.load_state_dict(torch.load(path))
    else:
        torch.save(model.state_dict(), path)
    return model


def _grads(model):
    return {f"grad:{n}": p.grad for n, p in model.named_parameters() if p.grad is not None}


def _timm(name, size, **kw):
    def check(torch, shared):
        import timm
        torch.manual_seed(0)
        model = _same_weights(torch, timm.create_model(name, pretrained=False, num_classes=10, **kw), shared, name)
        x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32))
        model.train()
        logits = model(x)
        (logits ** 2).mean().backward()
        model.eval()
        with torch.no_grad():
            eval_logits = model(x)
        return {"train_logits": logits, "eval_logits": eval_logits, **_grads(model)}
    return check


def _torchmetrics_classification(torch, shared):
    from torchmetrics import MetricCollection
    from torchmetrics.classification import (BinaryAUROC, BinaryAveragePrecision, MulticlassAccuracy,
                                             MulticlassConfusionMatrix, MulticlassF1Score, MulticlassPrecision)
    rng = np.random.default_rng(0)
    logits = torch.tensor(rng.standard_normal((64, 5)).astype(np.float32))
    target = torch.tensor(rng.integers(0, 5, 64))
    coll = MetricCollection({"acc": MulticlassAccuracy(num_classes=5), "f1": MulticlassF1Score(num_classes=5),
                             "prec": MulticlassPrecision(num_classes=5, average="micro"),
                             "cm": MulticlassConfusionMatrix(num_classes=5)})
    for i in range(0, 64, 16):
        coll.update(logits[i:i + 16], target[i:i + 16])
    out = dict(coll.compute())
    p = torch.tensor(rng.random(50).astype(np.float32))
    t = torch.tensor(rng.integers(0, 2, 50))
    out["auroc"] = BinaryAUROC()(p, t)
    out["ap"] = BinaryAveragePrecision()(p, t)
    return out


def _torchmetrics_regression(torch, shared):
    from torchmetrics import MetricCollection
    from torchmetrics.regression import MeanAbsoluteError, MeanSquaredError, PearsonCorrCoef, SpearmanCorrCoef
    a, b = _regression_data(torch)
    coll = MetricCollection([MeanSquaredError(), MeanAbsoluteError(), PearsonCorrCoef(), SpearmanCorrCoef()])
    coll.update(a[:20], b[:20])
    coll.update(a[20:], b[20:])
    return dict(coll.compute())


def _regression_data(torch):
    rng = np.random.default_rng(1)
    a = torch.tensor(rng.standard_normal(40).astype(np.float32))
    return a, torch.tensor((rng.standard_normal(40) * 0.5).astype(np.float32)) + a


def _torchmetrics_r2(torch, shared):
    from torchmetrics.regression import R2Score
    a, b = _regression_data(torch)
    metric = R2Score()
    metric.update(a[:20], b[:20])
    metric.update(a[20:], b[20:])
    return {"r2": metric.compute()}


def _torchmetrics_classification_more(torch, shared):
    from torchmetrics.classification import (BinaryROC, MulticlassAUROC, MulticlassCalibrationError,
                                             MulticlassCohenKappa, MulticlassMatthewsCorrCoef, MultilabelF1Score,
                                             MulticlassAveragePrecision, MulticlassStatScores)
    rng = np.random.default_rng(2)
    probs = torch.tensor(rng.dirichlet(np.ones(4), 60).astype(np.float32))
    target = torch.tensor(rng.integers(0, 4, 60))
    out = {}
    for name, metric in {"auroc": MulticlassAUROC(num_classes=4), "ece": MulticlassCalibrationError(num_classes=4),
                         "kappa": MulticlassCohenKappa(num_classes=4), "mcc": MulticlassMatthewsCorrCoef(num_classes=4),
                         "ap": MulticlassAveragePrecision(num_classes=4),
                         "stat": MulticlassStatScores(num_classes=4, average=None)}.items():
        metric.update(probs[:30], target[:30])
        metric.update(probs[30:], target[30:])
        out[name] = metric.compute()
    ml_p = torch.tensor(rng.random((40, 3)).astype(np.float32))
    ml_t = torch.tensor(rng.integers(0, 2, (40, 3)))
    out["multilabel_f1"] = MultilabelF1Score(num_labels=3)(ml_p, ml_t)
    fpr, tpr, thr = BinaryROC()(ml_p[:, 0], ml_t[:, 0])
    out.update(fpr=fpr, tpr=tpr, thresholds=thr)
    return out


def _torchmetrics_regression_more(torch, shared):
    from torchmetrics import CatMetric, MeanMetric, RunningMean, SumMetric
    from torchmetrics.regression import (ConcordanceCorrCoef, CosineSimilarity, ExplainedVariance,
                                         KendallRankCorrCoef, KLDivergence, MeanAbsolutePercentageError)
    a, b = _regression_data(torch)
    out = {}
    for name, metric in {"explained_variance": ExplainedVariance(), "mape": MeanAbsolutePercentageError(),
                         "concordance": ConcordanceCorrCoef(), "kendall": KendallRankCorrCoef()}.items():
        metric.update(a[:20], b[:20])
        metric.update(a[20:], b[20:])
        out[name] = metric.compute()
    out["cosine"] = CosineSimilarity(reduction="mean")(a.view(8, 5), b.view(8, 5))
    p = torch.softmax(a.view(8, 5), -1)
    out["kl"] = KLDivergence()(p, torch.softmax(b.view(8, 5), -1))
    for name, metric in {"mean": MeanMetric(), "sum": SumMetric(), "cat": CatMetric(), "running": RunningMean(window=3)}.items():
        for chunk in a.split(7):
            metric.update(chunk)
        out[name] = metric.compute()
    return out


def _torchmetrics_image(torch, shared):
    from torchmetrics.image import (PeakSignalNoiseRatio, StructuralSimilarityIndexMeasure, TotalVariation,
                                    UniversalImageQualityIndex)
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.random((4, 3, 24, 24)).astype(np.float32))
    y = (x + torch.tensor(rng.normal(0, 0.1, (4, 3, 24, 24)).astype(np.float32))).clamp(0, 1)
    out = {}
    for name, metric in {"psnr": PeakSignalNoiseRatio(data_range=1.0),
                         "ssim": StructuralSimilarityIndexMeasure(data_range=1.0), "tv": TotalVariation(),
                         "uiqi": UniversalImageQualityIndex()}.items():
        if name == "tv":
            metric.update(x[:2])
            metric.update(x[2:])
        else:
            metric.update(x[:2], y[:2])
            metric.update(x[2:], y[2:])
        out[name] = metric.compute()
    return out


def _image(torch, shape=(2, 3, 32, 32), seed=0):
    x = torch.tensor(np.random.default_rng(seed).random(shape).astype(np.float32))
    x.requires_grad_(True)
    return x


def _kornia_filters(torch, shared):
    import kornia
    x = _image(torch)
    outs = {"gaussian": kornia.filters.gaussian_blur2d(x, (5, 5), (1.5, 1.5)),
            "sobel": kornia.filters.sobel(x), "laplacian": kornia.filters.laplacian(x, 3),
            "box": kornia.filters.box_blur(x, (3, 3)), "median": kornia.filters.median_blur(x, (3, 3))}
    sum(o.square().sum() for o in outs.values()).backward()
    return {**outs, "grad:x": x.grad}


def _kornia_color(torch, shared):
    import kornia
    x = _image(torch, seed=1)
    outs = {"gray": kornia.color.rgb_to_grayscale(x), "hsv": kornia.color.rgb_to_hsv(x),
            "lab": kornia.color.rgb_to_lab(x), "yuv": kornia.color.rgb_to_yuv(x)}
    sum(o.square().sum() for o in outs.values()).backward()
    return {**outs, "grad:x": x.grad}


def _kornia_geometry(torch, shared):
    import kornia
    x = _image(torch, seed=2)
    center = torch.tensor([[16.0, 16.0], [10.0, 12.0]])
    angle = torch.tensor([30.0, -45.0], requires_grad=True)
    m = kornia.geometry.transform.get_rotation_matrix2d(center, angle, torch.ones(2, 2))
    outs = {"warp_affine": kornia.geometry.transform.warp_affine(x, m, (32, 32)),
            "rotate": kornia.geometry.transform.rotate(x, torch.tensor([15.0, 60.0])),
            "resize": kornia.geometry.transform.resize(x, (20, 24)),
            "hflip": kornia.geometry.transform.hflip(x)}
    sum(o.square().sum() for o in outs.values()).backward()
    return {**outs, "grad:x": x.grad, "grad:angle": angle.grad}


def _gpt2(attn):
    def check(torch, shared):
        from transformers import GPT2Config, GPT2LMHeadModel
        torch.manual_seed(0)
        cfg = GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=100, n_positions=64, bos_token_id=0,
                         eos_token_id=1, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, attn_implementation=attn)
        model = _same_weights(torch, GPT2LMHeadModel(cfg), shared, "gpt2")
        rng = np.random.default_rng(0)
        ids = torch.tensor(rng.integers(2, 100, (2, 12)))
        mask = torch.tensor(np.array([[1] * 12, [0] * 3 + [1] * 9]))  # the second row left-padded
        out = model(ids, attention_mask=mask, labels=ids)
        out.loss.backward()
        model.eval()
        with torch.no_grad():
            gen = model.generate(ids[:, :5], max_new_tokens=8,
                                 do_sample=False, pad_token_id=0)
            padded = model.generate(ids[:, 3:8], attention_mask=torch.tensor(np.array([[0, 0, 1, 1, 1],
                                                                                       [1, 1, 1, 1, 1]])),
                                    max_new_tokens=6, do_sample=False, pad_token_id=0)
        return {"loss": out.loss, "logits": out.logits, "generated": gen, "generated_left_padded": padded,
                **_grads(model)}
    return check


def _kornia_check(outs, *leaves):
    """Backward of the squared outputs (the float ones) into ``leaves``; outputs and gradients compared."""
    loss = sum(o.float().square().mean() for o in outs.values() if o.is_floating_point() and o.requires_grad)
    loss.backward()
    return {**outs, **{f"grad:{i}": leaf.grad for i, leaf in enumerate(leaves)}}


def _kornia_filters_more(torch, shared):
    import kornia
    x = _image(torch, seed=3)
    f = kornia.filters
    outs = {"unsharp": f.unsharp_mask(x, (3, 3), (1.0, 1.0)), "bilateral": f.bilateral_blur(x, (5, 5), 0.2, (1.5, 1.5)),
            "spatial_gradient": f.spatial_gradient(x, "diff"), "motion": f.motion_blur(x, 5, 35.0, 0.5),
            "guided": f.guided_blur(x, x, (5, 5), 0.1), "blur_pool": f.blur_pool2d(x, 3),
            "max_blur_pool": f.max_blur_pool2d(x, 3), "canny_magnitude": f.canny(x)[0]}
    return _kornia_check(outs, x)


def _kornia_enhance(torch, shared):
    import kornia
    x = _image(torch, seed=4)
    e = kornia.enhance
    factor = torch.tensor([0.2, 0.6], requires_grad=True)
    outs = {"brightness": e.adjust_brightness(x, factor), "contrast": e.adjust_contrast(x, factor + 0.5),
            "saturation": e.adjust_saturation(x, factor * 2), "hue": e.adjust_hue(x, factor - 0.3),
            "gamma": e.adjust_gamma(x, 2.2, 1.1), "sharpness": e.sharpness(x, 0.7),
            "normalize": e.normalize(x, torch.tensor([0.5, 0.4, 0.3]), torch.tensor([0.2, 0.25, 0.3])),
            "solarize": e.solarize(x, 0.6), "equalize": e.equalize(x.detach()),
            "posterize": e.posterize(x.detach(), 3)}
    return _kornia_check(outs, x, factor)


def _kornia_color_more(torch, shared):
    import kornia
    x = _image(torch, seed=5)
    c = kornia.color
    outs = {"hls": c.rgb_to_hls(x), "xyz": c.rgb_to_xyz(x), "luv": c.rgb_to_luv(x), "ycbcr": c.rgb_to_ycbcr(x),
            "hsv_roundtrip": c.hsv_to_rgb(c.rgb_to_hsv(x)), "lab_roundtrip": c.lab_to_rgb(c.rgb_to_lab(x)),
            "bgr": c.rgb_to_bgr(x), "linear": c.rgb_to_linear_rgb(x), "sepia": c.sepia(x)}
    return _kornia_check(outs, x)


def _kornia_geometry_more(torch, shared):
    import kornia
    x = _image(torch, seed=6)
    t = kornia.geometry.transform
    src = torch.tensor([[[0.0, 0.0], [31.0, 0.0], [31.0, 31.0], [0.0, 31.0]]]).repeat(2, 1, 1)
    dst = src + torch.tensor(np.random.default_rng(6).uniform(-3, 3, (2, 4, 2)).astype(np.float32))
    dst.requires_grad_(True)
    h = t.get_perspective_transform(src, dst)
    boxes = torch.tensor([[[2.0, 2.0], [20.0, 2.0], [20.0, 14.0], [2.0, 14.0]]]).repeat(2, 1, 1)
    grid = kornia.utils.create_meshgrid(32, 32, normalized_coordinates=False)
    map_x, map_y = grid[..., 0] * 0.9 + 1.0, grid[..., 1] * 1.1 - 1.0
    outs = {"homography": h, "warp_perspective": t.warp_perspective(x, h, (32, 32)),
            "crop_and_resize": t.crop_and_resize(x, boxes, (10, 12)), "pyrdown": t.pyrdown(x), "pyrup": t.pyrup(x),
            "remap": t.remap(x, map_x.expand(2, -1, -1), map_y.expand(2, -1, -1), align_corners=True),
            "translate": t.translate(x, torch.tensor([[2.0, -3.0], [1.5, 0.5]])),
            "shear": t.shear(x, torch.tensor([[0.1, 0.0], [0.0, -0.2]])),
            "scale": t.scale(x, torch.tensor([[1.2, 1.2], [0.8, 0.9]])),
            "warp_grid_inv": t.invert_affine_transform(t.get_rotation_matrix2d(
                torch.tensor([[16.0, 16.0], [8.0, 8.0]]), torch.tensor([10.0, 20.0]), torch.ones(2, 2)))}
    return _kornia_check(outs, x, dst)


def _kornia_geometry_3d(torch, shared):
    import kornia
    g = kornia.geometry
    rng = np.random.default_rng(7)
    aa = torch.tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    pts = torch.tensor(rng.normal(size=(4, 5, 3)).astype(np.float32) + [0.0, 0.0, 4.0], dtype=torch.float32)
    pts.requires_grad_(True)
    K = torch.tensor([[[50.0, 0.0, 16.0], [0.0, 50.0, 16.0], [0.0, 0.0, 1.0]]]).repeat(4, 1, 1)
    R = g.conversions.axis_angle_to_rotation_matrix(aa)
    q = g.conversions.rotation_matrix_to_quaternion(R)
    depth = torch.tensor(rng.uniform(1, 3, (1, 1, 8, 8)).astype(np.float32), requires_grad=True)
    so3 = g.liegroup.So3.exp(aa)
    outs = {"R": R, "quaternion": q, "axis_angle_back": g.conversions.quaternion_to_axis_angle(q),
            "euler": torch.stack(g.conversions.euler_from_quaternion(q[:, 0], q[:, 1], q[:, 2], q[:, 3]), -1),
            "project": g.camera.project_points(pts, K[:, None]),
            "transform": g.linalg.transform_points(g.conversions.convert_affinematrix_to_homography3d(
                torch.cat([R, torch.ones(4, 3, 1)], -1)), pts),
            "depth_to_3d": g.depth.depth_to_3d(depth, K[:1]), "so3_log": so3.log(),
            "so3_matrix": so3.matrix()}
    return _kornia_check(outs, aa, pts, depth)


def _kornia_morphology_losses(torch, shared):
    import kornia
    x = _image(torch, seed=8)
    y = torch.tensor(np.random.default_rng(9).random((2, 3, 32, 32)).astype(np.float32))
    k = torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    m, L = kornia.morphology, kornia.losses
    logits = torch.tensor(np.random.default_rng(10).normal(size=(2, 4, 8, 8)).astype(np.float32), requires_grad=True)
    labels = torch.tensor(np.random.default_rng(11).integers(0, 4, (2, 8, 8)))
    outs = {"dilation": m.dilation(x, k), "erosion": m.erosion(x, k), "opening": m.opening(x, k),
            "gradient": m.gradient(x, k), "top_hat": m.top_hat(x, k),
            "ssim": L.ssim_loss(x, y, 5), "psnr": L.psnr_loss(x, y, 1.0), "tv": L.total_variation(x),
            "focal": L.focal_loss(logits, labels, 0.5, 2.0, "mean"), "dice": L.dice_loss(logits, labels),
            "charbonnier": L.charbonnier_loss(x, y, "mean")}
    return _kornia_check(outs, x, logits)


def _kornia_augmentation(torch, shared):
    """Random augmentations after ``manual_seed``: kornia draws its parameters from torch's stream, so the same
    seed must give the same crops, angles and flips."""
    import kornia.augmentation as K
    x = _image(torch, seed=12)
    torch.manual_seed(0)
    aug = K.AugmentationSequential(K.RandomHorizontalFlip(p=0.5), K.RandomAffine(20.0, (0.1, 0.1), (0.9, 1.1), p=1.0),
                                   K.RandomResizedCrop((24, 24), p=1.0), K.ColorJitter(0.2, 0.2, 0.2, 0.05, p=1.0),
                                   K.Normalize(torch.tensor([0.5] * 3), torch.tensor([0.25] * 3)))
    out = aug(x)
    out.square().mean().backward()
    return {"augmented": out, "grad:x": x.grad, "next_draw": torch.rand(3)}


def _bert_config(**kw):
    from transformers import BertConfig
    return BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
                      attention_probs_dropout_prob=0.0, **kw)


def _bert_inputs(torch):
    rng = np.random.default_rng(1)
    ids = torch.tensor(rng.integers(2, 100, (2, 10)))
    return ids, torch.tensor(np.array([[1] * 10, [1] * 7 + [0] * 3]))


def _bert(attn):
    def check(torch, shared):
        from transformers import BertForSequenceClassification
        torch.manual_seed(0)
        model = _same_weights(torch, BertForSequenceClassification(_bert_config(num_labels=3, attn_implementation=attn)),
                              shared, "bert")
        ids, mask = _bert_inputs(torch)
        out = model(ids, attention_mask=mask, labels=torch.tensor([0, 2]))
        out.loss.backward()
        return {"loss": out.loss, "logits": out.logits, **_grads(model)}
    return check


def _bert_mlm(torch, shared):
    from transformers import BertForMaskedLM
    torch.manual_seed(0)
    model = _same_weights(torch, BertForMaskedLM(_bert_config(attn_implementation="sdpa")), shared, "bert_mlm")
    ids, mask = _bert_inputs(torch)
    labels = ids.clone()
    labels[:, ::2] = -100  # positions the loss ignores
    out = model(ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    return {"loss": out.loss, "logits": out.logits, **_grads(model)}


def _eager_flex(torch):
    """transformers wraps flex_attention in torch.compile; on the torch side that needs inductor's C++
    toolchain for CPU (which may be missing), so run torch's eager flex_attention, the reference."""
    if not torch.__name__.startswith("torchlike"):
        from transformers.integrations import flex_attention as hf_flex
        hf_flex.WrappedFlexAttention.__call__ = lambda self: hf_flex.flex_attention


def _llama(attn):
    """A Llama with grouped-query attention (4 query heads over 2 key/value heads). torch's CPU
    flex_attention has no backward, so the flex variant runs forward and generate only."""
    def check(torch, shared):
        from transformers import LlamaConfig, LlamaForCausalLM
        _eager_flex(torch)
        torch.manual_seed(0)
        cfg = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                          attn_implementation=attn)
        model = _same_weights(torch, LlamaForCausalLM(cfg), shared, "llama")
        ids = torch.tensor(np.random.default_rng(2).integers(2, 100, (2, 12)))
        mask = torch.tensor(np.array([[1] * 12, [0] * 3 + [1] * 9]))
        outs = {}
        if attn != "flex_attention":
            out = model(ids, attention_mask=mask, labels=ids)
            out.loss.backward()
            outs.update(loss=out.loss, **_grads(model))
        model.eval()
        with torch.no_grad():
            outs["logits"] = model(ids, attention_mask=mask).logits
            left_padded = torch.tensor(np.array([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]))
            outs["generated"] = model.generate(ids[:, 3:8], attention_mask=left_padded, max_new_tokens=6,
                                               do_sample=False, pad_token_id=0)
        return outs
    return check


def _bert_flex(torch, shared):
    """BERT through flex_attention (forward only: torch's CPU flex_attention has no backward)."""
    from transformers import BertModel
    _eager_flex(torch)
    torch.manual_seed(0)
    model = _same_weights(torch, BertModel(_bert_config(attn_implementation="flex_attention")), shared, "bert_flex")
    model.eval()
    ids, mask = _bert_inputs(torch)
    with torch.no_grad():
        out = model(ids, attention_mask=mask)
    return {"hidden": out.last_hidden_state[1, :7], "hidden_full_row": out.last_hidden_state[0]}


# ---------------------------------------------------------------- more transformers models (issue 23)
# Each builds a small random-init model from a config, loads the torch run's weights, and compares
# logits, the loss, every gradient and (for generative models) greedy ``generate`` tokens.

def _hf_model(torch, shared, name, config_cls, model_cls, **cfg):
    import transformers
    torch.manual_seed(0)
    model = getattr(transformers, model_cls)(getattr(transformers, config_cls)(**cfg))
    return _same_weights(torch, model, shared, name)


def _ids(torch, shape, seed, vocab=100):
    return torch.tensor(np.random.default_rng(seed).integers(3, vocab, shape))


def _causal_lm(name, config_cls, model_cls, **cfg):
    """A decoder-only LM: loss, logits, gradients on a batch with a left-padded row, then greedy generate."""
    def check(torch, shared):
        model = _hf_model(torch, shared, name, config_cls, model_cls, vocab_size=100, hidden_size=32,
                          intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                          max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0, **cfg)
        ids = _ids(torch, (2, 12), 3)
        mask = torch.tensor(np.array([[1] * 12, [0] * 3 + [1] * 9]))
        out = model(ids, attention_mask=mask, labels=ids)
        out.loss.backward()
        outs = {"loss": out.loss, "logits": out.logits, **_grads(model)}
        model.eval()
        with torch.no_grad():
            outs["generated"] = model.generate(ids[:, 3:8], attention_mask=torch.tensor(
                np.array([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])), max_new_tokens=6, do_sample=False)
        return outs
    return check


def _seq2seq(name, config_cls, model_cls, **cfg):
    """An encoder-decoder: loss (labels shifted into decoder inputs), logits, gradients, greedy generate."""
    def check(torch, shared):
        model = _hf_model(torch, shared, name, config_cls, model_cls, **cfg)
        ids = _ids(torch, (2, 10), 4)
        mask = torch.tensor(np.array([[1] * 10, [1] * 7 + [0] * 3]))
        labels = _ids(torch, (2, 6), 5)
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        outs = {"loss": out.loss, "logits": out.logits, **_grads(model)}
        model.eval()
        with torch.no_grad():
            outs["generated"] = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6,
                                               do_sample=False, num_beams=1)
        return outs
    return check


def _encoder_classifier(name, config_cls, model_cls, **cfg):
    def check(torch, shared):
        model = _hf_model(torch, shared, name, config_cls, model_cls, num_labels=3, **cfg)
        ids = _ids(torch, (2, 10), 1)
        mask = torch.tensor(np.array([[1] * 10, [1] * 7 + [0] * 3]))
        out = model(ids, attention_mask=mask, labels=torch.tensor([0, 2]))
        out.loss.backward()
        return {"loss": out.loss, "logits": out.logits, **_grads(model)}
    return check


_T5 = dict(vocab_size=100, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
           relative_attention_num_buckets=8, dropout_rate=0.0, decoder_start_token_id=0, pad_token_id=0,
           eos_token_id=1)
_BART = dict(vocab_size=100, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
             decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
             dropout=0.0, attention_dropout=0.0, activation_dropout=0.0, pad_token_id=1, bos_token_id=0,
             eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=None)
_ENCODER = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                max_position_embeddings=64, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def _vit(torch, shared):
    model = _hf_model(torch, shared, "vit", "ViTConfig", "ViTForImageClassification", image_size=32, patch_size=8,
                      num_labels=3, **{k: v for k, v in _ENCODER.items() if k not in ("vocab_size",
                                                                                     "max_position_embeddings")})
    x = torch.tensor(np.random.default_rng(6).standard_normal((2, 3, 32, 32)).astype(np.float32))
    out = model(pixel_values=x, labels=torch.tensor([1, 2]))
    out.loss.backward()
    return {"loss": out.loss, "logits": out.logits, **_grads(model)}


def _clip(torch, shared):
    text = dict(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                max_position_embeddings=16, eos_token_id=2)
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=32,
                  patch_size=8)
    model = _hf_model(torch, shared, "clip", "CLIPConfig", "CLIPModel", text_config=text, vision_config=vision,
                      projection_dim=16)
    ids = _ids(torch, (3, 8), 7)
    ids[:, -1] = 2
    x = torch.tensor(np.random.default_rng(8).standard_normal((3, 3, 32, 32)).astype(np.float32))
    out = model(input_ids=ids, pixel_values=x, return_loss=True)
    out.loss.backward()
    return {"loss": out.loss, "logits_per_image": out.logits_per_image, "text_embeds": out.text_embeds,
            "image_embeds": out.image_embeds, **_grads(model)}


def _whisper(torch, shared):
    """A tiny Whisper on a random log-mel input (16 mel bins, 32 frames): loss, logits, gradients, and
    greedy decoding through the generic ``GenerationMixin`` loop."""
    model = _hf_model(torch, shared, "whisper", "WhisperConfig", "WhisperForConditionalGeneration", vocab_size=100,
                      num_mel_bins=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                      decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, d_model=32,
                      max_source_positions=16, max_target_positions=32, pad_token_id=0, bos_token_id=1,
                      eos_token_id=2, decoder_start_token_id=1, suppress_tokens=[], begin_suppress_tokens=[])
    feats = torch.tensor(np.random.default_rng(9).standard_normal((2, 16, 32)).astype(np.float32))
    labels = _ids(torch, (2, 6), 10)
    out = model(input_features=feats, labels=labels)
    out.loss.backward()
    outs = {"loss": out.loss, "logits": out.logits, **_grads(model)}
    model.eval()
    with torch.no_grad():
        dec = torch.tensor([[1], [1]])
        for _ in range(5):  # greedy decoding by hand: Whisper's generate wants a generation config from the hub
            nxt = model(input_features=feats, decoder_input_ids=dec).logits[:, -1].argmax(-1, keepdim=True)
            dec = torch.cat([dec, nxt], 1)
    outs["greedy"] = dec
    return outs


def _adamw_training(torch, shared):
    """Five AdamW steps on a small T5 without ``Trainer``: losses and final weights."""
    model = _hf_model(torch, shared, "t5_train", "T5Config", "T5ForConditionalGeneration", **_T5)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    ids, labels = _ids(torch, (4, 10), 11), _ids(torch, (4, 6), 12)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return {"losses": losses, **{f"param:{n}": p for n, p in model.named_parameters()}}


def _tokenizer():
    """A word-level fast tokenizer built offline (no hub files)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    words = "the cat sat on mat a dog ran in park big small red blue hello world".split()
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, **{w: i + 5 for i, w in enumerate(words)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]")


def _hf_data(torch, shared):
    """Tokenizer ``return_tensors="pt"``, padding collators, the MLM collator's seeded masking (torch's
    bernoulli/randint stream) and the warmup schedulers' learning rates."""
    from transformers import (DataCollatorForLanguageModeling, DataCollatorWithPadding, get_cosine_schedule_with_warmup,
                              get_linear_schedule_with_warmup)
    tok = _tokenizer()
    texts = ["the cat sat on the mat", "a big dog ran", "hello world in a small red park the end"]
    batch = tok(texts, padding=True, return_tensors="pt")
    padded = DataCollatorWithPadding(tok)([tok(t) for t in texts])
    torch.manual_seed(0)
    mlm = DataCollatorForLanguageModeling(tok, mlm_probability=0.3)([tok(t) for t in texts])
    lrs = {}
    for name, make in {"linear": get_linear_schedule_with_warmup, "cosine": get_cosine_schedule_with_warmup}.items():
        opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=1e-3)
        sched, seen = make(opt, 3, 10), []
        for _ in range(10):
            opt.step()
            sched.step()
            seen.append(sched.get_last_lr()[0])
        lrs[name] = seen
    return {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"],
            "collated": padded["input_ids"], "mlm_inputs": mlm["input_ids"], "mlm_labels": mlm["labels"],
            **{f"lr:{k}": v for k, v in lrs.items()}}


def _hf_generation(torch, shared):
    """``generate`` strategies on a GPT-2: beam search, seeded sampling with top-k/top-p/temperature (torch's
    multinomial stream), repetition penalty, and scores returned with ``output_scores``."""
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(0)
    cfg = GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=100, n_positions=64, bos_token_id=0, eos_token_id=1,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = _same_weights(torch, GPT2LMHeadModel(cfg), shared, "gpt2_gen").eval()
    ids = _ids(torch, (2, 5), 15)
    with torch.no_grad():
        out = {"beam": model.generate(ids, max_new_tokens=6, num_beams=3, do_sample=False, pad_token_id=0),
               "repetition": model.generate(ids, max_new_tokens=6, repetition_penalty=1.5, no_repeat_ngram_size=2,
                                            do_sample=False, pad_token_id=0)}
        torch.manual_seed(1)
        out["sample"] = model.generate(ids, max_new_tokens=6, do_sample=True, top_k=20, top_p=0.9, temperature=0.8,
                                       pad_token_id=0)
        res = model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=0, output_scores=True,
                             return_dict_in_generate=True)
    out["scores"] = torch.stack(res.scores)
    return out


def _hf_save_load(torch, shared):
    """``save_pretrained`` / ``from_pretrained`` through safetensors, and gradient checkpointing in training."""
    import tempfile

    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=True)
    model = _same_weights(torch, LlamaForCausalLM(cfg), shared, "llama_save")
    with tempfile.TemporaryDirectory() as d:
        model.save_pretrained(d)
        loaded = LlamaForCausalLM.from_pretrained(d, use_kernels=False)  # the hub `kernels` package is not here
    loaded.gradient_checkpointing_enable()
    loaded.train()
    ids = _ids(torch, (2, 9), 16)
    out = loaded(ids, labels=ids)
    out.loss.backward()
    return {"loss": out.loss, "logits": out.logits, **_grads(loaded),
            "tied": float(loaded.lm_head.weight.data_ptr() == loaded.model.embed_tokens.weight.data_ptr())}


def _hf_bf16(torch, shared):
    """A BERT cast to bfloat16 (``model.to(torch.bfloat16)``), forward in eval mode."""
    from transformers import BertModel
    torch.manual_seed(0)
    model = _same_weights(torch, BertModel(_bert_config()), shared, "bert_bf16").to(torch.bfloat16).eval()
    ids, mask = _bert_inputs(torch)
    with torch.no_grad():
        out = model(ids, attention_mask=mask)
    return {"hidden": out.last_hidden_state.float(), "pooled": out.pooler_output.float()}


TRANSFORMERS_MORE = {
    "t5": _seq2seq("t5", "T5Config", "T5ForConditionalGeneration", **_T5),
    "bart": _seq2seq("bart", "BartConfig", "BartForConditionalGeneration", **_BART),
    "distilbert": _encoder_classifier("distilbert", "DistilBertConfig", "DistilBertForSequenceClassification",
                                      vocab_size=100, dim=32, n_layers=2, n_heads=2, hidden_dim=64,
                                      max_position_embeddings=64, dropout=0.0, attention_dropout=0.0,
                                      seq_classif_dropout=0.0),
    "roberta": _encoder_classifier("roberta", "RobertaConfig", "RobertaForSequenceClassification", pad_token_id=1,
                                   **_ENCODER),
    "vit": _vit, "clip": _clip, "whisper": _whisper,
    "mistral": _causal_lm("mistral", "MistralConfig", "MistralForCausalLM", num_key_value_heads=2, sliding_window=4),
    "qwen2": _causal_lm("qwen2", "Qwen2Config", "Qwen2ForCausalLM", num_key_value_heads=2, use_sliding_window=True,
                        sliding_window=4, max_window_layers=1),
    "gpt_neox": _causal_lm("gpt_neox", "GPTNeoXConfig", "GPTNeoXForCausalLM", rotary_pct=0.25,
                           hidden_dropout=0.0, attention_dropout=0.0),
    "adamw_t5": _adamw_training, "data": _hf_data, "generation": _hf_generation, "save_load": _hf_save_load,
    "bf16": _hf_bf16,
}


# ---------------------------------------------------------------- more timm models and timm.data

def _timm_data(torch, shared):
    """``timm.data``: resolve the model's data config, then its eval transform and (seeded) train transform
    on a PIL image; the transforms are torchvision's, which torchlike provides."""
    import random

    import timm
    from PIL import Image
    from timm.data import create_transform, resolve_data_config
    model = timm.create_model("resnet18", pretrained=False, num_classes=10)
    cfg = resolve_data_config({"input_size": (3, 48, 48)}, model=model)
    img = Image.fromarray(np.random.default_rng(13).integers(0, 256, (60, 70, 3), dtype=np.uint8))
    eval_tf = create_transform(**cfg, is_training=False)
    random.seed(0)
    torch.manual_seed(0)
    train_tf = create_transform(**cfg, is_training=True, hflip=0.5, color_jitter=0.4)
    return {"eval": eval_tf(img), "train": torch.stack([train_tf(img) for _ in range(3)]),
            "mean": list(cfg["mean"]), "crop_pct": cfg["crop_pct"]}


def _timm_drop_path(torch, shared):
    """resnet18 with ``drop_path_rate``: training draws stochastic depth masks from torch's stream."""
    import timm
    torch.manual_seed(0)
    model = _same_weights(torch, timm.create_model("resnet18", pretrained=False, num_classes=10, drop_path_rate=0.3),
                          shared, "resnet_drop_path")
    x = torch.tensor(np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32))
    torch.manual_seed(1)
    logits = model(x)
    logits.square().mean().backward()
    return {"train_logits": logits, **_grads(model)}


def _timm_training_utils(torch, shared):
    """timm's training helpers: its optimizers (Lamb, AdamP, Lion through ``create_optimizer_v2``), the
    cosine scheduler with warmup, ``ModelEmaV3``, mixup/cutmix targets, ``SoftTargetCrossEntropy``, label
    smoothing, gradient checkpointing, ``features_only`` feature maps and ``reset_classifier``."""
    import timm
    from timm.data import Mixup
    from timm.loss import LabelSmoothingCrossEntropy, SoftTargetCrossEntropy
    from timm.optim import create_optimizer_v2
    from timm.scheduler import CosineLRScheduler
    from timm.utils import ModelEmaV3
    torch.manual_seed(0)
    model = _same_weights(torch, timm.create_model("resnet10t", pretrained=False, num_classes=5), shared, "resnet10t")
    rng = np.random.default_rng(17)
    x = torch.tensor(rng.standard_normal((4, 3, 16, 16)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 5, 4))
    out = {}
    model.set_grad_checkpointing(True)
    for opt_name in ("lion", "adamp", "lamb"):  # Lion steps by sign(update): rounding can flip a sign
        model.load_state_dict(torch.load(Path(shared) / "resnet10t.pth"))
        opt = create_optimizer_v2(model, opt_name, lr=1e-2, weight_decay=0.05)
        sched = CosineLRScheduler(opt, t_initial=4, warmup_t=1, warmup_lr_init=1e-4)
        ema = ModelEmaV3(model, decay=0.9)
        np.random.seed(0)
        mixup = Mixup(mixup_alpha=0.8, cutmix_alpha=1.0, label_smoothing=0.1, num_classes=5)
        losses = []
        for step in range(2):
            xm, ym = mixup(x.clone(), y.clone())
            logits = model(xm)
            loss = SoftTargetCrossEntropy()(logits, ym) + LabelSmoothingCrossEntropy(0.1)(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step(step + 1)
            ema.update(model, step=step)
            losses.append(loss.item())
        out[f"{opt_name}:losses"] = losses
        out[f"{opt_name}:lr"] = [g["lr"] for g in opt.param_groups]
        out[f"{opt_name}:ema_fc"] = ema.module.fc.weight
        out[f"{opt_name}:fc"] = model.fc.weight
    feats = timm.create_model("resnet10t", pretrained=False, features_only=True, out_indices=(1, 3))
    feats.load_state_dict({k: v for k, v in torch.load(Path(shared) / "resnet10t.pth").items()
                           if not k.startswith("fc.")}, strict=False)
    for i, f in enumerate(feats.eval()(x)):
        out[f"feature:{i}"] = f
    model.reset_classifier(0)
    out["pooled"] = model.eval()(x)
    return out


def _torchmetrics_more(torch, shared):
    """Retrieval, audio, clustering, nominal and wrapper metrics, and the functional API."""
    import torchmetrics.functional as F
    from torchmetrics import MetricTracker
    from torchmetrics.audio import ScaleInvariantSignalDistortionRatio, SignalNoiseRatio
    from torchmetrics.classification import MulticlassAccuracy
    from torchmetrics.clustering import AdjustedRandScore, MutualInfoScore, NormalizedMutualInfoScore
    from torchmetrics.retrieval import RetrievalMAP, RetrievalMRR, RetrievalNormalizedDCG, RetrievalPrecision
    from torchmetrics.wrappers import BootStrapper, ClasswiseWrapper
    rng = np.random.default_rng(18)
    scores = torch.tensor(rng.random(30).astype(np.float32))
    rel = torch.tensor(rng.integers(0, 2, 30))
    qidx = torch.tensor(np.repeat(np.arange(5), 6))
    out = {}
    for name, m in {"map": RetrievalMAP(), "mrr": RetrievalMRR(), "ndcg": RetrievalNormalizedDCG(),
                    "p@3": RetrievalPrecision(top_k=3)}.items():
        out[name] = m(scores, rel, indexes=qidx)
    sig = torch.tensor(rng.standard_normal((2, 400)).astype(np.float32))
    noisy = sig + 0.3 * torch.tensor(rng.standard_normal((2, 400)).astype(np.float32))
    out["snr"] = SignalNoiseRatio()(noisy, sig)
    out["si_sdr"] = ScaleInvariantSignalDistortionRatio()(noisy, sig)
    a, b = torch.tensor(rng.integers(0, 4, 50)), torch.tensor(rng.integers(0, 3, 50))
    out["ari"] = AdjustedRandScore()(a, b)
    out["mi"] = MutualInfoScore()(a, b)
    out["nmi"] = NormalizedMutualInfoScore()(a, b)
    logits = torch.tensor(rng.standard_normal((40, 3)).astype(np.float32))
    target = torch.tensor(rng.integers(0, 3, 40))
    cw = ClasswiseWrapper(MulticlassAccuracy(num_classes=3, average=None))(logits, target)
    out.update({f"classwise:{k}": v for k, v in cw.items()})
    torch.manual_seed(0)
    boot = BootStrapper(MulticlassAccuracy(num_classes=3), num_bootstraps=5, sampling_strategy="multinomial")
    boot.update(logits, target)
    out.update({f"bootstrap:{k}": v for k, v in boot.compute().items()})
    tracker = MetricTracker(MulticlassAccuracy(num_classes=3))
    for i in range(3):
        tracker.increment()
        tracker.update(logits[i * 10:(i + 1) * 10], target[i * 10:(i + 1) * 10])
    best, which = tracker.best_metric(return_step=True)
    out.update(tracker_all=tracker.compute_all(), tracker_best=best, tracker_step=which)
    out["f_auroc"] = F.auroc(logits.softmax(-1), target, task="multiclass", num_classes=3)
    out["f_pairwise"] = F.pairwise_cosine_similarity(logits[:5], logits[5:9])
    out["f_spearman"] = F.spearman_corrcoef(logits[:, 0], logits[:, 1])
    return out


def _kornia_features(torch, shared):
    """kornia.feature responses and descriptors, epipolar geometry, mix-up/cut-mix, elastic transform."""
    import kornia
    import kornia.augmentation as K
    x = _image(torch, seed=19)
    gray = kornia.color.rgb_to_grayscale(x)
    feat = kornia.feature
    patches = torch.tensor(np.random.default_rng(20).random((4, 1, 32, 32)).astype(np.float32), requires_grad=True)
    pts1 = torch.tensor(np.random.default_rng(21).uniform(0, 32, (1, 8, 2)).astype(np.float32))
    pts2 = pts1 + torch.tensor(np.random.default_rng(22).normal(0, 0.5, (1, 8, 2)).astype(np.float32))
    fmat = kornia.geometry.epipolar.find_fundamental(pts1, pts2, torch.ones(1, 8))
    noise = torch.tensor(np.random.default_rng(23).standard_normal((2, 2, 32, 32)).astype(np.float32))
    outs = {"harris": feat.harris_response(gray), "gftt": feat.gftt_response(gray), "hessian": feat.hessian_response(gray),
            "dog": feat.dog_response(gray[:, :, None].repeat(1, 1, 3, 1, 1)),
            "sift": feat.SIFTDescriptor(32, 8, 4)(patches),
            "sampson": kornia.geometry.epipolar.sampson_epipolar_distance(pts1, pts2, fmat),
            "elastic": kornia.geometry.transform.elastic_transform2d(x, noise),
            "soft_argmax": kornia.geometry.subpix.spatial_soft_argmax2d(gray)}
    res = _kornia_check(outs, x, patches)
    torch.manual_seed(5)
    labels = torch.tensor([0, 1])
    mixed, mix_labels = K.RandomMixUpV2(data_keys=["input", "class"])(x.detach(), labels)
    cut, cut_labels = K.RandomCutMixV2(data_keys=["input", "class"])(x.detach(), labels)
    res.update(mixup=mixed, mixup_labels=mix_labels, cutmix=cut, cutmix_labels=cut_labels, next_draw=torch.rand(2))
    return res


TIMM_MORE = {
    "efficientnet_b0": _timm("efficientnet_b0", 64), "mobilenetv3_small": _timm("mobilenetv3_small_100", 64),
    "swin_tiny": _timm("swin_tiny_patch4_window7_224", 56, img_size=56),
    "deit_tiny": _timm("deit_tiny_patch16_224", 64, img_size=64), "regnetx_002": _timm("regnetx_002", 64),
    "resnet_drop_path": _timm_drop_path, "data_transforms": _timm_data, "training_utils": _timm_training_utils,
}


# ---------------------------------------------------------------- torchmetrics text, more kornia

def _torchmetrics_text(torch, shared):
    from torchmetrics.text import BLEUScore, CharErrorRate, EditDistance, SacreBLEUScore, WordErrorRate
    preds = ["the cat sat on the mat", "a quick brown fox jumps", "hello there general kenobi"]
    target = [["the cat is on the mat", "there is a cat on the mat"], ["the quick brown fox jumped"],
              ["hello there general kenobi"]]
    out = {"bleu": BLEUScore()(preds, target), "bleu_smooth": BLEUScore(n_gram=2, smooth=True)(preds, target),
           "sacrebleu": SacreBLEUScore()(preds, target)}
    flat = [t[0] for t in target]
    for name, metric in {"cer": CharErrorRate(), "wer": WordErrorRate(), "edit": EditDistance()}.items():
        metric.update(preds[:2], flat[:2])
        metric.update(preds[2:], flat[2:])
        out[name] = metric.compute()
    return out


def _kornia_augmentation_more(torch, shared):
    """More random augmentations after ``manual_seed``: same parameters drawn as torch, same images and gradients."""
    import kornia.augmentation as K
    x = _image(torch, seed=14)
    torch.manual_seed(3)
    aug = K.AugmentationSequential(K.RandomRotation(30.0, p=1.0), K.RandomPerspective(0.3, p=1.0),
                                   K.RandomGaussianBlur((3, 3), (0.5, 1.5), p=1.0), K.RandomCrop((28, 28), p=1.0),
                                   K.RandomGrayscale(p=0.5), K.RandomVerticalFlip(p=0.5),
                                   K.RandomErasing(p=1.0, scale=(0.02, 0.1)))
    out = aug(x)
    out.square().mean().backward()
    params = {f"param:{i}:{k}": v for i, p in enumerate(aug._params) for k, v in (p.data or {}).items()
              if hasattr(v, "detach") and v.is_floating_point()}
    return {"augmented": out, "grad:x": x.grad, "next_draw": torch.rand(3), **params}


CHECKS = {
    "timm": {"resnet18": _timm("resnet18", 64), "vit_tiny": _timm("vit_tiny_patch16_224", 64, img_size=64),
             "convnext_atto": _timm("convnext_atto", 64), **TIMM_MORE},
    "torchmetrics": {"classification": _torchmetrics_classification, "regression": _torchmetrics_regression,
                     "r2score": _torchmetrics_r2, "classification_more": _torchmetrics_classification_more,
                     "regression_more": _torchmetrics_regression_more, "image": _torchmetrics_image,
                     "text": _torchmetrics_text, "more": _torchmetrics_more},
    "kornia": {"filters": _kornia_filters, "color": _kornia_color, "geometry": _kornia_geometry,
               "filters_more": _kornia_filters_more, "enhance": _kornia_enhance, "color_more": _kornia_color_more,
               "geometry_more": _kornia_geometry_more, "geometry_3d": _kornia_geometry_3d,
               "morphology_losses": _kornia_morphology_losses, "augmentation": _kornia_augmentation,
               "augmentation_more": _kornia_augmentation_more, "features": _kornia_features},
    "transformers": {"gpt2": _gpt2("eager"), "gpt2_sdpa": _gpt2("sdpa"), "bert": _bert("eager"),
                     "bert_sdpa": _bert("sdpa"), "bert_mlm": _bert_mlm, "bert_flex": _bert_flex,
                     "llama_sdpa": _llama("sdpa"), "llama_flex": _llama("flex_attention"), **TRANSFORMERS_MORE},
}
NEEDS_TORCHVISION = {"timm"}


def _to_numpy(value):
    if hasattr(value, "detach"):
        return np.asarray(value.detach().cpu().numpy())
    return np.asarray(value)


def worker(lib, check, shared, out):
    """Run one check in this process and write its outputs (npz) and status (json)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    status = {"ok": False}
    try:
        import torch
        outputs = CHECKS[lib][check](torch, shared)
        np.savez(out + ".npz", **{k: _to_numpy(v) for k, v in outputs.items()})
        status = {"ok": True}
    except BaseException as e:  # noqa: BLE001  (the table reports any failure)
        last = traceback.extract_tb(e.__traceback__)[-1]
        status = {"ok": False, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160],
                  "where": f"{Path(last.filename).name}:{last.lineno}"}
    status["seconds"] = time.perf_counter() - start
    Path(out + ".json").write_text(json.dumps(status))


# ---------------------------------------------------------------- driver

def _run(side, lib, check, shared, timeout, torchvision_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    out = str(Path(shared) / f"{side}-{lib}-{check}")
    if side == "torch":
        cmd = [sys.executable, __file__]
        if torchvision_path:
            env["PYTHONPATH"] = os.pathsep.join([torchvision_path, env.get("PYTHONPATH", "")])
    else:
        cmd = [sys.executable, "-m", "torchlike", __file__]
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    cmd += ["--worker", lib, check, shared, out]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=shared)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout}s", "wall": timeout}, None
    wall = time.perf_counter() - start
    status_file = Path(out + ".json")
    if not status_file.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        return {"ok": False, "error": tail[-1][:160] if tail else f"exit {proc.returncode}", "wall": wall}, None
    status = json.loads(status_file.read_text())
    status["wall"] = wall
    outputs = dict(np.load(out + ".npz")) if status["ok"] else None
    return status, outputs


def _max_diff(a, b):
    """(largest absolute difference over all outputs, "name, relative to that output's largest
    magnitude"); (None, reason) when names or shapes disagree."""
    if set(a) != set(b):
        return None, f"outputs differ: {sorted(set(a) ^ set(b))[:3]}"
    worst, where = 0.0, ""
    for k in a:
        x, y = a[k].astype(np.float64), b[k].astype(np.float64)
        if x.shape != y.shape:
            return None, f"{k}: shape {x.shape} vs {y.shape}"
        if x.size == 0:
            continue
        d = float(np.max(np.abs(x - y)))
        if not d <= worst:  # NaN counts as worst
            scale = float(np.max(np.abs(x)))
            worst, where = d, f"{k}, rel {d / scale:.0e}" if scale else k
    return worst, where


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated libraries or library:check")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--torchvision-path", default=os.environ.get("TORCHVISION_PATH", ""))
    ap.add_argument("--worker", nargs=4, metavar=("LIB", "CHECK", "SHARED", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    only = [s for s in args.only.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory(prefix="check_libraries_") as shared:
        for lib, checks in CHECKS.items():
            for check in checks:
                if only and lib not in only and f"{lib}:{check}" not in only:
                    continue
                ref, ref_out = _run("torch", lib, check, shared, args.timeout, args.torchvision_path)
                if not ref["ok"] and lib in NEEDS_TORCHVISION and not args.torchvision_path:
                    ref["error"] = "no torchvision for the torch side (--torchvision-path)"
                ours, our_out = _run("torchlike", lib, check, shared, args.timeout, args.torchvision_path)
                diff, where = (_max_diff(ref_out, our_out) if ref_out is not None and our_out is not None
                               else (None, ""))
                rows.append((lib, check, ref, ours, diff, where))
                print(_row(*rows[-1]), flush=True)
    print()
    print(_table(rows))


def _row(lib, check, ref, ours, diff, where):
    return f"{lib}:{check} torch={'ok' if ref['ok'] else ref.get('error')} " \
           f"torchlike={'ok' if ours['ok'] else ours.get('error')} diff={diff} ({where})"


def _table(rows):
    lines = ["| library | check | torch | torchlike | max abs diff (where) | torch s | torchlike s |",
             "|---|---|---|---|---|---|---|"]
    notes = []
    for lib, check, ref, ours, diff, where in rows:
        def cell(s):
            if s["ok"]:
                return "ok"
            notes.append(f"- {lib}:{check} under {'torch' if s is ref else 'torchlike'}: {s.get('error')} "
                         f"({s.get('where', '')})")
            return "FAIL"
        d = "" if diff is None else f"{diff:.2e} ({where})"
        if diff is None and where:
            d = where
        lines.append(f"| {lib} | {check} | {cell(ref)} | {cell(ours)} | {d} | {ref['wall']:.1f} | {ours['wall']:.1f} |")
    return "\n".join(lines + ([""] + notes if notes else []))


if __name__ == "__main__":
    main()
