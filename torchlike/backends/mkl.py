"""torch.backends.mkl: XLA's CPU backend does not use MKL."""


def is_available() -> bool:
    return False
