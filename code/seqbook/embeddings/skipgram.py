"""Skip-gram with negative sampling (word2vec), trained on plain index tensors."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from seqbook.checks import (
    check_bool,
    check_callable,
    check_instance,
    check_positive,
    check_positive_int,
    check_tensor,
)
from seqbook.embeddings.corpus import WordCorpus
from seqbook.runtime import offset_seed, set_seed


class SkipGram(nn.Module):
    """Two embedding tables: ``center`` holds the word vectors, ``context`` the vectors a word
    has when it appears next to another. The model scores a (word, context) pair by the dot
    product of the two vectors."""

    def __init__(self, vocab_size: int, dim: int):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("dim", dim, "dim 是词向量的维数，例如 64。")
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        # word2vec's start: small random word vectors, zero context vectors
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(
        self, centers: torch.Tensor, contexts: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """The mean negative-sampling loss of a batch: ``centers`` and ``contexts`` are (B,)
        ids of observed pairs, ``negatives`` (B, K) ids of random words for each pair.

        loss = -log σ(u_o · v_c) - Σ_k log σ(-u_k · v_c)
        """
        v = self.center(centers)  # (B, D)
        u = self.context(torch.cat([contexts.unsqueeze(1), negatives], dim=1))  # (B, 1+K, D)
        scores = (u * v.unsqueeze(1)).sum(dim=2)  # (B, 1+K) dot products
        return -(F.logsigmoid(scores[:, 0]) + F.logsigmoid(-scores[:, 1:]).sum(dim=1)).mean()

    def vectors(self, add_context: bool = False) -> torch.Tensor:
        """The word vectors (a detached copy); ``add_context=True`` adds the context vectors."""
        check_bool("add_context", add_context)
        weight = self.center.weight + self.context.weight if add_context else self.center.weight
        return weight.detach().clone()


def keep_probabilities(counts: torch.Tensor, threshold: float) -> torch.Tensor:
    """word2vec's subsampling: a word of relative frequency f is kept with probability
    sqrt(t / f) + t / f (at most 1), so that very frequent words are mostly dropped."""
    check_tensor("counts", counts, dim=1, hint="counts 是每个词 id 的出现次数，例如 corpus.counts()。")
    check_positive("threshold", threshold, "word2vec 常用 1e-5 左右。")
    frequency = counts.double() / counts.sum()
    ratio = threshold / frequency.clamp(min=1e-300)
    return (ratio.sqrt() + ratio).clamp(max=1.0)


def skipgram_pairs(
    corpus: WordCorpus, window: int, subsample: float | None, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(center, context) id pairs of one epoch, shuffled.

    Frequent words are first subsampled (``subsample`` is the threshold t; None keeps all).
    Each remaining word draws its own window size b from 1..``window`` (word2vec's dynamic
    window, which weights near words more) and pairs with the words up to b positions away
    in the same document.
    """
    _check_pairs_arguments(corpus, window, subsample)
    check_instance("generator", generator, torch.Generator, "例如 torch.Generator().manual_seed(0)。")
    ids, doc = corpus.ids, corpus.doc
    if subsample is not None:
        keep_p = keep_probabilities(corpus.counts(), subsample)
        kept = torch.rand(len(ids), generator=generator, dtype=torch.float64) < keep_p[ids]
        ids, doc = ids[kept], doc[kept]
    reach = torch.randint(1, window + 1, (len(ids),), generator=generator)
    centers, contexts = [], []
    for distance in range(1, window + 1):
        same_doc = doc[:-distance] == doc[distance:]
        left, right = ids[:-distance], ids[distance:]
        rightward = same_doc & (reach[:-distance] >= distance)  # the left word is the center
        leftward = same_doc & (reach[distance:] >= distance)  # the right word is the center
        centers += [left[rightward], right[leftward]]
        contexts += [right[rightward], left[leftward]]
    centers, contexts = torch.cat(centers), torch.cat(contexts)
    order = torch.randperm(len(centers), generator=generator)
    return centers[order], contexts[order]


def _check_pairs_arguments(corpus, window, subsample) -> None:
    check_instance("corpus", corpus, WordCorpus, "请用 prepare_corpus 或 WordCorpus.from_documents 建立语料。")
    check_positive_int("window", window, "例如 window=5 表示左右各看至多 5 个词。")
    if subsample is not None:
        check_positive("subsample", subsample, "它是子采样的阈值 t，例如 1e-5；不子采样请用 None。")


def train_skipgram(
    corpus: WordCorpus,
    dim: int = 64,
    window: int = 8,
    negatives: int = 5,
    epochs: int = 5,
    batch_size: int = 4096,
    lr: float = 0.03,
    subsample: float | None = 1e-5,
    seed: int = 0,
    callback: Callable[[int, SkipGram], None] | None = None,
) -> tuple[SkipGram, list[float]]:
    """Train a :class:`SkipGram` model with Adam; returns it and the mean loss of each epoch.

    Negative words are drawn from the unigram distribution raised to the power 0.75.
    ``callback(epoch, model)``, if given, runs after each epoch (1, 2, ...), e.g. to
    evaluate the vectors as training goes. The same ``seed`` gives the same model on the
    same machine.
    """
    for name, value in [
        ("dim", dim),
        ("negatives", negatives),
        ("epochs", epochs),
        ("batch_size", batch_size),
    ]:
        check_positive_int(name, value)
    _check_pairs_arguments(corpus, window, subsample)
    check_positive("lr", lr, "例如 lr=0.03。")
    if callback is not None:
        check_callable("callback", callback, "callback(epoch, model) 在每轮之后调用。")
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model = SkipGram(len(corpus.vocab), dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)  # one kernel per step
    noise = corpus.counts().double() ** 0.75
    losses = []
    for epoch in range(epochs):
        centers, contexts = skipgram_pairs(corpus, window, subsample, generator)
        if len(centers) == 0:
            raise ValueError(
                "语料太小，一个（中心词, 上下文词）词对也没有；请用更长的语料或关掉子采样。"
            )
        noise_words = torch.multinomial(
            noise, len(centers) * negatives, replacement=True, generator=generator
        ).view(-1, negatives)
        total = 0.0
        for start in range(0, len(centers), batch_size):
            # the learning rate falls linearly to 0 over training, as in word2vec
            progress = (epoch + start / len(centers)) / epochs
            for group in optimizer.param_groups:
                group["lr"] = lr * (1 - progress)
            batch = slice(start, start + batch_size)
            loss = model(centers[batch], contexts[batch], noise_words[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(centers[batch])
        losses.append(total / len(centers))
        if callback is not None:
            callback(len(losses), model)
    return model, losses
