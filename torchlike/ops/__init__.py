"""The op layer: every ``torch.*`` operation, its Tensor method and its in-place twin.

Each op module declares its public functions with :func:`declare.public` (see ``README.md`` here);
importing the module installs the Tensor methods, and :func:`load` imports them all and returns the
generated ``torch.*`` functions. Nothing is imported when this package is: ``ops.registry`` is
imported by the autograd and tensor layers below it, so this file stays side-effect free.
"""


def load():
    """Import every op module (declaring its names) and return ``{name: function}`` for ``torch.*``."""
    from . import (  # noqa: F401
        arithmetic,
        aten,
        comparison,
        complex,
        conversions,
        counting,
        creation,
        diagonals,
        fft,
        foreach,
        grids,
        indexing,
        linalg_decomp,
        linalg_functions,
        linalg_householder,
        linalg_lowrank,
        linalg_norms,
        linalg_solve,
        operators,
        pointwise,
        products,
        rearrange,
        reductions,
        sampling,
        scans,
        scatter,
        shape,
        sorting,
        special,
        spectral,
        statistics,
        storage,
        strided,
        view_copies,
        windows,
    )
    from .declare import functions
    return functions()


def __getattr__(name):
    # torch.ops.profiler (the record_function operators), imported on first use
    if name == "profiler":
        import importlib
        return importlib.import_module(f"{__name__}.profiler")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
