"""torch.backends.openmp: XLA's CPU backend has its own thread pool."""


def is_available() -> bool:
    return False
