"""torchvision.ops: box utilities and NMS, RoIAlign, the focal and GIoU losses, stochastic depth, and
the blocks in ``ops.misc`` (FrozenBatchNorm2d, Conv2dNormActivation, SqueezeExcitation, MLP, ...)
that timm and torchvision models import. Not provided: deformable convolution, PS-RoI pooling,
RoIPool, MultiScaleRoIAlign, FeaturePyramidNetwork, DropBlock, rotated boxes."""
from .boxes import (batched_nms, box_area, box_convert, box_iou, clip_boxes_to_image, complete_box_iou,
                    distance_box_iou, generalized_box_iou, masks_to_boxes, nms, remove_small_boxes)
from .losses import generalized_box_iou_loss, sigmoid_focal_loss
from .misc import Conv2dNormActivation, Conv3dNormActivation, FrozenBatchNorm2d, MLP, Permute, SqueezeExcitation
from .roi_align import RoIAlign, roi_align
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["nms", "batched_nms", "remove_small_boxes", "clip_boxes_to_image", "box_convert", "box_area",
           "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou", "masks_to_boxes",
           "roi_align", "RoIAlign", "sigmoid_focal_loss", "generalized_box_iou_loss", "stochastic_depth",
           "StochasticDepth", "FrozenBatchNorm2d", "Conv2dNormActivation", "Conv3dNormActivation",
           "SqueezeExcitation", "MLP", "Permute"]
