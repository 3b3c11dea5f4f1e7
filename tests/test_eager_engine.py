"""The eager engine's costs: integer positions are runtime operands (one compiled program per shape,
whatever the index), compiled programs persist on disk between processes, and the per-op program
caches are bounded."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import torchlike
from torchlike import _compile_cache
from torchlike.ops import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = """
import json, sys, jax
hits, compiles = [], []
jax.monitoring.register_event_listener(
    lambda name, **kw: hits.append(1) if name == "/jax/compilation_cache/cache_hits" else None)
jax.monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: compiles.append(1) if name == "/jax/core/compile/backend_compile_duration" else None)
import torchlike as torch
x = torch.arange(12.0).reshape(3, 4).requires_grad_()
(x.exp() * 2).sum().backward()
grad = x.grad.sum().item()
print(json.dumps({"hits": len(hits), "compiles": len(compiles), "dir": torch._compile_cache.directory,
                  "jax_dir": jax.config.jax_compilation_cache_dir, "grad": grad}))
"""


def _probe(env_updates):
    env = {k: v for k, v in os.environ.items() if k not in ("TORCHLIKE_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR")}
    env.update(env_updates, PYTHONPATH=ROOT)
    p = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _entries(path):
    return [n for n in os.listdir(path) if n.endswith("-cache")]


def test_second_process_loads_programs_from_the_persistent_cache(tmp_path):
    cache = str(tmp_path / "xla")
    first = _probe({"TORCHLIKE_CACHE_DIR": cache})
    assert first["dir"] == cache and first["jax_dir"] == cache
    assert first["hits"] == 0 and first["compiles"] > 0
    written = _entries(cache)
    assert len(written) == first["compiles"]
    assert not [n for n in os.listdir(cache) if n.startswith(".tmp-")]  # renamed into place, none left half-written
    second = _probe({"TORCHLIKE_CACHE_DIR": cache})
    assert second["hits"] == first["compiles"]  # every program came from disk
    assert second["grad"] == first["grad"] == pytest.approx(2 * np.exp(np.arange(12.0)).sum())
    assert sorted(_entries(cache)) == sorted(written)


@pytest.mark.parametrize("value", ["0", ""])
def test_cache_env_var_disables(tmp_path, value):
    r = _probe({"TORCHLIKE_CACHE_DIR": value, "XDG_CACHE_HOME": str(tmp_path)})
    assert r["dir"] is None and r["jax_dir"] is None and r["hits"] == 0
    assert not os.path.exists(tmp_path / "torchlike")


def test_default_directory_follows_xdg_and_user_jax_cache_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.delenv("TORCHLIKE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _compile_cache.default_directory() == str(tmp_path / "torchlike" / "xla")
    monkeypatch.setenv("TORCHLIKE_CACHE_DIR", "0")
    assert _compile_cache.default_directory() is None
    # the user's own JAX cache wins: torchlike configures nothing
    mine = str(tmp_path / "mine")
    r = _probe({"JAX_COMPILATION_CACHE_DIR": mine, "TORCHLIKE_CACHE_DIR": str(tmp_path / "tl")})
    assert r["dir"] is None and r["jax_dir"] == mine
    assert not os.path.exists(tmp_path / "tl")


def test_concurrent_processes_share_one_cache_directory(tmp_path):
    cache = str(tmp_path / "xla")
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    env.update(TORCHLIKE_CACHE_DIR=cache, PYTHONPATH=ROOT)
    procs = [subprocess.Popen([sys.executable, "-c", PROBE], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    results = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    assert results[0]["grad"] == results[1]["grad"]
    assert len(_entries(cache)) == results[0]["compiles"]
    assert not [n for n in os.listdir(cache) if n.startswith(".tmp-")]


def test_directory_cache_is_bounded_on_disk(tmp_path):
    c = _compile_cache._DirectoryCache(str(tmp_path), max_bytes=1000)
    for i in range(8):
        c.put(f"k{i}", bytes(300))
        os.utime(tmp_path / f"k{i}-cache", (i, i))  # distinct recency, oldest first
    names = sorted(_entries(tmp_path))
    assert sum(os.path.getsize(tmp_path / n) for n in names) <= 1000
    assert "k7-cache" in names and "k0-cache" not in names  # least recently used went first
    assert c.get("k7") == bytes(300) and c.get("k0") is None
    c.put("huge", bytes(5000))  # larger than the whole cache: not stored
    assert c.get("huge") is None


def test_per_op_program_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(registry, "MAX_PROGRAMS", 4)
    op = registry.Op("bounded_probe", lambda x, k: x * k)
    x = torchlike.ones(2)
    for k in range(10):
        assert op(x, k=k).tolist() == [k, k]
    assert len(op._cache) == 4 and len(op._dispatch) == 4
    assert [key[0] for key in op._cache] == [(("k", k),) for k in range(6, 10)]  # the newest kept


# ---------------------------------------------------------------- integer positions are operands
def _count(xla_compiles, fn, n):
    del xla_compiles[:]
    fn(n)
    return len(xla_compiles)


def _positions_loop(make):
    """Compiles for ``make(i)`` over the first 3 positions vs the next 30: the latter must compile nothing."""
    def run(xla_compiles):
        for i in range(3):
            make(i)
        del xla_compiles[:]
        for i in range(3, 33):
            make(i)
        return len(xla_compiles)
    return run


@pytest.mark.parametrize("name,make", [
    ("x[i]", lambda x, i: x[i]),
    ("x[i, 2] and x[-i]", lambda x, i: (x[i, 2], x[-i - 1])),
    ("x[i:i+3]", lambda x, i: x[i:i + 3]),
    ("x[:, i] and x[..., i]", lambda x, i: (x[:, i % 5], x[..., i % 5])),
    ("select", lambda x, i: x.select(0, i)),
    ("narrow", lambda x, i: torchlike.narrow(x, 0, i, 2)),
    ("x[i] = v", lambda x, i: x.__setitem__(i, float(i))),
    ("x[i].add_(1)", lambda x, i: x[i].add_(1)),
    ("backward of x[i]", lambda x, i: (x[i] * 2).sum().backward()),
    ("backward of narrow", lambda x, i: x.narrow(0, i, 4).exp().sum().backward()),
])
def test_integer_positions_compile_once_per_shape(name, make, xla_compiles):
    x = torchlike.arange(40 * 5, dtype=torchlike.float32).reshape(40, 5)
    if "backward" in name:
        x.requires_grad_()
    assert _positions_loop(lambda i: make(x, i))(xla_compiles) == 0, name


def test_unbind_split_iteration_one_program_per_shape(xla_compiles):
    """``for row in t``, unbind, split and chunk of any length are one program each (forward and backward),
    not one per piece: a length of 7 and one of 19 cost the same number of compiles; so do 40 and 50 (beyond
    ``ONE_PROGRAM_PIECES``, one dynamic select/narrow per piece)."""
    from torchlike.ops import shape
    assert shape.ONE_PROGRAM_PIECES < 40
    counts = []
    for n in (7, 19, 40, 50):
        x = torchlike.randn(n, 3, requires_grad=True)
        seq = torchlike.randn(2, n, 4, requires_grad=True)
        del xla_compiles[:]
        rows = list(x)
        parts = seq.split(1, dim=1)
        chunks = seq.chunk(3, dim=1)
        assert len(rows) == n and len(parts) == n and parts[0].shape == (2, 1, 4)
        forward = len(xla_compiles)
        torchlike.stack(rows).sum().backward()
        torchlike.cat(parts, 1).sum().backward()
        counts.append((forward, len(xla_compiles)))
        assert x.grad.tolist() == [[1.0] * 3] * n and seq.grad.tolist() == [[[1.0] * 4] * n] * 2
        step = -(-n // 3)
        assert [c.shape[1] for c in chunks] == [min(step, n - i) for i in range(0, n, step)]
    assert counts[0] == counts[1] and counts[0][0] <= 3, counts
    assert counts[2] == counts[3] and counts[2][0] <= 3, counts


def test_positions_match_torch_values_grads_and_errors():
    import torch
    a = np.random.default_rng(0).standard_normal((5, 6, 4))
    cases = [lambda m, x: x[3], lambda m, x: x[-2, 1:5:2], lambda m, x: x[1:4, None, -1],
             lambda m, x: x[..., 2:], lambda m, x: x.select(1, -3), lambda m, x: m.narrow(x, 2, 1, 3),
             lambda m, x: x.unbind(1)[4], lambda m, x: x.split([2, 3, 1], 1)[1], lambda m, x: list(x)[-1],
             lambda m, x: x.chunk(2, 2)[1]]
    for k, f in enumerate(cases):
        xt, xl = torch.tensor(a, requires_grad=True), torchlike.tensor(a, requires_grad=True)
        rt, rl = f(torch, xt), f(torchlike, xl)
        assert tuple(rt.shape) == tuple(rl.shape)
        if k >= 4:  # (x[...] names one node for the whole index where torch names its last step)
            assert rt.grad_fn.name() == rl.grad_fn.name()
        np.testing.assert_array_equal(rt.detach().numpy(), rl.detach().numpy())
        (rt.exp() * 3).sum().backward()
        (rl.exp() * 3).sum().backward()
        np.testing.assert_allclose(xt.grad.numpy(), xl.grad.numpy(), rtol=1e-12)
    for m in (torch, torchlike):
        x = m.tensor(a)
        x[2] = 1.5
        x[-1, 1:5:2] = m.ones(2, 4)
        x.unbind(1)[3].mul_(0)
        x.split(2, 2)[1].add_(1)
        x[1:3][0, 2] += 10
        if m is torch:
            want = x.numpy()
        else:
            np.testing.assert_array_equal(x.numpy(), want)
    for bad, exc in [(lambda m: m.zeros(3, 2)[3], IndexError), (lambda m: m.zeros(3, 2)[0, -3], IndexError),
                     (lambda m: m.zeros(3).select(0, -4), IndexError),
                     (lambda m: m.narrow(m.zeros(3), 0, 2, 2), RuntimeError),
                     (lambda m: m.zeros(()).unbind(0), IndexError),
                     (lambda m: m.zeros(5).split([2, -1, 4]), RuntimeError)]:
        msgs = []
        for m in (torch, torchlike):
            with pytest.raises(exc) as e:
                bad(m)
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]


# ---------------------------------------------------------------- the per-op dispatch table
def test_dispatch_table_keys_on_dtypes_zero_dim_and_scalar_types():
    """Repeated calls hit ``op._dispatch``; its key must still tell apart what changes torch's result dtype:
    each tensor's dtype, which tensors are zero-dim when dtypes differ, and a scalar's Python type."""
    import torch
    rng = np.random.default_rng(0)
    shapes = [(3,), ()]
    dtypes = ["float32", "float64", "int64", "int32", "bool", "float16"]
    scalars = [2, 2.5, True]
    for _ in range(2):  # the second round reads every entry back from the table
        for da in dtypes:
            for db in dtypes:
                for sa in shapes:
                    for sb in shapes:
                        a = (rng.standard_normal(sa) * 3).astype(da)
                        b = (rng.standard_normal(sb) * 3).astype(db)
                        for m in (torch, torchlike):
                            x, y = m.tensor(a), m.tensor(b)
                            r = (x + y, x * y, torch.sin(x) if m is torch else torchlike.sin(x))
                            if m is torch:
                                want = [str(t.dtype) for t in r]
                            else:
                                assert [str(t.dtype) for t in r] == want, (da, db, sa, sb)
                for s in scalars:
                    want = [str(t.dtype) for t in (torch.tensor(a) + s, torch.tensor(a) * s)]
                    x = torchlike.tensor(a)
                    assert [str(t.dtype) for t in (x + s, x * s)] == want, (da, s)


def test_dispatch_follows_the_default_dtype_and_grad_mode():
    """An integer tensor's float result follows ``set_default_dtype`` after the op was cached; whether a
    result records a graph follows grad mode and the inputs' requires_grad on every call."""
    x = torchlike.tensor([1, 2])
    assert x.sin().dtype == torchlike.float32
    old = torchlike.get_default_dtype()
    torchlike.set_default_dtype(torchlike.float64)
    try:
        assert x.sin().dtype == torchlike.float64
    finally:
        torchlike.set_default_dtype(old)
    assert x.sin().dtype == torchlike.float32
    w = torchlike.ones(3)
    for _ in range(2):
        assert not (w * 2).requires_grad
        w.requires_grad_()
        assert (w * 2).requires_grad and (w * 2).grad_fn.name() == "MulBackward0"
        with torchlike.no_grad():
            assert not (w * 2).requires_grad
        w = torchlike.ones(3)
    (torchlike.ones(3, requires_grad=True) * torchlike.tensor([1, 2, 3])).sum().backward()


def test_live_programs_are_bounded(monkeypatch):
    """Past the limit of compiled programs in memory, the next eager op frees them all (JAX's caches) and
    later ops recompile what they need: results and gradients stay right across releases."""
    from torchlike import _live_programs as live
    monkeypatch.setattr(live, "limit", 4)
    monkeypatch.setattr(live, "compiled", 0)
    before = live.releases
    for n in range(1, 9):
        x = torchlike.arange(float(n)).requires_grad_()
        y = (x * 3 + 1).sum()
        y.backward()
        assert y.item() == 3 * n * (n - 1) / 2 + n and x.grad.tolist() == [3.0] * n
        assert live.compiled <= live.limit + 8  # one shape's programs at most past the limit
    assert live.releases > before
    monkeypatch.setattr(live, "limit", 1)  # traced ops (torchlike.func) wait for an eager op to release
    for n in (3, 4):
        x = np.linspace(0.1, 1.0, n)
        g = torchlike.func.grad(lambda t: (t.sin() * t).sum())(torchlike.tensor(x))
        np.testing.assert_allclose(g.numpy(), np.cos(x) * x + np.sin(x), rtol=1e-12)
    monkeypatch.setattr(live, "limit", 0)  # 0: no bound
    live.over = False
    start = live.releases
    for n in range(20, 26):
        torchlike.ones(n) * 2
    assert live.releases == start


def test_release_returns_freed_memory_to_the_os(monkeypatch):
    """A release frees the executables and then asks the allocator to hand the freed pages back
    (glibc's ``malloc_trim``), so resident memory drops after it instead of staying at its peak."""
    from torchlike import _live_programs as live
    calls = []
    monkeypatch.setattr(live, "_trim", [lambda pad: calls.append(pad)])
    before = live.releases
    live.release()
    assert live.releases == before + 1 and calls == [0]
    assert (torchlike.ones(3) * 2).tolist() == [2.0, 2.0, 2.0]  # programs rebuild after the release


def test_live_program_limit_grows_when_the_working_set_does_not_fit(monkeypatch):
    """A step that runs more distinct programs than the limit would release and rebuild them every step;
    when most compiles since a release are rebuilds of programs released before, the limit doubles, so
    the releases stop. New shapes (compiles of programs never seen) leave the limit as it is."""
    from torchlike import _live_programs as live
    monkeypatch.setattr(live, "limit", 4)
    monkeypatch.setattr(live, "compiled", 0)
    monkeypatch.setattr(live, "over", False)
    monkeypatch.setattr(live, "_seen", set())
    monkeypatch.setattr(live, "reloads", 0)
    xs = [torchlike.ones(n) for n in range(31, 41)]  # ten shapes: ten programs per step

    def step():
        return [(x * 3).tolist()[0] for x in xs]

    releases = []
    for _ in range(8):
        assert step() == [3.0] * 10
        releases.append(live.releases)
    assert live.limit >= 10 and releases[-1] == releases[-3], (live.limit, releases)
    monkeypatch.setattr(live, "limit", 4)
    monkeypatch.setattr(live, "compiled", 0)
    monkeypatch.setattr(live, "reloads", 0)
    before = live.releases
    for n in range(50, 70):  # a new shape each time: no reloads, the limit stays
        assert (torchlike.ones(n) * 5).tolist()[-1] == 5.0
    assert live.limit == 4 and live.releases > before
