"""torch.nn.modules.instancenorm: where torch defines the instance-norm classes; torchlike keeps them
with the other norms."""
from .normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm, _NormBase  # noqa: F401

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]
