"""torchvision.ops box utilities: formats, areas, IoU variants, NMS.

Boxes are ``(x1, y1, x2, y2)`` unless a ``fmt`` says otherwise. The IoU formulas evaluate in
torchvision's order (and upcast half precision as it does), so results agree to float rounding and
are differentiable. ``nms`` is a greedy, data-dependent loop: it runs on the host (numpy, in the
boxes' dtype, with torchvision's CPU kernel's stable score order and ``iou > threshold`` rule), so it
works in eager code but not inside a compiled step.
"""
from __future__ import annotations

import numpy as np

import torchlike as torch

__all__ = ["nms", "batched_nms", "remove_small_boxes", "clip_boxes_to_image", "box_convert", "box_area",
           "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou", "masks_to_boxes"]

_AXIS_ALIGNED = ("xyxy", "xywh", "cxcywh")
_ROTATED = ("xywhr", "cxcywhr", "xyxyxyxy")


def _upcast(t):
    """float16/bfloat16 -> float32 and small ints -> int32, so products do not overflow."""
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()


def nms(boxes, scores, iou_threshold: float):
    """Indices of the boxes kept by greedy non-maximum suppression, by decreasing score: a box is
    dropped when its IoU with a higher-scoring kept box exceeds ``iou_threshold``."""
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.shape[1] != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.shape[1]}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.shape[0] != scores.shape[0]:
        raise RuntimeError("boxes and scores should have same number of elements in dimension 0, got "
                           f"{boxes.shape[0]} and {scores.shape[0]}")
    b = boxes.detach().cpu().numpy()
    order = np.argsort(-scores.detach().cpu().numpy(), kind="stable")
    x1, y1, x2, y2 = (b[:, k] for k in range(4))
    areas = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(len(b), dtype=bool)
    keep = []
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1:]
        w = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0)
        h = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0)
        inter = w * h
        suppressed[rest[inter / (areas[i] + areas[rest] - inter) > iou_threshold]] = True
    return torch.tensor(np.asarray(keep, dtype=np.int64), device=boxes.device)


def batched_nms(boxes, scores, idxs, iou_threshold: float):
    """NMS within each category ``idxs``: boxes of different categories never suppress each other.
    Small inputs shift each category's boxes apart (torchvision's coordinate trick, same order as
    ``nms``); above 4000 coordinates each category runs separately and the result is sorted by score."""
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    if boxes.numel() <= 4000:
        offsets = idxs.to(boxes) * (boxes.max() + torch.tensor(1).to(boxes))
        return nms(boxes + offsets[:, None], scores, iou_threshold)
    keep_mask = torch.zeros_like(scores, dtype=torch.bool)
    for class_id in torch.unique(idxs):
        members = torch.where(idxs == class_id)[0]
        keep_mask[members[nms(boxes[members], scores[members], iou_threshold)]] = True
    kept = torch.where(keep_mask)[0]
    return kept[scores[kept].sort(descending=True)[1]]


def remove_small_boxes(boxes, min_size: float):
    """Indices of the boxes whose width and height are both at least ``min_size``."""
    keep = ((boxes[..., 2] - boxes[..., 0]) >= min_size) & ((boxes[..., 3] - boxes[..., 1]) >= min_size)
    return torch.where(keep)[0]


def clip_boxes_to_image(boxes, size):
    """Clamp x coordinates to ``[0, width]`` and y to ``[0, height]`` (``size = (height, width)``)."""
    height, width = size
    xs = boxes[..., 0::2].clamp(min=0, max=width)
    ys = boxes[..., 1::2].clamp(min=0, max=height)
    return torch.stack((xs, ys), dim=boxes.dim()).reshape(boxes.shape)


def _xywh_to_xyxy(b):
    x, y, w, h = b.unbind(-1)
    return torch.stack([x, y, x + w, y + h], dim=-1)


def _cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def _xyxy_to_xywh(b):
    x1, y1, x2, y2 = b.unbind(-1)
    return torch.stack([x1, y1, x2 - x1, y2 - y1], dim=-1)


def _xyxy_to_cxcywh(b):
    x1, y1, x2, y2 = b.unbind(-1)
    return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)


_TO_XYXY = {"xyxy": lambda b: b, "xywh": _xywh_to_xyxy, "cxcywh": _cxcywh_to_xyxy}
_FROM_XYXY = {"xyxy": lambda b: b, "xywh": _xyxy_to_xywh, "cxcywh": _xyxy_to_cxcywh}


def box_convert(boxes, in_fmt: str, out_fmt: str):
    """Convert between ``xyxy``, ``xywh`` (corner + size) and ``cxcywh`` (center + size). The rotated
    formats torchvision also names raise NotImplementedError here."""
    allowed = _AXIS_ALIGNED + _ROTATED
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    if in_fmt in _ROTATED or out_fmt in _ROTATED:
        raise NotImplementedError(f"torchlike's box_convert has no rotated-box formats ({in_fmt} -> {out_fmt})")
    return _FROM_XYXY[out_fmt](_TO_XYXY[in_fmt](boxes))


def box_area(boxes, fmt: str = "xyxy"):
    """Area of each box (last dimension holds the 4 coordinates)."""
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _corners(boxes, fmt):
    """(top-left, bottom-right) corner pairs, shaped for pairwise [..., N, M, 2] broadcasting."""
    if fmt == "xyxy":
        return boxes[..., :2], boxes[..., 2:]
    if fmt == "xywh":
        return boxes[..., :2], boxes[..., :2] + boxes[..., 2:]
    return boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., :2] + boxes[..., 2:] / 2


def _inter_union(boxes1, boxes2, fmt="xyxy"):
    area1, area2 = box_area(boxes1, fmt=fmt), box_area(boxes2, fmt=fmt)
    lt1, rb1 = _corners(boxes1, fmt)
    lt2, rb2 = _corners(boxes2, fmt)
    lt = torch.max(lt1[..., None, :], lt2[..., None, :, :])
    rb = torch.min(rb1[..., None, :], rb2[..., None, :, :])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[..., None] + area2[..., None, :] - inter


def box_iou(boxes1, boxes2, fmt: str = "xyxy"):
    """Pairwise intersection over union: ``[..., N, 4] x [..., M, 4] -> [..., N, M]``."""
    if fmt in _ROTATED:
        raise NotImplementedError(f"torchlike's box_iou has no rotated-box formats ({fmt})")
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported format '{fmt}'. Supported axis-aligned formats: {_AXIS_ALIGNED}.")
    inter, union = _inter_union(boxes1, boxes2, fmt)
    return inter / union


def _enclosing_wh(boxes1, boxes2):
    lt = torch.min(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rb = torch.max(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    return _upcast(rb - lt).clamp(min=0)


def generalized_box_iou(boxes1, boxes2):
    """GIoU: IoU minus the fraction of the smallest enclosing box not covered by the union."""
    inter, union = _inter_union(boxes1, boxes2)
    wh = _enclosing_wh(boxes1, boxes2)
    enclosing = wh[..., 0] * wh[..., 1]
    return inter / union - (enclosing - union) / enclosing


def _diou_and_iou(boxes1, boxes2, eps):
    iou = box_iou(boxes1, boxes2)
    wh = _enclosing_wh(boxes1, boxes2)
    diagonal_sq = (wh[..., 0] ** 2) + (wh[..., 1] ** 2) + eps
    cx1, cy1 = (boxes1[..., 0] + boxes1[..., 2]) / 2, (boxes1[..., 1] + boxes1[..., 3]) / 2
    cx2, cy2 = (boxes2[..., 0] + boxes2[..., 2]) / 2, (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers_sq = (_upcast(cx1[..., None] - cx2[..., None, :]) ** 2) + (_upcast(cy1[..., None] - cy2[..., None, :]) ** 2)
    return iou - centers_sq / diagonal_sq, iou


def distance_box_iou(boxes1, boxes2, eps: float = 1e-7):
    """DIoU: IoU minus squared center distance over the enclosing box's squared diagonal."""
    return _diou_and_iou(_upcast(boxes1), _upcast(boxes2), eps)[0]


def complete_box_iou(boxes1, boxes2, eps: float = 1e-7):
    """CIoU: DIoU minus ``alpha * v``, ``v`` the aspect-ratio mismatch (``alpha`` is not differentiated)."""
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    diou, iou = _diou_and_iou(boxes1, boxes2, eps)
    w1 = boxes1[..., None, 2] - boxes1[..., None, 0]
    h1 = boxes1[..., None, 3] - boxes1[..., None, 1]
    w2 = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h2 = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / (torch.pi ** 2)) * torch.pow(torch.atan(w1 / h1) - torch.atan(w2 / h2), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def masks_to_boxes(masks):
    """``[N, H, W]`` masks -> ``[N, 4]`` float boxes around each mask's nonzero pixels (inclusive
    pixel coordinates; an empty mask gives zeros)."""
    if masks.numel() == 0:
        return torch.zeros((0, 4), device=masks.device, dtype=torch.float)
    _, h, w = masks.shape
    rows = torch.any(masks.bool(), dim=2).float()
    cols = torch.any(masks.bool(), dim=1).float()
    y1, x1 = rows.argmax(dim=1), cols.argmax(dim=1)
    y2 = (h - 1) - rows.flip(dims=[1]).argmax(dim=1)
    x2 = (w - 1) - cols.flip(dims=[1]).argmax(dim=1)
    boxes = torch.stack([x1, y1, x2, y2], dim=1).float()
    boxes[rows.sum(dim=1) == 0] = 0
    return boxes
