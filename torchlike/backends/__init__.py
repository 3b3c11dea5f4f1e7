"""torch.backends: flags scripts set. They are accepted and recorded; XLA decides kernels itself."""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401
