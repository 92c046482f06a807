"""Corpus statistics: rank-frequency (Zipf), coverage of running text, out-of-vocabulary rate;
for segmentations, the kinds of disagreement with a gold standard and the recall of known
and unknown words."""

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
    """Ranks 1, 2, ... and the counts sorted from the most frequent type down, for a
    log-log Zipf plot. ``counts`` maps each type to its count, e.g. a ``collections.Counter``."""
    frequencies = np.array(sorted(_check_counts(counts).values(), reverse=True), dtype=np.int64)
    return np.arange(1, len(frequencies) + 1), frequencies


def zipf_slope(counts: Mapping[str, int], min_rank: int = 1, max_rank: int | None = None) -> float:
    """The least-squares slope of log(frequency) against log(rank) for ranks
    ``min_rank`` to ``max_rank`` (inclusive; ``None``: the last rank). Zipf's law predicts
    about -1. A rough descriptive fit, not a maximum-likelihood estimate."""
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
    """The share of running tokens covered by the k most frequent types, for k = 1, 2, ...:
    element ``k - 1`` belongs to the top ``k`` types; the last element is 1."""
    _ranks, frequencies = rank_frequency(counts)
    return np.cumsum(frequencies) / frequencies.sum()


def types_for_coverage(counts: Mapping[str, int], share: float) -> int:
    """The fewest most-frequent types that together cover at least ``share`` of the tokens."""
    check_number("share", share, low=0, low_open=True, high=1, hint="例如 0.9 表示覆盖 90% 的文本。")
    curve = coverage_curve(counts)
    # tolerate the rounding of the cumulative sum at share == 1
    return int(np.searchsorted(curve, share - 1e-12) + 1)


def oov_rate(known: Container[str], tokens: Iterable[str], unit: str = "token") -> float:
    """The share of ``tokens`` (running text, e.g. a test split) missing from ``known``
    (a ``Vocab`` or a set of types). ``unit="token"`` counts every occurrence;
    ``unit="type"`` counts each distinct token once."""
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
    """Where two segmentations of the same sentences disagree, and how.

    Each sentence is cut at the boundaries both segmentations share; every piece on which
    they differ is one disagreement: ``"over_split"`` (one gold word cut into several
    predicted words), ``"under_split"`` (several gold words predicted as one) or ``"mixed"``
    (several on both sides, with crossing boundaries). Each counter maps
    ``(gold_words, predicted_words)`` (two tuples) to the number of times it occurs.
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
    """Recall of the gold words in ``known`` (in-vocabulary, IV) and of the others
    (out-of-vocabulary, OOV), as in the SIGHAN bakeoffs; ``known`` is usually the set of
    words of the training data. A recall with no gold word to count is ``nan``."""
    found, total = Counter(), Counter()
    for gold, predicted in _sentence_pairs(gold_sentences, predicted_sentences):
        predicted_spans = set(word_spans(predicted))
        for word, span in zip(gold, word_spans(gold), strict=True):
            kind = "iv" if word in known else "oov"
            total[kind] += 1
            found[kind] += span in predicted_spans
    return tuple(found[k] / total[k] if total[k] else float("nan") for k in ("iv", "oov"))


def _sentence_pairs(gold_sentences, predicted_sentences):
    """Zip two segmentations of the same sentences, checking that they fit together."""
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
    """Pairs (gold words, predicted words) of the minimal pieces on which the two differ."""
    gold_ends = {end for _start, end in word_spans(gold)}
    predicted_ends = {end for _start, end in word_spans(predicted)}
    gold_words, predicted_words = iter(gold), iter(predicted)
    gold_piece, predicted_piece, gold_end, predicted_end = [], [], 0, 0
    for end in sorted(gold_ends & predicted_ends):  # the shared boundaries
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
