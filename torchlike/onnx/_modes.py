"""torch.onnx's enums (accepted for compatibility; torchlike exports in eval mode, ONNX ops only)."""
from __future__ import annotations

import enum


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3
