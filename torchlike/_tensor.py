"""Tensor: one jax.Array (or JAX tracer) plus torch's autograd and view bookkeeping.

No math lives here: arithmetic methods and operators are bound from ``torchlike.ops`` (see
``ops/methods.py``). This file holds what a Tensor *is*: value, dtype/device/shape accessors,
conversions to Python and numpy, autograd fields, and the in-place/view machinery that makes
``x[0].fill_(1)`` or ``w.data.zero_()`` write into the tensor they came from.
"""
from __future__ import annotations

import math
import warnings
import weakref

import jax
import numpy as np
from jax._src.array import ArrayImpl as _ArrayImpl

from . import _device as _dev
from . import _dtype as D
from . import _layout
from . import _strides
from . import _trace_hooks as _trace
from ._above import above
from ._handles import add_hook, hooks_of
from ._size import Size
from .autograd import grad_mode


_tuple_new = tuple.__new__


class Tensor:
    """A torch.Tensor over a JAX array.

    Legacy constructor forms work as in torch: ``Tensor(2, 3)`` (uninitialised float32 of that
    shape — here zero-filled), ``Tensor([1, 2])`` (float32 data), ``Tensor()`` (empty).

    ``_value`` is a JAX array — or, for tensors made by the data pipeline (dataset transforms,
    ``default_collate``), a numpy array, so that CPU-side preprocessing does not dispatch a JAX op per
    sample; the first op on it converts it. Every write to ``_value`` outside tracing goes through
    :meth:`_write_value` (or :meth:`_assign` for autograd-visible writes), which bumps the version
    counter and keeps views in step.
    """

    __slots__ = ("_value", "_version_box", "__weakref__", "__dict__")
    # rarely-set state: class-level defaults, overridden per instance only when used (cheap creation)
    _requires_grad = False
    _grad = None
    grad_fn = None
    _output_nr = 0
    _view = None
    _views = None
    _accum = None
    _hooks = None
    _post_acc_hooks = None
    _retains_grad = False

    # ------------------------------------------------------------------ construction
    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], Tensor) and not kwargs:
            return args[0]
        device = kwargs.pop("device", None)
        if len(args) == 1 and not isinstance(args[0], int) or not args and "size" not in kwargs:
            data = args[0] if args else []
            t = above.tensor(data, dtype=D.get_default_dtype(), device=device)
        else:
            size = args if args else kwargs["size"]
            t = above.zeros(*size, dtype=D.get_default_dtype(), device=device)
        return cls._wrap(t._value) if cls is not Tensor else t

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def _wrap(cls, value, requires_grad=False):
        t = object.__new__(cls)
        t._value = value
        t._version_box = [0]
        if requires_grad:
            t._requires_grad = True
        if grad_mode.INFERENCE_SCOPES[0]:  # some thread is inside inference_mode(): tensors made there are inference tensors
            from .autograd.grad_mode import is_inference_mode_enabled
            if is_inference_mode_enabled():
                t._inference = True
        return t

    def is_inference(self) -> bool:
        """torch's inference tensors: those created inside ``inference_mode()``; a view answers as its base."""
        return self.__dict__.get("_inference", False)

    def _copy_state_from(self, other):
        self._value, self._version_box = other._value, other._version_box
        self.__dict__.update(other.__dict__)

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self) -> Size:
        return _tuple_new(Size, self._value.shape)  # array shapes are tuples of ints already: no per-dim int()

    def size(self, dim=None):
        if dim is None:
            return _tuple_new(Size, self._value.shape)
        return self._value.shape[_wrap_dim(dim, self._value.ndim)]

    def dim(self) -> int:
        return self._value.ndim

    ndim = property(dim)

    def ndimension(self) -> int:
        return self._value.ndim

    def nelement(self) -> int:
        return math.prod(self._value.shape)

    numel = nelement

    @property
    def dtype(self) -> D.dtype:
        return D._BY_NP[self._value.dtype]

    @property
    def device(self) -> _dev.device:
        v = self._value
        if isinstance(v, jax.core.Tracer):
            return _dev.default_device()
        try:
            devs = v.devices()
        except AttributeError:
            return _dev.device("meta") if isinstance(v, jax.ShapeDtypeStruct) else _dev.device("cpu")
        return _dev.from_jax_device(next(iter(devs)))

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    # torch's other ``is_<device>`` flags: true only on a device of that type, which torchlike never
    # creates (a TPU or GPU array reports its own type), so code probing them takes its CPU/CUDA path
    is_xpu = property(lambda self: self.device.type == "xpu")
    is_mps = property(lambda self: self.device.type == "mps")
    is_xla = property(lambda self: self.device.type == "xla")
    is_ipu = property(lambda self: self.device.type == "ipu")
    is_maia = property(lambda self: self.device.type == "maia")
    is_mtia = property(lambda self: self.device.type == "mtia")
    is_vulkan = property(lambda self: self.device.type == "vulkan")

    is_sparse = False
    is_quantized = False
    @property
    def is_meta(self) -> bool:
        """True for a meta tensor (a value that is a ``jax.ShapeDtypeStruct``: shape and dtype, no data)."""
        return isinstance(self._value, jax.ShapeDtypeStruct)

    is_mkldnn = False
    is_nested = False
    is_sparse_csr = False
    layout = _layout.strided

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def element_size(self) -> int:
        return self._value.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._value.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.nelement() * self._value.dtype.itemsize

    def stride(self, dim=None):
        """Strides in elements, as torch reports them: row-major for a fresh tensor, derived from the
        base for a view (see ``_strides``)."""
        strides = self.__dict__.get("_strides")
        if strides.__class__ is not tuple:  # None (contiguous) or a pointwise result's pending strides
            strides = (strides is not None and _strides.resolve(self)) or _strides.contiguous_strides(
                self._value.shape)
        return strides if dim is None else strides[_wrap_dim(dim, len(strides))]

    def is_contiguous(self, memory_format=None) -> bool:
        """torch's contiguity test of ``stride()`` for ``memory_format`` (default contiguous_format)."""
        s = self.__dict__.get("_strides")
        name = "contiguous_format" if memory_format is None else memory_format.name
        if s is None and name in ("contiguous_format", "preserve_format"):
            return True
        return _strides.is_contiguous_as(tuple(self._value.shape), self.stride(), name)

    def storage_offset(self) -> int:
        return self.__dict__.get("_offset", 0)

    def untyped_storage(self):
        """The memory this tensor views: one per root tensor, shared by its views, detach() and .data."""
        return _strides.UntypedStorage(self._view[0] if self._view is not None else self)

    def data_ptr(self) -> int:
        """The storage's address plus ``storage_offset() * element_size()``; 0 for a tensor with no
        elements, as torch (whose empty tensors point at nothing, whatever their storage)."""
        if not self._value.size:
            return 0
        return self.untyped_storage().data_ptr() + self.storage_offset() * self.element_size()

    def pin_memory(self, device=None):
        """A copy marked pinned. XLA manages host buffers itself (a CPU array is already the staging
        buffer of a device transfer), so pinning changes nothing about speed or placement here."""
        out = Tensor._wrap(self._value)
        out._pinned = True
        return out

    def is_pinned(self, device=None) -> bool:
        return self.__dict__.get("_pinned", False)

    def share_memory_(self):
        """torch moves the storage into shared memory. A JAX array cannot live there, so this warns once
        (other processes get copies: see ``torchlike.multiprocessing``) and returns ``self`` unchanged."""
        above.warn_not_shared()
        return self

    def is_shared(self) -> bool:
        """Always False: torchlike tensors are never in shared memory (``share_memory_``)."""
        return False

    # ------------------------------------------------------------------ autograd fields
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad or self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                                   "to use a computed variable in a subgraph that doesn't require "
                                   "differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
                "instead.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: expected {self.dtype}, got {value.dtype}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(f"assigned grad has data of a different size: expected {list(self.shape)}, got {list(value.shape)}")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self):
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self._retains_grad:
            node = self.grad_fn
            if node.retained is None:
                node.retained = {}
            node.retained[self._output_nr] = weakref.ref(self)
            self._retains_grad = True

    @property
    def _version(self) -> int:
        return self._version_box[0]

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        return add_hook(hooks_of(self, "_hooks"), hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return add_hook(hooks_of(self, "_post_acc_hooks"), hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (torch.Tensor.backward)."""
        above.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing this one's data, outside the graph (in-place changes are seen by both)."""
        return _make_view(self, None, {}, Tensor._wrap(self._value))

    def detach_(self):
        if self._view is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        return _make_view(self, "data", {}, Tensor._wrap(self._value))

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(other).__name__}")
        self._value = other._value
        _strides.set_strides(self, other.__dict__.get("_strides"), other.storage_offset())
        self._refresh_views()

    # ------------------------------------------------------------------ conversions
    def item(self):
        if self.nelement() != 1:
            raise RuntimeError(f"a Tensor with {self.nelement()} elements cannot be converted to Scalar")
        v = self._value
        if isinstance(v, jax.core.Tracer):
            from ._errors import raise_untraceable
            raise_untraceable("Tensor.item()")
        if isinstance(v, jax.ShapeDtypeStruct):
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return np.asarray(v).reshape(()).item()

    def tolist(self):
        if isinstance(self._value, jax.ShapeDtypeStruct):
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        if isinstance(self._value, jax.core.Tracer):
            from ._errors import raise_untraceable
            raise_untraceable("Tensor.tolist()")
        return np.asarray(self._value).tolist()

    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if not force and self.device.type != "cpu":
            where = "meta" if self.device.type == "meta" else f"{self.device.type}:{self.device.index or 0}"
            raise TypeError(f"can't convert {where} device type tensor to numpy. "
                            "Use Tensor.cpu() to copy the tensor to host memory first.")
        return np.array(self._value)

    def __array__(self, dtype=None, copy=None):
        if isinstance(self._value, jax.ShapeDtypeStruct):
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        a = np.asarray(self._value)
        return a.astype(dtype) if dtype is not None else a

    def __jax_array__(self):
        return self._value

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def _scalar(self, kind):
        if self.nelement() != 1:
            raise RuntimeError(f"a Tensor with {self.nelement()} elements cannot be converted to Scalar")
        return kind(self.item())

    def __bool__(self):
        if self.nelement() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        v = self._value
        if isinstance(v, jax.core.Tracer):
            from ._errors import raise_untraceable
            raise_untraceable("bool(tensor) (Python control flow on a tensor value)")
        if isinstance(v, jax.ShapeDtypeStruct):
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return bool(np.asarray(v).reshape(()))

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype.is_complex or self.nelement() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None):
        if isinstance(self._value, jax.ShapeDtypeStruct):
            return above.meta_repr(self)
        return above.repr(self)

    def __format__(self, spec):
        if self._value.ndim == 0 and not isinstance(self._value, jax.core.Tracer):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __reduce_ex__(self, protocol):
        return above.reduce(self)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.")
        new = type(self)._wrap(self._value, self._requires_grad) if type(self) is Tensor else self._shallow_clone()
        new.__dict__.update({k: __import__("copy").deepcopy(v, memo) for k, v in self.__dict__.items()
                             if k not in ("_view", "_views", "_accum")})  # the copy is a fresh, unviewed leaf
        if self._grad is not None:
            new._grad = Tensor._wrap(self._grad._value)
        memo[id(self)] = new
        return new

    def _shallow_clone(self):
        new = object.__new__(type(self))
        Tensor._copy_state_from(new, Tensor._wrap(self._value, self._requires_grad))
        return new

    # ------------------------------------------------------------------ in-place and views
    def _check_inplace(self):
        if grad_mode.is_grad_enabled():
            if self.grad_fn is None and self._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            if self._view is not None and not _is_detached(self._view[1]):
                root = self._view[0]
                if root.grad_fn is None and root._requires_grad:
                    raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                                       "in-place operation.")
                multi = self.__dict__.get("_multi_view")
                if multi is not None and root.requires_grad:
                    raise RuntimeError(f"Output {multi[1]} of {multi[0]} is a view and is being modified inplace. "
                                       "This view is the output of a function that returns multiple views. Such "
                                       "functions do not allow the output views to be modified inplace. You should "
                                       "replace the inplace operation by an out-of-place one.")

    def _assign(self, result):
        """Make ``result`` (same shape, castable dtype) the new value of this tensor, in place.

        Records the change for autograd, bumps the version counter, writes through to the base
        when this tensor is a view, and refreshes the other views of that base.
        """
        self._check_inplace()
        if not isinstance(result, Tensor):
            result = above.tensor(result, dtype=self.dtype)
        if tuple(result._value.shape) != tuple(self._value.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
        if result._value.dtype != self._value.dtype:
            if not D.can_cast(result.dtype, self.dtype):
                raise RuntimeError(f"result type {_type_name(result.dtype)} can't be cast to the desired output "
                                   f"type {_type_name(self.dtype)}")
            result = result.to(self.dtype)
        _forgive_own_version(result.grad_fn, self._version_box)
        if _trace.recorder is not None:
            _trace.recorder.written(self)
        if self._view is not None:
            _write_through(self, result)
        else:
            self._value = result._value
            if result.grad_fn is not None:
                self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
            self._version_box[0] += 1
            self._refresh_views()
        return self

    def _write_value(self, value, bumps=1):
        """Replace this tensor's value in place outside autograd (an optimizer's update, gradient
        accumulation, a compiled step's write-back): the version counter advances by ``bumps`` and the
        views are re-derived; a view writes through to its base instead (one version bump)."""
        if self._view is None:
            self._value = value
            self._version_box[0] += bumps
            self._refresh_views()
        else:
            with grad_mode.no_grad():
                self._assign(Tensor._wrap(value))

    def _refresh_views(self):
        if self._views:
            for v in list(self._views):
                _rederive(v)


def _forgive_own_version(node, box):
    # the op that computed an in-place result read the old value of the tensor it overwrites; that
    # value is captured in its VJP (torch saves it or the result), so later bumps must not invalidate it
    versions = getattr(node, "versions", None)
    if versions:
        node.versions = [(b, v, d) for b, v, d in versions if b is not box]


def _type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(d.name, d.name)


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


# ---------------------------------------------------------------------- views
# A view records (root, chain): chain is a tuple of (op, statics-items) applied to the root's value;
# op is None for detach() and "data" for .data (no autograd link). Views share the root's version
# counter; writing into a view scatters into the root, and every live view is re-derived.



def _make_view(base, op, statics, result):
    if op is None or op == "data":
        _strides.set_strides(result, base.__dict__.get("_strides"), base.storage_offset())
    else:
        strides, offset = _strides.view_strides(op.name, statics, tuple(base._value.shape), base.stride(),
                                                base.storage_offset(), tuple(result._value.shape))
        if strides is None:  # no view of that shape exists (reshape/flatten): the result is a copy, as in torch
            return result
        _strides.set_strides(result, strides, offset)
    return _link_view(base, op, statics, result)


# ------------------------------------------------------------ host views
# On the CPU backend a concrete array's memory is readable by numpy without a copy, so a view taken
# outside autograd and tracing (``data[i]`` in a Dataset, ``for row in t``, ``unbind``/``split`` of a
# tensor that needs no grad) can be a numpy view of its base: no XLA program per piece. The piece is a
# full torchlike view all the same (shared version counter, registered with its root, so a write into
# the base re-derives it as a JAX array and a write into it scatters into the base); the first op on it
# passes the numpy array to its program as any host-backed tensor (see ``Tensor``'s docstring).

HOST_VIEW_MAX_ELEMENTS = 1 << 16  # larger pieces stay device arrays: each op would copy them in again
_host_backend = []  # [bool]: whether the default backend is the CPU (decided on first use)


def _host_array(t, piece_elements):
    """``t``'s value as a numpy array sharing its memory, or None where a host view is not exact or not
    worth it: pieces of more than ``HOST_VIEW_MAX_ELEMENTS``, a tensor that requires grad under grad mode,
    a traced/meta/non-CPU value, a recorder, autocast or forward-mode AD active."""
    if piece_elements > HOST_VIEW_MAX_ELEMENTS:
        return None
    v = t._value
    cls = v.__class__
    if cls is np.ndarray:
        pass
    elif cls is not _ArrayImpl:
        return None
    elif not (_host_backend[0] if _host_backend else _decide_host_backend()):
        return None
    if (t._requires_grad or t.grad_fn is not None) and grad_mode._local.enabled:
        return None
    if _trace.recorder is not None or _trace.forward_mode:
        return None
    if above.view_chain.interceptor_beyond_meta:  # autocast, forward AD or the profiler sees every op
        return None  # (the meta hook, on for good once a meta tensor exists, never sees a concrete array)
    try:
        return np.asarray(v)
    except Exception:  # a deleted or donated buffer: the general path raises torch's error
        return None


def _decide_host_backend():
    _host_backend.append(jax.default_backend() == "cpu")
    return _host_backend[0]


def _host_view(base, op, statics, piece, offset):
    """A view of a contiguous ``base`` whose value is the numpy array ``piece`` (contiguous, at
    storage offset ``offset``), linked to the base as ``_make_view`` links a view."""
    result = Tensor._wrap(piece)
    if offset:
        result.__dict__["_offset"] = offset
    return _link_view(base, op, statics, result)


def _link_view(base, op, statics, result):
    """Register ``result`` (its strides already set) as view ``op(**statics)`` of ``base``."""
    # (kept lean: host views, one per dataset sample or row, come through here)
    bd = base.__dict__
    if bd.get("_inference") or result.__dict__.get("_inference"):  # a view is what its base is
        result.__dict__.pop("_inference", None)
        if bd.get("_inference"):
            result._inference = True
    root, chain = (base._view if base._view is not None else (base, ()))
    result._view = (root, chain + ((op, tuple(sorted(statics.items()))),))
    result._version_box = root._version_box
    if op is None or op == "data":
        result.grad_fn = None
        result._requires_grad = False
    elif "_multi_view" in bd:  # a view of an unbind/split output inherits its restriction
        result._multi_view = base._multi_view
    views = root._views
    if views is None:
        views = root._views = weakref.WeakSet()
    views.add(result)
    return result


def _split_storage(t):
    """Make a tensor that owns its storage a view of a hidden root holding that storage (value,
    strides, version counter, autograd node), with its views re-pointed at the root, so an in-place
    change of ``t``'s geometry (``as_strided_``) leaves the storage and the other views as they were."""
    if t._view is not None:
        return
    root = object.__new__(type(t))
    root._value, root._version_box = t._value, t._version_box
    root.__dict__.update({k: v for k, v in t.__dict__.items() if k not in ("_grad", "_views")})
    root._views = weakref.WeakSet()
    for v in list(t._views or ()):
        v._view = (root, v._view[1])
        root._views.add(v)
    t._views = None
    t._view = (root, ())
    root._views.add(t)


def _become_view(t, view):
    """``t`` (already a view of the same root) takes ``view``'s value, geometry and autograd node.
    (``view`` stays registered with the root until collected: WeakSet removal compares tensors.)"""
    root = view._view[0]
    t._view, t._value = view._view, view._value
    _strides.set_strides(t, view.__dict__.get("_strides"), view.storage_offset())
    if view.grad_fn is not None:
        t.grad_fn, t._output_nr = view.grad_fn, view._output_nr
    t._version_box[0] += 1
    root._refresh_views()


def _chain_fn(chain):
    def f(a):
        for op, items in chain:
            if op is not None and op != "data":
                a = op.fwd(a, **dict(items))
        return a
    return f


def _is_detached(chain):
    return any(op is None or op == "data" for op, _ in chain)


def _rederive(view):
    root, chain = view._view
    if _is_detached(chain) or not (grad_mode.is_grad_enabled() and root.requires_grad):
        view._value = _view_value(chain, root._value)
        if not _is_detached(chain):
            view.grad_fn = None
        return
    t = root
    for op, items in chain:
        t = above.apply(op, t, **dict(items))
    view._value, view.grad_fn, view._output_nr = t._value, t.grad_fn, t._output_nr


_view_jit_cache = {}


def _view_value(chain, value):
    """Re-read a view from its base: one program per chain shape, positions as operands."""
    codec = above.view_chain
    key, pos = codec.split_chain(chain)
    fn = _view_jit_cache.get(key)
    if fn is None:
        if len(_view_jit_cache) >= codec.MAX_PROGRAMS:
            del _view_jit_cache[next(iter(_view_jit_cache))]
        fn = _view_jit_cache[key] = jax.jit(lambda v, p: _chain_fn(codec.join_chain(key, p))(v))
    if isinstance(value, jax.ShapeDtypeStruct):  # a meta base: the view's shape and dtype only
        return jax.eval_shape(fn, value, np.asarray(pos, np.int64))
    return fn(value, np.asarray(pos, np.int64))


def _write_through(view, result):
    root, chain = view._view
    record = (grad_mode.is_grad_enabled() and not _is_detached(chain)
              and (root.requires_grad or result.requires_grad))
    if record:
        new_root = above.view_scatter(root, result, chain)
        root._value = new_root._value
        root.grad_fn, root._output_nr = new_root.grad_fn, new_root._output_nr
    else:
        with grad_mode.no_grad():
            root._value = above.view_scatter(root, result, chain)._value
    if not any(op == "data" for op, _ in chain):
        root._version_box[0] += 1
    root._refresh_views()


above.Tensor = Tensor  # the autograd graph (below Tensor) wraps gradients with it
