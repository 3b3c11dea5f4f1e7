"""Layers that only look down: no import cycle among torchlike's core modules.

The import graph comes from ``scripts/import_layers.py`` (``ast`` over the sources, imports inside
functions included), so nothing here depends on timing or on what happens to be imported already.
A lower layer that needs something from above offers a registration point instead (``_above.py``,
``serialization.load._formats``, ``nn.Module``'s compile hook); see ``torchlike/ops/README.md``.
"""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("import_layers", os.path.join(ROOT, "scripts", "import_layers.py"))
import_layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_layers)

# Packages and modules that must not sit on any import cycle (a module under a listed package counts).
CORE = ("torchlike", "torchlike._above", "torchlike._dtype", "torchlike._device", "torchlike._size",
        "torchlike._flags", "torchlike._trace_hooks", "torchlike._tensor", "torchlike._meta",
        "torchlike._intercept", "torchlike.autograd", "torchlike.ops", "torchlike.random",
        "torchlike._functions", "torchlike._nn_functions", "torchlike.nn", "torchlike.optim",
        "torchlike.amp", "torchlike.cuda", "torchlike.cuda_amp", "torchlike._cuda_base",
        "torchlike._cuda_extras", "torchlike.serialization", "torchlike.multiprocessing",
        "torchlike.compile", "torchlike.distributed", "torchlike.func", "torchlike.utils",
        "torchlike.linalg", "torchlike.fft", "torchlike.special", "torchlike.profiler",
        "torchlike.distributions", "torchlike.functional", "torchlike.masked", "torchlike.signal")

# What Tensor and the autograd graph beneath it may import: nothing that is built from them.
BELOW_TENSOR = ("torchlike._above", "torchlike._dtype", "torchlike._device", "torchlike._size",
                "torchlike._flags", "torchlike._trace_hooks", "torchlike._handles", "torchlike._layout",
                "torchlike._strides", "torchlike._errors", "torchlike._profile_record", "torchlike._tensor_str",
                "torchlike._types", "torchlike._symbolic", "torchlike.autograd.grad_mode",
                "torchlike.autograd.graph", "torchlike.autograd.anomaly_mode")


@pytest.fixture(scope="module")
def graph():
    return import_layers.graph()


def _is_core(mod):
    return any(mod == c or (c != "torchlike" and mod.startswith(c + ".")) for c in CORE)


def test_graph_sees_in_function_imports(graph):
    """The reader counts imports inside functions, where a low layer would reach up at run time."""
    assert "torchlike.autograd.graph" in graph["torchlike.ops.registry"]  # a top-level import
    assert "torchlike._functions" in graph["torchlike.nn.init"]  # imported inside trunc_normal_


def test_cycle_finder():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert import_layers.cycles(g) == [["a", "b", "c"]]


def test_no_cycle_among_core_modules(graph):
    bad = [c for c in import_layers.cycles(graph) if any(map(_is_core, c))]
    assert not bad, "import cycles through core modules:\n" + "\n".join(" ".join(c) for c in bad)


@pytest.mark.parametrize("low", ["torchlike._tensor", "torchlike.autograd.graph", "torchlike.autograd.engine"])
def test_tensor_core_looks_only_down(graph, low):
    """``_tensor`` and the autograd graph reach nothing above them, not even inside functions
    (serialization, multiprocessing, ops, printing register themselves in ``_above`` instead)."""
    allowed = set(BELOW_TENSOR) | {"torchlike._tensor", "torchlike.autograd.graph"}
    up = sorted(m for m in graph[low] if m not in allowed)
    assert not up, f"{low} imports {up}"


@pytest.mark.parametrize("pkg", ["torchlike.compile", "torchlike.distributed"])
def test_compile_and_distributed_have_no_cycles(graph, pkg):
    """Neither package sits on a cycle, inside itself or with the rest (``nn.Module.compile`` goes
    through a hook that ``torchlike.compile`` registers)."""
    bad = [c for c in import_layers.cycles(graph) if any(m == pkg or m.startswith(pkg + ".") for m in c)]
    assert not bad, bad


def test_script_runs():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "import_layers.py")],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"{len(import_layers.modules())} modules")
