"""Coverage of PyTorch's operator database: every op_db name with real dtypes on CPU (outside
nn.functional, sparse, masked, ...) resolves to ``torchlike.<name>``, ``Tensor.<name>`` or, for the
in-place-only random/fill ops, ``Tensor.<name>_`` — except the ones listed in LEFT_OUT with why."""
import pytest

import torchlike

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")  # torch.testing._internal imports it

_INTERNAL = "aten internal (no public torch.* / Tensor API)"
LEFT_OUT = {
    "linalg.ldl_factor": "Bunch-Kaufman LDL^T pivoting not available in JAX",
    "linalg.ldl_factor_ex": "Bunch-Kaufman LDL^T pivoting not available in JAX",
    "linalg.ldl_solve": "needs ldl_factor's pivoted factorization",
    "native_dropout_backward": _INTERNAL,
    "max_pool2d_with_indices_backward": _INTERNAL,
    "slice": "aten.slice.Tensor only (no torch.slice); torchlike.slice_copy provides it",
}
LEFT_OUT_NN = {}
_EXCLUDED_PREFIXES = ("_", "sparse", "to_sparse", "nn.functional.", "masked.", "jiterator", "cuda", "signal.", "nn.")


def _names():
    from torch.testing._internal.common_methods_invocations import op_db
    names = []
    for op in op_db:
        try:
            dts = op.supported_dtypes("cpu")
        except Exception:
            dts = set()
        if (torch.float32 in dts or torch.int64 in dts or torch.bool in dts) and op.name not in names:
            names.append(op.name)
    return names


def _lookup(obj, path):
    for p in path:
        if not hasattr(obj, p):
            return False
        obj = getattr(obj, p)
    return True


def resolves(name):
    parts = name.split(".")
    if parts[0] in ("nn", "linalg", "special", "fft"):
        return _lookup(torchlike, parts)
    return (_lookup(torchlike, parts[:1]) or _lookup(torchlike.Tensor, parts[:1])
            or _lookup(torchlike.Tensor, [parts[0] + "_"]))  # cauchy, exponential, fill, uniform, ...


def test_op_db_coverage():
    names = _names()
    scope = [n for n in names if not n.startswith(_EXCLUDED_PREFIXES)]
    nnf = [n for n in names if n.startswith("nn.functional.")]
    missing = {n for n in scope if not resolves(n)}
    missing_nn = {n for n in nnf if not resolves(n)}
    print(f"op_db (real dtypes, CPU) outside nn.functional: {len(scope)} in scope, {len(scope) - len(missing)} "
          f"resolved, {len(missing)} left out")
    print(f"nn.functional: {len(nnf)} in scope, {len(nnf) - len(missing_nn)} resolved, {len(missing_nn)} left out")
    assert missing == set(LEFT_OUT), (f"newly missing: {sorted(missing - set(LEFT_OUT))}; "
                                      f"now resolved, drop from LEFT_OUT: {sorted(set(LEFT_OUT) - missing)}")
    assert missing_nn == set(LEFT_OUT_NN), (f"newly missing: {sorted(missing_nn - set(LEFT_OUT_NN))}; "
                                            f"now resolved: {sorted(set(LEFT_OUT_NN) - missing_nn)}")
