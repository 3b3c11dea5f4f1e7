"""torch.onnx for torchlike: ``export(model, args, "model.onnx")`` writes a real ONNX file for
models built from common layers, RNNs and attention (needs the optional ``onnx`` package:
``pip install 'torchlike[onnx]'``). See ``_export``, ``_ops``, ``_recurrent`` and ``_attention`` for what
converts; anything else
raises :class:`errors.UnsupportedOperatorError` naming the operation."""
from __future__ import annotations

from . import errors
from ._export import DEFAULT_OPSET, export, is_in_onnx_export
from ._modes import OperatorExportTypes, TrainingMode
from ._program import ONNXProgram
from .errors import OnnxExporterError, UnsupportedOperatorError

producer_name = "torchlike"


def dynamo_export(model, *model_args, export_options=None, **model_kwargs) -> ONNXProgram:
    """torch's earlier name for the exporter (torch.onnx.dynamo_export): ``export`` without a file."""
    return export(model, model_args, kwargs=model_kwargs)


def register_custom_op_symbolic(symbolic_name: str, symbolic_fn, opset_version: int) -> None:
    """torch's TorchScript-exporter hook; torchlike's exporter has no symbolic registry."""
    raise NotImplementedError("torchlike.onnx has no custom symbolic registry: register_custom_op_symbolic "
                              f"({symbolic_name!r}) is not supported")


def select_model_mode_for_export(model, mode):
    """Context manager setting ``model``'s train/eval mode for export (torch.onnx.select_model_mode_for_export)."""
    from ._export import _eval_mode
    return _eval_mode(model, mode)


__all__ = ["export", "dynamo_export", "is_in_onnx_export", "ONNXProgram", "TrainingMode", "OperatorExportTypes", "errors",
           "OnnxExporterError", "UnsupportedOperatorError", "register_custom_op_symbolic",
           "select_model_mode_for_export", "DEFAULT_OPSET"]
