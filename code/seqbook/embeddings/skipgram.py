"""带负采样的跳元模型（word2vec），直接在下标张量上训练；负采样损失、高频词的子采样和训练循环
与 CBOW（:mod:`seqbook.embeddings.cbow`）共用。"""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from seqbook.checks import (
    check_bool,
    check_callable,
    check_choice,
    check_instance,
    check_positive,
    check_positive_int,
    check_tensor,
)
from seqbook.embeddings.corpus import WordCorpus
from seqbook.runtime import offset_seed, set_seed

OPTIMIZERS = ("adam", "sgd")


def negative_sampling_loss(
    hidden: torch.Tensor, output: nn.Embedding, targets: torch.Tensor, negatives: torch.Tensor
) -> torch.Tensor:
    """负采样的损失（批次的平均值）。

    hidden 是输入一侧的 (B, D) 向量（跳元模型：中心词的向量；CBOW：上下文向量的平均），
    output 是输出一侧的嵌入表，targets 是 (B,) 个要预测的词，negatives 是 (B, K) 个噪声词：
    loss = -log σ(u_o · h) - Σ_k log σ(-u_k · h)
    """
    u = output(torch.cat([targets.unsqueeze(1), negatives], dim=1))  # (B, 1+K, D)
    scores = (u * hidden.unsqueeze(1)).sum(dim=2)  # (B, 1+K) 个点积
    # 第 0 列是真实的词：σ(分数) 要大；其余 K 列是噪声词：σ(-分数) 要大
    return -(F.logsigmoid(scores[:, 0]) + F.logsigmoid(-scores[:, 1:]).sum(dim=1)).mean()


class SkipGram(nn.Module):
    """跳元模型：两张嵌入表，center 存词作为中心词时的向量（即词向量），context 存词作为上下文词时的向量。"""

    def __init__(self, vocab_size: int, dim: int):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("dim", dim, "dim 是词向量的维数，例如 64。")
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        # word2vec 的初值：词向量是很小的随机数，上下文向量全为 0
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(
        self, centers: torch.Tensor, contexts: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """centers、contexts 是 (B,) 个观察到的（中心词, 上下文词）对，negatives 是 (B, K) 个噪声词。"""
        # 输入一侧是中心词的向量，输出一侧的表给出上下文词和噪声词的向量
        return negative_sampling_loss(self.center(centers), self.context, contexts, negatives)

    def vectors(self, add_context: bool = False) -> torch.Tensor:
        """词向量（脱离计算图的副本）；add_context=True 时加上上下文向量。"""
        check_bool("add_context", add_context)
        weight = self.center.weight + self.context.weight if add_context else self.center.weight
        return weight.detach().clone()


def keep_probabilities(counts: torch.Tensor, threshold: float) -> torch.Tensor:
    """word2vec 的子采样：相对频率为 f 的词以概率 sqrt(t / f) + t / f（至多为 1）保留，
    所以极高频的词大多被去掉。"""
    check_tensor("counts", counts, dim=1, hint="counts 是每个词 id 的出现次数，例如 corpus.counts()。")
    check_positive("threshold", threshold, "word2vec 常用 1e-5 左右。")
    frequency = counts.double() / counts.sum()
    ratio = threshold / frequency.clamp(min=1e-300)
    return (ratio.sqrt() + ratio).clamp(max=1.0)


def subsample_tokens(
    corpus: WordCorpus, subsample: float | None, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """一轮中经 word2vec 子采样保留下来的词元的 ``ids`` 和文档编号 ``doc``（阈值 ``subsample``，
    见 :func:`keep_probabilities`；None 全部保留）。"""
    if subsample is None:
        return corpus.ids, corpus.doc
    keep_p = keep_probabilities(corpus.counts(), subsample)
    kept = torch.rand(len(corpus.ids), generator=generator, dtype=torch.float64) < keep_p[corpus.ids]
    return corpus.ids[kept], corpus.doc[kept]


def skipgram_pairs(
    corpus: WordCorpus, window: int, subsample: float | None, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """一轮打乱的 (中心词, 上下文词) id 对。

    先对高频词子采样（``subsample`` 是阈值 t；None 全部保留）。剩下的每个词从 1..``window`` 中
    抽自己的窗口大小 b（word2vec 的动态窗口，让近处的词权重更大），与同一文档中相距不超过 b 的词
    配对。
    """
    check_window_arguments(corpus, window, subsample)
    check_instance("generator", generator, torch.Generator, "例如 torch.Generator().manual_seed(0)。")
    ids, doc = subsample_tokens(corpus, subsample, generator)
    reach = torch.randint(1, window + 1, (len(ids),), generator=generator)
    centers, contexts = [], []
    for distance in range(1, window + 1):
        same_doc = doc[:-distance] == doc[distance:]
        left, right = ids[:-distance], ids[distance:]
        rightward = same_doc & (reach[:-distance] >= distance)  # 左边的词是中心词
        leftward = same_doc & (reach[distance:] >= distance)  # 右边的词是中心词
        centers += [left[rightward], right[leftward]]
        contexts += [right[rightward], left[leftward]]
    centers, contexts = torch.cat(centers), torch.cat(contexts)
    order = torch.randperm(len(centers), generator=generator)
    return centers[order], contexts[order]


def check_window_arguments(corpus, window, subsample) -> None:
    check_instance("corpus", corpus, WordCorpus, "请用 prepare_corpus 或 WordCorpus.from_documents 建立语料。")
    check_positive_int("window", window, "例如 window=5 表示左右各看至多 5 个词。")
    if subsample is not None:
        check_positive("subsample", subsample, "它是子采样的阈值 t，例如 1e-5；不子采样请用 None。")


def check_training_arguments(negatives, epochs, batch_size, lr, optimizer, callback) -> None:
    for name, value in [("negatives", negatives), ("epochs", epochs), ("batch_size", batch_size)]:
        check_positive_int(name, value)
    check_positive("lr", lr, "例如 Adam 用 lr=0.03。")
    check_choice("optimizer", optimizer, OPTIMIZERS, "adam 是 torch.optim.Adam，sgd 是不带动量的随机梯度下降。")
    if callback is not None:
        check_callable("callback", callback, "callback(epoch, model) 在每轮之后调用。")


def train_skipgram(
    corpus: WordCorpus,
    dim: int = 64,
    window: int = 8,
    negatives: int = 5,
    epochs: int = 5,
    batch_size: int = 4096,
    lr: float = 0.03,
    subsample: float | None = 1e-5,
    optimizer: str = "adam",
    seed: int = 0,
    callback: Callable[[int, SkipGram], None] | None = None,
) -> tuple[SkipGram, list[float]]:
    """训练 :class:`SkipGram` 模型；返回模型和每轮的平均损失。

    每轮重新抽词对（:func:`skipgram_pairs`），并从一元分布的 0.75 次方中重新抽负样本词；学习率
    线性降到 0。``optimizer`` 为 "adam" 或 "sgd"（与 word2vec 一样的普通 SGD，``lr`` 按每个词对计，
    见 :func:`train_negative_sampling`）。给了 ``callback(epoch, model)`` 时，每轮（1, 2, ...）之后
    调用，例如边训练边评价词向量。同一台机器上，同一个 ``seed`` 给出同一个模型。
    """
    check_positive_int("dim", dim)
    check_window_arguments(corpus, window, subsample)
    check_training_arguments(negatives, epochs, batch_size, lr, optimizer, callback)
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model = SkipGram(len(corpus.vocab), dim)
    losses = train_negative_sampling(
        model, lambda: skipgram_pairs(corpus, window, subsample, generator), corpus.counts(), generator,
        negatives, epochs, batch_size, lr, optimizer, callback,
    )
    return model, losses


def train_negative_sampling(
    model: nn.Module,
    examples: Callable[[], tuple[torch.Tensor, torch.Tensor]],
    counts: torch.Tensor,
    generator: torch.Generator,
    negatives: int,
    epochs: int,
    batch_size: int,
    lr: float,
    optimizer: str,
    callback: Callable[[int, nn.Module], None] | None,
) -> list[float]:
    """跳元模型与 CBOW 共用的训练循环：``examples()`` 给出一轮打乱的 (inputs, targets)；
    ``model(inputs, targets, noise)`` 返回一批的平均损失。

    Adam 的 ``lr`` 就是通常的步长。"sgd" 时平均损失乘以批量大小，使 ``lr`` 成为 word2vec 按每个
    样本计的学习率（跳元模型 0.025，CBOW 0.05）。与 word2vec 一样，两者都在训练中线性降到 0。
    """
    if optimizer == "adam":
        step = torch.optim.Adam(model.parameters(), lr=lr, fused=True)  # 每步一个内核
    else:
        step = torch.optim.SGD(model.parameters(), lr=lr)
    noise = counts.double() ** 0.75
    losses = []
    for epoch in range(epochs):
        inputs, targets = examples()
        if len(targets) == 0:
            raise ValueError("语料太小，一个训练样本也没有；请用更长的语料或关掉子采样（subsample=None）。")
        noise_words = torch.multinomial(
            noise, len(targets) * negatives, replacement=True, generator=generator
        ).view(-1, negatives)
        total = 0.0
        for start in range(0, len(targets), batch_size):
            progress = (epoch + start / len(targets)) / epochs
            for group in step.param_groups:
                group["lr"] = lr * (1 - progress)
            batch = slice(start, start + batch_size)
            loss = model(inputs[batch], targets[batch], noise_words[batch])
            step.zero_grad()
            (loss if optimizer == "adam" else loss * len(targets[batch])).backward()
            step.step()
            total += loss.item() * len(targets[batch])
        losses.append(total / len(targets))
        if callback is not None:
            callback(len(losses), model)
    return losses
