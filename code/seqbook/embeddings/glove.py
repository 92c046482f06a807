"""GloVe（Pennington 等人 2014）：用加权最小二乘拟合非零共现次数的对数，得到词向量。"""

from collections.abc import Callable

import torch
from torch import nn

from seqbook.checks import (
    check_callable,
    check_number,
    check_positive,
    check_positive_int,
    check_tensor,
)
from seqbook.embeddings.corpus import WordCorpus
from seqbook.embeddings.count import cooccurrence
from seqbook.runtime import offset_seed, set_seed


def glove_weight(counts: torch.Tensor, x_max: float = 100.0, alpha: float = 0.75) -> torch.Tensor:
    """GloVe 的权重函数：x < x_max 时 f(x) = (x / x_max)^alpha，否则 f(x) = 1。"""
    check_tensor("counts", counts, hint="counts 是共现次数 X_ij 组成的张量。")
    _check_weighting(x_max, alpha)
    return (counts / x_max).pow(alpha).clamp(max=1.0)


class GloVe(nn.Module):
    """GloVe：每个词有一个词向量 w、一个上下文向量 w̃ 和两个偏置 b、b̃。"""

    def __init__(self, vocab_size: int, dim: int, x_max: float = 100.0, alpha: float = 0.75):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("dim", dim, "dim 是词向量的维数，例如 64。")
        _check_weighting(x_max, alpha)
        self.x_max, self.alpha = x_max, alpha
        self.word, self.context = nn.Embedding(vocab_size, dim), nn.Embedding(vocab_size, dim)
        self.word_bias, self.context_bias = nn.Embedding(vocab_size, 1), nn.Embedding(vocab_size, 1)
        for table in (self.word, self.context, self.word_bias, self.context_bias):
            nn.init.uniform_(table.weight, -0.5 / dim, 0.5 / dim)  # GloVe 原始代码的初值

    def forward(self, words: torch.Tensor, contexts: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """words、contexts 是 (B,) 个词对，counts 是它们的共现次数 X_ij（都大于 0）。
        loss = f(X_ij) (w_i · w̃_j + b_i + b̃_j - log X_ij)² 在批次上的平均。"""
        prediction = (self.word(words) * self.context(contexts)).sum(dim=1)  # w_i · w̃_j
        prediction = prediction + self.word_bias(words)[:, 0] + self.context_bias(contexts)[:, 0]
        weight = glove_weight(counts, self.x_max, self.alpha)  # 次数少的词对权重小
        return (weight * (prediction - counts.log()) ** 2).mean()

    def vectors(self) -> torch.Tensor:
        """词向量 w + w̃（Pennington 等人的做法；脱离计算图的副本）。"""
        return (self.word.weight + self.context.weight).detach().clone()


def train_glove(
    corpus: WordCorpus,
    dim: int = 64,
    window: int = 10,
    harmonic: bool = True,
    x_max: float = 100.0,
    alpha: float = 0.75,
    epochs: int = 25,
    batch_size: int = 65536,
    lr: float = 0.05,
    seed: int = 0,
    callback: Callable[[int, GloVe], None] | None = None,
) -> tuple[GloVe, list[float]]:
    """与论文一样用 AdaGrad，在语料共现矩阵（窗口 ``window``）的非零项上训练 :class:`GloVe`；
    ``harmonic=True`` 时距离为 d 的词对计 1/d（同论文），False 时窗口内每对都计 1。返回模型和每轮的
    平均损失。每轮按新的随机顺序把每个非零项访问一次。每轮之后调用 ``callback(epoch, model)``。"""
    for name, value in [("dim", dim), ("epochs", epochs), ("batch_size", batch_size)]:
        check_positive_int(name, value)
    _check_weighting(x_max, alpha)
    check_positive("lr", lr, "GloVe 的论文用 AdaGrad，lr=0.05。")
    if callback is not None:
        check_callable("callback", callback, "callback(epoch, model) 在每轮之后调用。")
    counts = cooccurrence(corpus, window, harmonic)
    (words, contexts), values = counts.indices(), counts.values().float()
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model = GloVe(len(corpus.vocab), dim, x_max, alpha)
    optimizer = torch.optim.Adagrad(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(values), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            loss = model(words[batch], contexts[batch], values[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(order))
        if callback is not None:
            callback(len(losses), model)
    return model, losses


def _check_weighting(x_max, alpha) -> None:
    check_positive("x_max", x_max, "GloVe 的论文用 x_max=100。")
    check_number("alpha", alpha, low=0, low_open=True, hint="GloVe 的论文用 alpha=0.75。")
