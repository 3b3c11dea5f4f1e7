"""repr of sparse tensors in torch's format: ``tensor(indices=tensor(...), values=tensor(...), size=..., nnz=...,
layout=torch.sparse_coo)``, the suffixes after a forced line break as torch's ``_add_suffixes`` does."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor_str import PRINT_OPTS, _tensor_str


def _part(prefix, t, indent):
    a = np.asarray(t.detach()._value)
    body = _tensor_str(a, indent + len(prefix))
    if a.size == 0:
        body += ", size=" + str(tuple(a.shape))
    return prefix + body + ")"


def _suffixes(t):
    out = []
    if t.device.type != "cpu":
        out.append(f"device='{t.device}'")
    out += ["size=" + str(tuple(t.shape)), "nnz=" + str(t._nnz())]
    if t.dtype not in (D.get_default_dtype(), D.default_complex(), D.int64, D.bool):
        out.append("dtype=" + str(t.dtype))
    out.append("layout=" + repr(t.layout))
    if t.grad_fn is not None:
        out.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        out.append("requires_grad=True")
    return out


def _join(body, suffixes, indent, force):
    parts = [body]
    last = len(body) - body.rfind("\n") + 1
    for s in suffixes:
        if force or last + len(s) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
            force = False
        else:
            parts.append(", " + s)
            last += len(s) + 2
    return "".join(parts) + ")"


def sparse_repr(t, prefix="tensor("):
    indent = len(prefix)
    body = (prefix + _part("indices=tensor(", t._idx, indent) + ",\n" + " " * indent
            + _part("values=tensor(", t._vals, indent))
    return _join(body, _suffixes(t), indent, True)


def csr_repr(t, prefix="tensor("):
    indent = len(prefix)
    body = (prefix + _part("crow_indices=tensor(", t._crow, indent) + ",\n" + " " * indent
            + _part("col_indices=tensor(", t._idx[1], indent) + ",\n" + " " * indent
            + _part("values=tensor(", t._vals, indent))
    return _join(body, _suffixes(t), indent, False)  # torch forces the break for COO only
