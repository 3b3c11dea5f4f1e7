"""Tensor creation: from data, filled, ranges, scalar_tensor, and random draws from torch's generator.

New tensors live on the CPU unless ``device=`` says otherwise (torch's default), also when JAX's
own default device is an accelerator. dtypes are inferred as torch infers them: Python ints ->
int64, Python floats -> the default dtype, numpy arrays keep their dtype.
"""
from __future__ import annotations

import builtins
import collections
import collections.abc
import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as _dev
from .. import _dtype as D
from .. import _strides
from .. import random as _random
from .._above import above as _above
from .._tensor import Tensor
from .declare import public
from .registry import Op, apply
from .out import write_out as _out


@public
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A 0-d tensor holding ``s``, of the default float dtype unless ``dtype`` is given."""
    from .creation import tensor
    if isinstance(s, Tensor):
        s = s.item()
    return tensor(s, dtype=D.get_default_dtype() if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


def _place(arr, device):
    """Put a numpy/jax array on the torch device (CPU by default) and return the jax array."""
    d = _dev.default_device() if device is None else _dev.device(device)
    if d.type == "cpu":
        jd = _dev.cpu_jax_device()
    else:
        jd = _dev.to_jax_device(d)
    if isinstance(arr, jax.core.Tracer):
        return arr
    if type(arr) is np.ndarray:
        put = _put_numpy[0]
        if put is _UNRESOLVED:
            put = _put_numpy[0] = _numpy_putter()  # on first use: the probe starts JAX's CPU backend
        if put is not None:
            return put(arr, jd)
    return jax.device_put(arr, jd)


def _numpy_putter():
    """``put(np_array, device)``: the C++ transfer ``jax.device_put`` ends in, without its ~30 us of Python
    (``torch.tensor(list)`` in a loop); None when this JAX lacks the private entry points."""
    try:
        from jax._src import core
        from jax._src.lib import xla_client as xc
        from jax.sharding import SingleDeviceSharding
        shardings = {}

        def put(arr, device):
            sh = shardings.get(device)
            if sh is None:
                sh = shardings[device] = SingleDeviceSharding(device)
            return xc.batched_device_put(core.ShapedArray(arr.shape, arr.dtype), sh, [arr], [device], True)

        probe = np.arange(3, dtype=np.int64)
        if not np.array_equal(np.asarray(put(probe, jax.devices("cpu")[0])), probe):
            return None
        return put
    except Exception:  # a JAX without these internals: jax.device_put
        return None


_UNRESOLVED = object()
_put_numpy = [_UNRESOLVED]


def _finish(value, requires_grad):
    t = Tensor._wrap(value)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(args, kwargs=None, name="size"):
    """Accept f(2, 3), f((2, 3)), f([2, 3]), f(torch.Size(...)), f(size=...)."""
    if kwargs and name in kwargs:
        args = (kwargs.pop(name),)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{name} must be tuple of ints, but found element of type {type(s).__name__} at pos {len(out)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(args)}")
        out.append(int(s))
    return tuple(out)


def _infer_dtype(data):
    """torch's dtype for nested Python data (bool < int < float < complex)."""
    rank = -1
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            d = x.dtype
            rank = max(rank, D.category(d))
            if D.category(d) >= 2:
                return None  # mixed: let numpy decide below via the tensors' own dtype
        elif _is_sequence(x):
            stack.extend(x)
        elif isinstance(x, bool) or isinstance(x, np.bool_):
            rank = max(rank, 0)
        elif isinstance(x, numbers.Integral):
            rank = max(rank, 1)
        elif isinstance(x, numbers.Real):
            rank = max(rank, 2)
        elif isinstance(x, numbers.Complex):
            rank = max(rank, 3)
        elif isinstance(x, np.ndarray):
            rank = max(rank, D.category(D.from_np(x.dtype)))
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    return {-1: D.get_default_dtype(), 0: D.bool, 1: D.int64, 2: D.get_default_dtype(),
            3: D.default_complex()}[rank]


def _is_sequence(x):
    """A Python sequence torch.tensor reads element by element (list, tuple, range, deque, ...)."""
    return isinstance(x, (list, tuple, builtins.range, collections.deque)) or (
        isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes)))


def _to_numpy_nested(data):
    if isinstance(data, Tensor):
        return np.asarray(data._value)
    if _is_sequence(data):
        items = [_to_numpy_nested(x) for x in data]
        if items and isinstance(items[0], np.ndarray):
            shapes = {i.shape for i in items if isinstance(i, np.ndarray)}
            if len(shapes) > 1:
                raise ValueError(f"expected sequence of length {len(data[0])} at dim 1 (got {len(data[-1])})")
        return items
    return data


@public
def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.tensor: copy ``data`` into a new leaf tensor, inferring the dtype as torch does."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() "
                      "or sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        value = data._value
        if dtype is not None:
            value = value.astype(D.to_dtype(dtype).np)
        return _finish(_place(value, device) if device is not None else jnp.array(value), requires_grad)
    if isinstance(data, (jax.Array, np.ndarray, np.generic)):
        arr = data
        dt = D.to_dtype(dtype) if dtype is not None else D.from_np(arr.dtype)
    else:
        dt = _dtype_arg(dtype, "tensor") if dtype is not None else _infer_dtype(data)
        try:
            arr = np.array(_to_numpy_nested(data), dtype=None if dt is None else dt.np)
        except ValueError as e:
            raise ValueError(str(e)) from None
        if dt is None:
            dt = D.from_np(arr.dtype)
    if isinstance(arr, jax.Array):
        value = arr.astype(dt.np)
    else:
        value = np.asarray(arr).astype(dt.np, copy=False)
    return _finish(_place(value, device), requires_grad)


@public
def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        out = data
        if dtype is not None and D.to_dtype(dtype) is not data.dtype:
            out = out.to(dtype)
        if device is not None and _dev.device(device) != data.device:
            out = out.to(device)
        return out
    return tensor(data, dtype=dtype, device=device)


@public
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    from .._strides import UntypedStorage
    if isinstance(obj, UntypedStorage):  # torch reads a storage's bytes as ``dtype`` (default: the default dtype)
        obj = obj._bytes().view(_dtype_or_default(dtype, "asarray"))
    t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


@public
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor of ``count`` elements of ``dtype`` read from a buffer-protocol object from byte
    ``offset`` (all that fit when ``count`` is -1), with torch's ValueErrors for lengths that do not
    fit. torch shares the buffer's memory; a JAX array cannot, so this holds a copy."""
    dt = _dtype_arg(dtype, "frombuffer")
    raw = memoryview(buffer).cast("B")
    size, item = raw.nbytes, dt.itemsize
    if size <= 0:
        raise ValueError(f"both buffer length ({size}) and count ({count}) must not be 0")
    if not 0 <= offset < size:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({size} bytes) minus 1")
    if count < 0:
        if (size - offset) % item:
            raise ValueError(f"buffer length ({size - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (size - offset) // item
    elif count == 0 or offset + count * item > size:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({size} bytes)")
    return _finish(_place(np.frombuffer(raw, dt.np, count, offset).copy(), None), requires_grad)


@public
def from_numpy(ndarray):
    """A tensor with the array's dtype and shape (a copy: JAX arrays are immutable)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    try:
        D.from_np(ndarray.dtype)
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {ndarray.dtype}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, "
                        "and bool.") from None
    return Tensor._wrap(_place(ndarray, None))


def _dtype_arg(dtype, name):
    """A factory's ``dtype=`` argument: torch takes a torch dtype (or a Python type), not a name."""
    if isinstance(dtype, str):
        raise TypeError(f"{name}(): argument 'dtype' must be torch.dtype, not str")
    return D.to_dtype(dtype)


def _dtype_or_default(dtype, name="factory"):
    return D.get_default_dtype() if dtype is None else _dtype_arg(dtype, name)


def _filled(size, fill, dtype, device, requires_grad):
    dt = dtype
    d = _dev.default_device() if device is None else _dev.device(device)
    jd = _dev.cpu_jax_device() if d.type == "cpu" else _dev.to_jax_device(d)
    value = jnp.full(size, fill, dt.np, device=jd)
    return _finish(value, requires_grad)


@public
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kw):
    t = _filled(_size(size, kw), 0, _dtype_or_default(dtype, "zeros"), device, requires_grad)
    return _out(t, out)


@public
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kw):
    t = _filled(_size(size, kw), 1, _dtype_or_default(dtype, "ones"), device, requires_grad)
    return _out(t, out)


@public
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **kw):
    """Uninitialised in torch; zero-filled here (JAX has no uninitialised memory)."""
    return zeros(*size, out=out, dtype=dtype, device=device, requires_grad=requires_grad, **kw)


@public
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dt = _dtype_arg(dtype, "full") if dtype is not None else D.scalar_dtype(fill_value)
    return _out(_filled(_size((size,)), fill_value, dt, device, requires_grad), out)


def _like(t, dtype, device):
    return (t.dtype if dtype is None else D.to_dtype(dtype)), (t.device if device is None else device)


def _drawn_like(input, memory_format, draw, requires_grad):
    """A random ``*_like`` result: torch fills it in memory order, so with a permuted layout (a
    transposed or channels_last input) the draw ``draw(shape)`` is made over the dims in memory order
    and permuted back; the result reports that layout's strides."""
    if memory_format is None and "_strides" not in input.__dict__:
        return draw(tuple(input.shape), requires_grad)
    strides = _strides.format_strides(input, memory_format)
    perm = sorted(builtins.range(len(strides)), key=lambda d: -strides[d])  # (torch.range shadows range here)
    phys = draw(tuple(input.shape[d] for d in perm), False)
    out = Tensor._wrap(jnp.transpose(phys._value, np.argsort(perm)), requires_grad)
    return _strides.set_strides(out, strides)


def _like_layout(out, input, memory_format):
    """``*_like`` results take torch's strides for ``memory_format`` (preserve_format by default)."""
    if memory_format is None and "_strides" not in input.__dict__:
        return out
    return _strides.set_strides(out, _strides.format_strides(input, memory_format))


@public(aliases=('empty_like',))
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _like_layout(_filled(tuple(input.shape), 0, dt, dev, requires_grad), input, memory_format)


@public
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _like_layout(_filled(tuple(input.shape), 1, dt, dev, requires_grad), input, memory_format)


@public
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _like_layout(_filled(tuple(input.shape), fill_value, dt, dev, requires_grad), input, memory_format)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def _check_range_args(name, start, end, steps):
    """linspace/logspace: torch's parser wants an int ``steps`` and 0-dim tensor ``start``/``end``."""
    if isinstance(steps, (float, complex)) or isinstance(steps, Tensor) and steps.dtype.is_floating_point:
        from .signature import invalid_combination
        raise invalid_combination(name, (start, end, steps), ("Tensor start, Tensor end, int steps, *, ...",
                                                             "Number start, Number end, int steps, *, ..."))
    if isinstance(start, Tensor) and start.ndim or isinstance(end, Tensor) and end.ndim:
        sd = start.ndim if isinstance(start, Tensor) else 0
        ed = end.ndim if isinstance(end, Tensor) else 0
        raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got start with {sd} "
                           f"dimension(s) and end with {ed} dimension(s).")


@public
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.arange: values start + i*step for i < ceil((end-start)/step), computed in double."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    import math
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dt = D.get_default_dtype() if any(isinstance(v, float) for v in (start, end, step)) else D.int64
    else:
        dt = D.to_dtype(dtype)
    n = math.ceil((end - start) / step)
    if dt.is_floating_point:
        arr = start + np.arange(n, dtype=np.float64) * step
    else:
        arr = start + np.arange(n, dtype=np.int64) * step if all(
            isinstance(v, (int, np.integer)) for v in (start, step)) else np.floor(start + np.arange(n) * step)
    return _out(_finish(_place(arr.astype(dt.np), device), requires_grad), out)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: includes ``end``."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior "
                  "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
                  "values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = _dtype_or_default(dtype)
    return _finish(_place((start + np.arange(n) * step).astype(dt.np), device), requires_grad)


@public
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.linspace: the first half counted up from start, the second half down from end."""
    _check_range_args("linspace", start, end, steps)
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dtype_or_default(dtype)
    i = np.arange(steps, dtype=np.float64)
    if steps == 1:
        arr = np.array([start], np.float64)
    else:
        half = steps // 2
        if dt in (D.float32, D.float16, D.bfloat16):
            # torch computes the step in the output dtype and each value with one fused multiply-add;
            # a float64 multiply-add of float32 operands rounded once to float32 is exactly that
            s32, e32 = np.float32(start), np.float32(end)
            step = np.float64(np.float32((e32 - s32) / np.float32(steps - 1)))
            arr = np.where(i < half, np.float64(s32) + step * i, np.float64(e32) - step * (steps - 1 - i))
            arr = arr.astype(np.float32)
        else:
            step = (end - start) / (steps - 1)
            arr = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    if not (dt.is_floating_point or dt.is_complex):
        arr = np.trunc(arr)
    return _out(_finish(_place(arr.astype(dt.np), device), requires_grad), out)


@public
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_range_args("logspace", start, end, steps)
    dt = _dtype_or_default(dtype)
    exps = linspace(start, end, steps, dtype=D.float64)._value
    arr = np.power(base, np.asarray(exps))
    return _out(_finish(_place(arr.astype(dt.np), device), requires_grad), out)


@public
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    dt = _dtype_or_default(dtype)
    return _out(_finish(_place(np.eye(n, n if m is None else m, dtype=dt.np), device), requires_grad), out)


def _gen(generator):
    return _random.default_generator if generator is None else generator


@public
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    dt = _dtype_or_default(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{dt.name}'")
    arr = _gen(generator).uniform(_size(size, kw), dt.np)
    return _out(_finish(_place(arr, device), requires_grad), out)


@public
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    dt = _dtype_or_default(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{dt.name}'")
    arr = _gen(generator).normal(_size(size, kw), dt.np)
    return _out(_finish(_place(arr, device), requires_grad), out)


@public
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _drawn_like(input, memory_format, lambda shape, rg: rand(*shape, dtype=dt, device=dev, requires_grad=rg),
                       requires_grad)


@public
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _drawn_like(input, memory_format, lambda shape, rg: randn(*shape, dtype=dt, device=dev, requires_grad=rg),
                       requires_grad)


@public
def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    """randint(high, size) or randint(low, high, size)."""
    if "size" in kw:
        args = args + (kw.pop("size"),)
    if "high" in kw:
        args = ((kw.pop("low"),) if "low" in kw else ()) + (kw.pop("high"),) + args
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    low, high = int(_num(low)), int(_num(high))
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    arr = _gen(generator).randint(low, high, _size((size,)))
    return _out(_finish(_place(arr.astype(dt.np), device), requires_grad), out)


@public
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    if high is None:
        low, high = 0, low
    dt, dev = _like(input, dtype, device)
    return _drawn_like(input, memory_format, lambda shape, rg: randint(low, high, shape, dtype=dt, device=dev),
                       False)


@public
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    arr = _gen(generator).randperm(int(n))
    return _out(_finish(_place(arr.astype(dt.np), device), requires_grad), out)


@public
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """normal(mean, std, size) with floats, or with tensor mean/std (broadcast together)."""
    g = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        # torch: draw normal(0, std or 1) into the output, then mul_(std) / add_(mean) in its dtype
        m = mean._value if isinstance(mean, Tensor) else mean
        s = std._value if isinstance(std, Tensor) else std
        ref = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        if isinstance(s, (int, float)) and s < 0 or isinstance(std, Tensor) and bool(np.any(np.asarray(s) < 0)):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        dt = ref._value.dtype
        if isinstance(std, Tensor):
            arr = g.normal(shape, dt, 0.0, 1.0) * np.asarray(s, dt)
        else:
            arr = g.normal(shape, dt, 0.0, float(s))
        arr = (np.asarray(arr, dt) + np.asarray(m, dt)).astype(dt)
        res = _finish(_place(arr, ref.device), requires_grad)
        graph = [t for t in (mean, std) if isinstance(t, Tensor) and t.requires_grad]
        if graph:  # torch's NormalBackward: in the graph of mean/std, with zero gradients
            res = apply(_normal_node, *graph, res._value)
        return _out(res, out)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dt = _dtype_or_default(dtype)
    arr = g.normal(_size((size,)) if size is not None else (), dt.np, mean, std)
    return _out(_finish(_place(arr, device), requires_grad), out)


@public
def bernoulli(input, p=None, *, generator=None, out=None):
    """Draw 0/1 with probability ``input`` (or ``p``), in input's dtype."""
    if out is not None:
        from .signature import check_out_overlap
        check_out_overlap(out, input)
    probs = np.asarray(input._value) if p is None else np.full(input.shape, p, np.float64)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    # torch compares a uniform of p's precision (53 bits for double, else 24) with p
    arr = _gen(generator).bernoulli(probs, input._value.dtype)
    res = Tensor._wrap(_place(arr, input.device))
    if input.requires_grad:  # torch's BernoulliBackward0: in the graph, with a zero gradient
        res = apply(_bernoulli_node, input, res._value)
    return _out(res, out)


_normal_node = Op("normal", lambda *xs: xs[-1], backward_name="NormalBackward3")
_bernoulli_node = Op("bernoulli", lambda x, draw: draw, backward_name="BernoulliBackward0")


@public
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    from .._tensor import _type_name
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if input.ndim and input.shape[-1] > 2 ** 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_type_name(input.dtype)}")
    if out is not None and out.dtype is not D.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {_type_name(out.dtype)}")
    probs = np.asarray(input._value, np.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if np.any(probs < 0) or not np.all(np.isfinite(probs)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    g = _gen(generator)
    for row in rows:
        if row.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    dt = input._value.dtype
    if not replacement or num_samples == 1:
        # torch: argmax/topk of p / q with q ~ Exp(1) drawn in p's dtype (the exponential trick)
        q = g.exponential(rows.shape, 1.0).astype(dt)
        with np.errstate(divide="ignore", invalid="ignore"):
            key = (np.asarray(input._value).reshape(rows.shape) / q).astype(dt).astype(np.float64)
        res = np.argsort(-key, axis=1, kind="stable")[:, :num_samples]
    else:
        # torch: per row, normalised cumulative sums in p's dtype, one 53-bit uniform per sample,
        # binary search for the first bucket whose cumulative probability is >= the sample
        res = np.zeros((rows.shape[0], num_samples), np.int64)
        acc = np.float32 if dt.itemsize < 4 else dt
        for r, row in enumerate(np.asarray(input._value).reshape(rows.shape)):
            cum = np.cumsum(row.astype(acc), dtype=acc)
            total = cum[-1]
            if total > 0:
                cum = (cum / total).astype(acc)
            u = g.uniform((num_samples,), np.float64)
            res[r] = np.minimum(np.searchsorted(cum.astype(np.float64), u, side="left"), len(row) - 1)
    res = res.reshape(probs.shape[:-1] + (num_samples,))
    return _out(Tensor._wrap(_place(res, input.device)), out)


@public
def poisson(input, generator=None):
    rng = np.random.default_rng(int(_gen(generator).randint(0, 2 ** 62, (1,))[0]))
    arr = rng.poisson(np.asarray(input._value)).astype(input._value.dtype)
    return Tensor._wrap(_place(arr, input.device))


_above.tensor, _above.zeros = tensor, zeros  # Tensor(data) and Tensor._assign(non-Tensor) use them
