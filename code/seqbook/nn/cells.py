"""Recurrent cells from scratch: one time step of an RNN, an LSTM and a GRU.

The three step functions (`rnn_cell`, `lstm_cell`, `gru_cell`) hold all the maths; the
cell modules below and the layers in `seqbook.nn.rnn` only call them (a layer computes
the input part W_ih x_t + b_ih of all steps beforehand and passes it with w_ih=None, see
`input_projection`). The modules are drop-in replacements for `torch.nn.RNNCell`,
`LSTMCell` and `GRUCell`: same arguments, same parameter names and shapes, same
initialisation, so their state_dicts are interchangeable.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqbook.checks import (
    as_state_tuple,
    check_bool,
    check_choice,
    check_features,
    check_float_input,
    check_positive_int,
    check_state_shape,
)
from seqbook.nn.init import reset_uniform


def input_projection(x, w_ih, b_ih=None):
    """The part of a step that reads only the input: W_ih x + b_ih, for every gate at once.

    It does not depend on the state, so a layer computes it for all time steps in one
    matrix product before its loop over time and passes each step's slice with
    w_ih=None: then x is returned as it is.
    """
    return x if w_ih is None else F.linear(x, w_ih, b_ih)


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).

    With w_ih=None, x is already W_ih x + b_ih (see `input_projection`)."""
    activation = torch.tanh if nonlinearity == "tanh" else torch.relu
    return activation(input_projection(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of an LSTM: takes (h, c), returns (h', c'). Gate order: i, f, g, o.

    With w_ih=None, x is already W_ih x + b_ih (see `input_projection`)."""
    h, c = state
    gates = input_projection(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, c


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, reset_after=True):
    """One step of a GRU. Gate order: r, z, n. See `GRUCell` for the two forms.

    With w_ih=None, x is already W_ih x + b_ih (see `input_projection`)."""
    x_r, x_z, x_n = input_projection(x, w_ih, b_ih).chunk(3, dim=-1)
    if reset_after:  # PyTorch: the reset gate scales W_hn h + b_hn
        h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
    else:  # Cho et al. 2014: the reset gate scales h before W_hn
        w_hr, w_hz, w_hn = w_hh.chunk(3)
        b_hr, b_hz, b_hn = (None, None, None) if b_hh is None else b_hh.chunk(3)
        r = torch.sigmoid(x_r + F.linear(h, w_hr, b_hr))
        z = torch.sigmoid(x_z + F.linear(h, w_hz, b_hz))
        n = torch.tanh(x_n + F.linear(r * h, w_hn, b_hn))
    return (1 - z) * n + z * h


class RNNCellBase(nn.Module):
    """What the three cells share: parameters, checks, batching and the default state.

    Internally a state is always a tuple: (h,) for RNN and GRU, (h, c) for LSTM.
    A subclass sets `num_gates` and `state_names` and implements `step`.
    """

    num_gates: int  # how many blocks of hidden_size rows the weights stack
    state_names: tuple[str, ...] = ("h",)

    def __init__(self, input_size, hidden_size, bias=True, *, device=None, dtype=None):
        super().__init__()
        check_positive_int("input_size", input_size)
        check_positive_int("hidden_size", hidden_size)
        check_bool("bias", bias)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = self.num_gates * hidden_size
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(gate_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(gate_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(gate_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(gate_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_uniform(self, self.hidden_size)

    def step(self, x: Tensor, state: tuple[Tensor, ...], weights) -> tuple[Tensor, ...]:
        """One time step on a batch. x: (batch, input_size); each state: (batch, hidden_size);
        weights: (w_ih, w_hh, b_ih, b_hh), the biases may be None."""
        raise NotImplementedError

    def forward(self, input: Tensor, hx=None):
        state = self._check(input, hx)
        batched = input.dim() == 2
        if not batched:  # a single example: add a batch dimension of size 1
            input = input.unsqueeze(0)
            if state is not None:
                state = tuple(s.unsqueeze(0) for s in state)
        if state is None:
            zeros = input.new_zeros(input.size(0), self.hidden_size)
            state = (zeros,) * len(self.state_names)
        weights = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        state = self.step(input, state, weights)
        if not batched:
            state = tuple(s.squeeze(0) for s in state)
        return state[0] if len(state) == 1 else state

    def _check(self, input, hx) -> tuple[Tensor, ...] | None:
        """Check input and hx; return hx as a tuple of tensors (or None)."""
        name = type(self).__name__
        check_float_input("input", input)  # a tensor of floats: token ids need an nn.Embedding first
        if input.dim() not in (1, 2):
            raise ValueError(
                f"{name} 的输入应为 2 维 (batch, input_size) 或 1 维 (input_size,)（无批次），"
                f"实际为 {input.dim()} 维，形状 {tuple(input.shape)}。"
                f"{name} 只算一个时间步；处理整个序列请用 {name.removesuffix('Cell')}。"
            )
        check_features(input, self.input_size)
        state = as_state_tuple(hx, self.state_names)
        if state is not None:
            if input.dim() == 2:
                expected, layout = (input.size(0), self.hidden_size), "(batch, hidden_size)"
            else:
                expected, layout = (self.hidden_size,), "(hidden_size,)（输入无批次维）"
            for state_name, s in zip(self.state_names, state, strict=True):
                batch_dim = 0 if input.dim() == 2 else None
                check_state_shape(state_name, s, expected, layout, batch_dim)
        return state

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        return s


class RNNCell(RNNCellBase):
    """An Elman RNN cell, a drop-in replacement for `torch.nn.RNNCell`.

        h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

    With nonlinearity='relu', ReLU replaces tanh. Input (batch, input_size) or
    (input_size,); hx (batch, hidden_size) or (hidden_size,), zeros if omitted.
    Returns h'.
    """

    num_gates = 1

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, device=None, dtype=None
    ):
        check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def step(self, x, state, weights):
        return (rnn_cell(x, state[0], *weights, self.nonlinearity),)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"


class LSTMCell(RNNCellBase):
    """A long short-term memory cell, a drop-in replacement for `torch.nn.LSTMCell`.

        i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)    input gate
        f  = sigmoid(W_if x + b_if + W_hf h + b_hf)    forget gate
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)       candidate cell
        o  = sigmoid(W_io x + b_io + W_ho h + b_ho)    output gate
        c' = f * c + i * g
        h' = o * tanh(c')

    weight_ih stacks [W_ii; W_if; W_ig; W_io], shape (4*hidden_size, input_size);
    weight_hh, bias_ih and bias_hh stack the same way. hx is a tuple (h, c), zeros if
    omitted. Returns (h', c').
    """

    num_gates = 4
    state_names = ("h", "c")

    def step(self, x, state, weights):
        return lstm_cell(x, state, *weights)


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell, a drop-in replacement for `torch.nn.GRUCell`.

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      reset gate
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      update gate
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))   reset_after=True (PyTorch)
        n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)   reset_after=False (Cho et al.)
        h' = (1 - z) * n + z * h

    reset_after=True is PyTorch's (and cuDNN's) form: W_hh h for all three gates is one
    matrix product, computed before r is known. reset_after=False is the original form of
    Cho et al. 2014, "Learning Phrase Representations using RNN Encoder-Decoder for
    Statistical Machine Translation": the reset gate acts on h before W_hn. Both use the
    same parameters, so torch's weights load into either, but they compute different
    functions. weight_ih stacks [W_ir; W_iz; W_in], shape (3*hidden_size, input_size).
    """

    num_gates = 3

    def __init__(
        self, input_size, hidden_size, bias=True, *, reset_after=True, device=None, dtype=None
    ):
        check_bool("reset_after", reset_after)
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.reset_after = reset_after

    def step(self, x, state, weights):
        return (gru_cell(x, state[0], *weights, self.reset_after),)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.reset_after else s + ", reset_after=False"
