"""torch.distributed._composable: where FSDP2's ``fully_shard`` first lived (``._composable.fsdp``)."""
from . import fsdp  # noqa: F401
