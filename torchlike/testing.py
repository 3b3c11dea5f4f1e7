"""torch.testing: ``assert_close`` (torch's signature, default tolerances and messages) and
``make_tensor``.

Inputs may be torchlike tensors, torch tensors, numpy arrays, Python numbers and (nested)
sequences/mappings of those, so one call compares a torchlike result with a torch one:
``assert_close(ours, theirs)``; dtypes are compared by name across the two libraries.
"""
from __future__ import annotations

import collections.abc
import math
import numbers

import numpy as np

# torch's default (rtol, atol) per dtype name; other dtypes compare exactly
_TOLS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
         "float64": (1e-7, 1e-7), "complex32": (1e-3, 1e-5), "complex64": (1.3e-6, 1e-5),
         "complex128": (1e-7, 1e-7)}


class _Mismatch(AssertionError):
    pass


def _tensor_info(x):
    """(numpy array, dtype name, device str, is_tensor) for a tensor-like, else None."""
    from ._tensor import Tensor
    if isinstance(x, Tensor):
        return np.asarray(x.detach()._value), x.dtype.name, str(x.device), True
    mod = type(x).__module__ or ""
    if mod.startswith("torch") and hasattr(x, "detach") and hasattr(x, "dtype"):
        t = x.detach().cpu()
        name = str(x.dtype).replace("torch.", "")
        if name == "bfloat16":
            import ml_dtypes
            arr = t.view(__import__("torch").int16).numpy().view(ml_dtypes.bfloat16)
        else:
            arr = t.numpy()
        dev = str(x.device)
        return arr, name, dev, True
    if isinstance(x, np.ndarray):
        return x, x.dtype.name, "cpu", True
    return None


def _fmt(v):
    return repr(v) if isinstance(v, float) else str(v)


def _size(shape):
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def _compare_tensors(a, b, rtol, atol, equal_nan, check_device, check_dtype, msg):
    arr_a, dt_a, dev_a, _ = a
    arr_b, dt_b, dev_b, _ = b
    if arr_a.shape != arr_b.shape:
        raise _Mismatch(f"The values for attribute 'shape' do not match: {_size(arr_a.shape)} != "
                        f"{_size(arr_b.shape)}.")
    if check_device and dev_a != dev_b:
        raise _Mismatch(f"The values for attribute 'device' do not match: {dev_a} != {dev_b}.")
    if check_dtype and dt_a != dt_b:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: torch.{dt_a} != torch.{dt_b}.")
    if rtol is None:
        ra, aa = _TOLS.get(dt_a, (0.0, 0.0))
        rb, ab = _TOLS.get(dt_b, (0.0, 0.0))
        rtol, atol = max(ra, rb), max(aa, ab)
    common = arr_a.dtype
    if arr_a.dtype != arr_b.dtype:  # torch's promotion (int64 with float32 -> float32)
        from . import _dtype as D
        common = D.promote_types(D._BY_NAME[dt_a], D._BY_NAME[dt_b]).np
    x = arr_a.astype(common)
    y = arr_b.astype(common)
    if common == np.bool_:
        x, y = x.astype(np.int64), y.astype(np.int64)
    if x.size == 0:
        return
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        wide = np.int64 if np.issubdtype(x.dtype, np.signedinteger) or x.dtype == np.bool_ else np.uint64
        close = x.astype(np.float64) == y.astype(np.float64)
        if rtol or atol:
            close |= np.abs(x.astype(np.float64) - y.astype(np.float64)) <= atol + rtol * np.abs(y.astype(np.float64))
        abs_diff = np.abs(x.astype(wide) - y.astype(wide)) if wide is np.int64 else \
            np.where(x > y, x - y, y - x).astype(np.uint64)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel_diff = (abs_diff / np.abs(y.astype(np.float64))).astype(np.float32)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(x - y)
            close = (x == y) | (diff <= atol + rtol * np.abs(y))
            if equal_nan:
                close |= np.isnan(x) & np.isnan(y)
            close &= ~((np.isnan(x) | np.isnan(y)) & ~(equal_nan & np.isnan(x) & np.isnan(y)))
            abs_diff = diff
            with np.errstate(divide="ignore"):
                rel_diff = (diff / np.abs(y)).astype(diff.dtype)
    if bool(np.all(close)):
        return
    abs_diff = np.where(close, np.zeros((), abs_diff.dtype), abs_diff)  # torch reports mismatches only
    rel_diff = np.where(close, np.zeros((), rel_diff.dtype), rel_diff)
    total = close.size
    n_bad = int(total - np.count_nonzero(close))
    equal = rtol == 0 and atol == 0
    head = "Tensor-likes are not equal!" if equal else "Tensor-likes are not close!"

    def greatest(d):
        flat = d.ravel()
        i = int(np.argmax(flat)) if not np.isnan(flat.astype(np.float64)).any() else \
            int(np.flatnonzero(np.isnan(flat.astype(np.float64)))[0])
        idx = tuple(int(k) for k in np.unravel_index(i, d.shape))
        return flat[i].item(), idx

    ad, ai = greatest(abs_diff)
    rd, ri = greatest(rel_diff)
    extra_a = "" if equal else f" (up to {_fmt(atol)} allowed)"
    extra_r = "" if equal else f" (up to {_fmt(rtol)} allowed)"
    text = (f"{head}\n\nMismatched elements: {n_bad} / {total} ({n_bad / total:.1%})\n"
            f"Greatest absolute difference: {_fmt(ad)} at index {ai}{extra_a}\n"
            f"Greatest relative difference: {_fmt(rd)} at index {ri}{extra_r}")
    raise _Mismatch(text)


def _compare_scalars(a, b, rtol, atol, equal_nan, check_dtype):
    if check_dtype and type(a) is not type(b) and not (isinstance(a, bool) == isinstance(b, bool)
                                                      and isinstance(a, int) == isinstance(b, int)):
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {_scalar_dtype(a)} != "
                        f"{_scalar_dtype(b)}.")
    if rtol is None:
        rtol, atol = (1e-7, 1e-7) if isinstance(a, (float, complex)) or isinstance(b, (float, complex)) else (0, 0)
    if a == b or (equal_nan and _isnan(a) and _isnan(b)):
        return
    diff = abs(a - b)
    if diff <= atol + rtol * abs(b):
        return
    rel = diff / abs(b) if b != 0 else math.inf
    equal = rtol == 0 and atol == 0
    head = "Scalars are not equal!" if equal else "Scalars are not close!"
    ta = "" if equal else f" (up to {_fmt(atol)} allowed)"
    tr = "" if equal else f" (up to {_fmt(rtol)} allowed)"
    raise _Mismatch(f"{head}\n\nExpected {b} but got {a}.\nAbsolute difference: {_fmt(diff)}{ta}\n"
                    f"Relative difference: {_fmt(rel)}{tr}")


def _scalar_dtype(v):
    return {bool: "torch.bool", int: "torch.int64", float: "torch.float64", complex: "torch.complex128"}.get(
        type(v), type(v).__name__)


def _isnan(v):
    try:
        return math.isnan(v)
    except TypeError:
        return False


def _walk(actual, expected, path, kw):
    ta, tb = _tensor_info(actual), _tensor_info(expected)
    if ta is not None or tb is not None:
        if ta is None or tb is None:
            if ta is None and isinstance(actual, numbers.Number) or tb is None and isinstance(expected, numbers.Number):
                raise _Wrapped(TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                                         f"{type(expected)}."), path)
            raise _Wrapped(TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                                     f"{type(expected)}."), path)
        try:
            _compare_tensors(ta, tb, kw["rtol"], kw["atol"], kw["equal_nan"], kw["check_device"],
                             kw["check_dtype"], kw["msg"])
        except _Mismatch as e:
            raise _Wrapped(e, path) from None
        return
    if isinstance(actual, numbers.Number) and isinstance(expected, numbers.Number):
        try:
            _compare_scalars(actual, expected, kw["rtol"], kw["atol"], kw["equal_nan"], kw["check_dtype"])
        except _Mismatch as e:
            raise _Wrapped(e, path) from None
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual.keys()) != set(expected.keys()):
            raise _Wrapped(_Mismatch(f"The keys of the mappings do not match:\nMissing keys in the actual mapping: "
                                     f"{sorted(set(expected) - set(actual), key=str)}\nAdditional keys in the "
                                     f"actual mapping: {sorted(set(actual) - set(expected), key=str)}"), path)
        for k in expected:
            _walk(actual[k], expected[k], path + [k], kw)
        return
    seq = (collections.abc.Sequence,)
    if isinstance(actual, seq) and isinstance(expected, seq) and not isinstance(actual, str) \
            and not isinstance(expected, str):
        if len(actual) != len(expected):
            raise _Wrapped(_Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}"), path)
        for i, (x, y) in enumerate(zip(actual, expected)):
            _walk(x, y, path + [i], kw)
        return
    if actual is None and expected is None:
        return
    if isinstance(actual, str) and isinstance(expected, str) and actual == expected:
        return
    raise _Wrapped(TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                             f"{type(expected)}."), path)


class _Wrapped(Exception):
    def __init__(self, exc, path):
        super().__init__()
        self.exc, self.path = exc, path


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """torch.testing.assert_close: raise AssertionError with torch's message when values differ."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    kw = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype,
              msg=msg)
    try:
        _walk(actual, expected, [], kw)
    except _Wrapped as w:
        exc = w.exc
        text = str(exc)
        if isinstance(exc, AssertionError):
            if w.path:
                text += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in w.path)
            if msg is not None:
                text = msg(text) if callable(msg) else msg
            raise AssertionError(text) from None
        raise type(exc)(text) from None


_ALLCLOSE_PRECISION = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """torch.testing.assert_allclose (deprecated in torch since 1.12, still used by tutorials): warns as
    torch does, turns ``expected`` into a tensor like ``actual``, takes torch's old per-dtype default
    tolerances and compares with :func:`assert_close` ignoring dtypes."""
    import warnings

    from ._tensor import Tensor
    from .ops.creation import tensor
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_PRECISION.get(t.dtype.name, (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """torch.testing.make_tensor: random values in [low, high) (defaults -9..9, ints up to 10)."""
    from . import _dtype as D
    from .ops import creation
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dt = D.to_dtype(dtype)
    if low is not None and high is not None and low > high:
        raise ValueError(f"low must be less than or equal to high, but got low={low} and high={high}")
    if dt is D.bool:
        t = creation.randint(0, 2, shape, device=device).to(D.bool)
    elif not (dt.is_floating_point or dt.is_complex):
        info = np.iinfo(dt.np)
        lo = max(int(math.ceil(low)) if low is not None else (0 if info.min == 0 else -9), int(info.min))
        hi = min(int(math.ceil(high)) if high is not None else 10, int(info.max) + 1)
        if lo == hi:
            hi = lo + 1
        t = creation.randint(lo, hi, shape, device=device, dtype=dt)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        real = dt.to_real() if dt.is_complex else dt
        t = creation.empty(*shape, dtype=real, device=device).uniform_(lo, hi)
        if dt.is_complex:
            im = creation.empty(*shape, dtype=real, device=device).uniform_(lo, hi)
            t = creation.tensor(np.asarray(t._value) + 1j * np.asarray(im._value), dtype=dt, device=device)
        if exclude_zero:
            arr = np.asarray(t._value).copy()
            arr[arr == 0] = np.finfo(arr.real.dtype).tiny
            t = creation.tensor(arr, dtype=dt, device=device)
    if exclude_zero and not (dt.is_floating_point or dt.is_complex):
        arr = np.asarray(t._value).copy()
        arr[arr == 0] = 1
        t = creation.tensor(arr, dtype=dt, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


__all__ = ["assert_close", "make_tensor"]  # assert_allclose: deprecated, not in torch's __all__ either
