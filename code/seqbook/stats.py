"""语料统计：秩与频率（齐普夫定律）、对文本的覆盖率、未登录词率；以及分词结果与金标准
不一致的种类，登录词与未登录词的召回率。"""

from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence

import numpy as np

from seqbook.checks import (
    check_choice,
    check_instance,
    check_not_empty,
    check_number,
    check_positive_int,
    check_token_lists,
)
from seqbook.metrics import word_spans


def rank_frequency(counts: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """秩 1, 2, ... 和从最常见的类型往下排好的次数，用来画双对数坐标的齐普夫图。
    ``counts`` 把每个类型映射到它的次数，例如 ``collections.Counter``。"""
    frequencies = np.array(sorted(_check_counts(counts).values(), reverse=True), dtype=np.int64)
    return np.arange(1, len(frequencies) + 1), frequencies


def zipf_slope(counts: Mapping[str, int], min_rank: int = 1, max_rank: int | None = None) -> float:
    """秩从 ``min_rank`` 到 ``max_rank``（含；``None`` 表示最后一个秩）时，log(频率) 对 log(秩)
    的最小二乘斜率。齐普夫定律预测约为 -1。这只是粗略的描述性拟合，不是最大似然估计。"""
    check_positive_int("min_rank", min_rank)
    if max_rank is not None:
        check_positive_int("max_rank", max_rank, "None 表示到最后一个秩。")
    ranks, frequencies = rank_frequency(counts)
    max_rank = len(ranks) if max_rank is None else max_rank
    if not 1 <= min_rank < max_rank <= len(ranks):
        raise ValueError(
            f"秩的范围 [{min_rank}, {max_rank}] 不合法：需要 1 <= min_rank < max_rank <= {len(ranks)}"
            "（类型数），至少包含两个秩才能拟合直线。"
        )
    chosen = slice(min_rank - 1, max_rank)
    slope, _intercept = np.polyfit(np.log(ranks[chosen]), np.log(frequencies[chosen]), 1)
    return float(slope)


def coverage_curve(counts: Mapping[str, int]) -> np.ndarray:
    """最常见的 k 个类型覆盖的文本词元比例，k = 1, 2, ...：第 ``k - 1`` 个元素对应前 ``k`` 个类型；
    最后一个元素为 1。"""
    _ranks, frequencies = rank_frequency(counts)
    return np.cumsum(frequencies) / frequencies.sum()


def types_for_coverage(counts: Mapping[str, int], share: float) -> int:
    """合起来至少覆盖 ``share`` 的词元所需的最常见类型的最少个数。"""
    check_number("share", share, low=0, low_open=True, high=1, hint="例如 0.9 表示覆盖 90% 的文本。")
    curve = coverage_curve(counts)
    # share == 1 时容忍累加和的舍入误差
    return int(np.searchsorted(curve, share - 1e-12) + 1)


def oov_rate(known: Container[str], tokens: Iterable[str], unit: str = "token") -> float:
    """未登录词率：``tokens``（一段文本，例如测试集）中不在 ``known``（``Vocab`` 或类型的集合）里的
    比例。``unit="token"`` 按每次出现计；``unit="type"`` 每个不同的词元只计一次。"""
    check_choice("unit", unit, ("token", "type"), "'token' 按出现次数计，'type' 按不同的词计。")
    if isinstance(tokens, str):
        raise TypeError(
            f"tokens 应是词元的列表，收到的是字符串 {tokens!r:.30}；请先分词，例如 char_tokenize(text)。"
        )
    counts = _check_counts(Counter(tokens))
    if unit == "type":
        counts = dict.fromkeys(counts, 1)
    missing = sum(count for token, count in counts.items() if token not in known)
    return missing / sum(counts.values())


def segmentation_errors(
    gold_sentences: Sequence[Sequence[str]], predicted_sentences: Sequence[Sequence[str]]
) -> dict[str, Counter]:
    """同一批句子的两种切分在哪里不一致、怎样不一致。

    每句在两种切分共有的边界处切开；两边不同的每一段是一处不一致：``"over_split"``（切得太碎：
    一个金标准词被切成几个预测词）、``"under_split"``（切得太粗：几个金标准词被预测成一个）或
    ``"mixed"``（两边都有几个词，边界交错）。每个计数器把 ``(金标准词, 预测词)``（两个元组）映射到
    它出现的次数。
    """
    errors = {"over_split": Counter(), "under_split": Counter(), "mixed": Counter()}
    for gold, predicted in _sentence_pairs(gold_sentences, predicted_sentences):
        for gold_piece, predicted_piece in _disagreements(gold, predicted):
            if len(gold_piece) == 1:
                kind = "over_split"
            elif len(predicted_piece) == 1:
                kind = "under_split"
            else:
                kind = "mixed"
            errors[kind][gold_piece, predicted_piece] += 1
    return errors


def iv_oov_recall(
    gold_sentences: Sequence[Sequence[str]],
    predicted_sentences: Sequence[Sequence[str]],
    known: Container[str],
) -> tuple[float, float]:
    """金标准中登录词（在 ``known`` 中，IV）与未登录词（OOV）各自的召回率，同 SIGHAN 评测；
    ``known`` 通常是训练数据的词的集合。没有可计的金标准词时召回率为 ``nan``。"""
    found, total = Counter(), Counter()
    for gold, predicted in _sentence_pairs(gold_sentences, predicted_sentences):
        predicted_spans = set(word_spans(predicted))
        for word, span in zip(gold, word_spans(gold), strict=True):
            kind = "iv" if word in known else "oov"
            total[kind] += 1
            found[kind] += span in predicted_spans
    return tuple(found[k] / total[k] if total[k] else float("nan") for k in ("iv", "oov"))


def _sentence_pairs(gold_sentences, predicted_sentences):
    """把同一批句子的两种切分配对，并检查它们对得上。"""
    check_token_lists("gold_sentences", gold_sentences)
    check_token_lists("predicted_sentences", predicted_sentences)
    if len(gold_sentences) != len(predicted_sentences):
        raise ValueError(
            f"金标准有 {len(gold_sentences)} 句，预测有 {len(predicted_sentences)} 句；两边的句数必须相同。"
        )
    for index, (gold, predicted) in enumerate(zip(gold_sentences, predicted_sentences, strict=True)):
        if "".join(gold) != "".join(predicted):
            raise ValueError(
                f"第 {index} 句（从 0 数起）两边的字符不同：金标准 {''.join(gold)!r}，预测 {''.join(predicted)!r}；"
                "两边必须是同一句话的不同切分。"
            )
        yield gold, predicted


def _disagreements(gold: Sequence[str], predicted: Sequence[str]):
    """两种切分不同的最小片段，每段给出 (金标准词, 预测词)。"""
    gold_ends = {end for _start, end in word_spans(gold)}
    predicted_ends = {end for _start, end in word_spans(predicted)}
    gold_words, predicted_words = iter(gold), iter(predicted)
    gold_piece, predicted_piece, gold_end, predicted_end = [], [], 0, 0
    for end in sorted(gold_ends & predicted_ends):  # 两边共有的边界
        while gold_end < end:
            gold_piece.append(next(gold_words))
            gold_end += len(gold_piece[-1])
        while predicted_end < end:
            predicted_piece.append(next(predicted_words))
            predicted_end += len(predicted_piece[-1])
        if gold_piece != predicted_piece:
            yield tuple(gold_piece), tuple(predicted_piece)
        gold_piece, predicted_piece = [], []


def _check_counts(counts: Mapping[str, int]) -> Mapping[str, int]:
    check_instance("counts", counts, Mapping, "counts 是 {词元: 次数} 的映射，例如 collections.Counter(tokens)。")
    check_not_empty("counts", counts, "没有任何词元：计数为空，请检查读入的数据。")
    return counts
