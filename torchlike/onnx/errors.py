"""torch.onnx.errors: what ONNX export raises."""
from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter."""


class UnsupportedOperatorError(OnnxExporterError):
    """An operation of the model has no ONNX conversion here; the message names it."""

    def __init__(self, name: str, reason: str = ""):
        msg = f"Exporting the operator '{name}' to ONNX is not supported by torchlike.onnx"
        super().__init__(msg + (f": {reason}" if reason else "."))
        self.op_name = name
