"""Every OpInfo of torch's operator database run through torchlike and torch on the same inputs.

For each OpInfo in ``torch.testing._internal.common_methods_invocations.op_db`` (which holds the
nn.functional, special, linalg, fft, masked and signal.windows entries too) the torch sample inputs are
converted through numpy, given to the torchlike counterpart of ``op.op`` and compared with torch's result:

- ``forward``: values (torch's default tolerances per dtype, widened by the OpInfo's own
  ``toleranceOverride`` decorators), result dtypes and shapes;
- ``out``: the ``out=`` variant (when ``op.supports_out``), ``inplace``: the in-place variant (when the
  OpInfo has one; where torch refuses the in-place call, torchlike must raise the same exception type);
- ``grad``: input gradients of ``sum(output * cotangent)`` against torch's (``supports_autograd``), and
  ``gradgrad``: the gradient of ``sum(grads * cotangent2)`` (``supports_gradgrad``);
- ``error``: every ``error_inputs`` case raises torch's exception type, with a message that shares a
  key word with torch's expected message.

Default (fast) mode: the first sample input; forward, out= and in-place in float32 (the first real dtype
the OpInfo lists when it has no float32), grad in float64 (float32 when the OpInfo has no float64
backward), and the first three error inputs. About 3.5 CPU-minutes (XLA compiles ~5 programs per OpInfo);
``TORCHLIKE_OPINFO_FULL=1`` runs every sample for every real dtype (float32/64, float16, bfloat16, the
integer types, bool), every error input, and gradgrad (``supports_gradgrad``).

``tests/data/opinfo_expected_failures.tsv`` lists the known failures (op, variant, check, dtype, reason).
The list may only shrink: a check fails when it fails and is not listed, and when it is listed and
passes (drop the stale row). ``python tests/test_opinfo.py`` prints the counts (pass / mismatch / error
/ missing, forward, gradient, out=, in-place and error inputs) over OpInfos with at least one real dtype;
``python tests/test_opinfo.py --write`` rewrites the list, keeping the reasons of rows still failing.
"""
from __future__ import annotations

import contextlib
import csv
import functools
import os
import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import torchlike

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")  # torch.testing._internal imports it
from torch.testing._internal import common_utils as _common_utils  # noqa: E402

# sample_inputs looks for the running unittest method with inspect.stack() on every call (half a second
# each here); there is none, so skip the search
_common_utils.extract_test_fn = lambda: None

FULL = os.environ.get("TORCHLIKE_OPINFO_FULL", "") not in ("", "0")
EXPECTED_PATH = Path(__file__).parent / "data" / "opinfo_expected_failures.tsv"
FAST_DTYPES = ("float32",)
REAL_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
# torch.testing's default (rtol, atol) per dtype
DEFAULT_TOL = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}
# gradients are compared with torch's analytic ones (gradcheck compares them with finite differences at
# atol=1e-5, rtol=1e-3); different but equally valid formulas differ by rounding in float64
GRAD_TOL = {"float64": (1e-5, 1e-6), "float32": (1e-3, 1e-4)}


class Missing(Exception):
    """No torchlike counterpart for the op (or variant)."""


class Mismatch(AssertionError):
    """torchlike ran but its result differs from torch's."""


# ---------------------------------------------------------------- the ops

def op_db():
    from torch.testing._internal.common_methods_invocations import op_db as db
    return [op for op in db if any(not d.is_complex for d in op.supported_dtypes("cpu"))]


def op_id(op):
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def _torchlike_module(mod):
    name = mod.__name__
    if name == "torch" or name.startswith("torch."):
        target = "torchlike" + name[len("torch"):]
        target = {"torchlike._C._nn": "torchlike.nn.functional", "torchlike._C._linalg": "torchlike.linalg",
                  "torchlike._C._special": "torchlike.special", "torchlike._C._fft": "torchlike.fft",
                  "torchlike._refs": "torchlike"}.get(target, target)
        import importlib
        try:
            return importlib.import_module(target)
        except ImportError:
            return None
    return mod


def to_torchlike_obj(obj):
    """torchlike's counterpart of a torch module, function, class or constant (``obj`` itself when it is
    not torch's); raises Missing when torchlike has none."""
    if isinstance(obj, types.ModuleType):
        mod = _torchlike_module(obj)
        if mod is None:
            raise Missing(f"module {obj.__name__}")
        return mod
    if obj is torch.Tensor:
        return torchlike.Tensor
    if isinstance(obj, (torch.dtype, torch.device, torch.memory_format, torch.layout)):
        return convert(obj)
    if isinstance(obj, torch.nn.Module):  # e.g. a distance_function=PairwiseDistance() argument
        if any(True for _ in obj.parameters()) or any(True for _ in obj.buffers()):
            raise Missing(f"conversion of a {type(obj).__name__} module with parameters")
        cls = to_torchlike_obj(type(obj))
        new = cls.__new__(cls)
        torchlike.nn.Module.__init__(new)
        for k, v in vars(obj).items():
            if not k.startswith("_"):
                setattr(new, k, convert(v))
        return new
    mod = getattr(obj, "__module__", None) or ""
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qual and qual.startswith("_VariableFunctionsClass."):  # torch.* builtins (torch.segment_reduce, ...)
        qual = qual.split(".", 1)[1]
    if isinstance(obj, (types.BuiltinFunctionType, types.MethodDescriptorType, types.WrapperDescriptorType)) \
            and getattr(obj, "__objclass__", None) is not None and obj.__objclass__.__name__ in ("TensorBase", "Tensor"):
        return _attr(torchlike.Tensor, obj.__name__)
    if callable(obj) and (mod == "torch" or mod.startswith("torch.") or mod == "") and qual \
            and not mod.startswith("torch.testing"):
        if "Tensor." in qual:
            return _attr(torchlike.Tensor, qual.split(".")[-1])
        for base in _homes(mod):
            try:
                return _attr(base, qual)
            except Missing:
                pass
        raise Missing(f"{mod}.{qual}")
    return obj


def _homes(mod):
    mod_tl = None
    if mod.startswith("torch"):
        try:
            mod_tl = _torchlike_module(sys.modules.get(mod) or types.ModuleType(mod))
        except Exception:
            mod_tl = None
    homes = [m for m in (mod_tl, torchlike, torchlike.nn.functional, torchlike.linalg, torchlike.special,
                         torchlike.fft) if m is not None]
    return homes


def _attr(base, dotted):
    obj = base
    for p in dotted.split("."):
        if not hasattr(obj, p):
            raise Missing(f"{getattr(base, '__name__', base)}.{dotted}")
        obj = getattr(obj, p)
    return obj


def rebind(fn):
    """A copy of a Python function from torch's test suite (a lambda wrapping torch calls) whose globals
    and closure cells name torchlike's counterparts instead of torch's."""
    cache = {}

    def mapped(v):
        key = id(v)
        if key not in cache:
            if getattr(v, "__name__", None) == "wrapper_set_seed":
                cache[key] = _wrapper_set_seed
            elif isinstance(v, types.FunctionType) and (v.__module__ or "").startswith("torch.testing"):
                cache[key] = rebind(v)
            else:
                try:
                    cache[key] = to_torchlike_obj(v)
                except Missing:
                    cache[key] = _missing_stub(v)
        return cache[key]

    g = {k: mapped(v) for k, v in fn.__globals__.items() if k in _names_used(fn.__code__)}
    glb = dict(fn.__globals__)
    glb.update(g)
    closure = None
    if fn.__closure__:
        closure = tuple(types.CellType(mapped(c.cell_contents)) for c in fn.__closure__)
    new = types.FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def _wrapper_set_seed(op, *args, **kwargs):
    """torch.testing's wrapper_set_seed: the op after manual_seed(42)."""
    torchlike.manual_seed(42)
    return op(*args, **kwargs)


def _missing_stub(v):
    name = getattr(v, "__name__", repr(v))

    def stub(*a, **k):
        raise Missing(name)
    return stub


def _names_used(code):
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names_used(c)
    return names


def resolve(op):
    """torchlike's callable for ``op.op``."""
    f = op.op
    if isinstance(f, types.FunctionType) and (f.__module__ or "").startswith("torch.testing"):
        return rebind(f)
    if type(f).__name__ == "OpOverloadPacket":  # torch.ops.aten.<name>
        return _attr(torchlike.ops.aten, f.__name__)
    if type(f).__name__ == "OpOverload":  # torch.ops.aten.<name>.<overload>
        return _attr(torchlike.ops.aten, f"{f.overloadpacket.__name__}.{f._overloadname}")
    parts = op.name.split(".")
    if parts[0] in ("nn", "linalg", "special", "fft", "masked", "signal"):
        return _attr(torchlike, op.name)
    try:
        return to_torchlike_obj(f)
    except Missing:
        pass
    try:
        return _attr(torchlike, op.name)
    except Missing:  # aten-only kernels torch exposes in torch._C._nn / torch.ops.aten, not torch.*
        return _attr(torchlike.ops.aten, op.name)


def resolve_variant(fn):
    if fn is None:
        return None
    if isinstance(fn, functools.partial):  # e.g. partial(F.hardsigmoid, inplace=True)
        return functools.partial(resolve_variant(fn.func), *convert(fn.args), **convert(fn.keywords))
    if isinstance(fn, types.FunctionType) and (fn.__module__ or "").startswith("torch.testing"):
        return rebind(fn)
    return to_torchlike_obj(fn)


# ---------------------------------------------------------------- values

def dtype_name(dt):
    return str(dt).replace("torch.", "")


def convert(obj, requires_grad=None):
    """A torch value (tensor, dtype, device, ... inside lists/tuples/dicts) as torchlike's, through numpy."""
    if isinstance(obj, torch.Tensor) and obj.layout != torch.strided:  # sparse: through its dense values
        rg = obj.requires_grad if requires_grad is None else requires_grad
        out = convert(obj.detach().to_dense(), requires_grad=False)
        layout = convert(obj.layout)
        out = out.to_sparse(layout=layout)
        if rg and out.dtype.is_floating_point:
            out.requires_grad_(True)
        return out
    if isinstance(obj, torch.Tensor):
        t = obj.detach()
        if t.dtype == torch.bfloat16:
            out = torchlike.tensor(t.float().numpy()).to(torchlike.bfloat16)
        else:
            out = torchlike.tensor(t.resolve_conj().resolve_neg().numpy().copy())  # a copy: torch may mutate t later
        rg = obj.requires_grad if requires_grad is None else requires_grad
        if rg and out.dtype.is_floating_point:
            out.requires_grad_(True)
        return out
    if isinstance(obj, torch.dtype):
        return getattr(torchlike, dtype_name(obj))
    if isinstance(obj, torch.device):
        return torchlike.device(str(obj))
    if isinstance(obj, torch.Size):
        return torchlike.Size(obj)
    if isinstance(obj, (torch.memory_format, torch.layout)):
        name = str(obj).replace("torch.", "")
        if not hasattr(torchlike, name):
            raise Missing(f"torch.{name}")
        return getattr(torchlike, name)
    if isinstance(obj, torch.Generator):
        g = torchlike.Generator()
        g.manual_seed(obj.initial_seed())
        return g
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return tuple(convert(o, requires_grad) for o in obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(convert(o, requires_grad) for o in obj)
    if isinstance(obj, dict):
        return {k: convert(v, requires_grad) for k, v in obj.items()}
    if callable(obj) and not isinstance(obj, type):
        try:
            return resolve_variant(obj)
        except Missing:
            return obj
    return obj


def to_numpy(t):
    if t.layout != (torch.strided if isinstance(t, torch.Tensor) else torchlike.strided):
        t = t.to_dense()
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():  # e.g. the gradient of sgn of a real tensor
            t = torch.zeros(t.shape, dtype=t.dtype)
        t = t.detach().resolve_conj().resolve_neg()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    return np.asarray(t.detach().float() if t.dtype == torchlike.bfloat16 else t.detach()._value)


def tolerance(op, dtype):
    rtol, atol = DEFAULT_TOL.get(dtype, (0.0, 0.0))
    for d in op.decorators:
        for dec in getattr(d, "decorators", None) or ():
            tols = getattr(dec, "d", None)
            if isinstance(tols, dict):
                for dt, tol in tols.items():
                    if dtype_name(dt) == dtype:
                        if isinstance(tol, float):  # precisionOverride: an atol
                            atol = max(atol, tol)
                        else:  # toleranceOverride
                            rtol, atol = max(rtol, tol.rtol), max(atol, tol.atol)
    return rtol, atol


# torch.empty* return uninitialised memory: like torch's own OpInfo tests, compare everything but the values
UNINITIALISED = frozenset({"empty", "empty_like", "empty_strided", "empty_permuted", "new_empty",
                           "new_empty_strided"})


def compare(ours, ref, rtol, atol, where="output", values=True):
    """Raise Mismatch unless torchlike's ``ours`` equals torch's ``ref`` (structure, dtype, shape, and
    unless ``values`` is False, values)."""
    if isinstance(ref, torch.Tensor):
        if not isinstance(ours, torchlike.Tensor):
            raise Mismatch(f"{where}: {type(ours).__name__}, torch a Tensor")
        if dtype_name(ours.dtype) != dtype_name(ref.dtype):
            raise Mismatch(f"{where}: dtype {dtype_name(ours.dtype)}, torch {dtype_name(ref.dtype)}")
        if tuple(ours.shape) != tuple(ref.shape):
            raise Mismatch(f"{where}: shape {tuple(ours.shape)}, torch {tuple(ref.shape)}")
        if str(ours.layout).replace("torchlike.", "torch.") != str(ref.layout):
            raise Mismatch(f"{where}: layout {ours.layout}, torch {ref.layout}")
        if not values:
            return
        a, b = to_numpy(ours), to_numpy(ref)
        if a.dtype == bool or not (np.issubdtype(b.dtype, np.inexact)):
            bad = a != b
        else:
            wa, wb = a.astype(np.complex128 if np.iscomplexobj(b) else np.float64), \
                b.astype(np.complex128 if np.iscomplexobj(b) else np.float64)
            with np.errstate(invalid="ignore"):
                bad = ~np.isclose(wa, wb, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            i = np.argwhere(bad)[0] if bad.ndim else ()
            raise Mismatch(f"{where}: {int(bad.sum())}/{bad.size} values differ, e.g. at {tuple(i)}: "
                           f"{a[tuple(i)]!r} vs torch {b[tuple(i)]!r}")
        return
    if isinstance(ref, (tuple, list)):
        if not isinstance(ours, (tuple, list)) or len(ours) != len(ref):
            raise Mismatch(f"{where}: {type(ours).__name__} of {len(ours) if hasattr(ours, '__len__') else '?'}, "
                           f"torch {type(ref).__name__} of {len(ref)}")
        for i, (a, b) in enumerate(zip(ours, ref)):
            compare(a, b, rtol, atol, f"{where}[{i}]", values)
        return
    if isinstance(ref, (bool, int, float, complex)) and not isinstance(ref, torch.Tensor):
        if isinstance(ours, torchlike.Tensor):
            raise Mismatch(f"{where}: Tensor, torch {type(ref).__name__}")
        if not np.isclose(ours, ref, rtol=max(rtol, 1e-7), atol=atol, equal_nan=True):
            raise Mismatch(f"{where}: {ours!r} vs torch {ref!r}")
        return
    if isinstance(ref, torch.dtype):
        if dtype_name(ours) != dtype_name(ref):
            raise Mismatch(f"{where}: {ours} vs torch {ref}")
        return
    if isinstance(ref, torch.Size):
        if tuple(ours) != tuple(ref):
            raise Mismatch(f"{where}: {tuple(ours)} vs torch {tuple(ref)}")
        return
    if ref is None and ours is not None:
        raise Mismatch(f"{where}: {type(ours).__name__}, torch None")


# ---------------------------------------------------------------- running one sample

def _seed():
    torch.manual_seed(0)
    torchlike.manual_seed(0)


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _call(fn, sample, convert_inputs=True, requires_grad=None, inputs=None, alias=False):
    if inputs is not None:
        x, args, kwargs = inputs
    elif convert_inputs:
        x, args, kwargs = _convert_sample(sample, requires_grad, alias)
    else:
        x, args, kwargs = sample.input, sample.args, sample.kwargs
    _seed()
    with _quiet():
        return fn(x, *args, **kwargs), (x, args, kwargs)


def _convert_sample(sample, requires_grad, alias=False):
    """The sample's values as torchlike's; ``alias``: tensors that share memory in torch share it in
    torchlike too (the same tensor twice, expanded tensors, contiguous slices of one base), for the
    error inputs that pass an ``out=`` overlapping an input."""
    if alias:
        memo = {}
        return tuple(_convert_aliased(v, requires_grad, memo) for v in (sample.input, sample.args, sample.kwargs))
    return (convert(sample.input, requires_grad), convert(sample.args, requires_grad),
            convert(sample.kwargs, requires_grad))


def _convert_aliased(obj, requires_grad, memo):
    """``convert`` keeping torch's memory sharing between the tensors it meets (``memo``: id -> result)."""
    if isinstance(obj, (list, tuple)) and not isinstance(obj, torch.Size):
        vals = [_convert_aliased(o, requires_grad, memo) for o in obj]
        return tuple(vals) if hasattr(obj, "_fields") else type(obj)(vals)
    if isinstance(obj, dict):
        return {k: _convert_aliased(v, requires_grad, memo) for k, v in obj.items()}
    if not isinstance(obj, torch.Tensor) or obj.layout != torch.strided:
        return convert(obj, requires_grad)
    t = obj
    if id(t) in memo:
        return memo[id(t)][1]
    if any(st == 0 and sz > 1 for st, sz in zip(t.stride(), t.shape)):  # expanded: expand the compact source
        src = t[tuple(slice(0, 1) if st == 0 else slice(None) for st in t.stride())]
        r = convert(src, requires_grad).expand(tuple(t.shape))
    elif t._base is not None and t.is_contiguous() and t._base.is_contiguous() \
            and 0 <= t.storage_offset() - t._base.storage_offset() <= t._base.numel() - t.numel():
        b = _convert_aliased(t._base, requires_grad, memo)  # (a base torch resized since is not used)
        start = t.storage_offset() - t._base.storage_offset()
        r = b.reshape(-1)[start:start + t.numel()].view(tuple(t.shape))
    elif t.dim() > 32:  # numpy arrays have at most 64 dims (error inputs pass 65): flat, then reshaped
        r = convert(t.reshape(-1), requires_grad).reshape(tuple(t.shape))
    else:
        r = convert(t, requires_grad)
    memo[id(t)] = (t, r)  # keeps t alive so that its id is not reused while converting
    return r


def _run_both(ref_fn, our_fn, sample, requires_grad=None):
    """(torch result, torch inputs), (torchlike result, torchlike inputs); None for torch when torch
    raised on the sample (nothing to compare)."""
    our_inputs = _convert_sample(sample, requires_grad)  # before torch runs: in-place variants mutate
    try:
        ref = _call(ref_fn, sample, convert_inputs=False)
    except Exception as e:  # torch refuses the sample: torchlike must too
        ref = e
    try:
        ours = _call(our_fn, sample, inputs=our_inputs)
        ours_err = None
    except Missing:
        raise
    except Exception as e:
        ours, ours_err = None, e
    if isinstance(ref, Exception):
        if ours_err is None:
            raise Mismatch(f"torch raised {type(ref).__name__} ({str(ref)[:80]}); torchlike did not")
        if not isinstance(ours_err, type(ref)) and not isinstance(ref, type(ours_err)):
            raise Mismatch(f"torch raised {type(ref).__name__}, torchlike {type(ours_err).__name__}: {ours_err}")
        return None, None
    if ours_err is not None:
        raise ours_err
    return ref, ours


def check_forward(op, fn, sample, dtype):
    ref, ours = _run_both(op.op, fn, sample, requires_grad=False)
    if ref is None:
        return
    compare(ours[0], ref[0], *tolerance(op, dtype), values=op.name not in UNINITIALISED)


def check_out(op, fn, sample, dtype):
    ref, _ = _run_both(op.op, fn, sample)
    if ref is None:
        return
    ref_out = ref[0]
    out = convert(_out_like(ref_out), requires_grad=False)
    x, args, kwargs = convert(sample.input, False), convert(sample.args, False), convert(sample.kwargs, False)
    _seed()
    with _quiet():
        res = fn(x, *args, **kwargs, out=out)
    rtol, atol = tolerance(op, dtype)
    values = op.name not in UNINITIALISED
    compare(out, ref_out, rtol, atol, "out", values)
    compare(res, ref_out, rtol, atol, "returned", values)


def _out_like(r):
    if isinstance(r, torch.Tensor):
        return torch.zeros_like(r)
    if isinstance(r, (tuple, list)):
        return tuple(_out_like(t) for t in r)
    raise Missing("out= for a non-tensor result")


def check_inplace(op, fn, sample, dtype):
    s = sample
    sample_clone = type(s)(s.input.detach().clone(), args=s.args, kwargs=s.kwargs)
    ref, ours = _run_both(op.inplace_variant, fn, sample_clone, requires_grad=False)
    if ref is None:
        return
    rtol, atol = tolerance(op, dtype)
    compare(ours[1][0], ref[1][0], rtol, atol, "self after in-place")
    if ours[0] is not ours[1][0]:
        raise Mismatch("the in-place variant does not return self")


def _grad_inputs(inputs):
    found = []

    def walk(v):
        if isinstance(v, (torch.Tensor, torchlike.Tensor)):
            if v.requires_grad:
                found.append(v)
        elif isinstance(v, (list, tuple)):
            for o in v:
                walk(o)
        elif isinstance(v, dict):
            for o in v.values():
                walk(o)
    walk(inputs)
    return found


def _grad_outputs(out):
    found = []

    def walk(v):
        if isinstance(v, (torch.Tensor, torchlike.Tensor)):
            if v.requires_grad and (v.dtype.is_floating_point or v.dtype.is_complex):
                found.append(v)
        elif isinstance(v, (list, tuple)):
            for o in v:
                walk(o)
    walk(out)
    return found


def _cotangents(outs, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(o.shape)) for o in outs]


def _loss(lib, outs, cots):
    """sum(output * cotangent) over the outputs (real and imaginary parts weighted separately for complex
    outputs, so the loss is real)."""
    total = 0
    for o, c in zip(outs, cots):
        if o.dtype.is_complex:
            w = lib.tensor(c.astype(to_numpy(o.real).dtype))
            total = total + (o.real * w).sum() + (o.imag * w.flip(list(range(w.ndim)))).sum()
        else:
            total = total + (o * lib.tensor(c.astype(to_numpy(o).dtype))).sum()
    return total


def check_grad(op, fn, sample, dtype, second_order=False):
    ref, ours = _run_both(op.op, fn, sample)
    if ref is None:
        return
    r_out, o_out = ref[0], ours[0]
    proc = sample.output_process_fn_grad
    if proc is not None:
        r_out = proc(r_out)
        try:
            o_out = resolve_variant(proc)(o_out) if isinstance(proc, types.FunctionType) else proc(o_out)
        except Missing:
            raise
    r_in, o_in = _grad_inputs(ref[1]), _grad_inputs(ours[1])
    r_outs, o_outs = _grad_outputs(r_out), _grad_outputs(o_out)
    if len(r_in) != len(o_in):
        raise Mismatch(f"{len(o_in)} inputs require grad, torch {len(r_in)}")
    if not r_outs or not r_in:
        return
    if len(r_outs) != len(o_outs):
        raise Mismatch(f"{len(o_outs)} outputs require grad, torch {len(r_outs)}")
    cots = _cotangents(r_outs, 1)
    with _quiet():
        r_g = torch.autograd.grad(_loss(torch, r_outs, cots), r_in, allow_unused=True, create_graph=second_order)
        o_g = torchlike.autograd.grad(_loss(torchlike, o_outs, cots), o_in, allow_unused=True,
                                      create_graph=second_order)
    r_g = [torch.zeros_like(i) if g is None else g for g, i in zip(r_g, r_in)]
    o_g = [torchlike.zeros_like(i) if g is None else g for g, i in zip(o_g, o_in)]
    rtol, atol = GRAD_TOL.get(dtype, (1e-2, 1e-2))
    if not second_order:
        compare(list(o_g), list(r_g), rtol, atol, "grad")
        return
    keep = [k for k, g in enumerate(r_g) if g.requires_grad]
    if not keep:
        return
    cots2 = _cotangents([r_g[k] for k in keep], 2)
    with _quiet():
        r_gg = torch.autograd.grad(_loss(torch, [r_g[k] for k in keep], cots2), r_in, allow_unused=True)
        o_keep = [o_g[k] for k in keep]
        if not all(g.requires_grad for g in o_keep):
            raise Mismatch("first-order gradients do not require grad under create_graph=True")
        o_gg = torchlike.autograd.grad(_loss(torchlike, o_keep, cots2), o_in, allow_unused=True)
    r_gg = [torch.zeros_like(i) if g is None else g for g, i in zip(r_gg, r_in)]
    o_gg = [torchlike.zeros_like(i) if g is None else g for g, i in zip(o_gg, o_in)]
    compare(list(o_gg), list(r_gg), rtol, atol, "gradgrad")


def _key_words(regex):
    return [w.lower() for w in re.findall(r"[A-Za-z_]{4,}", regex or "")]


def check_errors(op, fn, limit):
    for k, e in enumerate(op.error_inputs("cpu")):
        if limit is not None and k >= limit:
            break
        s = e.sample_input
        try:
            _call(op.op, s, convert_inputs=False)
        except Exception:
            pass
        else:
            continue  # torch accepts it on CPU after all: nothing to check
        try:
            _call(fn, s, alias=True)
        except Missing:
            raise
        except Exception as err:
            if not isinstance(err, e.error_type):
                raise Mismatch(f"error input {k}: {type(err).__name__} ({str(err)[:100]}), torch "
                               f"{e.error_type.__name__} ({e.error_regex[:80]})")
            words = _key_words(e.error_regex)
            if words and not any(w in str(err).lower() for w in words):
                raise Mismatch(f"error input {k}: message {str(err)[:100]!r} shares no word with torch's "
                               f"{e.error_regex[:80]!r}")
            continue
        raise Mismatch(f"error input {k}: no exception, torch {e.error_type.__name__} ({e.error_regex[:80]})")


# ---------------------------------------------------------------- one OpInfo

def _first_samples(op, dtype, requires_grad, n):
    it = iter(op.sample_inputs("cpu", getattr(torch, dtype), requires_grad=requires_grad))
    out = []
    for s in it:
        out.append(s)
        if n is not None and len(out) >= n:
            break
    return out


def plan(op):
    """[(check, dtype)] this mode runs for the OpInfo."""
    ours = set(REAL_DTYPES)
    fwd = [d for d in REAL_DTYPES if d in {dtype_name(t) for t in op.supported_dtypes("cpu")} and d in ours]
    if not FULL:
        fwd = [d for d in FAST_DTYPES if d in fwd] or fwd[:1]
    checks = [("forward", d) for d in fwd]
    if fwd and op.supports_out:
        checks.append(("out", fwd[0]))
    if fwd and op.inplace_variant is not None:
        checks.append(("inplace", fwd[0]))
    back = {dtype_name(t) for t in op.supported_backward_dtypes("cpu")}
    if op.supports_autograd:
        gd = "float64" if "float64" in back else ("float32" if "float32" in back else None)
        if gd:
            checks.append(("grad", gd))
            if op.supports_gradgrad and FULL:
                checks.append(("gradgrad", gd))
    if op.error_inputs_func is not None:
        checks.append(("error", "-"))
    return checks


def run_op(op):
    """{(check, dtype): (status, message)} with status pass / mismatch / error / missing."""
    results = {}
    checks = plan(op)
    try:
        fn = resolve(op)
        resolve_err = None
    except Missing as e:
        fn, resolve_err = None, e
    nsamples = None if FULL else 1
    for check, dtype in checks:
        try:
            if resolve_err is not None:
                raise resolve_err
            if check == "forward":
                for s in _first_samples(op, dtype, False, nsamples):
                    check_forward(op, fn, s, dtype)
            elif check == "out":
                for s in _first_samples(op, dtype, False, nsamples):
                    check_out(op, fn, s, dtype)
            elif check == "inplace":
                ifn = resolve_variant(op.inplace_variant)
                for s in _first_samples(op, dtype, False, nsamples):
                    check_inplace(op, ifn, s, dtype)
            elif check in ("grad", "gradgrad"):
                for s in _first_samples(op, dtype, True, nsamples):
                    check_grad(op, fn, s, dtype, second_order=check == "gradgrad")
            elif check == "error":
                check_errors(op, fn, None if FULL else 3)
            results[(check, dtype)] = ("pass", "")
        except Missing as e:
            results[(check, dtype)] = ("missing", f"no torchlike counterpart: {e}")
        except Mismatch as e:
            results[(check, dtype)] = ("mismatch", str(e))
        except Exception as e:
            results[(check, dtype)] = ("error", f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}")
    return results


# ---------------------------------------------------------------- the expected-failure list

def load_expected():
    rows = {}
    if EXPECTED_PATH.exists():
        with open(EXPECTED_PATH, newline="") as f:
            for row in csv.reader(f, delimiter="\t"):
                if not row or row[0].startswith("#") or row[0] == "op":
                    continue
                op, variant, check, dtype, reason = row
                rows[(op, variant, check, dtype)] = reason
    return rows


_OPS = op_db() if __name__ != "__main__" else []


@pytest.mark.parametrize("op", _OPS, ids=[op_id(o) for o in _OPS])
def test_opinfo(op):
    expected = _EXPECTED
    results = run_op(op)
    problems = []
    for (check, dtype), (status, msg) in results.items():
        key = (op.name, op.variant_test_name, check, dtype)
        listed = key in expected
        if status == "pass" and listed:
            problems.append(f"{check} {dtype}: passes now; drop its row from {EXPECTED_PATH.name}")
        elif status != "pass" and not listed:
            problems.append(f"{check} {dtype}: {status}: {msg}")
    assert not problems, "\n".join(problems)


_EXPECTED = load_expected()


def main(argv):
    ops = op_db()
    names = [a for a in argv[1:] if not a.startswith("-")]
    if names:
        ops = [o for o in ops if op_id(o) in names or o.name in names]
    shard = [a.split("=", 1)[1] for a in argv if a.startswith("--shard=")]  # --shard=K/N: every N-th op from K
    if shard:
        k, n = map(int, shard[0].split("/"))
        ops = ops[k::n]
    expected = load_expected()
    all_results = []
    for op in ops:
        all_results.append((op, run_op(op)))
        if "-v" in argv:
            for k, (st, msg) in all_results[-1][1].items():
                if st != "pass":
                    print(op_id(op), k, st, msg[:300])
    counts = {"forward": {}, "gradient": {}, "out": {}, "inplace": {}, "error": {}}
    order = ["missing", "error", "mismatch", "pass"]
    for op, res in all_results:
        for kind, checks in (("forward", ("forward",)), ("gradient", ("grad",)), ("out", ("out",)),
                             ("inplace", ("inplace",)), ("error", ("error",))):
            sts = [st for (c, _), (st, _) in res.items() if c in checks]
            if not sts:
                continue
            worst = min(sts, key=order.index)
            counts[kind][worst] = counts[kind].get(worst, 0) + 1
    mode = "full" if FULL else "fast"
    for kind, c in counts.items():
        total = sum(c.values())
        print(f"{kind} ({mode}): {total} OpInfos: " + ", ".join(f"{k} {c.get(k, 0)}" for k in reversed(order))
              + f" ({100.0 * c.get('pass', 0) / max(total, 1):.1f}% pass)")
    if "--write" in argv:
        rows = []
        for op, res in all_results:
            for (check, dtype), (st, msg) in res.items():
                if st != "pass":
                    key = (op.name, op.variant_test_name, check, dtype)
                    reason = expected.get(key) or f"{st}: {msg}".replace("\t", " ").replace("\n", " ")[:300]
                    rows.append((*key, reason))
        if len(ops) != len(op_db()) and not shard:
            kept = {k: v for k, v in expected.items() if not any(k[0] == o.name and k[1] == o.variant_test_name
                                                                  for o in ops)}
            rows += [(*k, v) for k, v in kept.items()]
        rows.sort()
        path = EXPECTED_PATH.with_suffix(f".shard{shard[0].replace('/', 'of')}") if shard else EXPECTED_PATH
        with open(path, "w", newline="") as f:
            f.write("# OpInfo checks torchlike is known to fail (tests/test_opinfo.py); the list may only shrink\n")
            w = csv.writer(f, delimiter="\t", lineterminator="\n")
            w.writerow(("op", "variant", "check", "dtype", "reason"))
            w.writerows(rows)
        print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main(sys.argv)


# ---------------------------------------------------------------- edge cases torch's op tests caught
# (issue 23): each against torch on the same inputs

def _same(ours, ref):
    compare(ours, ref, 1e-6, 1e-6)


def test_div_trunc_broadcast_int64():
    a, b = np.arange(-5, 5).reshape(10, 1), np.arange(1, 6)
    _same(torchlike.div(torchlike.tensor(a), torchlike.tensor(b), rounding_mode="trunc"),
          torch.div(torch.tensor(a), torch.tensor(b), rounding_mode="trunc"))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (-1, True)])
def test_max_min_dim_of_0dim(name, dim, keepdim):
    _same(getattr(torchlike, name)(torchlike.tensor(3.5), dim, keepdim),
          getattr(torch, name)(torch.tensor(3.5), dim, keepdim))
    with pytest.raises(IndexError):
        getattr(torchlike, name)(torchlike.tensor(3.5), 1)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_int_pow_wraps_as_torch(dtype):
    base, exp = np.array([2, 3, -2, 1, -1, 0, 7, 3]), np.array([70, 45, 63, 5, 7, 5, 3, 40])
    t_b, t_e = (torch.tensor(base, dtype=getattr(torch, dtype)), torch.tensor(exp, dtype=getattr(torch, dtype)))
    o_b, o_e = (torchlike.tensor(base, dtype=getattr(torchlike, dtype)),
                torchlike.tensor(exp, dtype=getattr(torchlike, dtype)))
    _same(o_b ** o_e, t_b ** t_e)
    _same(3 ** o_e, 3 ** t_e)  # __rpow__


def test_scatter_grad_with_duplicate_indices():
    grads = []
    for lib in (torchlike, torch):
        src = lib.tensor([1.0, 10.0, 100.0], requires_grad=True)
        x = lib.zeros(2, requires_grad=True)
        x.scatter(0, lib.tensor([0, 0, 1]), src).backward(lib.tensor([10.0, 100.0]))
        grads.append((src.grad, x.grad))
    _same(list(grads[0]), list(grads[1]))


@pytest.mark.parametrize("call", [
    lambda lib, z, i: z.gather(1, i), lambda lib, z, i: z.scatter(1, i, 1.0),
    lambda lib, z, i: z.scatter_add(1, i, z[:, :1]), lambda lib, z, i: z.scatter_reduce(1, i, z[:, :1], "amax"),
    lambda lib, z, i: z.index_select(0, i[:, 0]), lambda lib, z, i: z.index_add(0, i[:, 0], z)])
def test_int32_indices(call):
    z, i = np.arange(6.0).reshape(2, 3), np.array([[0], [1]], np.int32)
    _same(call(torchlike, torchlike.tensor(z), torchlike.tensor(i)), call(torch, torch.tensor(z), torch.tensor(i)))


def test_factory_dtype_must_be_a_dtype():
    for lib in (torchlike, torch):
        with pytest.raises(TypeError):
            lib.zeros(3, dtype="float32")
        with pytest.raises(TypeError):
            lib.tensor([1], dtype="float32")
    assert torchlike.zeros(2, dtype=float).dtype == torchlike.float32


def test_tensor_from_sequences_and_range_index():
    import collections
    for data in (collections.deque([1, 2, 3]), collections.deque([[1.0, 2.0], [3.0, 4.0]]), range(4)):
        _same(torchlike.tensor(data), torch.tensor(data))
    z = np.arange(12.0).reshape(4, 3)
    _same(torchlike.tensor(z)[range(4), torchlike.tensor([0, 2, 1, 0])], torch.tensor(z)[range(4), torch.tensor([0, 2, 1, 0])])
    _same(torchlike.tensor(z)[range(1, 4, 2)], torch.tensor(z)[range(1, 4, 2)])


@pytest.mark.parametrize("call", [
    lambda x: x.unsqueeze_(1), lambda x: x.unsqueeze_(0).squeeze_(), lambda x: x.reshape(4, 1).squeeze_(1),
    lambda x: x.reshape(2, 2).t_(), lambda x: x.reshape(1, 2, 2).transpose_(0, 2), lambda x: x.reshape(2, 2).swapdims_(0, 1),
    # resize_ to more elements leaves the new ones uninitialised in torch: compare row 0 (three kept values)
    lambda x: x.resize_(2, 3)[0]])
def test_shape_changing_in_place_ops(call):
    outs = []
    for lib in (torchlike, torch):
        x = lib.arange(4.0)
        r = call(x)
        outs.append(r)
    _same(outs[0], outs[1])


def test_in_place_transpose_of_a_view_writes_through():
    bases = []
    for lib in (torchlike, torch):
        base = lib.zeros(2, 3)
        v = base[:, :2]
        v.t_()
        v[0, 1] = 5.0
        bases.append(base)
    _same(bases[0], bases[1])
