"""torch.backends.mps: Apple's MPS is not a JAX backend, so it is never available."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
