"""从零实现的多层、双向循环层：RNN、LSTM 与 GRU。

`RNNBase` 做三者共同的一切：每一层、每个方向的参数，检查，batch_first，无批次的输入，打包序列，
层与层之间的丢弃，以及沿时间的循环。子类只说明自己有几个门、运行哪个单元。这些层可直接替换
`torch.nn.RNN`、`LSTM` 与 `GRU`：参数相同，参数名、形状、初始化和输出也相同，所以 state_dict 可以
互换；`all_weights` 与 `flatten_parameters` 也有。不支持 torch 的 `proj_size`（带投影的 LSTM）。
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
    """RNN、LSTM 与 GRU 共同的部分。

    形状（T：时间步数，B：批量大小，D：input_size，H：hidden_size，方向数：双向为 2、否则为 1）：

    - input：(T, B, D)，batch_first=True 时 (B, T, D)，一条无批次的序列 (T, D)，或 PackedSequence；
    - h_0 与 h_n：(层数*方向数, B, H)，batch_first=True 时也一样；第 k 层方向 d 的状态是
      h_n[k*方向数 + d]；
    - output：(T, B, 方向数*H)，最后一层每一步的 h_t；双向时正向的一半在前。
      输入是 PackedSequence，输出也是。

    内部的状态总是元组：RNN 与 GRU 为 (h,)，LSTM 为 (h, c)。
    子类设定 `num_gates` 与 `state_names`，并实现 `step`。
    """

    num_gates: int  # 权重按行堆叠了几块 hidden_size 行（每个门一块）
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
                f"dropout={dropout} 不起作用；请设 num_layers > 1，或在这一层之后另加 nn.Dropout。",
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
        self.proj_size = 0  # 与 torch 一致（torch 中只有 LSTM 可以取别的值）

        gate_size = self.num_gates * hidden_size
        for layer in range(num_layers):
            # 第 0 层读输入；之后每一层读下一层的输出
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
        """一批数据的一个时间步。每个状态 (B, H)；weights 为 (w_ih, w_hh, b_ih, b_hh)，偏置可为
        None。x 是这一层的输入 (B, ·)；`_run_direction` 传 w_ih=None 时，x 已是这一步的
        W_ih x + b_ih，(B, num_gates*H)。"""
        raise NotImplementedError

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """按 torch 的布局排列的参数：每一层、每个方向按 h_n 的顺序（层*方向数 + 方向）给出列表
        [w_ih, w_hh, b_ih, b_hh]，bias=False 时为 [w_ih, w_hh]。"""
        return [
            [w for w in self._weights(layer, direction) if w is not None]
            for layer in range(self.num_layers)
            for direction in range(self.num_directions)
        ]

    def flatten_parameters(self) -> None:
        """什么也不做。torch 的层为 cuDNN 把权重复制到一块连续内存里，为它们写的代码会调用这个方法；
        这里的层把每个权重存为单独的张量，也不运行 cuDNN 内核，所以没有什么要展平的。"""

    def forward(self, input, hx=None):
        """让每一层读完整个序列；返回 (output, h_n)，LSTM 返回 (output, (h_n, c_n))。"""
        batch_size = self._check_input(input)  # 一条无批次的序列时为 None
        state = self._check_state(hx, batch_size)
        x, lengths = self._time_major(input)  # x: (T, B, D)
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
        """把输入变成 (T, B, D) 的张量；输入是打包序列时一并返回各序列的长度。"""
        if isinstance(input, PackedSequence):
            return pad_packed_sequence(input)  # 填充后的张量，批次按原来的顺序
        if input.dim() == 2:
            return input.unsqueeze(1), None
        return (input.transpose(0, 1) if self.batch_first else input), None

    def _run_layers(self, x, state, lengths):
        """逐层、逐方向地运行。x: (T, B, D)；每个状态 (层数*方向数, B, H)。

        第 0 层读输入，之后每一层读下一层每一步的输出（两个方向拼接）；返回最后一层的输出
        (T, B, 方向数*H) 与每一层、每个方向的最终状态。
        """
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
            x = torch.cat(outputs, dim=-1)  # (T, B, 方向数*H)：下一层的输入
        return x, tuple(torch.stack(s) for s in zip(*finals, strict=True))

    def _run_direction(self, x, state, weights, mask=None, reverse=False):
        """一层、一个方向：返回每一步的 h_t (T, B, H) 与最终状态。

        W_ih x_t + b_ih 与状态无关，所有时间步一次矩阵乘法算完；沿时间的循环只做剩下的部分。
        有掩码时（打包的输入，(T, B, 1)），序列在填充步上保持状态不变：正向在最后一个真实
        时间步之后不再变化，反向则从那一步才开始变化。
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
        """一层、一个方向的 (w_ih, w_hh, b_ih, b_hh)；bias=False 时偏置为 None。"""
        suffix = _suffix(layer, direction)
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(getattr(self, name + suffix, None) for name in names)

    def _check_input(self, input) -> int | None:
        """检查输入；返回批量大小，一条无批次的序列返回 None。"""
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
        """按输入的批量大小检查 hx；把它作为张量的元组返回（或 None）。"""
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
    """参数名的后缀，与 PyTorch 相同：'_l0'、'_l0_reverse'、'_l1'……"""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


def _pack_like(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """把批次按原顺序排列的 (T, B, *) 张量，按与 `like` 完全相同的方式打包。"""
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices)  # 最长的序列在前
    # 第 t 步时（按排序后的顺序）前 batch_sizes[t] 个序列还没结束
    data = torch.cat([padded[t, :n] for t, n in enumerate(like.batch_sizes.tolist())])
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class RNN(RNNBase):
    """多层 Elman RNN，可直接替换 `torch.nn.RNN`。

    每一层在每个时间步 t（x_t 是输入，或下一层的输出）计算

        h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)

    nonlinearity='relu' 时用 ReLU 代替 tanh。返回 (output, h_n)，形状见 `RNNBase`。
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
        super().__init__(  # 参数、检查、层与方向、沿时间的循环都在 RNNBase 里
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
        """一个时间步：状态只有 h，交给 `rnn_cell` 计算。"""
        return (rnn_cell(x, state[0], *weights, self.nonlinearity),)

    def extra_repr(self) -> str:  # print(rnn) 时显示的参数
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"


class LSTM(RNNBase):
    """多层 LSTM，可直接替换 `torch.nn.LSTM`。

    每一层在每个时间步 t（x_t 是输入，或下一层的输出）计算

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_(t-1) + b_hi)    输入门
        f_t = sigmoid(W_if x_t + b_if + W_hf h_(t-1) + b_hf)    遗忘门
        g_t = tanh(W_ig x_t + b_ig + W_hg h_(t-1) + b_hg)       候选值
        o_t = sigmoid(W_io x_t + b_io + W_ho h_(t-1) + b_ho)    输出门
        c_t = f_t * c_(t-1) + i_t * g_t
        h_t = o_t * tanh(c_t)

    hx 是元组 (h_0, c_0)，不传则为零。返回 (output, (h_n, c_n))，形状见 `RNNBase`。不支持 torch 的
    proj_size（把 h_t 投影到更小的维数）：proj_size 只接受 0。
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
    """多层 GRU，可直接替换 `torch.nn.GRU`。

    每一层在每个时间步 t（x_t 是输入，或下一层的输出）计算

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_(t-1) + b_hr)          重置门
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_(t-1) + b_hz)          更新门
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_(t-1) + b_hn))     reset_after=True
        n_t = tanh(W_in x_t + b_in + W_hn (r_t * h_(t-1)) + b_hn)     reset_after=False
        h_t = (1 - z_t) * n_t + z_t * h_(t-1)

    reset_after=True（默认）是 PyTorch 的写法；reset_after=False 是 Cho 等人 2014 年论文 "Learning
    Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation" 的原始写法。
    参数相同，函数不同：见 `GRUCell`。返回 (output, h_n)，形状见 `RNNBase`。
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
    """最后一层的最终隐藏状态：(层数*方向数, B, H) -> (B, 方向数*H)。

    双向时正向的状态（读完最后一个真实词元之后）在前，反向的状态（读回到第一个词元之后）在后。
    """
    if num_directions not in (1, 2):
        raise ValueError(f"num_directions 只能是 1 或 2，实际为 {num_directions!r}。")
    if h_n.dim() != 3 or h_n.size(0) % num_directions:
        raise ValueError(
            f"h_n 的形状应为 (num_layers*num_directions, batch, hidden_size)，"
            f"实际为 {tuple(h_n.shape)}（num_directions={num_directions}）。"
        )
    return torch.cat(list(h_n[-num_directions:]), dim=-1)  # 最后 num_directions 行属于最后一层
