"""torch.export for torchlike: ``export(module, args)`` captures a whole forward as an
:class:`ExportedProgram` (see ``_export`` for what the graph holds and what is not supported)."""
from __future__ import annotations

from . import graph_signature
from ._dims import Dim, dims
from ._export import export
from ._program import ExportedProgram, load, save
from .graph_signature import (ConstantArgument, ExportGraphSignature, InputKind, InputSpec, OutputKind, OutputSpec,
                              TensorArgument)


__all__ = ["export", "ExportedProgram", "Dim", "dims", "save", "load", "ExportGraphSignature", "InputKind",
           "InputSpec", "OutputKind", "OutputSpec", "TensorArgument", "ConstantArgument", "graph_signature"]
