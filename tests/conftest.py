"""Shared test helpers: the torch reference and comparisons between torchlike and torch tensors."""
import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")


def to_np(t):
    """numpy value of a torchlike or torch tensor (or a number)."""
    if isinstance(t, torchlike.Tensor):
        return np.asarray(t.detach()._value)
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def assert_same(ours, ref, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Same shape, dtype name and values (within tolerance) for a torchlike and a torch tensor."""
    if isinstance(ref, (tuple, list)):
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref):
            assert_same(a, b, rtol, atol, check_dtype)
        return
    if isinstance(ref, torch.Tensor):
        assert isinstance(ours, torchlike.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(ref.shape), (ours.shape, ref.shape)
        if check_dtype:
            assert str(ours.dtype) == str(ref.dtype), (ours.dtype, ref.dtype)
    np.testing.assert_allclose(_widen(to_np(ours)), _widen(to_np(ref)), rtol=rtol, atol=atol)


def _widen(a):
    """float64 (complex128 for complex) for comparison; bools stay bools."""
    if a.dtype == bool:
        return a
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (whole programs: seed programs, examples)")


# Modules whose tests start whole programs (a module-scoped fixture starting dozens of processes, or slow
# examples). They run first, so that under ``-n 2`` the long ones are not left for the end, and each of
# ONE_WORKER runs on one xdist worker, so its module-scoped fixture runs once, not once per worker.
FIRST = ("test_main_alias.py", "test_distributed.py", "test_examples.py")
ONE_WORKER = ("test_main_alias.py", "test_distributed.py")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run only with ``--run-slow`` (CI passes it); the default run stays fast.
    The modules in FIRST move to the front (a stable sort: the order within a module is kept)."""
    items.sort(key=lambda item: FIRST.index(item.path.name) if item.path.name in FIRST else len(FIRST))
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: runs with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``-n N`` (xdist's ``load`` distribution) sends tests to workers one by one as they finish, except
    that the tests of a module in ONE_WORKER go together to one worker."""
    if config.getvalue("dist") != "load" or not hasattr(config.option, "loadscopereorder"):
        return None  # another distribution asked for, or an older xdist (no --no-loadscope-reorder): its own scheduler
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerModules(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return module if module.rsplit("/", 1)[-1] in ONE_WORKER else nodeid

    return OneWorkerModules(config, log)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


_xla_compiles = None


@pytest.fixture
def xla_compiles():
    """A list that gains one entry per XLA compilation while the test runs (JAX's monitoring events; the
    listener, which JAX cannot remove, is registered once per process)."""
    global _xla_compiles
    import jax
    if _xla_compiles is None:
        _xla_compiles = []
        jax.monitoring.register_event_duration_secs_listener(
            lambda name, secs, **kw: _xla_compiles.append(name)
            if name == "/jax/core/compile/backend_compile_duration" else None)
    del _xla_compiles[:]
    from torchlike import _live_programs  # no release of the compiled programs mid-test (they would recompile)
    _live_programs.compiled, _live_programs.over = 0, False
    return _xla_compiles
