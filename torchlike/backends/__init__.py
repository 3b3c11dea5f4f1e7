"""torch.backends: flags scripts set. They are accepted and recorded; XLA decides kernels itself."""
from . import cuda, cudnn, mps  # noqa: F401
