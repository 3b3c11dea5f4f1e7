"""The op surface is generated from the declarations in ``torchlike/ops`` (``ops/declare.py``):

- every declared op is reachable under each name it declares (``torch.*``, Tensor method, in-place
  twin ``x.op_``, in-place function ``torch.op_``, aliases), and each of those names is one torch has;
- where torch gives a declared op a name torchlike lacks (``Tensor.op_``, ``torch.op_``), that is a
  failure, so in-place twins cannot be forgotten;
- nothing is reachable without a declaration: every ``torch.*`` function from the op layer and every
  Tensor method or property outside the Tensor class body is declared;
- ``torch.linalg``, ``torch.fft`` and ``torch.special`` are generated the same way (``linalg=``,
  ``fft=``, ``special=`` in a declaration): each declared name is there and is torch's, every function
  there is declared, and every function torch has there is provided (or listed in NOT_PROVIDED).
"""
import ast
import inspect
from pathlib import Path

import pytest

import torchlike
from torchlike import _nn_functions  # noqa: F401
from torchlike.ops import declare

torch = pytest.importorskip("torch")

# torchlike extensions, not torch names (with why)
EXTENSIONS = {"to_torch": "Tensor.to_torch converts to a real torch.Tensor (interop)"}

# torch names torch gives a declared op that torchlike leaves out (with why)
NOT_PROVIDED = {"torch.linalg.ldl_factor": "no LDL^T (Bunch-Kaufman) factorization in JAX",
                "torch.linalg.ldl_factor_ex": "as torch.linalg.ldl_factor",
                "torch.linalg.ldl_solve": "as torch.linalg.ldl_factor"}


def _tensor_body_names():
    """Names defined in the Tensor class body (``_tensor.py``): the core, not generated."""
    src = Path(inspect.getsourcefile(torchlike.Tensor)).read_text()
    for node in ast.parse(src).body:
        if isinstance(node, ast.ClassDef) and node.name == "Tensor":
            names = set()
            for b in node.body:
                if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(b.name)
                elif isinstance(b, ast.Assign):
                    names.update(t.id for t in b.targets if isinstance(t, ast.Name))
                elif isinstance(b, ast.AnnAssign):
                    names.add(b.target.id)
            return names
    raise AssertionError("no class Tensor in _tensor.py")


def _declared_names():
    functions, methods = set(), set()
    for d in declare.DECLS:
        for n in d.names:
            if d.function:
                functions.add(n)
            if d.method is not None or d.prop:
                methods.add(n)
            if d.inplace is not None:
                methods.add(n + "_")
            if d.torch_inplace is not None:
                functions.add(n + "_")
    return functions, methods


def test_declarations_are_reachable():
    T = torchlike.Tensor
    for d in declare.DECLS:
        for n in d.names:
            if d.function:
                assert getattr(torchlike, n) is d.fn, f"torch.{n} is not the declared {d.fn}"
            if d.prop:
                assert isinstance(vars(T)[n], property) and vars(T)[n].fget is d.fn, f"Tensor.{n}"
            elif d.method is not None:
                assert vars(T)[n] is d.method, f"Tensor.{n} is not the declared method"
            if d.inplace is not None:
                assert callable(vars(T).get(n + "_")), f"Tensor.{n}_ missing"
            if d.torch_inplace is not None:
                assert callable(getattr(torchlike, n + "_", None)), f"torch.{n}_ missing"


def test_declared_names_are_torch_names():
    functions, methods = _declared_names()
    wrong = [f"torch.{n}" for n in functions if not hasattr(torch, n) and n not in EXTENSIONS]
    wrong += [f"Tensor.{n}" for n in methods if not hasattr(torch.Tensor, n) and n not in EXTENSIONS]
    assert not wrong, f"declared under names torch does not have: {sorted(wrong)}"


def test_every_torch_name_of_a_declared_op_is_provided():
    """torch's in-place twins of declared ops exist here too (``Tensor.sin_``, ``torch.sin_``)."""
    functions, methods = _declared_names()
    missing = []
    for n in methods:
        if not n.endswith("_") and hasattr(torch.Tensor, n + "_") and n + "_" not in methods:
            missing.append(f"Tensor.{n}_")
    for n in functions:
        if not n.endswith("_") and hasattr(torch, n + "_") and n + "_" not in functions:
            missing.append(f"torch.{n}_")
    missing = sorted(set(missing) - set(NOT_PROVIDED))
    assert not missing, f"torch has these names of declared ops, torchlike does not: {missing}"


def test_nothing_reachable_is_undeclared():
    functions, methods = _declared_names()
    T = torchlike.Tensor
    core = _tensor_body_names()
    stray = [f"Tensor.{n}" for n in vars(T) if n not in core and not n.startswith("_") and n not in methods]
    for n in dir(torchlike):
        v = getattr(torchlike, n)
        mod = getattr(v, "__module__", "") or ""
        if callable(v) and not inspect.isclass(v) and (mod.startswith("torchlike.ops") or
                                                        mod == "torchlike._nn_functions"):
            if n not in functions:
                stray.append(f"torch.{n}")
    assert not stray, f"reachable without a declaration: {sorted(stray)}"


def test_declaration_carries_out_and_node_name():
    d = next(d for d in declare.DECLS if d.name == "sin")
    assert d.out and d.op.backward_name == "SinBackward0"
    x = torchlike.tensor([0.5], requires_grad=True)
    assert torchlike.sin(x).grad_fn.name() == torch.sin(torch.tensor([0.5], requires_grad=True)).grad_fn.name()


def test_fill_and_zero_functions_match_torch():
    """torch.fill / torch.fill_ / torch.zero_ (declared in ops/conversions.py) against torch."""
    import numpy as np
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    r = torchlike.fill(torchlike.tensor(a), 2.7)
    e = torch.fill(torch.tensor(a), 2.7)
    assert r.dtype == torchlike.int64 and np.array_equal(r.numpy(), e.numpy())
    x, y = torchlike.ones(3), torch.ones(3)
    assert torchlike.fill_(x, 4.0) is x and np.array_equal(x.numpy(), torch.fill_(y, 4.0).numpy())
    assert torchlike.zero_(x) is x and np.array_equal(x.numpy(), torch.zero_(y).numpy())
    v, tv = torchlike.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    torchlike.fill(torchlike.zeros(3), v).sum().backward()
    torch.fill(torch.zeros(3), tv).sum().backward()
    assert float(v.grad) == float(tv.grad)
    with pytest.raises(RuntimeError, match="0-dimension"):
        torchlike.zeros(2).fill_(torchlike.ones(2))
    with pytest.raises(RuntimeError, match="0-dimension"):
        torch.zeros(2).fill_(torch.ones(2))


@pytest.mark.parametrize("ns", declare.NAMESPACES)
def test_namespace_is_generated_from_declarations(ns):
    mod, ref = getattr(torchlike, ns), getattr(torch, ns)
    table = declare.namespace(ns)
    declared = {n for d in declare.DECLS for n in d.namespaces.get(ns, ())}
    assert declared == set(table)
    for n, fn in table.items():
        assert getattr(mod, n) is fn, f"torch.{ns}.{n}"
    wrong = sorted(n for n in declared if not hasattr(ref, n))
    assert not wrong, f"declared in torch.{ns} under names torch does not have there: {wrong}"
    stray = sorted(n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))
                   and not inspect.isclass(getattr(mod, n)) and n not in table)
    assert not stray, f"torch.{ns} functions without a declaration: {stray}"
    assert set(mod.__all__) == set(table) | {n for n in mod.__all__ if inspect.isclass(getattr(mod, n))}
    torch_fns = {n for n in dir(ref) if not n.startswith("_") and callable(getattr(ref, n))
                 and not inspect.isclass(getattr(ref, n))}
    missing = sorted(f"torch.{ns}.{n}" for n in torch_fns - set(table) if f"torch.{ns}.{n}" not in NOT_PROVIDED)
    assert not missing, f"torch has these, torchlike does not: {missing}"


def test_namespace_only_ops_match_torch():
    """A function declared only in a namespace (no ``torch.<name>``) computes torch's values."""
    import numpy as np
    a = np.array([[0.25, 1.5, 3.0], [0.0, 2.0, 0.75]])
    for ours, ref in ((torchlike.special.entr, torch.special.entr), (torchlike.special.i1e, torch.special.i1e),
                      (torchlike.linalg.vector_norm, torch.linalg.vector_norm),
                      (torchlike.fft.rfft, torch.fft.rfft)):
        np.testing.assert_allclose(ours(torchlike.tensor(a)).numpy(), ref(torch.tensor(a)).numpy(), rtol=1e-6)
    assert not hasattr(torchlike, "entr") and not hasattr(torch, "entr")
    d = next(d for d in declare.DECLS if d.name == "lgamma")
    assert d.namespaces == {"special": ("gammaln",)} and torchlike.special.gammaln is torchlike.lgamma
