"""torch.nn.modules.batchnorm: where torch defines the batch-norm classes (libraries import
``_BatchNorm`` / ``_NormBase`` from here); torchlike keeps them with the other norms."""
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm, _BatchNorm, _NormBase  # noqa: F401

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"]
