"""torch's tensor printing: ``repr``/``str`` produce exactly what torch prints for the same data.

Matches torch's rules: one formatter per tensor (integer-valued floats print as ``1.``, scientific
notation when the nonzero finite magnitudes span more than 1000x or exceed 1e8 or go below 1e-4,
else fixed ``precision`` digits), all elements padded to one width, rows wrapped at ``linewidth``,
tensors over ``threshold`` elements summarised with ``...`` keeping ``edgeitems`` per edge, and the
suffixes ``device=``, ``dtype=`` (non-default dtypes), ``size=``, ``grad_fn=``/``requires_grad=True``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import numpy as np


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: profiles 'default', 'short', 'full' and the individual options."""
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, 1000, 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 1000, 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, math.inf, 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    return dict(PRINT_OPTS.__dict__)


class _Formatter:
    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        flat = values.reshape(-1)
        if not floating:
            for v in flat:
                self.max_width = max(self.max_width, len(_plain(v)))
        else:
            vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
            if vals.size:
                a = np.abs(vals)
                lo, hi = a.min(), a.max()
                self.int_mode = bool(np.all(vals == np.ceil(vals)))
                if self.int_mode:
                    if hi / lo > 1000.0 or hi > 1.0e8:
                        self.sci_mode = True
                        self.max_width = max(len(f"{v:.{p}e}") for v in vals)
                    else:
                        self.max_width = max(len(f"{v:.0f}") + 1 for v in vals)
                elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                    self.sci_mode = True
                    self.max_width = max(len(f"{v:.{p}e}") for v in vals)
                else:
                    self.max_width = max(len(f"{v:.{p}f}") for v in vals)
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def width(self):
        return self.max_width

    def format(self, value) -> str:
        p = PRINT_OPTS.precision
        if self.floating:
            value = float(value)
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = _plain(value)
        return (self.max_width - len(ret)) * " " + ret


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    return str(int(v)) if isinstance(v, (int, np.integer)) else str(v)


def _summarized(a: np.ndarray) -> np.ndarray:
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:e], a[-e:]]) if a.shape[0] > 2 * e else a
    if not e:
        return np.zeros([0] * a.ndim, a.dtype)
    rows = list(range(e)) + list(range(a.shape[0] - e, a.shape[0])) if a.shape[0] > 2 * e else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector_str(a, indent, summarize, fmt):
    element_length = fmt.width() + 2
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = [fmt.format(v) for v in a[:e]] + [" ..."] + [fmt.format(v) for v in a[-e:]]
    else:
        data = [fmt.format(v) for v in a]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * e:
        slices = ([_tensor_str_with(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] +
                  [_tensor_str_with(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - e, a.shape[0])])
    else:
        slices = [_tensor_str_with(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(a: np.ndarray, indent: int) -> str:
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTS.threshold
    if a.dtype.kind == "c":
        real = _Formatter(_summarized(a.real) if summarize else a.real, True)
        imag = _Formatter(_summarized(a.imag) if summarize else a.imag, True)
        return _complex_str(a, indent, summarize, real, imag)
    floating = a.dtype.kind == "f" or a.dtype.name == "bfloat16" or a.dtype.name.startswith("float8")
    if floating and a.dtype != np.float64:
        a = a.astype(np.float32)
    fmt = _Formatter(_summarized(a) if summarize else a, floating)
    return _tensor_str_with(a, indent, summarize, fmt)


class _ComplexFormatter:
    def __init__(self, real, imag):
        self.real, self.imag = real, imag

    def width(self):
        return self.real.width() + self.imag.width() + 2

    def format(self, v):
        re = self.real.format(v.real)
        im = self.imag.format(abs(v.imag)).lstrip()
        sign = "-" if v.imag < 0 or (v.imag == 0 and math.copysign(1, v.imag) < 0) else "+"
        return f"{re}{sign}{(self.imag.width() - len(im)) * ' '}{im}j"


def _complex_str(a, indent, summarize, real, imag):
    return _tensor_str_with(a, indent, summarize, _ComplexFormatter(real, imag))


def _add_suffixes(tensor_str, suffixes, indent):
    out = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def format_tensor(t, prefix="tensor(") -> str:
    from . import _dtype as D
    indent = len(prefix)
    suffixes = []
    v = t._value
    if isinstance(v, jax.core.Tracer):
        return f"{prefix}<traced {v.aval.str_short()}>)"
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    dt = t.dtype
    default = D.get_default_dtype()
    has_default = dt in (default, D.default_complex(), D.int64, D.bool)
    a = np.asarray(v)
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt is not default:
            suffixes.append("dtype=" + str(dt))
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(a.shape)))
        if not has_default:
            suffixes.append("dtype=" + str(dt))
        body = _tensor_str(a, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
