"""Complex numbers: conj, real/imag (Tensor properties too), angle, is_conj/is_neg and the
resolve_* no-ops, isreal, complex, polar, view_as_real/view_as_complex.

JAX arrays have no conjugate/negative bits, so conj is a copy and the resolve_* functions return
their input; view_as_real/view_as_complex return copies, not views."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .declare import public
from .out import write_out
from .registry import Op, apply

_conj_op = Op("conj", jnp.conj, saves=False)


_real_op = Op("real", jnp.real, saves=False)


_imag_op = Op("imag", jnp.imag, saves=False)


_angle_op = Op("angle", lambda x: jnp.angle(x) if jnp.issubdtype(x.dtype, jnp.inexact) else
               jnp.where(x < 0, jnp.pi, 0.0).astype(jnp.float32), promote="none")


@public(method=True)
def conj(input):
    """The complex conjugate; real tensors are returned unchanged (as torch's conj view)."""
    return apply(_conj_op, input) if input.dtype.is_complex else input


@public(method=True, inplace=True, torch_inplace=True)
def conj_physical(input, *, out=None):
    """The conjugate as a new tensor (conj here too: torchlike has no lazy conjugate bit)."""
    return write_out(conj(input), out)


@public(method=True)
def resolve_conj(input):
    return input


@public(method=True)
def resolve_neg(input):
    return input


@public(method=True)
def is_conj(input):
    return False


@public(method=True)
def is_neg(input):
    return False


@public(prop=True)
def real(input):
    return apply(_real_op, input) if input.dtype.is_complex else input


@public(prop=True)
def imag(input):
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(_imag_op, input)


@public(method=True)
def angle(input, *, out=None):
    """0 for non-negative reals, pi for negatives (NaN stays NaN); the argument for complex."""
    return write_out(apply(_angle_op, input), out)


_isreal = Op("isreal", lambda x: jnp.imag(x) == 0 if jnp.iscomplexobj(x) else jnp.ones(x.shape, bool),
             differentiable=False)


@public(method=True)
def isreal(input):
    """True where the element has no imaginary part (all True for real dtypes)."""
    return apply(_isreal, input)


def _check_same_float(a, b, name, out=None):
    """torch's checks for complex/polar: both Half/Float/Double, the same dtype, and ``out`` exactly the
    matching complex dtype."""
    from .._tensor import _type_name
    floats = (D.float32, D.float64, D.float16)
    if a.dtype not in floats or b.dtype not in floats:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {_type_name(a.dtype)} "
                           f"and {_type_name(b.dtype)}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {_type_name(a.dtype)} but got scalar type "
                           f"{_type_name(b.dtype)} for second argument")
    want = {D.float32: D.complex64, D.float64: D.complex128}.get(a.dtype)  # no complex32 in torchlike
    if out is not None and want is not None and out.dtype is not want:
        raise RuntimeError(f"Expected object of scalar type {_type_name(want)} but got scalar type "
                           f"{_type_name(out.dtype)} for argument 'out'")


def _cdtype(x):
    return np.complex128 if x.dtype == np.float64 else np.complex64


_complex = Op("complex", lambda re, im: re.astype(_cdtype(re)) + 1j * im.astype(_cdtype(im)))


_polar = Op("polar", lambda r, th: (r * jnp.cos(th)).astype(_cdtype(r)) + 1j * (r * jnp.sin(th)).astype(_cdtype(r)))


@public
def complex(real, imag, *, out=None):
    """``real + 1j * imag`` (both Half/Float/Double of the same dtype; broadcast)."""
    _check_same_float(real, imag, "complex", out)
    return write_out(apply(_complex, real, imag), out)


@public
def polar(abs, angle, *, out=None):
    """``abs * (cos(angle) + 1j * sin(angle))``."""
    _check_same_float(abs, angle, "polar", out)
    return write_out(apply(_polar, abs, angle), out)


_view_as_complex = Op("view_as_complex", lambda x: x[..., 0].astype(_cdtype(x)) + 1j * x[..., 1].astype(_cdtype(x)))


_view_as_real = Op("view_as_real", lambda x: jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1))


@public
def view_as_complex(input):
    """Complex tensor from a float tensor whose last dimension has size 2 (a copy here, not a view)."""
    if input.dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"view_as_complex is only supported for floating point tensors, but got a tensor of "
                           f"scalar type: {input.dtype}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return apply(_view_as_complex, input)


@public
def view_as_real(input):
    """Float tensor with a trailing dimension of size 2 (real, imag) (a copy here, not a view)."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(_view_as_real, input)
