"""torch.distributions.utils: parameter broadcasting, probs/logits conversion, ``lazy_property``."""
from __future__ import annotations

from numbers import Number

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def _t():
    import torchlike
    return torchlike


def broadcast_all(*values):
    """Broadcast tensors and numbers together; numbers become tensors of the tensors' dtype/device
    (the default dtype when all are numbers), as torch's ``broadcast_all``."""
    torch = _t()
    if not all(isinstance(v, (torch.Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, torch.Tensor) for v in values):
        options = dict(dtype=torch.get_default_dtype())
        for v in values:
            if isinstance(v, torch.Tensor):
                options = dict(dtype=v.dtype, device=v.device)
                break
        values = [v if isinstance(v, torch.Tensor) else torch.tensor(v, **options) for v in values]
    shape = torch.broadcast_shapes(*(v.shape for v in values))
    # tensors that already have the broadcast shape are returned as they are (torch's identity too)
    return tuple(v if v.shape == shape else v.expand(shape) for v in values)



def set_count_and_param(dist, total_count, probs, logits):
    """Binomial and NegativeBinomial: exactly one of ``probs``/``logits``, broadcast with ``total_count``
    (which takes its dtype); the given one is also ``dist._param``."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    if probs is not None:
        dist.total_count, dist.probs = broadcast_all(total_count, probs)
        dist._param = dist.probs
    else:
        dist.total_count, dist.logits = broadcast_all(total_count, logits)
        dist._param = dist.logits
    dist.total_count = dist.total_count.type_as(dist._param)

def _standard_normal(shape, dtype, device):
    return _t().normal(_t().zeros(shape, dtype=dtype, device=device), _t().ones(shape, dtype=dtype, device=device))


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return _t().sigmoid(logits)
    return _t().softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp to ``[eps, 1 - eps]`` with the dtype's machine epsilon, as torch does."""
    eps = _t().finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps = clamp_probs(probs)
    if is_binary:
        return _t().log(ps) - _t().log1p(-ps)
    return _t().log(ps)


class lazy_property:
    """A cached attribute computed on first access (``probs`` from ``logits`` and back); with grad
    enabled the computation is recorded, as in torch."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = getattr(wrapped, "__doc__", None)
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with _t().enable_grad():
            value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped):
        property.__init__(self, wrapped)
        lazy_property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag=0):
    n = mat.shape[-1]
    if not _t().jit.is_scripting() and isinstance(diag, int) and (diag >= n or diag < -n):
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    arange = _t().arange(n, device=mat.device)
    tril_mask = arange < arange.view(-1, 1) + (diag + 1)
    return mat[..., tril_mask]


def vec_to_tril_matrix(vec, diag=0):
    import math
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = _t().finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    n = round(n) if isinstance(n, float) else math.floor(n)
    mat = vec.new_zeros(vec.shape[:-1] + (n, n))
    arange = _t().arange(n, device=vec.device)
    tril_mask = arange < arange.view(-1, 1) + (diag + 1)
    mat[..., tril_mask] = vec
    return mat


def _expand_univariate(dist, cls, batch_shape, _instance, names):
    """``expand`` for distributions whose parameters all have the batch shape: expand each parameter
    present (lazy ones only if already computed) and skip re-validation, as torch does."""
    from .._size import Size
    new = dist._get_checked_instance(cls, _instance)
    batch_shape = Size(batch_shape)
    for name in names:
        if name in dist.__dict__:
            setattr(new, name, dist.__dict__[name].expand(batch_shape))
    super(cls, new).__init__(batch_shape, validate_args=False)
    new._validate_args = dist._validate_args
    return new


def _is_number(*values):
    return all(isinstance(v, Number) for v in values)
