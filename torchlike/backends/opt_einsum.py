"""torch.backends.opt_einsum: contraction-order search for einsum.

``jnp.einsum`` always optimises the contraction order (with opt_einsum's algorithms, bundled in
JAX), so this reports available and records ``enabled``/``strategy``.
"""
enabled = True
strategy = "auto"


def is_available() -> bool:
    return True


def get_opt_einsum():
    try:
        import opt_einsum
        return opt_einsum
    except ImportError:
        return None
