"""torch.backends.cudnn flags (accepted; XLA picks its own convolution algorithms)."""
benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    from .. import cuda
    return cuda.is_available()


def version():
    return None if not is_available() else 90000
