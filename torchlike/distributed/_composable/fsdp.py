"""torch.distributed._composable.fsdp: FSDP2 (see :mod:`torchlike.distributed.fsdp2`)."""
from ..fsdp2 import (CPUOffloadPolicy, FSDPModule, MixedPrecisionPolicy, OffloadPolicy,  # noqa: F401
                           fully_shard)

__all__ = ["fully_shard", "FSDPModule", "OffloadPolicy", "CPUOffloadPolicy", "MixedPrecisionPolicy"]
