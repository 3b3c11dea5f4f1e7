"""The op layer: every ``torch.*`` operation, its Tensor method and its in-place twin.

Each op module declares its public functions with :func:`declare.public` (see ``README.md`` here);
importing the module installs the Tensor methods, and :func:`load` imports them all and returns the
generated ``torch.*`` functions. Nothing is imported when this package is: ``ops.registry`` is
imported by the autograd and tensor layers below it, so this file stays side-effect free.
"""


def load():
    """Import every op module (declaring its names) and return ``{name: function}`` for ``torch.*``."""
    from . import (conversions, copies, creation, householder, indexing, indexing_more, linalg,  # noqa: F401
                   linalg_basic, lowrank, misc_more, operators, pointwise, pointwise_more, reduction,
                   reduction_more, shape, sorting, special_more, spectral, tensor_extras, windows)
    from .declare import functions
    return functions()
