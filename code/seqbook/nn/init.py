"""循环层的初始化：PyTorch 默认的均匀分布，以及门的偏置。

LSTM 或 GRU 的权重每个门堆叠一块；``gate_blocks`` 给各块命名，``set_gate_bias`` 让一个门在训练开始时
打开或关闭（例如按 Jozefowicz 等人 2015 的建议，把 LSTM 的遗忘门设为 sigmoid(1)）。
"""

import math

import torch
from torch import Tensor, nn

from seqbook.checks import (
    check_choice,
    check_module,
    check_number,
    check_positive_int,
    check_tensor,
)

GATE_NAMES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


def gate_blocks(tensor: Tensor, kind: str) -> dict[str, Tensor]:
    """按 PyTorch 的顺序把堆叠的权重或偏置拆成每个门一块。

    LSTM：``weight_ih`` 是 [W_ii; W_if; W_ig; W_io] -> {"i": ..., "f": ..., "g": ..., "o": ...}；
    GRU：[W_ir; W_iz; W_in] -> {"r", "z", "n"}。各块是视图：改一块就改了参数本身。
    """
    check_tensor("tensor", tensor, hint="例如 lstm.weight_ih_l0 或 lstm.bias_hh_l0。")
    check_choice("kind", kind, tuple(GATE_NAMES))
    names = GATE_NAMES[kind]
    if tensor.size(0) % len(names):
        raise ValueError(
            f"{kind.upper()} 的权重按行堆叠了 {len(names)} 个门，行数应是 {len(names)} 的倍数；"
            f"实际形状为 {tuple(tensor.shape)}。请传入 weight_ih、weight_hh、bias_ih 或 bias_hh。"
        )
    return dict(zip(names, tensor.chunk(len(names)), strict=True))


@torch.no_grad()
def set_gate_bias(layer: nn.Module, kind: str, gate: str, value: float) -> None:
    """让 ``layer`` 每一层、每个方向的某个门从 sigmoid(value) 开始。

    ``layer`` 是 LSTM 或 GRU 的层或单元（torch.nn 或 seqbook.nn）；``gate`` 是 ``GATE_NAMES[kind]``
    之一。这个门在 ``bias_ih`` 中的一块设为 ``value``，在 ``bias_hh`` 中的一块设为 0，所以训练开始时
    门为 sigmoid(value + W x + U h)。
    """
    check_module("layer", layer, "例如 nn.LSTM(3, 4)。")
    check_choice("kind", kind, tuple(GATE_NAMES))
    check_choice("gate", gate, GATE_NAMES[kind])
    check_number("value", value)
    biases = [(n, p) for n, p in layer.named_parameters() if n.startswith("bias_")]
    if not biases:
        raise ValueError("没有找到偏置参数 bias_ih/bias_hh：请传入 bias=True 的循环层或单元。")
    for name, bias in biases:
        gate_blocks(bias, kind)[gate].fill_(value if name.startswith("bias_ih") else 0.0)


def set_forget_bias(lstm: nn.Module, value: float) -> None:
    """让 ``lstm``（LSTM 的层或单元）的每个遗忘门从约 sigmoid(value) 开始：value=1 时 f ≈ 0.73，
    value=5 时 f ≈ 0.99（细胞状态几乎全部保留）。"""
    set_gate_bias(lstm, "lstm", "f", value)


def reset_uniform(module: nn.Module, hidden_size: int) -> None:
    """PyTorch 的初始化：每个权重和偏置 ~ U(-1/sqrt(H), 1/sqrt(H))。"""
    check_module("module", module)
    check_positive_int("hidden_size", hidden_size)
    bound = 1 / math.sqrt(hidden_size)
    for weight in module.parameters():
        nn.init.uniform_(weight, -bound, bound)
