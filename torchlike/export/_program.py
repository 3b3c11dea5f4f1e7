"""torch.export.ExportedProgram, and save/load of one to a file."""
from __future__ import annotations

import copy
import io
import math
import pickle
import zipfile

from ..fx import GraphModule
from ._dims import _Dim, linear_expr

__all__ = ["ExportedProgram", "save", "load"]


class _ValueRange:
    def __init__(self, lower, upper):
        self.lower, self.upper = lower, upper

    def __repr__(self):
        upper = "int_oo" if self.upper == math.inf else self.upper
        return f"VR[{self.lower}, {upper}]"

    def __eq__(self, other):
        return isinstance(other, _ValueRange) and (self.lower, self.upper) == (other.lower, other.upper)


class _Guards:
    """The input checks ``ep.module()`` runs before its graph (torch's ``_guards_fn``): every
    dimension equals the example's unless it is a Dim, which must lie in its range; dimensions
    sharing a Dim must agree, and a derived Dim (``2*b + 1``) must follow its root's value."""

    def __init__(self, per_input: dict, names: list):
        self.per_input = per_input
        self.names = names

    def __call__(self, module, args, kwargs):
        values = dict(zip(self.names, args))
        values.update({k: v for k, v in kwargs.items() if k in self.per_input})
        roots: dict = {}  # root Dim -> (its value, the size it was read from, that size's Dim)
        for name, (ndim, dims) in self.per_input.items():
            if name not in values:
                continue
            x = values[name]
            if x.dim() != ndim:
                raise AssertionError(f"Guard failed: {name}.dim() == {ndim}")
            for i, want in dims.items():
                got, src = x.size()[i], f"{name}.size()[{i}]"
                if isinstance(want, _Dim):
                    self._check_dim(roots, want, got, src)
                elif got != want:
                    raise AssertionError(f"Guard failed: {src} == {want}")
        return None

    @staticmethod
    def _check_dim(roots, want, got, src):
        root = want.root
        if root in roots:
            value, first_src, first = roots[root]
            if got != want.coeff * value + want.offset:
                # written as torch writes it: this size in terms of the one first read for the root
                if want.coeff == first.coeff == 1 and want.offset == first.offset:
                    rhs = first_src
                elif want.coeff == first.coeff == 1:  # torch solves for the first size: x == -1 + y
                    raise AssertionError(f"Guard failed: {first_src} == {first.offset - want.offset} + {src}")
                else:
                    rhs = f"{linear_expr(want.coeff, f'(({first_src} - {first.offset}) // {first.coeff})', 0)}"
                    rhs = linear_expr(1, rhs, want.offset)
                raise AssertionError(f"Guard failed: {src} == {rhs}")
            return
        if (got - want.offset) % want.coeff:
            raise AssertionError(f"Guard failed: Eq(Mod({linear_expr(1, src, -want.offset)}, {want.coeff}), 0)")
        value = (got - want.offset) // want.coeff
        if value < root.min:
            raise AssertionError(f"Guard failed: {src} >= {want.coeff * root.min + want.offset}")
        if value > root.max:
            raise AssertionError(f"Guard failed: {src} <= {want.coeff * root.max + want.offset}")
        roots[root] = (value, src, want)

    def range_constraints(self) -> dict:
        out = {}
        for _, dims in self.per_input.values():
            for d in dims.values():
                if isinstance(d, _Dim):
                    out[d.__name__] = _ValueRange(d.min, d.max)
                    out.setdefault(d.root.__name__, _ValueRange(d.root.min, d.root.max))
        return out


class ExportedProgram:
    """A captured program (torch.export.ExportedProgram): ``graph_module`` with parameters and
    buffers as inputs, its ``graph_signature``, the ``state_dict``, and ``module()`` to run it."""

    def __init__(self, graph_module: GraphModule, unlifted: GraphModule, graph_signature, state_dict: dict,
                 guards: _Guards, constants: dict | None = None, example_inputs=None):
        self._graph_module = graph_module
        self._unlifted = unlifted
        self._graph_signature = graph_signature
        self._state_dict = state_dict
        self._guards = guards
        self._constants = constants or {}
        self.example_inputs = example_inputs
        self.verifiers = []
        self.module_call_graph = []

    @property
    def graph_module(self) -> GraphModule:
        return self._graph_module

    @property
    def graph(self):
        return self._graph_module.graph

    @property
    def graph_signature(self):
        return self._graph_signature

    @property
    def state_dict(self) -> dict:
        return self._state_dict

    @property
    def constants(self) -> dict:
        return self._constants

    @property
    def tensor_constants(self) -> dict:
        return self._constants

    @property
    def range_constraints(self) -> dict:
        return self._guards.range_constraints()

    @property
    def call_spec(self):
        return None

    def parameters(self):
        yield from (v for k, v in self._state_dict.items() if k in self._graph_signature.parameters)

    def named_parameters(self):
        yield from ((k, v) for k, v in self._state_dict.items() if k in self._graph_signature.parameters)

    def buffers(self):
        yield from (v for k, v in self._state_dict.items() if k in self._graph_signature.buffers)

    def named_buffers(self):
        yield from ((k, v) for k, v in self._state_dict.items() if k in self._graph_signature.buffers)

    def module(self) -> GraphModule:
        """A GraphModule that takes the user inputs, holds the parameters and buffers (shared with
        this program) and checks its inputs' shapes first."""
        gm = GraphModule(self._unlifted, copy.deepcopy(self._unlifted.graph), "GraphModule")
        gm.register_forward_pre_hook(self._guards, with_kwargs=True)
        return gm

    def run_decompositions(self, decomp_table=None, decompose_custom_triton_ops: bool = False) -> "ExportedProgram":
        """torch lowers the graph to core ATen here; torchlike's graph is already made of torch
        functions that run as JAX programs, so this returns an equivalent program unchanged."""
        return ExportedProgram(self._graph_module, self._unlifted, self._graph_signature, self._state_dict,
                               self._guards, self._constants, self.example_inputs)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Unable to call ExportedProgram directly. You should use `exported_program.module()` "
                           "instead.")

    def __str__(self):
        code = self._graph_module.print_readable(print_output=False)
        code = code.replace("\n", "\n    ")
        return (f"ExportedProgram:\n    {code}\nGraph signature: {self._graph_signature}\n"
                f"Range constraints: {self.range_constraints}\n")

    __repr__ = __str__


_ARCHIVE_VERSION = "torchlike-export/1"


def save(ep: ExportedProgram, f, *, extra_files: dict | None = None, opset_version=None,
         pickle_protocol: int = 2) -> None:
    """Write ``ep`` to ``f`` (a path or binary file) as a zip archive (torch.export.save). The file
    is torchlike's own format: torch's ``.pt2`` archives hold ATen graphs, which torchlike neither
    writes nor reads."""
    if not isinstance(ep, ExportedProgram):
        raise TypeError(f"The 'ep' parameter must be an instance of 'ExportedProgram', got '{type(ep).__name__}' "
                        "instead.")
    payload = pickle.dumps(ep, protocol=max(pickle_protocol, 2))
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("archive/version", _ARCHIVE_VERSION)
        z.writestr("archive/program.pkl", payload)
        for name, content in (extra_files or {}).items():
            z.writestr(f"archive/extra/{name}", content)


def load(f, *, extra_files: dict | None = None, expected_opset_version=None) -> ExportedProgram:
    """Read an ExportedProgram written by :func:`save` (torch.export.load)."""
    if isinstance(f, (bytes, bytearray)):
        f = io.BytesIO(f)
    with zipfile.ZipFile(f) as z:
        version = z.read("archive/version").decode()
        if version != _ARCHIVE_VERSION:
            raise RuntimeError(f"Unsupported exported-program archive version {version!r} "
                               f"(expected {_ARCHIVE_VERSION!r})")
        ep = pickle.loads(z.read("archive/program.pkl"))
        if extra_files is not None:
            for name in list(extra_files):
                extra_files[name] = z.read(f"archive/extra/{name}").decode()
    return ep
