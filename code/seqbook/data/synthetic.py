"""Synthetic data: numeral translation pairs (chapter 7) and the memory task (chapter 4).

Chinese numerals and Arabic numerals are exact sequence-to-sequence pairs made with cn2an.

A number becomes Chinese in one of three styles: "low" (小写, 一千零二十四), "up" (大写, as on
cheques, 壹仟零贰拾肆) and "direct" (逐位读, 一零二四). ``load_numerals`` draws distinct
numbers, splits them into training, validation and test numbers, and only then writes each
number in its styles, so that no test number (in any style) occurs in training.

``memory_task`` makes sequences whose label is their first token: a test of how far back
a recurrent network remembers.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass

import cn2an
import torch
from torch import Tensor

from seqbook.checks import (
    check_choice,
    check_instance,
    check_int_at_least,
    check_int_between,
    check_number,
    check_positive_int,
    check_strings,
)

STYLES = {"low": "小写", "up": "大写", "direct": "逐位读"}
DIRECTIONS = ("to_arabic", "to_chinese")

Pair = tuple[list[str], list[str]]  # (source tokens, target tokens): one token per character


def to_chinese(number: int, style: str = "low") -> str:
    """``number`` in Chinese: to_chinese(1024) -> "一千零二十四"; see STYLES for the styles."""
    _check_style("style", style)
    check_int_at_least("number", number, 0, "number 是要写成中文的非负整数，例如 1024。")
    return cn2an.an2cn(number, style)


def random_number(rng: random.Random, max_digits: int = 8, zero_prob: float = 0.3) -> int:
    """A number of 1 to ``max_digits`` digits (each length equally likely); after the first
    digit, each digit is 0 with probability ``zero_prob``, else 1-9, so that the rules for
    零 are frequent enough to learn."""
    check_instance("rng", rng, random.Random, "例如 random.Random(0)。")
    _check_digits(max_digits, zero_prob)
    return _random_number(rng, max_digits, zero_prob)


def _random_number(rng: random.Random, max_digits: int, zero_prob: float) -> int:
    num_digits = rng.randint(1, max_digits)
    if num_digits == 1:
        return rng.randint(0, 9)
    digits = [rng.randint(1, 9)] + [
        0 if rng.random() < zero_prob else rng.randint(1, 9) for _ in range(num_digits - 1)
    ]
    return int("".join(map(str, digits)))


def random_numbers(count: int, *, max_digits: int = 8, zero_prob: float = 0.3, seed: int = 0) -> list[int]:
    """``count`` distinct numbers from ``random_number``, in the order drawn (same on every machine)."""
    _check_digits(max_digits, zero_prob)
    check_int_at_least("count", count, 0)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    possible = 10 ** max_digits
    if count > possible // 4:
        raise ValueError(
            f"count={count!r} 不合适：应为非负整数，且不超过 {max_digits} 位数总数的四分之一（{possible // 4}），"
            "否则很难抽到足够多互不相同的数。请减少 count 或增大 max_digits。"
        )
    rng = random.Random(seed)
    numbers: dict[int, None] = {}
    while len(numbers) < count:
        numbers.setdefault(_random_number(rng, max_digits, zero_prob))
    return list(numbers)


def _check_digits(max_digits, zero_prob) -> None:
    check_int_between("max_digits", max_digits, 1, 16)
    check_number("zero_prob", zero_prob, low=0, high=1, high_open=True, hint="zero_prob 是数字为 0 的概率。")


def _check_style(name: str, style) -> None:
    check_choice(name, style, tuple(STYLES), f"即 {'、'.join(STYLES.values())} 三种写法。")


def _check_styles(styles, direction) -> None:
    check_choice("direction", direction, DIRECTIONS)
    check_strings("styles", styles, "例如 styles=['low', 'up']。")
    for style in styles:
        _check_style("styles 的元素", style)


def numeral_pairs(
    numbers: Sequence[int], styles: Sequence[str] = ("low",), direction: str = "to_arabic"
) -> list[Pair]:
    """One (source, target) pair per number and style, as lists of characters.

    "to_arabic": 一千零二十四 -> 1 0 2 4, in every style of ``styles``;
    "to_chinese": 1 0 2 4 -> 一千零二十四, one pair per style (the target in that style).
    """
    _check_styles(styles, direction)
    pairs = []
    for number in numbers:
        for style in styles:
            chinese, arabic = list(to_chinese(number, style)), list(str(number))
            pairs.append((chinese, arabic) if direction == "to_arabic" else (arabic, chinese))
    return pairs


@dataclass
class NumeralData:
    """Numbers split three ways, and their (source, target) pairs."""

    train_numbers: list[int]
    val_numbers: list[int]
    test_numbers: list[int]
    train: list[Pair]
    val: list[Pair]
    test: list[Pair]


def load_numerals(
    sizes: Sequence[int] = (20000, 1000, 2000),
    *,
    styles: Sequence[str] = tuple(STYLES),
    direction: str = "to_arabic",
    max_digits: int = 8,
    zero_prob: float = 0.3,
    seed: int = 0,
) -> NumeralData:
    """Distinct numbers for training, validation and test (``sizes``), and their pairs.

    The numbers are split before any of them is written out, so a test number never occurs
    in the training pairs, in any style.
    """
    if len(sizes) != 3:
        raise ValueError(f"sizes 应为三个正整数 (训练, 验证, 测试)，实际为 {tuple(sizes)!r}。")
    for index, size in enumerate(sizes):
        check_positive_int(f"sizes[{index}]", size, "sizes 是 (训练, 验证, 测试) 的数的个数。")
    _check_styles(styles, direction)
    numbers = random_numbers(sum(sizes), max_digits=max_digits, zero_prob=zero_prob, seed=seed)
    random.Random(seed).shuffle(numbers)  # short numbers are drawn early: mix them into every part
    a, b = sizes[0], sizes[0] + sizes[1]
    parts = numbers[:a], numbers[a:b], numbers[b:]
    return NumeralData(*parts, *(numeral_pairs(p, styles, direction) for p in parts))


def memory_task(
    num_sequences: int,
    lag: int,
    *,
    num_symbols: int = 4,
    num_distractors: int = 8,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """The long-range memory task: remember the first token of a sequence for ``lag`` steps.

    Each sequence has ``lag + 1`` tokens: a signal token (one of ``num_symbols`` ids
    ``0 .. num_symbols-1``) at step 0, then ``lag`` distractors drawn uniformly from the
    ids ``num_symbols .. num_symbols+num_distractors-1``. The label is the signal, so the
    answer, asked after the last token, lies ``lag`` steps back; guessing gives an accuracy
    of 1/num_symbols. The vocabulary has ``num_symbols + num_distractors`` ids.

    Returns ``(x, y)``: x a LongTensor (num_sequences, lag + 1), y a LongTensor
    (num_sequences,). The same arguments always give the same tensors.
    """
    for name, value, least in (
        ("num_sequences", num_sequences, 1),
        ("lag", lag, 0),
        ("num_symbols", num_symbols, 2),
        ("num_distractors", num_distractors, 1),
    ):
        check_int_at_least(name, value, least)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(num_symbols, (num_sequences,), generator=generator)
    noise = torch.randint(num_distractors, (num_sequences, lag), generator=generator)
    x = torch.cat([y[:, None], noise + num_symbols], dim=1)
    return x, y
