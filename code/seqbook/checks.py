"""The argument checks of seqbook, in one place.

Every public constructor and function validates its arguments here before computing
anything. Each check raises with a Chinese message that names the parameter, shows the
value it got and says how to fix it. A bool is never accepted where a number is expected.
"""

import inspect
import numbers

import torch
from torch import nn


def _shown(value) -> str:
    return f"{type(value).__name__} 类型的 {value!r}"


def check_positive_int(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is an int >= 1 (a bool is not accepted); ``hint`` is appended."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为正整数，实际为 {_shown(value)}。{hint}")
    if value <= 0:
        raise ValueError(f"{name} 应为正整数（>= 1），实际为 {value}。请传入一个 >= 1 的整数。{hint}")


def check_int_at_least(name: str, value, least: int, hint: str = "") -> None:
    """Raise unless ``value`` is an int >= ``least`` (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为不小于 {least} 的整数，实际为 {_shown(value)}。{hint}")
    if value < least:
        raise ValueError(f"{name} 应为不小于 {least} 的整数，实际为 {value}。{hint}")


def check_number(name: str, value, *, low=None, high=None, low_open=False, hint: str = "") -> None:
    """Raise unless ``value`` is a real number (not a bool) in [low, high] (low excluded if
    ``low_open``); a bound that is None is not checked."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} 应为数，实际为 {_shown(value)}。{hint}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high) or value != value:
        left = "(" if low_open else "["
        interval = f"{left}{'-∞' if low is None else low}, {'∞' if high is None else high}]"
        raise ValueError(f"{name} 应在 {interval} 之内，实际为 {value!r}。{hint}")


def check_positive(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a real number > 0."""
    check_number(name, value, low=0, low_open=True, hint=hint)


def check_probability(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a probability in [0, 1], e.g. a dropout rate."""
    check_number(name, value, low=0, high=1, hint=hint)


def check_dropout(value) -> None:
    check_probability("dropout", value, "dropout 是元素被置零的概率，常用取值如 dropout=0.2；不需要时用 0。")


def check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} 应为 True 或 False，实际为 {_shown(value)}。")


def check_choice(name: str, value, choices) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        shown = "、".join(repr(c) for c in choices)
        raise ValueError(f"{name} 只能是 {shown} 之一，实际为 {value!r}。")


def check_layer_class(name: str, value, examples: str = "torch.nn.LSTM 或 seqbook.nn.GRU") -> None:
    """Raise unless ``value`` is a class of torch module (the recurrent layer to build), not
    an instance of one."""
    if not (inspect.isclass(value) and issubclass(value, nn.Module)):
        raise TypeError(
            f"{name} 应是循环层的类（例如 {examples}），实际为 {value!r}；"
            f"传类本身，不要传实例：{name}=nn.LSTM 而不是 {name}=nn.LSTM(...)。"
        )


def check_not_empty(name: str, value, hint: str = "") -> None:
    """Raise if ``value`` (a sequence or a string) has no items."""
    if len(value) == 0:
        raise ValueError(f"{name} 为空。{hint}")


# ---- tensors ------------------------------------------------------------------------------


def check_float_input(name: str, input: torch.Tensor) -> None:
    """A recurrent layer reads floating-point features; integer ids need an embedding first."""
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{name} 应为张量（torch.Tensor），实际为 {type(input).__name__}。")
    if not input.is_floating_point():
        raise TypeError(
            f"{name} 的数据类型是 {input.dtype}，而循环层需要浮点数特征（如 torch.float32）。"
            "如果这是词元 id，是不是忘了嵌入层？先用 nn.Embedding 把 id 变成向量，再送进循环层。"
        )


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
