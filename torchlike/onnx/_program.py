"""torch.onnx.ONNXProgram: the exported model, saved to a file or run with onnxruntime."""
from __future__ import annotations

import numpy as np


class ONNXProgram:
    """What :func:`torchlike.onnx.export` returns: ``model_proto``, ``save(path)``, and calling it
    runs the model with onnxruntime (if installed) on torchlike tensors."""

    def __init__(self, model_proto):
        self.model_proto = model_proto
        self._session = None

    @property
    def model(self):
        return self.model_proto

    def save(self, destination, *, include_initializers: bool = True, keep_initializers_as_inputs: bool = False,
             external_data=None) -> None:
        import onnx
        if hasattr(destination, "write"):
            destination.write(self.model_proto.SerializeToString())
        else:
            onnx.save(self.model_proto, str(destination))

    def initialize_inference_session(self, initializer=None):
        import onnxruntime
        self._session = onnxruntime.InferenceSession(self.model_proto.SerializeToString(),
                                                     providers=["CPUExecutionProvider"])

    def __call__(self, *args, **kwargs):
        import torchlike
        if self._session is None:
            self.initialize_inference_session()
        names = [i.name for i in self._session.get_inputs()]
        values = [np.asarray(a.detach()._value) if isinstance(a, torchlike.Tensor) else np.asarray(a)
                  for a in list(args) + list(kwargs.values())]
        outs = self._session.run(None, dict(zip(names, values)))
        return [torchlike.tensor(o) for o in outs]

    def optimize(self) -> None:
        """torch runs ONNX graph optimisations here; torchlike's graphs are written without
        redundant nodes, so there is nothing to do."""

    def adapt_torch_inputs_to_onnx(self, *args, **kwargs) -> list:
        """The inputs in the order the ONNX graph takes them (torch's older ExportOutput API)."""
        return list(args) + list(kwargs.values())

    def adapt_torch_outputs_to_onnx(self, outputs) -> list:
        """The model's outputs flattened into the list the ONNX graph returns."""
        import torchlike
        if isinstance(outputs, torchlike.Tensor):
            return [outputs]
        flat = []
        for o in outputs:
            flat.extend(self.adapt_torch_outputs_to_onnx(o) if isinstance(o, (tuple, list)) else
                        [o] if isinstance(o, torchlike.Tensor) else [])
        return flat

    def release(self):
        self._session = None

    def __repr__(self):
        import onnx
        return f"ONNXProgram(\n    model=\n{onnx.printer.to_text(self.model_proto.graph)}\n)"
