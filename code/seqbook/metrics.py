"""Evaluation metrics: accuracy, word-segmentation precision/recall/F1 and perplexity."""

import math
from collections.abc import Sequence

import torch


def accuracy(pred, target, ignore_index: int | None = None) -> float:
    """The fraction of ``pred`` equal to ``target`` (tensors or lists).

    ``pred`` may hold scores with one more dimension than ``target`` (e.g. logits of shape
    (batch, classes)); their argmax over the last dimension is the prediction. Positions
    whose target is ``ignore_index`` (e.g. padding labelled -100) don't count.
    """
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
    """The character span [start, end) of each word: ["中国", "人"] -> [(0, 2), (2, 3)]."""
    if isinstance(words, str):
        raise TypeError(
            f"word_spans 需要词的列表，收到的是字符串 {words!r:.30}；例如 ['中国', '人']。"
        )
    spans, start = [], 0
    for word in words:
        spans.append((start, start + len(word)))
        start += len(word)
    return spans


def segmentation_prf(
    gold_sentences: Sequence[Sequence[str]], predicted_sentences: Sequence[Sequence[str]]
) -> tuple[float, float, float]:
    """Precision, recall and F1 of predicted words against gold words, over all sentences.

    A predicted word is correct when its character span is a gold word's span. The two
    segmentations of each sentence must have the same characters.
    """
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
        correct += len(gold_spans & predicted_spans)
        n_gold += len(gold_spans)
        n_predicted += len(predicted_spans)
    precision = correct / n_predicted if n_predicted else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def perplexity(mean_nll: float) -> float:
    """exp of the mean negative log-likelihood per token, in nats (a float or a 0-d tensor)."""
    mean_nll = float(mean_nll)
    if math.isnan(mean_nll) or mean_nll < 0:
        raise ValueError(
            f"平均负对数似然应是非负数，收到的是 {mean_nll!r}；请传入交叉熵损失的平均值（以 e 为底）。"
        )
    try:
        return math.exp(mean_nll)
    except OverflowError:
        return math.inf
