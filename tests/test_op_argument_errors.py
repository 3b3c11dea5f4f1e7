"""Bad arguments raise torch's exception type with torch's wording (torch's argument parser and the
checks its kernels make before computing), and the argument combinations torch accepts still work."""
from __future__ import annotations

import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")


def _lib_call(lib, path, args):
    fn = lib
    for part in path.split("."):
        fn = getattr(fn, part)
    vals = [lib.tensor(np.array([1.0, 2.0, 3.0], np.float32)) if a == "T" else a for a in args]
    return fn(*vals)


def _outcome(lib, path, args):
    try:
        _lib_call(lib, path, args)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e), str(e)
    return None, ""


# (function, operands): "T" is a float tensor, numbers are Python numbers
_BINARY = [(name, args) for name in ("atan2", "maximum", "minimum", "fmax", "fmin", "logical_and", "logical_or",
                                     "logical_xor", "ldexp", "nextafter", "heaviside", "hypot", "logaddexp",
                                     "logaddexp2", "isclose", "igamma", "igammac")
           for args in (("T", 2), (2, "T"), (2, 3), ("T", "T"))]
_BINARY += [(name, args) for name in ("eq", "ne", "lt", "le", "gt", "ge", "fmod", "copysign", "clamp_min",
                                      "clamp_max", "rsub", "max", "min")
            for args in (("T", 2.0), (2, "T"), (2, 3), ("T", "T"))]
_BINARY += [(name, args) for name in ("pow", "float_power", "remainder", "xlogy", "special.xlog1py", "special.zeta",
                                      "special.chebyshev_polynomial_t", "special.hermite_polynomial_he")
            for args in (("T", 2), (2, "T"), (2, 3), ("T", "T"))]


@pytest.mark.parametrize("name,args", _BINARY, ids=[f"{n}{a}" for n, a in _BINARY])
def test_number_operands_as_torch(name, args):
    ref_type, ref_msg = _outcome(torch, name, args)
    ours_type, ours_msg = _outcome(torchlike, name, args)
    if ref_type is None:
        assert ours_type is None, f"torch accepts {name}{args}; torchlike raised {ours_type}: {ours_msg}"
        return
    assert ours_type is ref_type, f"{name}{args}: torch {ref_type.__name__}({ref_msg}); torchlike {ours_type}({ours_msg})"
    if ref_type is TypeError:  # the parser's first line: which argument, or "invalid combination"
        assert ours_msg.splitlines()[0].split(", but")[0] == ref_msg.splitlines()[0].split(", but")[0]


@pytest.mark.parametrize("dunder", ["__radd__", "__rmul__", "__rand__", "__ror__", "__rxor__", "__add__", "__eq__"])
def test_reflected_dunder_unbound_on_a_number(dunder):
    x = torchlike.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        getattr(torchlike.Tensor, dunder)(2, x)
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        getattr(torch.Tensor, dunder)(2, torch.tensor([1, 2, 3]))


def test_python_operators_with_numbers_on_either_side():
    a = np.array([1.0, 2.0, 4.0], np.float32)
    x, t = torchlike.tensor(a), torch.tensor(a)
    for f in (lambda v: 2 + v, lambda v: 2 - v, lambda v: 2 * v, lambda v: 2 / v, lambda v: 2 ** v,
              lambda v: 2 % v, lambda v: 2 < v, lambda v: 2 == v, lambda v: v >= 2):
        np.testing.assert_array_equal(f(x).numpy(), f(t).numpy())
    xi, ti = torchlike.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    for f in (lambda v: 6 & v, lambda v: 6 | v, lambda v: 6 ^ v, lambda v: 1 << v, lambda v: 64 >> v):
        np.testing.assert_array_equal(f(xi).numpy(), f(ti).numpy())


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_write_out(name):
    a = np.array([[3.0, -1.0], [0.5, 7.0]], np.float32)
    b = np.array([[1.0, 2.0], [5.0, -3.0]], np.float32)
    for extra in ((), ("B",)):
        outs = []
        for lib in (torch, torchlike):
            out = lib.zeros(() if not extra else (2, 2))
            args = [lib.tensor(a)] + [lib.tensor(b) for _ in extra]
            res = getattr(lib, name)(*args, out=out)
            assert res is out
            outs.append(out.numpy())
        np.testing.assert_array_equal(outs[1], outs[0])


@pytest.mark.parametrize("dunder", ["__rpow__", "__rfloordiv__", "__rmod__", "__rlshift__"])
def test_python_level_dunders_unbound_as_torch(dunder):
    """torch writes these in Python: unbound on a number they do not raise the descriptor error."""
    ref = getattr(torch.Tensor, dunder)(2, torch.tensor([1, 2, 3]))
    ours = getattr(torchlike.Tensor, dunder)(2, torchlike.tensor([1, 2, 3]))
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
