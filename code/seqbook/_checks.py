"""Argument checks shared across seqbook: they raise before any computation, with a Chinese
message that names the offending value and says how to fix it."""


def check_positive_int(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is an int >= 1 (a bool is not accepted); ``hint`` is appended."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为正整数，实际为 {type(value).__name__} 类型的 {value!r}。{hint}")
    if value <= 0:
        raise ValueError(f"{name} 应为正整数（>= 1），实际为 {value}。请传入一个 >= 1 的整数。{hint}")
