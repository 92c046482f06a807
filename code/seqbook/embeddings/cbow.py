"""连续词袋模型（CBOW，Mikolov 等人 2013a）：用上下文词向量的平均预测中间的词，
损失与跳元模型一样用负采样。"""

from collections.abc import Callable

import torch
from torch import nn

from seqbook.checks import check_instance, check_int, check_positive_int, check_tensor
from seqbook.embeddings.corpus import WordCorpus
from seqbook.embeddings.skipgram import (
    check_training_arguments,
    check_window_arguments,
    negative_sampling_loss,
    subsample_tokens,
    train_negative_sampling,
)
from seqbook.runtime import offset_seed, set_seed


def context_mean(weight: torch.Tensor, contexts: torch.Tensor, pad_id: int) -> torch.Tensor:
    """每行上下文词向量的平均：contexts 是 (B, C) 个词 id，不足 C 个的位置填 pad_id，
    平均时不算这些位置；返回 (B, D)。"""
    _check_context_mean(weight, contexts, pad_id)
    mask = (contexts != pad_id).unsqueeze(2)  # (B, C, 1)：哪些位置是真的上下文词
    total = (weight[contexts] * mask).sum(dim=1)  # (B, D)
    return total / mask.sum(dim=1).clamp(min=1)  # 除以真实上下文词的个数（至少为 1）


class CBOW(nn.Module):
    """连续词袋模型：context 存词作为上下文词时的向量（即词向量），center 存词作为被预测的中心词时的向量。"""

    def __init__(self, vocab_size: int, dim: int, pad_id: int = 0):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("dim", dim, "dim 是词向量的维数，例如 64。")
        check_int("pad_id", pad_id, "它是 contexts 中用来补齐的 id，例如 vocab.pad_id。")
        self.pad_id = pad_id
        self.context = nn.Embedding(vocab_size, dim)
        self.center = nn.Embedding(vocab_size, dim)
        # 与跳元模型相同的初值：输入一侧是很小的随机数，输出一侧全为 0
        nn.init.uniform_(self.context.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.center.weight)

    def forward(
        self, contexts: torch.Tensor, centers: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """contexts 是 (B, C) 个上下文词（用 pad_id 补齐），centers 是 (B,) 个中心词，negatives 是 (B, K) 个噪声词。"""
        hidden = context_mean(self.context.weight, contexts, self.pad_id)  # (B, D)：上下文的平均
        return negative_sampling_loss(hidden, self.center, centers, negatives)  # 同跳元模型

    def vectors(self) -> torch.Tensor:
        """词向量：context 表（脱离计算图的副本）。"""
        return self.context.weight.detach().clone()


def cbow_examples(
    corpus: WordCorpus, window: int, subsample: float | None, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """一轮打乱的 CBOW 样本：``contexts`` (N, 2 * window) 与 ``centers`` (N,)。

    子采样与动态窗口同 :func:`skipgram_pairs`：每个保留的词从 1..``window`` 中抽一个 b，它的上下文
    是同一文档中相距不超过 b 的词（左边的从第 ``window - 1`` 列往 0 放，右边的从第 ``window`` 列
    往后放）；其余的列填 ``corpus.vocab.pad_id``。没有任何上下文的词不要。
    """
    check_window_arguments(corpus, window, subsample)
    check_instance("generator", generator, torch.Generator, "例如 torch.Generator().manual_seed(0)。")
    ids, doc = subsample_tokens(corpus, subsample, generator)
    reach = torch.randint(1, window + 1, (len(ids),), generator=generator)
    contexts = torch.full((len(ids), 2 * window), corpus.vocab.pad_id, dtype=ids.dtype)
    for distance in range(1, window + 1):
        near = (doc[:-distance] == doc[distance:]) & (reach[distance:] >= distance)
        contexts[distance:, window - distance][near] = ids[:-distance][near]  # 左边的邻居
        near = (doc[:-distance] == doc[distance:]) & (reach[:-distance] >= distance)
        contexts[:-distance, window + distance - 1][near] = ids[distance:][near]  # 右边的邻居
    has_context = (contexts != corpus.vocab.pad_id).any(dim=1)
    contexts, centers = contexts[has_context], ids[has_context]
    order = torch.randperm(len(centers), generator=generator)
    return contexts[order], centers[order]


def train_cbow(
    corpus: WordCorpus,
    dim: int = 64,
    window: int = 8,
    negatives: int = 5,
    epochs: int = 5,
    batch_size: int = 1024,
    lr: float = 0.03,
    subsample: float | None = 1e-4,
    optimizer: str = "adam",
    seed: int = 0,
    callback: Callable[[int, CBOW], None] | None = None,
) -> tuple[CBOW, list[float]]:
    """用 :func:`train_skipgram` 的循环训练 :class:`CBOW`（同样的噪声分布、同样递减的学习率、
    同样的 ``optimizer`` 选项）；返回模型和每轮的平均损失。每轮之后调用 ``callback(epoch, model)``。"""
    check_positive_int("dim", dim)
    check_window_arguments(corpus, window, subsample)
    check_training_arguments(negatives, epochs, batch_size, lr, optimizer, callback)
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model = CBOW(len(corpus.vocab), dim, corpus.vocab.pad_id)
    losses = train_negative_sampling(
        model, lambda: cbow_examples(corpus, window, subsample, generator), corpus.counts(), generator,
        negatives, epochs, batch_size, lr, optimizer, callback,
    )
    return model, losses


def _check_context_mean(weight, contexts, pad_id) -> None:
    check_tensor("weight", weight, dim=2, hint="weight 是 (V, D) 的嵌入矩阵。")
    check_tensor("contexts", contexts, dim=2, hint="contexts 是 (B, C) 的词 id，不足 C 个的位置填 pad_id。")
    check_int("pad_id", pad_id, "它是 contexts 中用来补齐的 id，例如 vocab.pad_id。")
