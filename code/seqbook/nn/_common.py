"""Helpers shared by the recurrent cells and layers: initialisation and argument checks.

Every check raises before any computation, with a Chinese message that names the
offending value and says how to fix it.
"""

import math
import numbers

import torch
from torch import nn

from seqbook._checks import check_positive_int  # noqa: F401 (used by the layers)


def reset_uniform(module: nn.Module, hidden_size: int) -> None:
    """PyTorch's initialisation: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1 / math.sqrt(hidden_size)
    for weight in module.parameters():
        nn.init.uniform_(weight, -bound, bound)


def check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(
            f"{name} 应为 True 或 False，实际为 {type(value).__name__} 类型的 {value!r}。"
        )


def check_dropout(dropout) -> None:
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
        raise ValueError(
            f"dropout 是元素被置零的概率，应为 [0, 1] 内的数，实际为 {dropout!r}。"
            "常用取值如 dropout=0.2；不需要时用 0。"
        )


def check_nonlinearity(nonlinearity) -> None:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity 只能是 'tanh' 或 'relu'，实际为 {nonlinearity!r}。")


def check_features(input: torch.Tensor, input_size: int) -> None:
    """The last dimension of the input must be input_size."""
    if input.size(-1) != input_size:
        raise ValueError(
            f"输入的最后一维（特征数）应等于 input_size={input_size}，"
            f"实际为 {input.size(-1)}（输入形状 {tuple(input.shape)}）。"
            "请让二者一致：修改 input_size，或检查输入（例如嵌入层的 embedding_dim）。"
        )


def as_state_tuple(hx, names: tuple[str, ...]) -> tuple[torch.Tensor, ...] | None:
    """The user's hx as a tuple of tensors: h -> (h,); (h, c) stays (h, c); None stays None."""
    if hx is None:
        return None
    if len(names) == 1:
        if not isinstance(hx, torch.Tensor):
            raise TypeError(f"{names[0]} 应为张量（torch.Tensor），实际为 {type(hx).__name__}。")
        return (hx,)
    if not (
        isinstance(hx, tuple | list)
        and len(hx) == len(names)
        and all(isinstance(s, torch.Tensor) for s in hx)
    ):
        raise TypeError(
            f"hx 应为 {len(names)} 个张量组成的元组 ({', '.join(names)})，实际为 {type(hx).__name__}。"
        )
    return tuple(hx)


def check_state_shape(
    name: str,
    state: torch.Tensor,
    expected: tuple[int, ...],
    layout: str,
    batch_dim: int | None = None,
    note: str = "",
) -> None:
    """Compare a state's shape with the expected one and explain a batch-size mismatch."""
    got = tuple(state.shape)
    if got == expected:
        return
    if (
        batch_dim is not None
        and len(got) == len(expected)
        and got[batch_dim] != expected[batch_dim]
    ):
        note = (
            f"批次大小不一致：输入的批次大小为 {expected[batch_dim]}，{name} 的却为 {got[batch_dim]}。"
            + note
        )
    raise ValueError(f"{name} 的形状应为 {layout} = {expected}，实际为 {got}。{note}")
