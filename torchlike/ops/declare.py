"""One declaration per public op: the names torch gives it are generated from here.

An op module writes its public function once and declares, next to it, every name torch gives it::

    @public(method=True, inplace=True, torch_inplace=True, aliases=("arcsin",))
    def asin(input, *, out=None): ...

which makes ``torch.asin``, ``Tensor.asin``, ``Tensor.asin_``, ``torch.asin_`` and the same four
for ``arcsin``. ``linalg=``, ``fft=`` and ``special=`` put the op in ``torch.linalg``/``torch.fft``/
``torch.special`` too (``special=("gammaln",)`` for ``lgamma``; ``function=False`` when torch has it
only there); those namespace modules are generated from :func:`namespace`. ``unary``/``binary`` in ``pointwise.py`` take the same keywords. The declaration
installs the Tensor attributes at once (a ``setattr`` at import time, nothing per call) and records
a :class:`Decl`; ``torchlike/__init__.py`` copies :func:`functions` into the ``torch.*`` namespace.
``tests/test_op_surface.py`` checks that every declared name is reachable and that no Tensor method
or ``torch.*`` op is reachable without a declaration.
"""
from __future__ import annotations

from .._tensor import Tensor

DECLS: list = []  # every Decl, in declaration order
_FUNCTIONS: dict = {}  # the generated torch.* functions (declared names, aliases, in-place functions)
NAMESPACES = ("linalg", "fft", "special")  # torch.<namespace>.* generated from declarations
_IN: dict = {ns: {} for ns in NAMESPACES}  # namespace -> {name: function}


class Decl:
    """What one declaration says about an op (see :func:`public`)."""

    __slots__ = ("name", "fn", "function", "method", "inplace", "torch_inplace", "aliases", "prop", "namespaces")

    def __init__(self, name, fn, function, method, inplace, torch_inplace, aliases, prop, namespaces=None):
        self.name, self.fn, self.function, self.method = name, fn, function, method
        self.inplace, self.torch_inplace, self.aliases, self.prop = inplace, torch_inplace, aliases, prop
        self.namespaces = namespaces or {}  # {"special": ("gammaln",)}: names in torch.<namespace>

    @property
    def names(self):
        return (self.name,) + tuple(self.aliases)

    @property
    def op(self):
        """The registry Op behind the function (its ``backward_name`` is the autograd node name), if one."""
        return getattr(self.fn, "op", None)

    @property
    def out(self):
        """Whether the function takes ``out=``."""
        import inspect
        try:
            return "out" in inspect.signature(self.fn).parameters
        except (TypeError, ValueError):
            return False

    def __repr__(self):
        return f"<decl {self.name}>"


def inplace_of(method, name):
    """``x.name_(...)``: compute ``method(x, ...)`` and write it into ``x`` (``Tensor._assign``:
    dtype castability, version bump, write-through to views)."""
    def method_(input, *args, **kwargs):
        return input._assign(method(input, *args, **kwargs))
    method_.__name__ = method_.__qualname__ = name
    return method_


def public(fn=None, *, name=None, function=True, method=False, inplace=False, torch_inplace=False,
           aliases=(), prop=False, linalg=(), fft=(), special=()):
    """Declare ``fn`` under the names torch gives it.

    function       ``torch.<name>`` is ``fn`` (False: a Tensor-only method such as ``view``)
    method         ``Tensor.<name>``: True for ``fn`` itself (``self`` is its first argument), or the
                   method to install when torch's method signature differs (``polygamma(n, self)``)
    inplace        ``Tensor.<name>_``: True to generate it from the method (or from ``fn`` when there is
                   no method: torch has ``x.fill_()`` but no ``x.fill()``), or the in-place method
    torch_inplace  ``torch.<name>_`` (torch has ``torch.relu_``, ``torch.sigmoid_``, ...): the
                   in-place method as a function; or a function to install under that name
    aliases        other names that get the same treatment (``arcsin`` for ``asin``)
    prop           ``Tensor.<name>`` is a property computed by ``fn`` (``x.real``), not a method
    linalg, fft,   ``torch.linalg.<n>`` (``torch.fft``, ``torch.special``) is ``fn``, for each name ``n``
    special        given (a name, a tuple of names, or True for ``name``)
    Returns ``fn``, so it works as a decorator and as a call.
    """
    if fn is None:
        return lambda f: public(f, name=name, function=function, method=method, inplace=inplace,
                                torch_inplace=torch_inplace, aliases=aliases, prop=prop, linalg=linalg, fft=fft,
                                special=special)
    name = name or fn.__name__
    aliases = tuple(aliases)
    fn = _numpy_compatible(fn)
    if method is not True and method:
        method = _numpy_compatible(method)
    m = None if not method else fn if method is True else method
    ip = None
    if inplace:  # from the method, or from the function when torch has x.op_() but no x.op()
        ip = inplace_of(m or fn, name + "_") if inplace is True else inplace
    tip = None
    if torch_inplace:
        tip = torch_inplace if torch_inplace is not True else ip or inplace_of(fn, name + "_")
    for n in (name,) + aliases:
        if function:
            _claim(n, fn)
        if prop:
            setattr(Tensor, n, property(fn))
        elif m is not None:
            setattr(Tensor, n, m)
        if ip is not None:
            setattr(Tensor, n + "_", ip if n == name else inplace_of(m or fn, n + "_"))
        if tip is not None:
            _claim(n + "_", tip)
    spaces = {}
    for ns, names in (("linalg", linalg), ("fft", fft), ("special", special)):
        if names:
            spaces[ns] = (name,) if names is True else (names,) if isinstance(names, str) else tuple(names)
            for n in spaces[ns]:
                _claim(n, fn, _IN[ns], f"torch.{ns}.")
    DECLS.append(Decl(name, fn, function, m, ip, tip, aliases, prop, spaces))
    return fn


_NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}


def _numpy_compatible(fn):
    """torch's argument parser also takes numpy's spellings ``axis=`` for ``dim=`` and ``keepdims=`` for
    ``keepdim=`` (torchmetrics calls ``p.sum(axis=-1)``): ops with those parameters accept them too."""
    import functools
    import inspect
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    names = {k: v for k, v in _NUMPY_NAMES.items() if v in params and k not in params}
    if not names or getattr(fn, "_numpy_names", False):
        return fn

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):  # cheap test first: this runs per call
            for k in names.keys() & kwargs.keys():
                if names[k] in kwargs:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument '{names[k]}'")
                kwargs[names[k]] = kwargs.pop(k)
        return fn(*args, **kwargs)
    op._numpy_names = True
    return op


def _claim(name, fn, table=_FUNCTIONS, prefix="torch."):
    if table.get(name, fn) is not fn:
        raise RuntimeError(f"{prefix}{name} is declared twice: {table[name]} and {fn}")
    table[name] = fn


def method(fn=None, **kw):
    """:func:`public` for a Tensor-only method (no ``torch.<name>``): ``@method(inplace=True)``."""
    if fn is None:
        return lambda f: public(f, function=False, method=True, **kw)
    return public(fn, function=False, method=True, **kw)


def functions():
    """The generated ``torch.*`` op functions, name -> function."""
    return dict(_FUNCTIONS)


def namespace(ns):
    """The generated ``torch.<ns>.*`` functions (``ns`` one of :data:`NAMESPACES`), name -> function."""
    return dict(_IN[ns])
