"""从零实现的循环单元：RNN、LSTM 与 GRU 的一个时间步。

三个单步函数（`rnn_cell`、`lstm_cell`、`gru_cell`）包含全部数学；下面的单元模块和 `seqbook.nn.rnn`
中的层只调用它们（层事先算好所有步的输入部分 W_ih x_t + b_ih，以 w_ih=None 传入，见
`input_projection`）。这些模块可直接替换 `torch.nn.RNNCell`、`LSTMCell` 与 `GRUCell`：参数相同，
参数名、形状和初始化也相同，所以 state_dict 可以互换。
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
    """一步中只读输入的部分：W_ih x + b_ih，所有门一次算完。

    它与状态无关，所以层在沿时间的循环之前，用一次矩阵乘法算好所有时间步，再以 w_ih=None
    传入每一步的切片：这时 x 原样返回。
    """
    return x if w_ih is None else F.linear(x, w_ih, b_ih)


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """Elman RNN 的一个时间步：h' = tanh(W_ih x + b_ih + W_hh h + b_hh)。

    x: (B, D)，h: (B, H)，返回新的隐藏状态 h': (B, H)。
    w_ih=None 时 x 已经是 W_ih x + b_ih（见 `input_projection`）。"""
    activation = torch.tanh if nonlinearity == "tanh" else torch.relu  # 也可以用 ReLU
    return activation(input_projection(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """LSTM 的一个时间步：输入 (h, c)，返回 (h', c')，各为 (B, H)。门的顺序：i、f、g、o。

    w_ih=None 时 x 已经是 W_ih x + b_ih（见 `input_projection`）。"""
    h, c = state
    gates = input_projection(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)  # 四个门一次算完：(B, 4H)
    i, f, g, o = gates.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)  # g 是候选值
    c = f * c + i * g  # 遗忘门保留旧的细胞状态，输入门写入候选值
    h = o * torch.tanh(c)  # 输出门决定细胞状态有多少成为隐藏状态
    return h, c


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, reset_after=True):
    """GRU 的一个时间步，返回新的隐藏状态 (B, H)。门的顺序：r、z、n。两种写法见 `GRUCell`。

    w_ih=None 时 x 已经是 W_ih x + b_ih（见 `input_projection`）。"""
    x_r, x_z, x_n = input_projection(x, w_ih, b_ih).chunk(3, dim=-1)
    if reset_after:  # PyTorch 的写法：重置门乘在 W_hn h + b_hn 上
        h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
    else:  # Cho 等（2014）的写法：重置门先乘 h，再乘 W_hn
        w_hr, w_hz, w_hn = w_hh.chunk(3)
        b_hr, b_hz, b_hn = (None, None, None) if b_hh is None else b_hh.chunk(3)
        r = torch.sigmoid(x_r + F.linear(h, w_hr, b_hr))
        z = torch.sigmoid(x_z + F.linear(h, w_hz, b_hz))
        n = torch.tanh(x_n + F.linear(r * h, w_hn, b_hn))
    return (1 - z) * n + z * h  # 更新门 z 接近 1 时旧状态原样保留


class RNNCellBase(nn.Module):
    """三种单元共同的部分：参数、检查、批次维的处理和默认状态。

    内部的状态总是元组：RNN 与 GRU 为 (h,)，LSTM 为 (h, c)。
    子类设定 `num_gates` 与 `state_names`，并实现 `step`。
    """

    num_gates: int  # 权重按行堆叠了几块 hidden_size 行（每个门一块）
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
        """一批数据的一个时间步。x: (B, D)；每个状态 (B, H)；weights 为 (w_ih, w_hh, b_ih, b_hh)，
        偏置可为 None。"""
        raise NotImplementedError

    def forward(self, input: Tensor, hx=None):
        """一个时间步：返回新的 h，LSTM 返回 (h, c)。hx 不传则从零开始。"""
        state = self._check(input, hx)
        batched = input.dim() == 2
        if not batched:  # 单个样本：加一个大小为 1 的批次维
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
        """检查 input 和 hx；把 hx 作为张量的元组返回（或 None）。"""
        name = type(self).__name__
        check_float_input("input", input)  # 浮点张量：词元 id 要先经过 nn.Embedding
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
    """Elman RNN 单元，可直接替换 `torch.nn.RNNCell`。

        h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

    nonlinearity='relu' 时用 ReLU 代替 tanh。输入 (B, D) 或 (D,)；hx 为 (B, H) 或 (H,)，不传则为零。
    返回 h'。
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
    """长短期记忆单元，可直接替换 `torch.nn.LSTMCell`。

        i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)    输入门
        f  = sigmoid(W_if x + b_if + W_hf h + b_hf)    遗忘门
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)       候选值
        o  = sigmoid(W_io x + b_io + W_ho h + b_ho)    输出门
        c' = f * c + i * g
        h' = o * tanh(c')

    weight_ih 按行堆叠 [W_ii; W_if; W_ig; W_io]，形状 (4H, D)；weight_hh、bias_ih 与 bias_hh 也同样
    堆叠。hx 是元组 (h, c)，不传则为零。返回 (h', c')。
    """

    num_gates = 4
    state_names = ("h", "c")

    def step(self, x, state, weights):
        return lstm_cell(x, state, *weights)


class GRUCell(RNNCellBase):
    """门控循环单元，可直接替换 `torch.nn.GRUCell`。

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      重置门
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      更新门
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))   reset_after=True（PyTorch）
        n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)   reset_after=False（Cho 等人）
        h' = (1 - z) * n + z * h

    reset_after=True 是 PyTorch（和 cuDNN）的写法：三个门的 W_hh h 是一次矩阵乘法，在知道 r 之前
    就能算。reset_after=False 是 Cho 等人 2014 年论文 "Learning Phrase Representations using RNN
    Encoder-Decoder for Statistical Machine Translation" 的原始写法：重置门先作用在 h 上，再乘 W_hn。
    两者参数相同，torch 的权重两种都能载入，但算的是不同的函数。weight_ih 按行堆叠
    [W_ir; W_iz; W_in]，形状 (3H, D)。
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
