"""ONNX conversions of torch functions, Tensor methods and torch.nn layers (opset 17).

Each converter receives the Builder, then the call's arguments with tensors as :class:`T`
(ONNX name + the real value from the example run) and everything else as Python values, and
returns the ONNX value(s) it produced. Shapes the model computes from sizes (``x.size(0)``) are
constants of the example run.
"""
from __future__ import annotations

import math

import numpy as np

from ._builder import T
from .errors import UnsupportedOperatorError

FUNCTIONS: dict = {}   # short name (relu, add, view, ...) -> converter
MODULES: dict = {}     # torch.nn class name -> converter(b, module, qualname, *args, **kwargs)


def _reg(table, *names):
    def deco(fn):
        for n in names:
            table[n] = fn
        return fn
    return deco


def name_of(b, a, like: T | None = None) -> str:
    """The ONNX name for an operand: a tensor's name, or a constant (Python numbers take the other
    operand's dtype, as torch's scalar promotion does for floats and same-kind ints)."""
    if isinstance(a, T):
        return a.name
    from .._tensor import Tensor
    if isinstance(a, Tensor):
        return b.weight(a, "constant")
    dtype = None
    if like is not None:
        dtype = like.np_dtype
        if isinstance(a, float) and not np.issubdtype(dtype, np.floating):
            dtype = np.float32
    return b.const(a, dtype=dtype, hint="scalar")


def _out(b, value_name, real):
    return T(value_name, real)


# ---------------------------------------------------------------- elementwise
_UNARY = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
          "abs": "Abs", "neg": "Neg", "erf": "Erf", "sin": "Sin", "cos": "Cos", "floor": "Floor", "ceil": "Ceil",
          "reciprocal": "Reciprocal", "sign": "Sign", "logical_not": "Not"}


def _unary(op):
    def conv(b, x, *args, **kwargs):
        return b.op(op, [x.name])
    return conv


for _n, _op in _UNARY.items():
    FUNCTIONS[_n] = _unary(_op)
    FUNCTIONS[_n + "_"] = _unary(_op)


@_reg(FUNCTIONS, "rsqrt")
def _rsqrt(b, x):
    return b.op("Reciprocal", [b.op("Sqrt", [x.name])])


_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "truediv": "Div", "div": "Div", "pow": "Pow",
           "matmul": "MatMul", "bmm": "MatMul", "mm": "MatMul", "eq": "Equal", "gt": "Greater", "lt": "Less",
           "ge": "GreaterOrEqual", "le": "LessOrEqual", "and_": "And", "or_": "Or", "maximum": "Max",
           "minimum": "Min"}


def _binary(op, reverse=False):
    def conv(b, x, y, alpha=None, rounding_mode=None, out=None):
        if rounding_mode is not None:
            raise UnsupportedOperatorError("div", f"rounding_mode={rounding_mode!r}")
        like = x if isinstance(x, T) else y
        xn, yn = name_of(b, x, like), name_of(b, y, like)
        if alpha is not None and alpha != 1:
            yn = b.op("Mul", [yn, name_of(b, alpha, like)])
        return b.op(op, [xn, yn])
    return conv


for _n, _op in _BINARY.items():
    FUNCTIONS[_n] = _binary(_op)
FUNCTIONS["iadd"], FUNCTIONS["add_"], FUNCTIONS["imul"], FUNCTIONS["mul_"] = (
    FUNCTIONS["add"], FUNCTIONS["add"], FUNCTIONS["mul"], FUNCTIONS["mul"])
FUNCTIONS["rsub"] = lambda b, x, y, alpha=1: _binary("Sub")(b, y, x)


@_reg(FUNCTIONS, "gelu")
def _gelu(b, x, approximate="none"):
    if approximate == "tanh":
        c = name_of(b, math.sqrt(2 / math.pi), x)
        x3 = b.op("Mul", [b.op("Mul", [x.name, x.name]), x.name])
        inner = b.op("Mul", [c, b.op("Add", [x.name, b.op("Mul", [name_of(b, 0.044715, x), x3])])])
        return b.op("Mul", [b.op("Mul", [name_of(b, 0.5, x), x.name]),
                            b.op("Add", [name_of(b, 1.0, x), b.op("Tanh", [inner])])])
    erf = b.op("Erf", [b.op("Div", [x.name, name_of(b, math.sqrt(2.0), x)])])
    return b.op("Mul", [b.op("Mul", [x.name, name_of(b, 0.5, x)]), b.op("Add", [erf, name_of(b, 1.0, x)])])


@_reg(FUNCTIONS, "silu")
def _silu(b, x, inplace=False):
    return b.op("Mul", [x.name, b.op("Sigmoid", [x.name])])


@_reg(FUNCTIONS, "leaky_relu")
def _leaky_relu(b, x, negative_slope=0.01, inplace=False):
    return b.op("LeakyRelu", [x.name], alpha=float(negative_slope))


@_reg(FUNCTIONS, "elu")
def _elu(b, x, alpha=1.0, inplace=False):
    return b.op("Elu", [x.name], alpha=float(alpha))


@_reg(FUNCTIONS, "hardtanh", "clamp", "clip")
def _clip(b, x, min=None, max=None, min_val=None, max_val=None, inplace=False):
    lo = min if min is not None else min_val
    hi = max if max is not None else max_val
    return b.op("Clip", [x.name, name_of(b, lo, x) if lo is not None else "",
                         name_of(b, hi, x) if hi is not None else ""])


@_reg(FUNCTIONS, "relu6")
def _relu6(b, x, inplace=False):
    return _clip(b, x, 0.0, 6.0)


@_reg(FUNCTIONS, "hardswish")
def _hardswish(b, x, inplace=False):
    return b.op("HardSwish", [x.name])


@_reg(FUNCTIONS, "hardsigmoid")
def _hardsigmoid(b, x, inplace=False):
    return b.op("HardSigmoid", [x.name], alpha=1 / 6, beta=0.5)


@_reg(FUNCTIONS, "softplus")
def _softplus(b, x, beta=1.0, threshold=20.0):
    if beta != 1:
        raise UnsupportedOperatorError("softplus", "beta != 1")
    return b.op("Softplus", [x.name])


def _softmax(op):
    def conv(b, x, dim=None, _stacklevel=3, dtype=None):
        if dim is None:
            dim = -1
        return b.op(op, [x.name], axis=int(dim))
    return conv


FUNCTIONS["softmax"], FUNCTIONS["log_softmax"] = _softmax("Softmax"), _softmax("LogSoftmax")


@_reg(FUNCTIONS, "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "contiguous", "clone",
      "detach")
def _identity(b, x, *args, **kwargs):
    return b.op("Identity", [x.name])


@_reg(FUNCTIONS, "where")
def _where(b, cond, x, y):
    like = x if isinstance(x, T) else y
    return b.op("Where", [name_of(b, cond), name_of(b, x, like), name_of(b, y, like)])


# ---------------------------------------------------------------- shapes
def _dims(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return list(args[0])
    return list(args)


@_reg(FUNCTIONS, "view", "reshape")
def _reshape(b, x, *shape, **kwargs):
    if "shape" in kwargs:
        shape = (kwargs["shape"],)
    return b.op("Reshape", [x.name, b.ints([int(s) for s in _dims(shape)])])


@_reg(FUNCTIONS, "flatten")
def _flatten(b, x, start_dim=0, end_dim=-1):
    nd = x.ndim
    start, end = start_dim % max(nd, 1), end_dim % max(nd, 1)
    if end == nd - 1:
        shape = [0] * start + [-1]
    else:
        shape = [0] * start + [-1] + list(x.shape[end + 1:])
    return b.op("Reshape", [x.name, b.ints(shape)])


@_reg(FUNCTIONS, "transpose")
def _transpose(b, x, dim0, dim1):
    perm = list(range(x.ndim))
    perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
    return b.op("Transpose", [x.name], perm=perm)


@_reg(FUNCTIONS, "t")
def _t(b, x):
    return b.op("Transpose", [x.name], perm=list(reversed(range(x.ndim))))


@_reg(FUNCTIONS, "permute")
def _permute(b, x, *dims):
    return b.op("Transpose", [x.name], perm=[d % x.ndim for d in _dims(dims)])


@_reg(FUNCTIONS, "unsqueeze")
def _unsqueeze(b, x, dim):
    return b.op("Unsqueeze", [x.name, b.ints([dim])])


@_reg(FUNCTIONS, "squeeze")
def _squeeze(b, x, dim=None):
    if dim is None:
        return b.op("Squeeze", [x.name])
    dims = [dim] if isinstance(dim, int) else list(dim)
    dims = [d for d in dims if x.shape[d] == 1]  # torch leaves non-1 dims alone
    return b.op("Squeeze", [x.name, b.ints(dims)]) if dims else b.op("Identity", [x.name])


@_reg(FUNCTIONS, "cat", "concat", "concatenate")
def _cat(b, tensors, dim=0):
    return b.op("Concat", [name_of(b, t) for t in tensors], axis=int(dim))


@_reg(FUNCTIONS, "stack")
def _stack(b, tensors, dim=0):
    return b.op("Concat", [b.op("Unsqueeze", [name_of(b, t), b.ints([dim])]) for t in tensors], axis=int(dim))


def _split_sizes(b, x, sizes, dim):
    dim = dim % x.ndim
    outs = b.op("Split", [x.name, b.ints(sizes)], n_out=len(sizes), axis=dim)
    return tuple(outs) if len(sizes) > 1 else (outs,)


@_reg(FUNCTIONS, "chunk")
def _chunk(b, x, chunks, dim=0):
    n = x.shape[dim]
    size = -(-n // chunks)  # torch's chunks hold ceil(n / chunks), the last one the rest
    return _split_sizes(b, x, [size] * (n // size) + ([n % size] if n % size else []), dim)


@_reg(FUNCTIONS, "split")
def _split(b, x, split_size_or_sections, dim=0):
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        return _split_sizes(b, x, [s] * (n // s) + ([n % s] if n % s else []), dim)
    return _split_sizes(b, x, list(split_size_or_sections), dim)


@_reg(FUNCTIONS, "unbind")
def _unbind(b, x, dim=0):
    parts = _split_sizes(b, x, [1] * x.shape[dim], dim)
    return tuple(b.op("Squeeze", [p, b.ints([dim % x.ndim])]) for p in parts)


@_reg(FUNCTIONS, "getitem")
def _getitem(b, x, idx):
    if not isinstance(x, T):
        return x[idx]
    idx = idx if isinstance(idx, tuple) else (idx,)
    if any(i is None for i in idx):
        raise UnsupportedOperatorError("getitem", "indexing with None")
    if any(i is Ellipsis for i in idx):
        k = idx.index(Ellipsis)
        idx = idx[:k] + (slice(None),) * (x.ndim - len(idx) + 1) + idx[k + 1:]
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, i in enumerate(idx):
        if isinstance(i, int):
            starts.append(i), ends.append(i + 1 if i != -1 else 2 ** 62), axes.append(axis), steps.append(1)
            squeeze.append(axis)
        elif isinstance(i, slice):
            if i == slice(None):
                continue
            step = 1 if i.step is None else i.step
            starts.append(0 if i.start is None else i.start)
            ends.append(2 ** 62 if i.stop is None else i.stop)
            axes.append(axis), steps.append(step)
        else:
            raise UnsupportedOperatorError("getitem", f"index of type {type(i).__name__}")
    out = x.name
    if axes:
        out = b.op("Slice", [out, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        out = b.op("Squeeze", [out, b.ints(squeeze)])
    return out if out != x.name else b.op("Identity", [x.name])


# ---------------------------------------------------------------- reductions
def _axes(x, dim):
    if dim is None:
        return list(range(x.ndim))
    return [d % x.ndim for d in ([dim] if isinstance(dim, int) else dim)]


@_reg(FUNCTIONS, "sum")
def _sum(b, x, dim=None, keepdim=False, dtype=None):
    return b.op("ReduceSum", [x.name, b.ints(_axes(x, dim))], keepdims=int(keepdim))


@_reg(FUNCTIONS, "mean")
def _mean(b, x, dim=None, keepdim=False, dtype=None):
    return b.op("ReduceMean", [x.name], axes=_axes(x, dim), keepdims=int(keepdim))


@_reg(FUNCTIONS, "amax")
def _amax(b, x, dim=None, keepdim=False):
    return b.op("ReduceMax", [x.name], axes=_axes(x, dim), keepdims=int(keepdim))


# ---------------------------------------------------------------- layers as functions
@_reg(FUNCTIONS, "linear")
def _linear(b, x, weight, bias=None):
    if x.ndim == 2:
        inputs = [x.name, name_of(b, weight)] + ([name_of(b, bias)] if bias is not None else [])
        return b.op("Gemm", inputs, transB=1)
    wt = b.op("Transpose", [name_of(b, weight)], perm=[1, 0])
    y = b.op("MatMul", [x.name, wt])
    return b.op("Add", [y, name_of(b, bias)]) if bias is not None else y


@_reg(FUNCTIONS, "layer_norm")
def _layer_norm(b, x, normalized_shape, weight=None, bias=None, eps=1e-5):
    n = len(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else 1
    shape = tuple(x.shape[-n:])
    scale = name_of(b, weight) if weight is not None else b.const(np.ones(shape, x.np_dtype))
    shift = name_of(b, bias) if bias is not None else b.const(np.zeros(shape, x.np_dtype))
    return b.op("LayerNormalization", [x.name, scale, shift], axis=-n, epsilon=float(eps))


def _tuple(v, n):
    return list(v) if isinstance(v, (tuple, list)) else [v] * n


def _pool_args(x, kernel_size, stride, padding, dilation=1):
    n = x.ndim - 2
    k = _tuple(kernel_size, n)
    s = _tuple(stride if stride not in (None, []) else kernel_size, n)
    p = _tuple(padding, n)
    d = _tuple(dilation, n)
    return k, s, p + p, d


@_reg(FUNCTIONS, "max_pool1d", "max_pool2d", "max_pool3d")
def _max_pool(b, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        raise UnsupportedOperatorError("max_pool2d_with_indices")
    k, s, p, d = _pool_args(x, kernel_size, stride, padding, dilation)
    return b.op("MaxPool", [x.name], kernel_shape=k, strides=s, pads=p, dilations=d, ceil_mode=int(ceil_mode))


@_reg(FUNCTIONS, "avg_pool1d", "avg_pool2d", "avg_pool3d")
def _avg_pool(b, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    if divisor_override is not None:
        raise UnsupportedOperatorError("avg_pool2d", "divisor_override")
    k, s, p, _ = _pool_args(x, kernel_size, stride, padding)
    return b.op("AveragePool", [x.name], kernel_shape=k, strides=s, pads=p, ceil_mode=int(ceil_mode),
                count_include_pad=int(count_include_pad))


def _adaptive(op_global, op_local, name):
    def conv(b, x, output_size):
        n = x.ndim - 2
        out = _tuple(output_size, n)
        out = [x.shape[2 + i] if o is None else o for i, o in enumerate(out)]
        if all(o == 1 for o in out):
            return b.op(op_global, [x.name])
        ins = x.shape[2:]
        if all(i % o == 0 for i, o in zip(ins, out)):
            k = [i // o for i, o in zip(ins, out)]
            return b.op(op_local, [x.name], kernel_shape=k, strides=k)
        raise UnsupportedOperatorError(name, f"input size {list(ins)} not divisible by output size {out}")
    return conv


for _nd in (1, 2, 3):
    FUNCTIONS[f"adaptive_avg_pool{_nd}d"] = _adaptive("GlobalAveragePool", "AveragePool", f"adaptive_avg_pool{_nd}d")
    FUNCTIONS[f"adaptive_max_pool{_nd}d"] = _adaptive("GlobalMaxPool", "MaxPool", f"adaptive_max_pool{_nd}d")


@_reg(FUNCTIONS, "embedding")
def _embedding(b, idx, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
               sparse=False):
    if max_norm is not None:
        raise UnsupportedOperatorError("embedding", "max_norm")
    return b.op("Gather", [name_of(b, weight), idx.name])


# ---------------------------------------------------------------- modules
def _m_unary(fn_name, **fixed):
    def conv(b, m, q, x):
        return FUNCTIONS[fn_name](b, x, **{k: getattr(m, a) for k, a in fixed.items()})
    return conv


for _cls, _fn in (("ReLU", "relu"), ("Sigmoid", "sigmoid"), ("Tanh", "tanh"), ("SiLU", "silu"),
                  ("Identity", "contiguous"), ("Dropout", "dropout"), ("Dropout1d", "dropout"),
                  ("Dropout2d", "dropout"), ("Dropout3d", "dropout"), ("AlphaDropout", "dropout"),
                  ("Hardswish", "hardswish"), ("Hardsigmoid", "hardsigmoid"), ("ReLU6", "relu6")):
    MODULES[_cls] = _m_unary(_fn)
MODULES["GELU"] = _m_unary("gelu", approximate="approximate")
MODULES["LeakyReLU"] = _m_unary("leaky_relu", negative_slope="negative_slope")
MODULES["ELU"] = _m_unary("elu", alpha="alpha")
MODULES["Softmax"] = _m_unary("softmax", dim="dim")
MODULES["LogSoftmax"] = _m_unary("log_softmax", dim="dim")
MODULES["Hardtanh"] = _m_unary("hardtanh", min_val="min_val", max_val="max_val")
MODULES["Flatten"] = _m_unary("flatten", start_dim="start_dim", end_dim="end_dim")
MODULES["Softplus"] = _m_unary("softplus", beta="beta", threshold="threshold")


def _w(b, m, q, attr):
    t = getattr(m, attr)
    return None if t is None else b.weight(t, f"{q}.{attr}" if q else attr)


@_reg(MODULES, "Linear")
def _m_linear(b, m, q, x):
    bias = _w(b, m, q, "bias")
    if x.ndim == 2:
        return b.op("Gemm", [x.name, _w(b, m, q, "weight")] + ([bias] if bias else []), transB=1)
    wt = b.const(np.asarray(m.weight.detach()._value).T, hint=f"{q}.weight_t")
    y = b.op("MatMul", [x.name, wt])
    return b.op("Add", [y, bias]) if bias else y


def _conv(b, m, q, x):
    if m.padding_mode != "zeros":
        raise UnsupportedOperatorError(type(m).__name__, f"padding_mode={m.padding_mode!r}")
    n = x.ndim - 2
    k = list(m.kernel_size)
    d = _tuple(m.dilation, n)
    if isinstance(m.padding, str):
        if m.padding == "valid":
            pads = [0] * (2 * n)
        else:
            total = [dd * (kk - 1) for dd, kk in zip(d, k)]
            pads = [t // 2 for t in total] + [t - t // 2 for t in total]
    else:
        p = _tuple(m.padding, n)
        pads = p + p
    inputs = [x.name, _w(b, m, q, "weight")] + ([_w(b, m, q, "bias")] if m.bias is not None else [])
    return b.op("Conv", inputs, kernel_shape=k, strides=_tuple(m.stride, n), pads=pads, dilations=d,
                group=int(m.groups))


MODULES["Conv1d"] = MODULES["Conv2d"] = MODULES["Conv3d"] = _conv


def _batch_norm(b, m, q, x):
    if m.running_mean is None:
        raise UnsupportedOperatorError(type(m).__name__, "track_running_stats=False")
    c = x.shape[1]
    scale = _w(b, m, q, "weight") if m.weight is not None else b.const(np.ones(c, x.np_dtype))
    shift = _w(b, m, q, "bias") if m.bias is not None else b.const(np.zeros(c, x.np_dtype))
    return b.op("BatchNormalization", [x.name, scale, shift, _w(b, m, q, "running_mean"),
                                       _w(b, m, q, "running_var")], epsilon=float(m.eps))


MODULES["BatchNorm1d"] = MODULES["BatchNorm2d"] = MODULES["BatchNorm3d"] = _batch_norm


@_reg(MODULES, "LayerNorm")
def _m_layer_norm(b, m, q, x):
    w = T(_w(b, m, q, "weight"), m.weight) if m.weight is not None else None
    bias = T(_w(b, m, q, "bias"), m.bias) if getattr(m, "bias", None) is not None else None
    return _layer_norm(b, x, m.normalized_shape, w, bias, m.eps)


for _nd in (1, 2, 3):
    MODULES[f"MaxPool{_nd}d"] = lambda b, m, q, x: _max_pool(b, x, m.kernel_size, m.stride, m.padding, m.dilation,
                                                             m.ceil_mode, m.return_indices)
    MODULES[f"AvgPool{_nd}d"] = lambda b, m, q, x: _avg_pool(b, x, m.kernel_size, m.stride, m.padding,
                                                             m.ceil_mode, getattr(m, "count_include_pad", True),
                                                             getattr(m, "divisor_override", None))
    MODULES[f"AdaptiveAvgPool{_nd}d"] = (lambda nd: lambda b, m, q, x: FUNCTIONS[f"adaptive_avg_pool{nd}d"](
        b, x, m.output_size))(_nd)
    MODULES[f"AdaptiveMaxPool{_nd}d"] = (lambda nd: lambda b, m, q, x: FUNCTIONS[f"adaptive_max_pool{nd}d"](
        b, x, m.output_size))(_nd)


@_reg(MODULES, "Embedding")
def _m_embedding(b, m, q, idx):
    if m.max_norm is not None:
        raise UnsupportedOperatorError("Embedding", "max_norm")
    return b.op("Gather", [_w(b, m, q, "weight"), idx.name])
