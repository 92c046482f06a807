"""Multi-layer, bidirectional recurrent layers from scratch: RNN, LSTM and GRU.

`RNNBase` does everything the three share: the parameters of every layer and direction,
the checks, batch_first, unbatched input, packed sequences, dropout between layers and
the loop over time. A subclass only says how many gates it has and which cell it runs.
The layers are drop-in replacements for `torch.nn.RNN`, `LSTM` and `GRU`: same
arguments, same parameter names and shapes, same initialisation, same outputs, so their
state_dicts are interchangeable; `all_weights` and `flatten_parameters` are there too.
torch's `proj_size` (an LSTM with projections) is not supported.
"""

import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from seqbook.checks import (
    as_state_tuple,
    check_bool,
    check_choice,
    check_dropout,
    check_features,
    check_float_input,
    check_int_at_least,
    check_positive_int,
    check_state_shape,
)
from seqbook.nn.cells import gru_cell, input_projection, lstm_cell, rnn_cell
from seqbook.nn.init import reset_uniform


class RNNBase(nn.Module):
    """What RNN, LSTM and GRU share.

    Shapes (L: sequence length, N: batch size, D: 2 if bidirectional else 1, H: hidden_size):

    - input: (L, N, input_size), or (N, L, input_size) with batch_first=True, or
      (L, input_size) for a single sequence without a batch, or a PackedSequence;
    - h_0 and h_n: (num_layers*D, N, H), also with batch_first=True; the state of layer k
      in direction d is h_n[k*D + d];
    - output: (L, N, D*H), the last layer's h_t at every step t; with two directions the
      forward half comes first. A PackedSequence in gives a PackedSequence out.

    Internally a state is a tuple: (h,) for RNN and GRU, (h, c) for LSTM.
    A subclass sets `num_gates` and `state_names` and implements `step`.
    """

    num_gates: int  # how many blocks of hidden_size rows the weights stack
    state_names: tuple[str, ...] = ("h_0",)

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        *,
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_positive_int("input_size", input_size)
        check_positive_int("hidden_size", hidden_size)
        check_positive_int("num_layers", num_layers)
        check_bool("bias", bias)
        check_bool("batch_first", batch_first)
        check_bool("bidirectional", bidirectional)
        check_dropout(dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout 只作用在除最后一层以外每一层的输出上，所以 num_layers=1 时 "
                f"dropout={dropout} 不起作用；请设 num_layers > 1，或把 dropout 放在这一层之后。",
                stacklevel=2,
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        self.proj_size = 0  # as in torch, where only an LSTM may have another value

        gate_size = self.num_gates * hidden_size
        for layer in range(num_layers):
            # layer 0 reads the input; every later layer reads the outputs of the layer below
            layer_input_size = input_size if layer == 0 else hidden_size * self.num_directions
            shapes = {
                "weight_ih": (gate_size, layer_input_size),
                "weight_hh": (gate_size, hidden_size),
            }
            if bias:
                shapes |= {"bias_ih": (gate_size,), "bias_hh": (gate_size,)}
            for direction in range(self.num_directions):
                for name, shape in shapes.items():
                    weight = torch.empty(shape, device=device, dtype=dtype)
                    self.register_parameter(name + _suffix(layer, direction), nn.Parameter(weight))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_uniform(self, self.hidden_size)

    def step(self, x: Tensor, state: tuple[Tensor, ...], weights) -> tuple[Tensor, ...]:
        """One time step on a batch. Each state: (N, H); weights: (w_ih, w_hh, b_ih, b_hh),
        the biases may be None. x: (N, layer input size); or, with w_ih=None as
        `_run_direction` calls it, already the step's W_ih x + b_ih, (N, num_gates*H)."""
        raise NotImplementedError

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """The parameters in torch's layout: per layer and direction, in h_n order
        (layer*D + direction), the list [w_ih, w_hh, b_ih, b_hh], or [w_ih, w_hh] if
        bias=False."""
        return [
            [w for w in self._weights(layer, direction) if w is not None]
            for layer in range(self.num_layers)
            for direction in range(self.num_directions)
        ]

    def flatten_parameters(self) -> None:
        """Do nothing. torch's layers copy their weights into one contiguous block for
        cuDNN, and code written for them calls this method; these layers keep every weight
        as a separate tensor and run no cuDNN kernel, so there is nothing to flatten."""

    def forward(self, input, hx=None):
        """Run every layer over the sequence; return (output, h_n), for LSTM (output, (h_n, c_n))."""
        batch_size = self._check_input(input)  # None for a single unbatched sequence
        state = self._check_state(hx, batch_size)
        x, lengths = self._time_major(input)  # x: (L, N, input_size)
        if state is None:
            shape = (self.num_layers * self.num_directions, x.size(1), self.hidden_size)
            state = (x.new_zeros(shape),) * len(self.state_names)
        elif batch_size is None:
            state = tuple(s.unsqueeze(1) for s in state)

        output, state = self._run_layers(x, state, lengths)

        if isinstance(input, PackedSequence):
            output = _pack_like(output, input)
        elif batch_size is None:
            output, state = output.squeeze(1), tuple(s.squeeze(1) for s in state)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, state[0] if len(state) == 1 else state

    def _time_major(self, input) -> tuple[Tensor, Tensor | None]:
        """The input as an (L, N, input_size) tensor, and the lengths if it was packed."""
        if isinstance(input, PackedSequence):
            return pad_packed_sequence(input)  # padded, in the original batch order
        if input.dim() == 2:
            return input.unsqueeze(1), None
        return (input.transpose(0, 1) if self.batch_first else input), None

    def _run_layers(self, x, state, lengths):
        """Every layer and direction. x: (L, N, input_size); each state: (num_layers*D, N, H)."""
        mask = None
        if lengths is not None:  # mask[t, i, 0]：第 t 步是不是序列 i 的真实时间步
            mask = (torch.arange(x.size(0))[:, None] < lengths).to(x.device).unsqueeze(-1)
        finals = []  # 每一层、每个方向的最终状态，按 h_n 的顺序
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:  # 只在层与层之间，最后一层之后不丢弃
                x = F.dropout(x, self.dropout, self.training)
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                start = tuple(s[k] for s in state)
                weights = self._weights(layer, direction)
                out, final = self._run_direction(x, start, weights, mask, reverse=direction == 1)
                outputs.append(out)
                finals.append(final)
            x = torch.cat(outputs, dim=-1)
        return x, tuple(torch.stack(s) for s in zip(*finals, strict=True))

    def _run_direction(self, x, state, weights, mask=None, reverse=False):
        """One layer in one direction: return every h_t and the final state.

        W_ih x_t + b_ih does not depend on the state, so it is one matrix product for all
        steps; the loop over time does the rest, one step per time step. With a mask
        (packed input, (L, N, 1)) a sequence's state stays as it is on padding steps: it
        stops changing after the sequence's last real step, and in reverse it starts
        changing only at that step.
        """
        w_ih, w_hh, b_ih, b_hh = weights
        # 不依赖状态的部分 W_ih x_t + b_ih：所有时间步一次矩阵乘法算完，再按时间拆开
        inputs = input_projection(x, w_ih, b_ih).unbind(0)
        reals = [None] * len(inputs) if mask is None else mask.unbind(0)
        steps = list(zip(inputs, reals, strict=True))
        outputs = []
        for x_t, real in reversed(steps) if reverse else steps:
            # x_t 已是 W_ih x_t + b_ih（所以 w_ih 传 None），这一步只剩依赖 h_(t-1) 的部分
            new_state = self.step(x_t, state, (None, w_hh, None, b_hh))
            if real is not None:  # 填充步上保持原来的状态
                new_state = tuple(
                    torch.where(real, new, old) for new, old in zip(new_state, state, strict=True)
                )
            state = new_state
            outputs.append(state[0])
        if reverse:
            outputs.reverse()  # 按时间顺序排回去
        return torch.stack(outputs), state

    def _weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh) of one layer and direction; the biases are None if bias=False."""
        suffix = _suffix(layer, direction)
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(getattr(self, name + suffix, None) for name in names)

    def _check_input(self, input) -> int | None:
        """Check the input; return its batch size, or None for a single unbatched sequence."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            check_float_input("input.data", input.data)
            check_features(input.data, self.input_size)
            return int(input.batch_sizes[0])
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name} 的输入应为张量或 PackedSequence，实际为 {type(input).__name__}。"
            )
        check_float_input("input", input)
        if input.dim() not in (2, 3):
            layout = "(N, L, input_size)" if self.batch_first else "(L, N, input_size)"
            raise ValueError(
                f"{name} 的输入应为 3 维 {layout}，或 2 维 (L, input_size)（一条无批次的序列），"
                f"实际为 {input.dim()} 维，形状 {tuple(input.shape)}。请检查是否多了或少了一维"
                f"（只算一个时间步请用 {name}Cell）。"
            )
        check_features(input, self.input_size)
        if input.dim() == 2:
            return None
        return input.size(0 if self.batch_first else 1)

    def _check_state(self, hx, batch_size) -> tuple[Tensor, ...] | None:
        """Check hx against the input's batch size; return it as a tuple of tensors (or None)."""
        state = as_state_tuple(hx, self.state_names)
        if state is None:
            return None
        layers = self.num_layers * self.num_directions
        if batch_size is None:
            expected = (layers, self.hidden_size)
            layout = "(num_layers*num_directions, hidden_size)"
            note = "输入是一条无批次的序列，所以状态也没有批次维。"
        else:
            expected = (layers, batch_size, self.hidden_size)
            layout = "(num_layers*num_directions, batch, hidden_size)"
            note = (
                "注意：batch_first 只影响输入和输出，状态的批次总在第 2 维。"
                if self.batch_first
                else ""
            )
        for name, s in zip(self.state_names, state, strict=True):
            batch_dim = None if batch_size is None else 1
            check_state_shape(name, s, expected, layout, batch_dim, note)
        return state

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


def _suffix(layer: int, direction: int) -> str:
    """Parameter name suffix, as in PyTorch: '_l0', '_l0_reverse', '_l1', ..."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


def _pack_like(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack an (L, N, *) tensor, whose batch is in the original order, exactly like `like`."""
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices)  # longest sequence first
    # at step t the first batch_sizes[t] sequences (in sorted order) are still running
    data = torch.cat([padded[t, :n] for t, n in enumerate(like.batch_sizes.tolist())])
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class RNN(RNNBase):
    """A multi-layer Elman RNN, a drop-in replacement for `torch.nn.RNN`.

    At every step t, in every layer (x_t is the input, or the output of the layer below):

        h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)

    With nonlinearity='relu', ReLU replaces tanh. Returns (output, h_n); see `RNNBase`
    for the shapes.
    """

    num_gates = 1

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        *,
        device=None,
        dtype=None,
    ):
        check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity

    def step(self, x, state, weights):
        return (rnn_cell(x, state[0], *weights, self.nonlinearity),)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"


class LSTM(RNNBase):
    """A multi-layer LSTM, a drop-in replacement for `torch.nn.LSTM`.

    At every step t, in every layer (x_t is the input, or the output of the layer below):

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_(t-1) + b_hi)    input gate
        f_t = sigmoid(W_if x_t + b_if + W_hf h_(t-1) + b_hf)    forget gate
        g_t = tanh(W_ig x_t + b_ig + W_hg h_(t-1) + b_hg)       candidate cell
        o_t = sigmoid(W_io x_t + b_io + W_ho h_(t-1) + b_ho)    output gate
        c_t = f_t * c_(t-1) + i_t * g_t
        h_t = o_t * tanh(c_t)

    hx is a tuple (h_0, c_0), zeros if omitted. Returns (output, (h_n, c_n)); see
    `RNNBase` for the shapes. torch's proj_size (projecting h_t to a smaller size) is not
    supported: proj_size is accepted only as 0.
    """

    num_gates = 4
    state_names = ("h_0", "c_0")

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        *,
        device=None,
        dtype=None,
    ):
        check_int_at_least("proj_size", proj_size, 0, "proj_size=0 表示不投影。")
        if proj_size != 0:
            raise ValueError(
                f"seqbook.nn.LSTM 不支持 proj_size（把 h_t 投影到更小的维度），实际为 "
                f"proj_size={proj_size}。请用 proj_size=0（默认，不投影），"
                "或改用支持投影的 torch.nn.LSTM。"
            )
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )

    def step(self, x, state, weights):
        return lstm_cell(x, state, *weights)


class GRU(RNNBase):
    """A multi-layer GRU, a drop-in replacement for `torch.nn.GRU`.

    At every step t, in every layer (x_t is the input, or the output of the layer below):

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_(t-1) + b_hr)          reset gate
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_(t-1) + b_hz)          update gate
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_(t-1) + b_hn))     reset_after=True
        n_t = tanh(W_in x_t + b_in + W_hn (r_t * h_(t-1)) + b_hn)     reset_after=False
        h_t = (1 - z_t) * n_t + z_t * h_(t-1)

    reset_after=True (the default) is PyTorch's form; reset_after=False is the original
    form of Cho et al. 2014, "Learning Phrase Representations using RNN Encoder-Decoder
    for Statistical Machine Translation". Same parameters, different functions: see
    `GRUCell`. Returns (output, h_n); see `RNNBase` for the shapes.
    """

    num_gates = 3

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        *,
        reset_after=True,
        device=None,
        dtype=None,
    ):
        check_bool("reset_after", reset_after)
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.reset_after = reset_after

    def step(self, x, state, weights):
        return (gru_cell(x, state[0], *weights, self.reset_after),)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.reset_after else s + ", reset_after=False"


def final_state(h_n: Tensor, num_directions: int) -> Tensor:
    """The last layer's final hidden state, (num_layers*D, N, H) -> (N, D*H).

    With two directions the forward state (after the last real token) comes first, then
    the backward state (after reading back to the first token).
    """
    if num_directions not in (1, 2):
        raise ValueError(f"num_directions 只能是 1 或 2，实际为 {num_directions!r}。")
    if h_n.dim() != 3 or h_n.size(0) % num_directions:
        raise ValueError(
            f"h_n 的形状应为 (num_layers*num_directions, batch, hidden_size)，"
            f"实际为 {tuple(h_n.shape)}（num_directions={num_directions}）。"
        )
    return torch.cat(list(h_n[-num_directions:]), dim=-1)
