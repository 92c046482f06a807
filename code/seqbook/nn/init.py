"""Initialisation of recurrent layers: PyTorch's uniform default, and gate biases.

The weights of an LSTM or a GRU stack one block per gate; ``gate_blocks`` names the
blocks, and ``set_gate_bias`` starts one gate open or closed (e.g. the forget gate of an
LSTM at sigmoid(1), as Jozefowicz et al. 2015 recommend).
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
    """Split a stacked weight or bias into one block per gate, in PyTorch's order.

    LSTM: ``weight_ih`` is [W_ii; W_if; W_ig; W_io] -> {"i": ..., "f": ..., "g": ..., "o": ...};
    GRU: [W_ir; W_iz; W_in] -> {"r", "z", "n"}. The blocks are views: editing one edits
    the parameter.
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
    """Start one gate of every layer and direction of ``layer`` at sigmoid(value).

    ``layer`` is an LSTM or GRU layer or cell (torch.nn or seqbook.nn); ``gate`` one of
    ``GATE_NAMES[kind]``. The gate's block of ``bias_ih`` is set to ``value`` and that of
    ``bias_hh`` to 0, so that the gate is sigmoid(value + W x + U h) when training starts.
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
    """Start every forget gate of ``lstm`` (an LSTM layer or cell) at about sigmoid(value):
    value=1 gives f ~ 0.73, value=5 gives f ~ 0.99 (the cell keeps almost everything)."""
    set_gate_bias(lstm, "lstm", "f", value)


def reset_uniform(module: nn.Module, hidden_size: int) -> None:
    """PyTorch's initialisation: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    check_module("module", module)
    check_positive_int("hidden_size", hidden_size)
    bound = 1 / math.sqrt(hidden_size)
    for weight in module.parameters():
        nn.init.uniform_(weight, -bound, bound)
