"""评价指标：准确率，分词的精确率、召回率与 F1，困惑度和 BLEU。"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import torch

from seqbook.checks import (
    check_bool,
    check_choice,
    check_int,
    check_int_at_least,
    check_number,
    check_positive_int,
    check_strings,
    check_token_lists,
)


def accuracy(pred, target, ignore_index: int | None = None) -> float:
    """准确率：``pred`` 与 ``target``（张量或列表）相等的比例。

    ``pred`` 也可以是比 ``target`` 多一维的分数（例如形状 (B, 类别数) 的 logits），此时取最后
    一维的 argmax 作为预测。目标等于 ``ignore_index`` 的位置（例如标为 -100 的填充）不计。
    """
    if ignore_index is not None:
        check_int("ignore_index", ignore_index, "例如 ignore_index=-100 跳过填充位置；不跳过请用 None。")
    pred = torch.as_tensor(pred)
    target = torch.as_tensor(target, device=pred.device)
    if pred.dim() == target.dim() + 1:
        pred = pred.argmax(dim=-1)
    if pred.shape != target.shape:
        raise ValueError(
            f"预测的形状 {tuple(pred.shape)} 与目标的形状 {tuple(target.shape)} 不一致；"
            "pred 应是类别编号（与 target 同形），或多一维的分数（最后一维是类别）。"
        )
    counted = (
        target != ignore_index
        if ignore_index is not None
        else torch.ones_like(target, dtype=torch.bool)
    )
    total = int(counted.sum())
    if total == 0:
        raise ValueError(
            "没有可以计数的位置（目标为空，或全部等于 ignore_index），准确率没有定义。"
        )
    return int(((pred == target) & counted).sum()) / total


def word_spans(words: Sequence[str]) -> list[tuple[int, int]]:
    """每个词在句子中的字符区间 [start, end)：["中国", "人"] -> [(0, 2), (2, 3)]。"""
    if isinstance(words, str):
        raise TypeError(
            f"word_spans 需要词的列表，收到的是字符串 {words!r:.30}；例如 ['中国', '人']。"
        )
    check_strings("words", words, "例如 ['中国', '人']。")
    spans, start = [], 0
    for word in words:
        spans.append((start, start + len(word)))
        start += len(word)
    return spans


def segmentation_prf(
    gold_sentences: Sequence[Sequence[str]], predicted_sentences: Sequence[Sequence[str]]
) -> tuple[float, float, float]:
    """预测的词相对金标准的精确率、召回率与 F1，在所有句子上合计。

    预测的一个词算对，当且仅当它的字符区间也是金标准中某个词的区间。
    每句的两种切分必须由相同的字符组成。
    """
    check_token_lists("gold_sentences", gold_sentences)
    check_token_lists("predicted_sentences", predicted_sentences)
    if len(gold_sentences) != len(predicted_sentences):
        raise ValueError(
            f"金标准有 {len(gold_sentences)} 句，预测有 {len(predicted_sentences)} 句；两边的句数必须相同。"
        )
    correct = n_gold = n_predicted = 0
    for index, (gold, predicted) in enumerate(
        zip(gold_sentences, predicted_sentences, strict=True)
    ):
        if "".join(gold) != "".join(predicted):
            raise ValueError(
                f"第 {index} 句（从 0 数起）两边的字符不同：金标准 {''.join(gold)!r}，预测 {''.join(predicted)!r}；"
                "两边必须是同一句话的不同切分（例如去掉了空白字符的同一段文本）。"
            )
        gold_spans, predicted_spans = set(word_spans(gold)), set(word_spans(predicted))
        correct += len(gold_spans & predicted_spans)  # 区间完全相同的词才算切对
        n_gold += len(gold_spans)
        n_predicted += len(predicted_spans)
    precision = correct / n_predicted if n_predicted else 0.0  # 精确率：预测的词里有多少是对的
    recall = correct / n_gold if n_gold else 0.0  # 召回率：金标准的词里有多少被找到
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0  # 调和平均
    return precision, recall, f1


def perplexity(mean_nll: float) -> float:
    """困惑度：每个词元平均负对数似然（以 e 为底；浮点数或 0 维张量）的指数。"""
    if isinstance(mean_nll, torch.Tensor) and mean_nll.numel() == 1:
        mean_nll = mean_nll.item()
    check_number(
        "mean_nll", mean_nll, low=0,
        hint="它是平均负对数似然，不能为负；请传入交叉熵损失的平均值（以 e 为底）。",
    )
    mean_nll = float(mean_nll)
    try:
        return math.exp(mean_nll)
    except OverflowError:
        return math.inf


# 语料级 BLEU（Papineni 等人 2002），在词元上按 sacreBLEU 的定义（Post 2018）计算。

BLEU_SMOOTHING = {"none": None, "floor": 0.1, "add-k": 1.0, "exp": None}  # 平滑方法 -> 默认值


@dataclass(frozen=True)
class BLEUScore:
    """语料级 BLEU 及其组成部分；``score`` 与 ``precisions`` 是百分数。"""

    score: float
    precisions: tuple[float, ...]  # n 元组的修正精确率，n = 1..max_order，已平滑
    brevity_penalty: float
    hyp_len: int  # 所有译文的词元数
    ref_len: int  # 每句最接近的参考译文的词元数之和
    matches: tuple[int, ...]  # 截断后的 n 元组匹配数，n = 1..max_order
    totals: tuple[int, ...]  # 译文中的 n 元组数，n = 1..max_order
    signature: str = ""  # sacreBLEU 的签名：分数是怎样算的（适用时）

    def __str__(self) -> str:
        precisions = "/".join(f"{p:.1f}" for p in self.precisions)
        ratio = self.hyp_len / self.ref_len if self.ref_len else 0.0
        text = (
            f"BLEU = {self.score:.2f} {precisions} (BP = {self.brevity_penalty:.3f} "
            f"ratio = {ratio:.3f} hyp_len = {self.hyp_len} ref_len = {self.ref_len})"
        )
        return f"{text}  [{self.signature}]" if self.signature else text


def _ngram_counts(tokens: Sequence[str], max_order: int) -> Counter:
    return Counter(
        tuple(tokens[i : i + n]) for n in range(1, max_order + 1) for i in range(len(tokens) - n + 1)
    )


def _as_references(refs, index: int) -> list[Sequence[str]]:
    """一句译文的参考译文，整理成词元列表的列表（单个词元列表算一个参考译文）。"""
    if isinstance(refs, str) or (refs and isinstance(refs[0], str)):
        refs = [refs]
    if not refs:
        raise ValueError(f"第 {index} 个句子（从 0 数起）没有参考译文；每个句子至少要有一个参考译文。")
    for ref in refs:
        if isinstance(ref, str):
            raise TypeError(
                f"第 {index} 个句子的参考译文是字符串 {ref!r:.40}；corpus_bleu 需要词元列表，请先分词（例如 ref.split()）。"
            )
        _check_tokens(ref, index)
    return list(refs)


def _check_tokens(tokens: Sequence[str], index: int) -> None:
    spaced = next((t for t in tokens if not isinstance(t, str) or not t or any(c.isspace() for c in t)), None)
    if spaced is not None:
        raise TypeError(
            f"第 {index} 个句子里有词元 {spaced!r:.40} 不是不含空白的非空字符串：corpus_bleu 需要分好词的词元列表，"
            "请先分词（例如 sentence.split()）。"
        )


def corpus_bleu(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence,
    *,
    max_order: int = 4,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> BLEUScore:
    """分好词的译文的语料级 BLEU，与 sacreBLEU 的 ``corpus_bleu(..., tokenize='none')`` 相同。

    ``hypotheses[i]`` 是词元列表；``references[i]`` 是一个或多个词元列表（单个词元列表也算一个
    参考译文）。在整个语料上：

    - n 元组的修正精确率 p_n，n = 1..max_order：译文中每个 n 元组最多按它在某一个参考译文中
      出现的次数计（截断），所有句子的截断匹配数相加后，再除以相加后的总数；
    - 简短惩罚 BP = exp(1 - r/c)（c < r 时），否则为 1；c 是译文总长度，r 是每句最接近的参考
      译文长度之和（一样接近时取较短的）；
    - BLEU = 100 * BP * exp(log p_n 的平均)。

    ``smooth`` 处理没有匹配的 p_n："none"（BLEU 为 0）、"floor"（匹配数取 smooth_value，默认
    0.1）、"add-k"（n >= 2 时匹配数与总数各加 smooth_value，默认 1）、"exp"（mteval-v13a 的
    1/2、1/4……，sacreBLEU 的默认）。``effective_order`` 只平均总数不为 0 的阶（用于单句）。
    """
    check_positive_int("max_order", max_order, "BLEU 通常用 4。")
    check_choice("smooth", smooth, tuple(BLEU_SMOOTHING), "它是平滑方法；sacreBLEU 默认用 'exp'。")
    if smooth_value is not None:
        check_number("smooth_value", smooth_value, low=0, hint="不传则用该平滑方法的默认值。")
    check_bool("effective_order", effective_order)
    if len(hypotheses) != len(references):
        raise ValueError(
            f"译文有 {len(hypotheses)} 句，参考译文有 {len(references)} 组；每句译文都要有对应的参考译文。"
        )
    if isinstance(hypotheses, str):
        raise TypeError("hypotheses 应是词元列表的列表，收到的是一个字符串；请先分词。")
    statistics = [_sentence_statistics(hyp, refs, index, max_order)
                  for index, (hyp, refs) in enumerate(zip(hypotheses, references, strict=True))]
    matches = [sum(column) for column in zip(*(m for m, _, _, _ in statistics), strict=True)] or [0] * max_order
    totals = [sum(column) for column in zip(*(t for _, t, _, _ in statistics), strict=True)] or [0] * max_order
    hyp_len, ref_len = sum(st[2] for st in statistics), sum(st[3] for st in statistics)
    return _bleu_from_counts(matches, totals, hyp_len, ref_len, smooth, smooth_value, effective_order)


def _sentence_statistics(hyp, refs, index: int, max_order: int) -> tuple[list[int], list[int], int, int]:
    """一句的各阶截断匹配数与总数、译文长度，以及最接近的参考译文长度。"""
    if isinstance(hyp, str):
        raise TypeError(
            f"第 {index} 句译文是字符串 {hyp!r:.40}；corpus_bleu 需要词元列表，请先分词（例如 hyp.split()）。"
        )
    _check_tokens(hyp, index)
    refs = _as_references(refs, index)
    max_ref_counts: Counter = Counter()
    for ref in refs:
        for ngram, count in _ngram_counts(ref, max_order).items():
            max_ref_counts[ngram] = max(max_ref_counts[ngram], count)
    matches, totals = [0] * max_order, [0] * max_order
    for ngram, count in _ngram_counts(hyp, max_order).items():
        totals[len(ngram) - 1] += count
        matches[len(ngram) - 1] += min(count, max_ref_counts[ngram])
    closest = min((abs(len(ref) - len(hyp)), len(ref)) for ref in refs)[1]
    return matches, totals, len(hyp), closest


def _bleu_from_counts(matches, totals, hyp_len, ref_len, smooth, smooth_value, effective_order):
    """由相加后的统计量按 sacreBLEU 的平滑规则算出 BLEU。"""
    smooth_value = BLEU_SMOOTHING[smooth] if smooth_value is None else smooth_value
    max_order = len(matches)
    bp = 1.0 if hyp_len >= ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0)
    precisions = [0.0] * max_order
    counts = (tuple(matches), tuple(totals))
    if not any(matches):
        return BLEUScore(0.0, tuple(precisions), bp, hyp_len, ref_len, *counts)
    matches, totals = [float(m) for m in matches], [float(t) for t in totals]
    exp_factor, order = 1.0, max_order
    for n in range(max_order):
        if smooth == "add-k" and n > 0:
            matches[n] += smooth_value
            totals[n] += smooth_value
        if totals[n] == 0:
            break
        if effective_order:
            order = n + 1
        if matches[n] > 0:
            precisions[n] = 100.0 * matches[n] / totals[n]
        elif smooth == "exp":
            exp_factor *= 2
            precisions[n] = 100.0 / (exp_factor * totals[n])
        elif smooth == "floor":
            precisions[n] = 100.0 * smooth_value / totals[n]
    if any(p == 0 for p in precisions[:order]):
        score = 0.0
    else:
        score = bp * math.exp(sum(math.log(p) for p in precisions[:order]) / order)
    return BLEUScore(score, tuple(precisions), bp, hyp_len, ref_len, *counts)


def exact_match(predictions: Sequence[Sequence], references: Sequence[Sequence]) -> float:
    """与参考完全相同（每个词元都相同）的预测序列所占的比例。"""
    if len(predictions) != len(references) or len(references) == 0:
        raise ValueError(
            f"预测有 {len(predictions)} 个序列，参考有 {len(references)} 个；两者应一样多且不为空。"
        )
    return sum(list(p) == list(r) for p, r in zip(predictions, references, strict=True)) / len(references)


def sacrebleu_13a(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> BLEUScore:
    """未分词文本的语料级 BLEU，先用 sacreBLEU 的标准分词器 '13a' 分词。

    ``references[i]`` 列出 ``hypotheses[i]`` 的（一个或多个）参考译文。结果等于 sacreBLEU 默认
    设置（13a、exp 平滑、区分大小写）的 ``sacrebleu.corpus_bleu``，并带上 sacreBLEU 的签名，
    让读者知道分数是怎样算出来的。
    """
    _check_texts(hypotheses, references)
    hyps, refs = _tokenize_13a(hypotheses, references)  # 按 13a 规则切分标点，再按空格分成词元
    return replace(corpus_bleu(hyps, refs), signature=sacrebleu_signature(references))


def sacrebleu_signature(references: Sequence[Sequence[str]]) -> str:
    """``sacrebleu_13a`` 在这些参考译文上的 sacreBLEU 签名，例如
    ``nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0``（"var"：各句的参考译文
    个数不同）。"""
    import sacrebleu

    counts = {len(refs) for refs in references}
    nrefs = counts.pop() if len(counts) == 1 else "var"
    return f"nrefs:{nrefs}|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"


def _tokenize_13a(hypotheses, references) -> tuple[list[list[str]], list[list[list[str]]]]:
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tokenize = Tokenizer13a()
    return (
        [tokenize(h.rstrip()).split() for h in hypotheses],
        [[tokenize(r.rstrip()).split() for r in refs] for refs in references],
    )


@dataclass(frozen=True)
class BootstrapInterval:
    """系统 A 减系统 B 的 BLEU 差，以及自助法（bootstrap）置信区间。"""

    difference: float  # 在整个测试集上
    low: float
    high: float
    a_wins: float  # 重抽样的测试集中 A 得分更高的比例
    samples: int
    confidence: float

    def __str__(self) -> str:
        return (
            f"BLEU 差 {self.difference:+.2f}，{self.confidence:.0%} 区间 [{self.low:+.2f}, {self.high:+.2f}]"
            f"（{self.samples} 次重抽样中 A 更高的比例 {self.a_wins:.1%}）"
        )


def paired_bootstrap(
    hypotheses_a: Sequence[str],
    hypotheses_b: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapInterval:
    """两个系统 ``sacrebleu_13a`` 的配对自助法（paired bootstrap，Koehn 2004）。

    每次有放回地抽出与测试集同样多的句子，两个系统在同一次抽样上计分；区间是 ``samples`` 个
    差值中间的 ``confidence`` 部分。每句的 n 元组统计只算一次、每次抽样相加，所以几千句
    重抽样一千次也用不了一秒。
    """
    check_positive_int("samples", samples, "例如 samples=1000。")
    check_number("confidence", confidence, low=0, high=1, low_open=True, high_open=True, hint="例如 confidence=0.95。")
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    if not (len(hypotheses_a) == len(hypotheses_b) == len(references)) or not references:
        raise ValueError(
            f"两个系统的译文和参考译文应一样多且不为空，实际为 {len(hypotheses_a)}、{len(hypotheses_b)} 和 {len(references)} 句。"
        )
    _check_texts(hypotheses_a, references)
    _check_texts(hypotheses_b, references)
    table_a, table_b = (_statistics_table(hyps, references) for hyps in (hypotheses_a, hypotheses_b))
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randint(len(references), (samples, len(references)), generator=generator)
    a_scores = [_bleu_of_row(row) for row in table_a[draws].sum(dim=1)]
    b_scores = [_bleu_of_row(row) for row in table_b[draws].sum(dim=1)]
    differences = torch.tensor(a_scores, dtype=torch.float64) - torch.tensor(b_scores, dtype=torch.float64)
    tail = (1 - confidence) / 2
    low, high = torch.quantile(differences, torch.tensor([tail, 1 - tail], dtype=torch.float64)).tolist()
    whole = _bleu_of_row(table_a.sum(dim=0)) - _bleu_of_row(table_b.sum(dim=0))
    return BootstrapInterval(whole, low, high, (differences > 0).double().mean().item(), samples, confidence)


def _statistics_table(hypotheses, references) -> torch.Tensor:
    """每句一行：4 个匹配数、4 个总数、译文长度、最接近的参考译文长度。"""
    hyps, refs = _tokenize_13a(hypotheses, references)
    rows = []
    for index, (hyp, sentence_refs) in enumerate(zip(hyps, refs, strict=True)):
        matches, totals, hyp_len, ref_len = _sentence_statistics(hyp, sentence_refs, index, 4)
        rows.append([*matches, *totals, hyp_len, ref_len])
    return torch.tensor(rows, dtype=torch.int64)


def _bleu_of_row(row: torch.Tensor) -> float:
    values = row.tolist()
    return _bleu_from_counts(values[:4], values[4:8], values[8], values[9], "exp", None, False).score


def _check_texts(hypotheses, references) -> None:
    """检查：译文是未分词的字符串，每句有一个参考译文字符串的列表。"""
    check_strings("hypotheses", hypotheses, "每句译文是一个未分词的字符串。")
    if isinstance(references, str) or any(isinstance(refs, str) for refs in references):
        raise TypeError("references[i] 应是第 i 句的参考译文列表（字符串的列表），单个参考译文也要放进列表。")
    for index, refs in enumerate(references):
        check_strings(f"references[{index}]", refs, "它列出第 i 句的参考译文（字符串）。")


def bleu_by_length(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], lengths: Sequence[int], bounds: Sequence[int]
) -> list[tuple[str, int, BLEUScore]]:
    """按长度分组的 ``sacrebleu_13a``：每组一个 (标签, 句数, 分数)。

    ``lengths[i]`` 是第 i 句的长度（例如源句的字数）；``bounds``（递增）是各组的上界：(6, 9)
    分成 "1-6"、"7-9" 与 "10+"。空的组不列出。
    """
    if not (len(hypotheses) == len(references) == len(lengths)):
        raise ValueError(
            f"hypotheses、references 和 lengths 应一样长（每句一个），实际为 {len(hypotheses)}、{len(references)} 和 {len(lengths)}。"
        )
    for bound in bounds:
        check_positive_int("bounds 的元素", bound, "bounds 应为递增的正整数，例如 (6, 9, 12)。")
    if not bounds or any(b <= a for a, b in pairwise([0, *bounds])):
        raise ValueError(f"bounds 应为递增的正整数，例如 (6, 9, 12)，实际为 {tuple(bounds)}。")
    groups = []
    for low, high in pairwise([0, *bounds, math.inf]):
        members = [i for i, n in enumerate(lengths) if low < n <= high]
        label = f"{low + 1}-{high}" if high < math.inf else f"{low + 1}+"
        if members:
            score = sacrebleu_13a([hypotheses[i] for i in members], [references[i] for i in members])
            groups.append((label, len(members), score))
    return groups
