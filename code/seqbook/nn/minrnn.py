"""能并行训练的循环：线性递推 h_t = a_t ⊙ h_{t-1} + b_t 的扫描，minGRU、minLSTM 与对角线性 RNN。

Feng 等（2024，"Were RNNs All We Needed?"，arXiv:2410.01201）指出：GRU 与 LSTM 的门若只读输入
x_t、不读 h_{t-1}，整层就成了线性递推

    h_t = a_t ⊙ h_{t-1} + b_t，    a_t、b_t 只依赖 x_t，

所有时间步的 a_t、b_t 可以一次算完，递推本身可以用扫描（scan）并行求出，而不必一步一步循环。

本模块给出这一对教学用的函数：

- `sequential_scan`：按定义逐步循环，T 步串行；
- `parallel_scan_log`：对数空间的并行扫描（Heinsen 2023 的写法，用 `torch.logcumsumexp`），
  要求 a_t > 0、b_t > 0；

以及三个层，每个都有 mode="sequential"（循环）与 mode="parallel"（扫描）两种算法，算的是同一个函数：

- `MinGRU`、`MinLSTM`：Feng 等（2024）的 minGRU 与 minLSTM（取论文的正值版本，见各类的说明）；
- `DiagonalLinearRNN`：线性时不变的对角递推 h_t = a ⊙ h_{t-1} + B x_t，衰减 a 与输入无关，
  是“门必须依赖输入”这一实验（选择性复制）的对照。

形状约定（T：时间步数，B：批量大小，D：input_size，H：hidden_size）：输入 (B, T, D)（batch_first），
输出 (B, T, H) 与最后的状态 (B, H)。
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqbook.checks import (
    check_bool,
    check_choice,
    check_features,
    check_float_input,
    check_number,
    check_positive_int,
    check_state_shape,
    check_tensor,
)

MODES = ("sequential", "parallel")
_MODE_HINT = 'mode="sequential" 是沿时间的循环（易读、用于核对），mode="parallel" 是对数空间的并行扫描（训练用）。'


# ---- 两种扫描 --------------------------------------------------------------------------------


def _check_scan_inputs(first: str, a, second: str, b, h0) -> None:
    """检查扫描的输入：两个形状相同的浮点张量 (..., T, H)，以及可选的 h0 (..., H)。"""
    for name, value in ((first, a), (second, b)):
        check_tensor(name, value, hint="形状应为 (..., T, H)：倒数第二维是时间。")
        check_float_input(name, value)
        if value.dim() < 2:
            raise ValueError(
                f"{name} 至少应有 2 维 (T, H)，实际形状为 {tuple(value.shape)}。"
                "一条一维序列请先加一维：x.unsqueeze(-1)。"
            )
    if a.shape != b.shape:
        raise ValueError(
            f"{first} 与 {second} 的形状应相同，实际分别为 {tuple(a.shape)} 与 {tuple(b.shape)}。"
            "二者是同一递推每一步的系数与输入项，应逐元素对应。"
        )
    if h0 is not None:
        check_tensor("h0", h0)
        expected = a.shape[:-2] + a.shape[-1:]
        check_state_shape("h0", h0, tuple(expected), "(..., H)，即系数去掉时间维")


def sequential_scan(coeffs: Tensor, values: Tensor, h0: Tensor | None = None) -> Tensor:
    """按定义逐步计算线性递推 h_t = a_t ⊙ h_{t-1} + b_t，t = 1..T。

    coeffs 是 a_1..a_T，values 是 b_1..b_T，形状都是 (..., T, H)（倒数第二维是时间）；h0 形状
    (..., H)，不传则 h_0 = 0。返回 h_1..h_T，形状 (..., T, H)。a_t、b_t 可以取任意符号。
    这是 T 步串行的循环，是 `parallel_scan_log` 的参照答案。
    """
    _check_scan_inputs("coeffs", coeffs, "values", values, h0)
    h = values.new_zeros(values.shape[:-2] + values.shape[-1:]) if h0 is None else h0
    outputs = []
    for t in range(values.size(-2)):
        h = coeffs[..., t, :] * h + values[..., t, :]  # 旧状态按 a_t 衰减，再加上新的输入项
        outputs.append(h)
    return torch.stack(outputs, dim=-2)


def _log_scan(log_a: Tensor, log_b: Tensor) -> Tensor:
    """Heinsen（2023）的对数空间扫描，h_0 = 0：返回 log h_1..log h_T（沿倒数第二维）。

    展开递推：h_t = Σ_{k≤t} (a_{k+1}⋯a_t) b_k = A_t Σ_{k≤t} b_k / A_k，其中 A_t = a_1⋯a_t。
    取对数：log h_t = a*_t + logcumsumexp(log b - a*)_t，a* = cumsum(log a)。两个累积运算都能并行。
    """
    a_star = torch.cumsum(log_a, dim=-2)
    return a_star + torch.logcumsumexp(log_b - a_star, dim=-2)


def parallel_scan_log(
    log_coeffs: Tensor, log_values: Tensor, h0: Tensor | None = None, *, chunk_size: int | None = 16
) -> Tensor:
    """用对数空间的并行扫描求 h_t = a_t ⊙ h_{t-1} + b_t（要求 a_t > 0、b_t > 0），返回 h_1..h_T。

    log_coeffs = log a_1..log a_T，log_values = log b_1..log b_T，形状都是 (..., T, H)（倒数第二维
    是时间）。h0 形状 (..., H)、可取任意符号，不传则 h_0 = 0。返回 (..., T, H)，与
    `sequential_scan(log_coeffs.exp(), log_values.exp(), h0)` 相同（只差舍入误差）。

    做法（Heinsen 2023；Feng 等 2024 的附录用的正是它）：
    log h_t = a*_t + logcumsumexp(log b - a*)_t，a* = cumsum(log a)，见 `_log_scan`。
    h0 不放进对数里：递推是线性的，h_t = (a_1⋯a_t) h_0 + （h_0 = 0 时的解），所以 h0 可以为负或零。

    分块：a*_t 随 t 线性增长（T = 4096、a_t ≈ 0.5 时约为 -2800），float32 里两个这么大的数相加再
    相消，会丢掉约 1e-4 的相对精度（实测 T = 4096 时与循环差 6e-4，梯度差得更多）。所以默认把时间
    切成长 chunk_size 的块：块内用两两求和的形式 log h_t = logsumexp_{k≤t}(log b_k + s_{tk})
    （s_{tk} 是 log a_{k+1..t} 之和，直接累加，见 `_pairwise_log_scan`），各块的首尾再用上面的公式
    在 float64 里串起来（只有 T/chunk_size 个元素）。每一步仍都沿时间并行，没有逐步的循环。
    代价是块内 C×C 的表：内存约为输入的 chunk_size 倍。chunk_size=None 时不分块，就是论文的原式
    （短序列可用；float32 的误差随 T 增大）。
    """
    _check_scan_inputs("log_coeffs", log_coeffs, "log_values", log_values, h0)
    if chunk_size is not None:
        check_positive_int("chunk_size", chunk_size, "块长，例如 chunk_size=16；None 表示不分块。")
    if chunk_size is None:
        h = _log_scan(log_coeffs, log_values).exp()
    else:
        h = _chunked_log_scan(log_coeffs, log_values, chunk_size).exp()
    if h0 is not None:  # 线性叠加初始状态的贡献：(a_1⋯a_t) h_0
        h = h + torch.cumsum(log_coeffs, dim=-2).exp() * h0.unsqueeze(-2)
    return h


def _pairwise_log_scan(log_a: Tensor, log_b: Tensor) -> Tensor:
    """块内的对数扫描（h_0 = 0），写成两两求和的形式：返回 log h，形状同 log_b (..., C, H)。

    log h_t = logsumexp_{k≤t} (log b_k + s_{tk})，s_{tk} = log a_{k+1} + ... + log a_t。
    它与 `_log_scan` 是同一个数，但 s_{tk} 直接逐项累加，而不是由两个大数 a*_t - a*_k 相减得到，
    所以值和梯度在 float32 里都更准；代价是每块要一个 C×C 的表（内存是输入的 C 倍）。
    """
    size = log_a.size(-2)
    below = torch.ones(size, size, dtype=torch.bool, device=log_a.device).tril(-1)  # k < t
    # terms[..., t, k, :] = log a_t（k < t 时），沿 t 累加得 s_{tk}
    terms = log_a.unsqueeze(-2).masked_fill(~below[:, :, None], 0.0)
    segment = torch.cumsum(terms, dim=-3)
    upper = ~torch.ones(size, size, dtype=torch.bool, device=log_a.device).tril()  # k > t：不参与
    scores = (segment + log_b.unsqueeze(-3)).masked_fill(upper[:, :, None], float("-inf"))
    return torch.logsumexp(scores, dim=-2)


def _chunked_log_scan(log_a: Tensor, log_b: Tensor, chunk_size: int) -> Tensor:
    """分块的对数扫描（h_0 = 0）：块内用 `_pairwise_log_scan`（输入的精度），块与块之间用
    `_log_scan`（float64）。返回 log h，形状同 log_b。"""
    length = log_b.size(-2)
    num_chunks = -(-length // chunk_size)
    pad = num_chunks * chunk_size - length  # 末尾补 a = 1、b = 1：补出的步只影响被丢掉的输出
    log_a = F.pad(log_a, (0, 0, 0, pad)).unflatten(-2, (num_chunks, chunk_size))  # (..., n, C, H)
    log_b = F.pad(log_b, (0, 0, 0, pad)).unflatten(-2, (num_chunks, chunk_size))
    a_star = torch.cumsum(log_a, dim=-2)  # 块内的 log(a 的累积乘积)
    local = _pairwise_log_scan(log_a, log_b)  # 每块从零状态出发的 log h
    # 块尾之间又是同样的递推：H_c = (块 c 里 a 的乘积) H_{c-1} + (块 c 从零出发的末状态)
    ends = _log_scan(a_star[..., -1, :].double(), local[..., -1, :].double())
    carried = a_star[..., 1:, :, :] + ends[..., :-1, None, :].to(local.dtype)  # 前一块末状态的贡献
    rest = torch.logaddexp(local[..., 1:, :, :], carried)
    log_h = torch.cat([local[..., :1, :, :], rest], dim=-3).flatten(-3, -2)
    return log_h[..., :length, :]


# ---- 论文的 g：让候选状态为正 ------------------------------------------------------------------


def g(x: Tensor) -> Tensor:
    """Feng 等（2024）的连续函数 g(x) = x + 0.5（x ≥ 0），sigmoid(x)（x < 0）：值恒为正。"""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """log g(x)：x ≥ 0 时 log(x + 0.5)，x < 0 时 log sigmoid(x) = -softplus(-x)。"""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


_SPLIT_EPS = 1e-3  # DiagonalLinearRNN 把有正有负的 B x_t 拆成两个正数时加的小量


# ---- 三个层 ----------------------------------------------------------------------------------


class _ScanRNN(nn.Module):
    """MinGRU、MinLSTM 与 DiagonalLinearRNN 共同的部分：检查、两种模式和逐步生成。

    子类实现 `_coefficients(x)`（线性空间的 a、b，给循环与 `step`）和 `_log_coefficients(x)`
    （给对数扫描）。x 可以是 (B, T, D) 或一步的 (B, D)。
    """

    def __init__(self, input_size, hidden_size, mode):
        super().__init__()
        check_positive_int("input_size", input_size)
        check_positive_int("hidden_size", hidden_size)
        check_choice("mode", mode, MODES, _MODE_HINT)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.mode = mode

    def _coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _log_coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _scan(self, input: Tensor, h0: Tensor | None) -> Tensor:
        """h_1..h_T，(B, T, H)。"""
        if self.mode == "sequential":
            return sequential_scan(*self._coefficients(input), h0)
        return parallel_scan_log(*self._log_coefficients(input), h0)

    def forward(self, input: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """input: (B, T, D)；h0: (B, H)，不传则为零。返回 (output, h_n)：output (B, T, H) 是每一步的
        隐藏状态，h_n (B, H) 是最后一步的。"""
        self._check(input, h0, 3, "(B, T, D)，即 (batch, 时间步数, input_size)，batch_first")
        output = self._scan(input, h0)
        return output, output[:, -1]

    def step(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        """生成时的一步：x (B, D)，h (B, H)（不传则为零），返回新的隐藏状态 (B, H)。

        状态的大小是常数，与已经走过的步数无关。"""
        self._check(x, h, 2, "(B, D)，即 (batch, input_size)，只是一个时间步")
        a, b = self._coefficients(x)
        return b if h is None else a * h + b

    def _check(self, input, h, dim: int, layout: str) -> None:
        name = type(self).__name__
        check_float_input("input", input)
        if input.dim() != dim:
            raise ValueError(
                f"{name} 的输入应为 {dim} 维 {layout}，实际为 {input.dim()} 维，形状 {tuple(input.shape)}。"
                + ("一步的输入用 step(x_t, h)。" if dim == 3 else "整个序列用 forward（直接调用层）。")
            )
        if 0 in input.shape[:-1]:
            raise ValueError(f"{name} 的输入不能为空，实际形状为 {tuple(input.shape)}。")
        check_features(input, self.input_size)
        if h is not None:
            check_tensor("h0" if dim == 3 else "h", h)
            check_float_input("h0" if dim == 3 else "h", h)
            expected = (input.size(0), self.hidden_size)
            check_state_shape("h0" if dim == 3 else "h", h, expected, "(B, H) = (batch, hidden_size)", 0)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, mode={self.mode!r}"


class MinGRU(_ScanRNN):
    """minGRU（Feng 等 2024）：更新门与候选状态都只读 x_t，不读 h_{t-1}。

        z_t  = sigmoid(Linear_z(x_t))                   更新门
        h̃_t = g(Linear_h(x_t))                          候选状态，g 见 `g`，恒为正
        h_t  = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

    这是论文附录中“正值”的版本（h̃_t 套了 g）：这样 a_t = 1 - z_t 与 b_t = z_t h̃_t 都为正，递推才能
    在对数空间里扫描。论文正文的最简版本 h̃_t = Linear_h(x_t) 不套 g，本类不实现它。两种模式算的是
    同一个函数，只是算法不同：

    - mode="sequential"：按上式沿时间循环（`sequential_scan`）；
    - mode="parallel"：log a_t = -softplus(k_t)，log b_t = -softplus(-k_t) + log g(Linear_h(x_t))
      （k_t = Linear_z(x_t)），交给 `parallel_scan_log`。

    输入 (B, T, D)，h0 (B, H) 不传则为零；返回 (output (B, T, H), h_n (B, H))。h0 ≥ 0 时所有 h_t > 0。
    `step(x_t, h)` 走一步，用于逐词元生成。
    """

    def __init__(self, input_size, hidden_size, *, mode="parallel", bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, mode)
        check_bool("bias", bias)
        factory = {"bias": bias, "device": device, "dtype": dtype}
        self.linear_z = nn.Linear(input_size, hidden_size, **factory)
        self.linear_h = nn.Linear(input_size, hidden_size, **factory)

    def _coefficients(self, x):
        z = torch.sigmoid(self.linear_z(x))
        return 1 - z, z * g(self.linear_h(x))

    def _log_coefficients(self, x):
        k = self.linear_z(x)
        # log(1 - sigmoid(k)) = -softplus(k)，log sigmoid(k) = -softplus(-k)：不会出现 log(0)
        return -F.softplus(k), -F.softplus(-k) + log_g(self.linear_h(x))


class MinLSTM(_ScanRNN):
    """minLSTM（Feng 等 2024）：遗忘门、输入门与候选状态都只读 x_t，两个门再归一化。

        f_t  = sigmoid(Linear_f(x_t)),  i_t = sigmoid(Linear_i(x_t))
        f'_t = f_t / (f_t + i_t),       i'_t = i_t / (f_t + i_t)      归一化，使 f'_t + i'_t = 1
        h̃_t = g(Linear_h(x_t))                                        候选状态，恒为正
        h_t  = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t

    同 `MinGRU`，这是论文的正值版本（h̃_t 套了 g，门归一化），两种模式算同一个函数：
    mode="sequential" 按上式循环；mode="parallel" 用
    d = softplus(-k_f) - softplus(-k_i)，log f'_t = -softplus(d)，log i'_t = -softplus(-d)
    （k_f、k_i 是两个门的线性输出），再加上 log g(Linear_h(x_t))，交给 `parallel_scan_log`。
    输入、输出与 `step` 同 `MinGRU`。
    """

    def __init__(self, input_size, hidden_size, *, mode="parallel", bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, mode)
        check_bool("bias", bias)
        factory = {"bias": bias, "device": device, "dtype": dtype}
        self.linear_f = nn.Linear(input_size, hidden_size, **factory)
        self.linear_i = nn.Linear(input_size, hidden_size, **factory)
        self.linear_h = nn.Linear(input_size, hidden_size, **factory)

    def _coefficients(self, x):
        f = torch.sigmoid(self.linear_f(x))
        i = torch.sigmoid(self.linear_i(x))
        return f / (f + i), i / (f + i) * g(self.linear_h(x))

    def _log_coefficients(self, x):
        d = F.softplus(-self.linear_f(x)) - F.softplus(-self.linear_i(x))  # log i - log f
        return -F.softplus(d), -F.softplus(-d) + log_g(self.linear_h(x))


class DiagonalLinearRNN(_ScanRNN):
    """对角线性 RNN：线性时不变（LTI）的递推，衰减与输入无关，再接一个输出线性层。

        h_t = a ⊙ h_{t-1} + B x_t,    a = sigmoid(decay_logit) ∈ (0, 1)，每个通道一个、可学习
        y_t = Linear_out(h_t)

    每一步按同样的比例 a 忘记过去，不能根据 x_t 决定“这个词元要记住、那个要跳过”：这正是
    选择性复制任务里它与 minGRU、GRU 的区别（Gu 与 Dao 2023）。

    mode="sequential" 按上式循环；mode="parallel" 用 `parallel_scan_log`。B x_t 可正可负，
    而对数扫描要求 b_t > 0，所以把它拆成两个正数 v = (relu(v) + ε) - (relu(-v) + ε)（ε = 1e-3），
    分别扫描再相减（递推是线性的）。两种模式算同一个函数。

    decay_range 是 a 的初始范围：各通道的 a 在其中均匀铺开（默认 0.5 到 0.99）。
    输入 (B, T, D)，h0 (B, H) 不传则为零；返回 (output (B, T, output_size), h_n (B, H))，其中
    output_size 不给时等于 hidden_size。`step(x_t, h)` 返回新的状态 h (B, H)；输出用 `readout(h)`。
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        output_size=None,
        *,
        mode="parallel",
        decay_range=(0.5, 0.99),
        device=None,
        dtype=None,
    ):
        super().__init__(input_size, hidden_size, mode)
        output_size = hidden_size if output_size is None else output_size
        check_positive_int("output_size", output_size)
        hint = "decay_range=(low, high) 是衰减 a 的初始范围，0 < low <= high < 1，例如 (0.5, 0.99)。"
        if not isinstance(decay_range, tuple | list) or len(decay_range) != 2:
            raise TypeError(f"decay_range 应为两个数的元组，实际为 {decay_range!r}。{hint}")
        low, high = decay_range
        check_number("decay_range[0]", low, low=0, high=1, low_open=True, high_open=True, hint=hint)
        check_number("decay_range[1]", high, low=low, high=1, high_open=True, hint=hint)
        factory = {"device": device, "dtype": dtype}
        decay = torch.linspace(low, high, hidden_size, **factory)
        self.decay_logit = nn.Parameter(torch.logit(decay))
        self.input_proj = nn.Linear(input_size, hidden_size, bias=False, **factory)
        self.readout = nn.Linear(hidden_size, output_size, **factory)
        self.output_size = output_size

    @property
    def decay(self) -> Tensor:
        """每个通道的衰减 a = sigmoid(decay_logit)，(H,)。"""
        return torch.sigmoid(self.decay_logit)

    def _coefficients(self, x):
        b = self.input_proj(x)
        return self.decay.expand_as(b), b

    def _scan(self, input, h0):
        if self.mode == "sequential":
            return sequential_scan(*self._coefficients(input), h0)
        b = self.input_proj(input)
        log_a = F.logsigmoid(self.decay_logit).expand_as(b)
        # b = (relu(b) + ε) - (relu(-b) + ε)：两部分都为正，ε 让 log 不碰到 0
        positive = parallel_scan_log(log_a, torch.log(F.relu(b) + _SPLIT_EPS), h0)
        negative = parallel_scan_log(log_a, torch.log(F.relu(-b) + _SPLIT_EPS))
        return positive - negative

    def forward(self, input: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """input: (B, T, D)；h0: (B, H)。返回 (output (B, T, output_size), h_n (B, H))。"""
        self._check(input, h0, 3, "(B, T, D)，即 (batch, 时间步数, input_size)，batch_first")
        states = self._scan(input, h0)
        return self.readout(states), states[:, -1]

    def extra_repr(self) -> str:
        return super().extra_repr() + f", output_size={self.output_size}"


__all__ = [
    "DiagonalLinearRNN",
    "MODES",
    "MinGRU",
    "MinLSTM",
    "g",
    "log_g",
    "parallel_scan_log",
    "sequential_scan",
]
