"""The argument checks of seqbook, in one place.

Every public constructor and function validates its arguments here before computing
anything. Each check raises with a Chinese message that names the parameter, shows the
value it got and says how to fix it: a TypeError for a value of the wrong type, a
ValueError for a value of the right type out of range. A bool is never accepted where a
number is expected.
"""

import inspect
import numbers
from collections.abc import Collection, Iterable, Sized

import torch
from torch import nn


def _shown(value) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value).__name__} 类型的 {text}"


# ---- numbers ------------------------------------------------------------------------------


def check_int(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is an int of any sign (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为整数，实际为 {_shown(value)}。{hint}")


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


def check_int_between(name: str, value, low: int, high: int, hint: str = "") -> None:
    """Raise unless ``value`` is an int with ``low <= value <= high`` (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} 应为 {low} 到 {high} 之间的整数，实际为 {_shown(value)}。{hint}")
    if not low <= value <= high:
        raise ValueError(f"{name} 应为 {low} 到 {high} 之间的整数（含两端），实际为 {value}。{hint}")


def check_number(
    name: str, value, *, low=None, high=None, low_open=False, high_open=False, hint: str = ""
) -> None:
    """Raise unless ``value`` is a real number (not a bool) in [low, high] (a bound is
    excluded if ``low_open`` or ``high_open``); a bound that is None is not checked."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} 应为数，实际为 {_shown(value)}。{hint}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high or value != value:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        interval = f"{left}{'-∞' if low is None else low}, {'∞' if high is None else high}{right}"
        raise ValueError(f"{name} 应在 {interval} 之内，实际为 {value!r}。{hint}")


def check_positive(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a real number > 0."""
    check_number(name, value, low=0, low_open=True, hint=hint)


def check_probability(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a probability in [0, 1], e.g. a dropout rate."""
    check_number(name, value, low=0, high=1, hint=hint)


def check_dropout(value) -> None:
    check_probability("dropout", value, "dropout 是元素被置零的概率，常用取值如 dropout=0.2；不需要时用 0。")


def check_fractions(fractions) -> None:
    """Raise unless ``fractions`` are non-negative numbers that sum to 1."""
    hint = "fractions 是各部分所占的比例：非负数，且和为 1，例如 (0.8, 0.1, 0.1)。"
    check_not_empty("fractions", fractions, hint)
    for index, fraction in enumerate(fractions):
        check_number(f"fractions[{index}]", fraction, low=0, hint=hint)
    if abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions={tuple(fractions)!r} 不合法：应是非负数，且和为 1，例如 (0.8, 0.1, 0.1)。")


def check_pad_id(pad_id, vocab_size: int) -> None:
    """Raise unless ``pad_id`` is one of the ids of a vocabulary of ``vocab_size`` tokens."""
    check_int_between("pad_id", pad_id, 0, vocab_size - 1, f"pad_id 是填充词元的 id，应小于 vocab_size={vocab_size}。")


# ---- choices, flags, strings, sequences ----------------------------------------------------


def check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} 应为 True 或 False，实际为 {_shown(value)}。")


def check_choice(name: str, value, choices, hint: str = "") -> None:
    """Raise unless ``value`` is one of ``choices``."""
    try:
        known = not isinstance(value, bool) and value in choices
    except TypeError:  # an unhashable value, and choices that are a dict or a set
        known = False
    if not known:
        shown = "、".join(repr(c) for c in choices)
        raise ValueError(f"{name} 只能是 {shown} 之一，实际为 {value!r}。{hint}")


def check_string(name: str, value, *, allow_empty: bool = False, hint: str = "") -> None:
    """Raise unless ``value`` is a string, and (unless ``allow_empty``) not an empty one."""
    if not isinstance(value, str):
        raise TypeError(f"{name} 应为字符串，实际为 {_shown(value)}。{hint}")
    if not allow_empty and not value:
        raise ValueError(f"{name} 是空字符串。{hint}")


def check_strings(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is an iterable of strings (a list of tokens, say) and not
    itself a string: a string would be read one character at a time. The items of a
    one-pass iterator (a generator) are not looked at, so that it is not used up."""
    if isinstance(value, str):
        raise TypeError(f"{name} 应为字符串的列表，实际为一个字符串 {value!r:.40}。{hint}")
    if not isinstance(value, Iterable):
        raise TypeError(f"{name} 应为字符串的列表，实际为 {_shown(value)}。{hint}")
    if not isinstance(value, Collection):
        return
    bad = next((item for item in value if not isinstance(item, str)), None)
    if bad is not None:
        raise TypeError(f"{name} 里的元素应为字符串，发现了 {_shown(bad)}。{hint}")


def check_token_lists(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a collection of token lists, such as segmented sentences
    [["中国", "人"], ...]: neither ``value`` nor any of its items may be a string."""
    if isinstance(value, str) or not isinstance(value, Collection):
        raise TypeError(
            f"{name} 应为词元列表的列表，例如 [['中国', '人'], ['你好']]，实际为 {_shown(value)}。{hint}"
        )
    for index, tokens in enumerate(value):
        if isinstance(tokens, str) or not isinstance(tokens, Collection):
            raise TypeError(
                f"{name}[{index}] 应为词元的列表，例如 ['中国', '人']，实际为 {_shown(tokens)}；"
                f"请先分词。{hint}"
            )
        bad = next((token for token in tokens if not isinstance(token, str)), None)
        if bad is not None:
            raise TypeError(f"{name}[{index}] 里的词元应为字符串，发现了 {_shown(bad)}。{hint}")


def check_ids(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a sequence of token ids: non-negative ints (not bools) in a
    list or tuple, or a one-dimensional integer tensor."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 1 or value.is_floating_point() or value.dtype == torch.bool:
            raise TypeError(
                f"{name} 应为词元 id 的一维整数张量，实际形状为 {tuple(value.shape)}、类型为 {value.dtype}。{hint}"
            )
        if len(value) and int(value.min()) < 0:
            raise ValueError(f"{name} 里的 id 应为非负整数，发现了 {int(value.min())}。{hint}")
        return
    if isinstance(value, str) or not isinstance(value, Collection):
        raise TypeError(f"{name} 应为词元 id（非负整数）的列表，实际为 {_shown(value)}。{hint}")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise TypeError(f"{name} 里的 id 应为非负整数，发现了 {_shown(item)}。{hint}")
        if item < 0:
            raise ValueError(f"{name} 里的 id 应为非负整数，发现了 {item}。{hint}")


def check_not_empty(name: str, value, hint: str = "") -> None:
    """Raise if ``value`` (a sequence or a string) has no items."""
    if not isinstance(value, Sized):
        raise TypeError(f"{name} 应为列表等有长度的序列，实际为 {_shown(value)}。{hint}")
    if len(value) == 0:
        raise ValueError(f"{name} 为空。{hint}")


# ---- objects ------------------------------------------------------------------------------


def check_callable(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` can be called (a function, a lambda, a module...)."""
    if not callable(value):
        raise TypeError(f"{name} 应为可调用的函数，实际为 {_shown(value)}。{hint}")


def check_instance(name: str, value, cls, hint: str = "") -> None:
    """Raise unless ``value`` is an instance of ``cls`` (a class or a tuple of classes)."""
    if not isinstance(value, cls):
        classes = cls if isinstance(cls, tuple) else (cls,)
        expected = " 或 ".join(c.__name__ for c in classes)
        raise TypeError(f"{name} 应为 {expected} 的实例，实际为 {_shown(value)}。{hint}")


def check_module(name: str, value, hint: str = "") -> None:
    """Raise unless ``value`` is a built torch module (an instance, not its class)."""
    if inspect.isclass(value) and issubclass(value, nn.Module):
        raise TypeError(
            f"{name} 应为模型的实例，实际为类 {value.__name__}；请先建立模型：{name}={value.__name__}(...)。{hint}"
        )
    check_instance(name, value, nn.Module, hint)


def check_tensor(name: str, value, *, dim: int | tuple[int, ...] | None = None, hint: str = "") -> None:
    """Raise unless ``value`` is a torch.Tensor with ``dim`` dimensions (one of them, for a tuple)."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} 应为张量（torch.Tensor），实际为 {_shown(value)}。{hint}")
    dims = (dim,) if isinstance(dim, int) else dim
    if dims is not None and value.dim() not in dims:
        wanted = "或".join("零一二三四"[d] + "维" if d < 5 else f" {d} 维" for d in dims)
        raise ValueError(f"{name} 应为{wanted}张量，实际形状为 {tuple(value.shape)}。{hint}")


def check_layer_class(name: str, value, examples: str = "torch.nn.LSTM 或 seqbook.nn.GRU") -> None:
    """Raise unless ``value`` is a class of torch module (the recurrent layer to build), not
    an instance of one."""
    if not (inspect.isclass(value) and issubclass(value, nn.Module)):
        raise TypeError(
            f"{name} 应是循环层的类（例如 {examples}），实际为 {value!r}；"
            f"传类本身，不要传实例：{name}=nn.LSTM 而不是 {name}=nn.LSTM(...)。"
        )


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
