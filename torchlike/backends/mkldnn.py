"""torch.backends.mkldnn (oneDNN): not used by XLA's CPU backend; the flags are recorded."""
enabled = True
deterministic = False


def is_available() -> bool:
    return False
