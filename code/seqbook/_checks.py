"""Argument checks shared across seqbook: they raise before any computation, with a Chinese
message that names the offending value and says how to fix it."""

import inspect

from torch import nn


def check_positive_int(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is an int >= 1 (a bool is not accepted); ``hint`` is appended."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为正整数，实际为 {type(value).__name__} 类型的 {value!r}。{hint}")
    if value <= 0:
        raise ValueError(f"{name} 应为正整数（>= 1），实际为 {value}。请传入一个 >= 1 的整数。{hint}")


def check_int_at_least(name: str, value, least: int) -> None:
    """Raise unless ``value`` is an int >= ``least`` (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为不小于 {least} 的整数，实际为 {type(value).__name__} 类型的 {value!r}。")
    if value < least:
        raise ValueError(f"{name} 应为不小于 {least} 的整数，实际为 {value}。")


def check_layer_class(rnn, examples: str = "torch.nn.LSTM 或 seqbook.nn.GRU") -> None:
    """Raise unless ``rnn`` is a class of torch module (the recurrent layer to build), not an
    instance of one."""
    if not (inspect.isclass(rnn) and issubclass(rnn, nn.Module)):
        raise TypeError(
            f"rnn 应是循环层的类（例如 {examples}），实际为 {rnn!r}；"
            "传类本身，不要传实例：rnn=nn.LSTM 而不是 rnn=nn.LSTM(...)。"
        )
