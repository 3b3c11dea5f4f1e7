"""RNN, LSTM, GRU and their cells, as torch defines them: constructor checks, parameter names
(``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0``), shapes, registration order and
uniform(-1/sqrt(H), 1/sqrt(H)) init; forward accepts (un)batched tensors, ``batch_first`` and
PackedSequence, with given or zero initial state. The whole stack runs as one Op (``lax.scan``)."""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ... import _functions as _fn
from ..parameter import Parameter
from .._functional import rnn as _R
from ..utils import rnn as _U
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNBase(Module):
    """Base of RNN/LSTM/GRU (torch.nn.RNNBase)."""
    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout) if isinstance(dropout, numbers.Number) and not isinstance(dropout, bool) \
            else dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _R._GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _R._GATES[mode] * hidden_size
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                real_hidden = proj_size if proj_size > 0 else hidden_size
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                params = [Parameter(_fn.empty((gate_size, layer_input), **kw)),
                          Parameter(_fn.empty((gate_size, real_hidden), **kw))]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    params += [Parameter(_fn.empty(gate_size, **kw)), Parameter(_fn.empty(gate_size, **kw))]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    params.append(Parameter(_fn.empty((proj_size, hidden_size), **kw)))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for n, p in zip(names, params):
                    setattr(self, n, p)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) if hasattr(self, n) else None for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    def flatten_parameters(self):
        """No-op: there is no cuDNN weight buffer to compact."""

    def reset_parameters(self):
        from .. import init
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "proj_size" not in self.__dict__:
            self.proj_size = 0

    # ------------------------------------------------------------------ forward
    def forward(self, input, hx=None):
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
        is_lstm = self.mode == "LSTM"
        D = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = None
        unbatched = False
        if isinstance(input, _U.PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs = tuple(int(b) for b in np.asarray(batch_sizes._value))
            gather, pack, lengths = _U._layout(bs)
            t = _U._tensor
            packed = (t(gather), t(pack), t(lengths), sorted_indices, unsorted_indices)
            batch = bs[0]
            x = data
            self._check_input(x, 2)
        else:
            x = input
            if x.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {x.dim()}D "
                                 f"{'tensor ' if name == 'RNN' else ''}instead")
            unbatched = x.dim() == 2
            self._check_input(x, x.dim())
            batch = 1 if unbatched else x.shape[0 if self.batch_first else 1]
        h = c = None
        if hx is not None:
            h, c = (hx if is_lstm else (hx, None))
            want = 2 if unbatched else 3
            dims = (h.dim(), c.dim()) if is_lstm else (h.dim(),)
            if any(d != want for d in dims):
                kind = "unbatched 2-D" if unbatched else "batched 3-D"
                if is_lstm:
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({dims[0]}-D, {dims[1]}-D) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {dims[0]}-D tensor")
            exp_h = (self.num_layers * D, batch, real_hidden)
            exp_c = (self.num_layers * D, batch, self.hidden_size)
            got_h = (tuple(h.shape[:1]) + (1,) + tuple(h.shape[1:])) if unbatched else tuple(h.shape)
            if got_h != exp_h:
                msg = "Expected hidden[0] size {}, got {}" if is_lstm else "Expected hidden size {}, got {}"
                raise RuntimeError(msg.format(exp_h, list(got_h)))
            if is_lstm:
                got_c = (tuple(c.shape[:1]) + (1,) + tuple(c.shape[1:])) if unbatched else tuple(c.shape)
                if got_c != exp_c:
                    raise RuntimeError("Expected hidden[1] size {}, got {}".format(exp_c, list(got_c)))
        res = _R.rnn_forward(self.mode, x, h, c, self._flat_weights, num_layers=self.num_layers,
                             bidirectional=self.bidirectional, has_bias=self.bias, proj_size=self.proj_size,
                             dropout=self.dropout, training=self.training, batch_first=self.batch_first,
                             unbatched=unbatched, hidden_size=self.hidden_size, packed=packed)
        out = res[0]
        if packed is not None:
            out = _U.PackedSequence(out, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        if is_lstm:
            return out, (res[1], res[2])
        return out, res[1]

    def _check_input(self, x, expected_dim):
        w = self._flat_weights[0]
        if x.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype ({w.dtype}). Convert input: "
                             f"input.to({w.dtype}), or convert model: model.to({x.dtype})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{x.shape[-1]}")


class RNN(RNNBase):
    """torch.nn.RNN (``nonlinearity`` 'tanh' or 'relu')."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def __setattr__(self, name, value):
        if name == "nonlinearity" and "_parameters" not in self.__dict__:
            object.__setattr__(self, name, value)  # set before Module.__init__, as torch does
            return
        super().__setattr__(name, value)


class LSTM(RNNBase):
    """torch.nn.LSTM (incl. ``proj_size``)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """torch.nn.GRU."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """Base of the cells: ``weight_ih`` (chunks*H, I), ``weight_hh`` (chunks*H, H), ``bias_ih``, ``bias_hh``."""
    __constants__ = ["input_size", "hidden_size", "bias"]
    _mode = "RNN_TANH"
    _name = "RNNCell"

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(_fn.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(_fn.empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(_fn.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(_fn.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        from .. import init
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _run(self, mode, input, h, c):
        if input.dim() not in (1, 2):
            raise ValueError(f"{self._name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        return _R.cell_forward(mode, input, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                               input.dim() == 1)


class RNNCell(RNNCellBase):
    """torch.nn.RNNCell."""
    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._run("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx, None)


class LSTMCell(RNNCellBase):
    """torch.nn.LSTMCell: returns (h', c')."""
    _name = "LSTMCell"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if hx is not None:
            for i, v in enumerate(hx):
                if v.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{i}] to be 1D or 2D, got {v.dim()}D instead")
        h, c = hx if hx is not None else (None, None)
        return self._run("LSTM", input, h, c)


class GRUCell(RNNCellBase):
    """torch.nn.GRUCell."""
    _name = "GRUCell"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        return self._run("GRU", input, hx, None)
