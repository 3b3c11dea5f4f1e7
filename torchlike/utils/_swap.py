"""torch.utils.swap_tensors: exchange two tensors' contents in place."""
from .._tensor import Tensor


def swap_tensors(t1, t2):
    """Swap everything two tensors hold — value, version counter, autograd state, Python attributes and
    class (a Parameter and a plain tensor trade types) — so every reference to ``t1`` sees what ``t2``
    held and the other way round, as torch's ``swap_tensors``. Tensors that are views or have views
    are refused: their write-through links would then point at the wrong tensor."""
    if not isinstance(t1, Tensor) or not isinstance(t2, Tensor):
        raise RuntimeError(f"swap_tensors: expected two Tensors, got {type(t1).__name__} and "
                           f"{type(t2).__name__}")
    for t in (t1, t2):
        if t._view is not None or t._views:
            raise RuntimeError("swap_tensors: cannot swap a tensor that is a view or has views")
    t1._value, t2._value = t2._value, t1._value
    t1._version_box, t2._version_box = t2._version_box, t1._version_box
    d1, d2 = dict(t1.__dict__), dict(t2.__dict__)
    for d in (d1, d2):
        d.pop("_accum", None)  # a gradient accumulator belongs to the object: each gets a fresh one
    t1.__dict__.clear()
    t1.__dict__.update(d2)
    t2.__dict__.clear()
    t2.__dict__.update(d1)
    t1.__class__, t2.__class__ = t2.__class__, t1.__class__
