"""Collects ONNX nodes, initializers and unique value names while a graph is converted."""
from __future__ import annotations

import numpy as np


class T:
    """A tensor value during conversion: its ONNX name and the real value from the example run
    (for shapes and dtypes)."""

    def __init__(self, name: str, value):
        self.name = name
        self.value = value

    @property
    def shape(self):
        return tuple(int(s) for s in self.value.shape)

    @property
    def ndim(self):
        return len(self.value.shape)

    @property
    def np_dtype(self):
        return np.asarray(self.value.detach()._value).dtype


class Builder:
    def __init__(self, opset: int):
        from onnx import helper
        self.helper = helper
        self.opset = opset
        self.nodes: list = []
        self.initializers: list = []
        self._names: set = set()
        self._init_by_id: dict = {}
        self._count = 0

    def fresh(self, hint: str) -> str:
        name = hint
        while name in self._names:
            self._count += 1
            name = f"{hint}_{self._count}"
        self._names.add(name)
        return name

    def op(self, op_type: str, inputs: list, n_out: int = 1, name: str | None = None, **attrs):
        outs = [self.fresh(name or op_type.lower()) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outs, name=self.fresh("node_" + outs[0]),
                                                **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, value, dtype=None, hint: str = "const") -> str:
        from onnx import numpy_helper
        arr = np.asarray(value, dtype=dtype)
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(arr, name))
        return name

    def weight(self, tensor, name: str) -> str:
        """An initializer holding a module's parameter or buffer (added once per tensor)."""
        key = id(tensor)
        if key not in self._init_by_id:
            from onnx import numpy_helper
            arr = np.asarray(tensor.detach()._value)
            n = self.fresh(name)
            self.initializers.append(numpy_helper.from_array(arr, n))
            self._init_by_id[key] = (n, tensor)
        return self._init_by_id[key][0]

    def ints(self, values, hint="shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), hint=hint)
