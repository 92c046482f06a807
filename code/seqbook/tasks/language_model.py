"""The language-model recipe of chapter 3: five-character Tang poems as data, a recurrent
character language model and its loss, an add-k smoothed bigram baseline, the constraint
for acrostic poems; and a long text (三国演义) as one stream, with the loss of truncated
backpropagation through time that carries the state from batch to batch."""

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from seqbook.checks import (
    check_bool,
    check_dropout,
    check_fractions,
    check_ids,
    check_instance,
    check_int_at_least,
    check_positive,
    check_positive_int,
    check_string,
    check_tensor,
)
from seqbook.data import load_sanguo, load_tang_poems, split_dataset
from seqbook.losses import sequence_cross_entropy
from seqbook.nn import recurrent_layer
from seqbook.text import BOS, EOS, PAD_ID, UNK, BucketSampler, Vocab, lm_collate
from seqbook.train import evaluating, to_device

PUNCTUATION = "，。？！；"
LINE_LENGTH = 5  # characters per line of a five-character (五言) poem
_LINE = re.compile(rf"([^{PUNCTUATION}]{{{LINE_LENGTH}}})([{PUNCTUATION}])")


def five_char_lines(text: str, num_lines: Sequence[int] = (4, 8)) -> list[str] | None:
    """The lines of ``text`` if it is a five-character poem, else None.

    A five-character poem is ``len(lines) in num_lines`` lines, each five Chinese
    characters (letters, so no '□' for a lost character) followed by a punctuation mark:
    "白日依山尽，黄河入海流。" -> ["白日依山尽，", "黄河入海流。"].
    """
    check_string("text", text, allow_empty=True)
    _check_num_lines(num_lines)
    return _five_char_lines(text, num_lines)


def _five_char_lines(text: str, num_lines: Sequence[int]) -> list[str] | None:
    lines = [a + b for a, b in _LINE.findall(text)]
    if len(lines) not in num_lines or "".join(lines) != text:
        return None
    if not all(ch.isalpha() for line in lines for ch in line[:LINE_LENGTH]):
        return None
    return lines


def five_char_poems(poems: Iterable[dict], num_lines: Sequence[int] = (4, 8)) -> list[str]:
    """The texts of the five-character poems among ``poems`` (dicts with "paragraphs"),
    in corpus order, each text once (the corpus holds some poems twice)."""
    _check_num_lines(num_lines)
    texts = ("".join(poem["paragraphs"]) for poem in poems)
    return list(dict.fromkeys(t for t in texts if _five_char_lines(t, num_lines)))


def _check_num_lines(num_lines) -> None:
    hint = "num_lines 是允许的行数，例如 (4, 8) 表示绝句和律诗。"
    if isinstance(num_lines, str) or not isinstance(num_lines, Collection):
        raise TypeError(f"num_lines 应为行数的列表或元组，实际为 {num_lines!r}。{hint}")
    for count in num_lines:
        check_positive_int("num_lines 的元素", count, hint)


@dataclass
class PoemData:
    """Poem texts split by poem, and the character vocabulary of the training poems."""

    train: list[str]
    val: list[str]
    test: list[str]
    vocab: Vocab


def load_poems(
    fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, min_freq: int = 2
) -> PoemData:
    """The five-character Tang poems of four or eight lines (Simplified), split by poem.

    The split shuffles the poems with ``seed``, identically on every machine. The
    vocabulary holds the characters seen at least ``min_freq`` times in the training
    poems (plus <pad>, <unk>, <bos>, <eos>); rarer characters become <unk>, so the
    training data teaches the model how likely an unknown character is.
    """
    check_fractions(fractions)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    check_positive_int("min_freq", min_freq, "min_freq=2 表示至少出现两次。")
    texts = five_char_poems(load_tang_poems(simplified=True))
    train, val, test = split_dataset(texts, fractions, seed=seed)
    vocab = Vocab([list(t) for t in train], min_freq=min_freq, reserved_tokens=[BOS, EOS])
    return PoemData(train, val, test, vocab)


def encode_poem(text: str, vocab: Vocab) -> list[int]:
    """The ids of <bos>, every character of ``text``, and <eos>."""
    check_string("text", text, allow_empty=True)
    check_instance("vocab", vocab, Vocab)
    if BOS not in vocab or EOS not in vocab:
        raise ValueError(f"词表缺少 {BOS} 或 {EOS}；请用 Vocab(..., reserved_tokens=['{BOS}', '{EOS}']) 建表。")
    return [vocab[BOS], *vocab.encode(list(text)), vocab[EOS]]


def poem_loader(
    texts: Sequence[str],
    vocab: Vocab,
    batch_size: int = 32,
    shuffle: bool = False,
    *,
    bucket: bool = False,
    seed: int = 0,
) -> DataLoader:
    """A DataLoader of (inputs, targets) batches over the encoded poems.

    ``bucket=True`` batches poems of the same length together with ``BucketSampler``
    (little padding, so less computation; with ``shuffle`` in an order set by ``seed`` and
    the epoch); ``bucket=False`` keeps the given order, or shuffles it with ``shuffle``.
    """
    check_positive_int("batch_size", batch_size)
    check_bool("shuffle", shuffle)
    check_bool("bucket", bucket)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    encoded = [encode_poem(t, vocab) for t in texts]
    if bucket:
        sampler = BucketSampler([len(ids) for ids in encoded], batch_size, shuffle=shuffle, seed=seed)
        return DataLoader(encoded, batch_sampler=sampler, collate_fn=lm_collate)
    return DataLoader(encoded, batch_size=batch_size, shuffle=shuffle, collate_fn=lm_collate)


class CharLM(nn.Module):
    """A recurrent language model: embedding -> recurrent layer -> linear layer to logits.

    ``rnn_cls`` is any class with torch's recurrent-layer signature, e.g. ``torch.nn.LSTM``,
    ``torch.nn.GRU`` or ``seqbook.nn.RNN``. ``dropout`` acts on the embeddings, between
    stacked layers and before the output layer. ``forward(ids, state)`` takes ids (batch,
    time) and returns logits (batch, time, vocab_size) and the final state, which can be
    passed back in to continue a sequence (as in generation).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 128,
        hidden_size: int = 256,
        num_layers: int = 1,
        rnn_cls: type[nn.Module] = nn.LSTM,
        dropout: float = 0.0,
    ):
        super().__init__()
        check_positive_int("vocab_size", vocab_size, "词表至少要有一个词元。")
        check_positive_int("embedding_dim", embedding_dim)
        check_dropout(dropout)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD_ID)
        self.rnn = recurrent_layer(rnn_cls, embedding_dim, hidden_size, num_layers=num_layers, dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state=None):
        hidden, state = self.rnn(self.dropout(self.embedding(ids)), state)
        return self.output(self.dropout(hidden)), state


def lm_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, int]:
    """Mean cross-entropy per target token and the number of target tokens (for ``fit``)."""
    inputs, targets = batch
    logits, _ = model(inputs)
    return sequence_cross_entropy(logits, targets)


class AddKBigram:
    """A bigram language model with add-k smoothing over ``vocab_size`` possible tokens:

        P(b | a) = (count(a, b) + k) / (count(a) + k * vocab_size)

    ``sequences`` are id lists such as ``encode_poem`` gives; each predicts its tokens
    after the first, exactly the targets a recurrent language model gets.
    """

    def __init__(self, sequences: Iterable[Sequence[int]], vocab_size: int):
        check_positive_int("vocab_size", vocab_size)
        self.vocab_size = vocab_size
        self.pair_counts: Counter = Counter()
        self.context_counts: Counter = Counter()
        for seq in sequences:
            self._check_ids(seq)
            self.pair_counts.update(zip(seq[:-1], seq[1:], strict=True))
            self.context_counts.update(seq[:-1])

    def _check_ids(self, seq: Sequence[int]) -> None:
        check_ids("seq", seq, "每个序列是词元 id 的列表，例如 encode_poem 的结果。")
        if seq and not all(0 <= i < self.vocab_size for i in seq):
            bad = next(i for i in seq if not 0 <= i < self.vocab_size)
            raise ValueError(f"id {bad} 超出了词表大小 vocab_size={self.vocab_size}；请用同一个词表编码。")

    def _check_k(self, k: float) -> None:
        check_positive("k", k, "k=0 会让没见过的二元组概率为 0，困惑度变成无穷大。")

    def token_nlls(self, seq: Sequence[int], k: float) -> list[float]:
        """-log P(b | a) in nats for every consecutive pair (a, b) of ``seq``."""
        self._check_k(k)
        self._check_ids(seq)
        return [
            -math.log((self.pair_counts[a, b] + k) / (self.context_counts[a] + k * self.vocab_size))
            for a, b in zip(seq[:-1], seq[1:], strict=True)
        ]

    def mean_nll(self, sequences: Iterable[Sequence[int]], k: float) -> float:
        """The mean negative log-likelihood (nats) per predicted token of ``sequences``."""
        nlls = [nll for seq in sequences for nll in self.token_nlls(seq, k)]
        if not nlls:
            raise ValueError("没有可预测的词元：每个序列至少要有 2 个 id。")
        return sum(nlls) / len(nlls)

    def tune_k(self, val_sequences: Sequence[Sequence[int]], ks: Iterable[float]) -> tuple[float, dict[float, float]]:
        """The k with the lowest mean NLL on ``val_sequences``, and the NLL of every k tried."""
        scores = {k: self.mean_nll(val_sequences, k) for k in ks}
        if not scores:
            raise ValueError("ks 为空：请给出要比较的 k，例如 [0.001, 0.01, 0.1, 1]。")
        return min(scores, key=scores.get), scores


def acrostic_constraint(heads: str, vocab: Vocab) -> Callable[[Sequence[int]], torch.Tensor]:
    """The allowed next tokens for an acrostic (藏头诗) five-character poem.

    Line i starts with ``heads[i]``, continues with four characters (no punctuation, no
    special tokens), and ends with "，" (odd lines) or "。" (even lines); after the last
    line only <eos> is allowed. Returns ``allowed(generated_ids) -> BoolTensor (len(vocab),)``
    for ``seqbook.decode.generate``; ``generated_ids`` are the tokens after <bos>.
    """
    check_string("heads", heads, hint="例如 heads='春夏秋冬'。")
    if len(heads) not in (4, 8):
        raise ValueError(f"藏头字应有 4 个（绝句）或 8 个（律诗），收到 {heads!r}（{len(heads)} 个）。")
    missing = [ch for ch in heads if ch not in vocab or ch == UNK]
    if missing:
        raise ValueError(f"藏头字 {''.join(missing)!r} 不在词表中（训练诗里出现太少）；请换一个常用字。")
    size = len(vocab)
    characters = torch.tensor(
        [t not in vocab.reserved_tokens and t not in PUNCTUATION for t in vocab.tokens]
    )

    def only(token: str) -> torch.Tensor:
        mask = torch.zeros(size, dtype=torch.bool)
        mask[vocab[token]] = True
        return mask

    def allowed(generated: Sequence[int]) -> torch.Tensor:
        line, position = divmod(len(generated), LINE_LENGTH + 1)
        if line == len(heads):
            return only(EOS)
        if position == 0:
            return only(heads[line])
        if position == LINE_LENGTH:
            return only("，" if line % 2 == 0 else "。")
        return characters

    return allowed


# ---- 长文本：一整部小说作为一条词元流，顺序分区与截断的时间反向传播 ----


@dataclass
class TextStreams:
    """Three id streams (train, val, test) of one long text, and the vocabulary of the training part."""

    train: list[int]
    val: list[int]
    test: list[int]
    vocab: Vocab


def clean_chapter(text: str) -> str:
    """A chapter of the novel as one string: every whitespace character inside a line
    removed, empty lines dropped, each paragraph ended by "\\n"."""
    check_string("text", text, allow_empty=True)
    lines = ("".join(ch for ch in line if not ch.isspace()) for line in text.split("\n"))
    return "".join(line + "\n" for line in lines if line)


def load_sanguo_streams(chapters: Sequence[int] = (20, 2, 2), min_freq: int = 3) -> TextStreams:
    """The first chapters of 三国演义 as character id streams, split by chapter in order.

    ``chapters=(20, 2, 2)``: chapters 1-20 train, 21-22 validation, 23-24 test, each part
    the concatenation of its cleaned chapters (``clean_chapter``). The vocabulary holds the
    characters seen at least ``min_freq`` times in the training part; rarer ones become <unk>.
    """
    if isinstance(chapters, str) or not isinstance(chapters, Sequence) or len(chapters) != 3:
        raise TypeError(f"chapters 应为 (训练, 验证, 测试) 三个章数，例如 (20, 2, 2)，实际为 {chapters!r}。")
    for count in chapters:
        check_positive_int("chapters 的元素", count, "每部分至少一章。")
    if sum(chapters) > 120:
        raise ValueError(f"三国演义只有 120 回，chapters={tuple(chapters)} 一共要 {sum(chapters)} 回。")
    check_positive_int("min_freq", min_freq, "min_freq=3 表示至少出现三次。")
    texts = [clean_chapter(t) for t in load_sanguo()]
    first_val, first_test = chapters[0], chapters[0] + chapters[1]
    parts = ["".join(texts[:first_val]), "".join(texts[first_val:first_test]),
             "".join(texts[first_test : first_test + chapters[2]])]
    vocab = Vocab(list(parts[0]), min_freq=min_freq)
    train, val, test = (vocab.encode(list(part)) for part in parts)
    return TextStreams(train, val, test, vocab)


def detach_state(state):
    """``state`` cut from the autograd graph: a tensor, a tuple such as an LSTM's (h, c), or None."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    check_tensor("state", state, hint="state 是循环层返回的最终状态（张量，或 LSTM 的 (h, c)）。")
    return state.detach()


class StreamLMLoss:
    """``loss_fn`` for ``fit`` and ``evaluate`` over ``stream_loader`` batches: truncated BPTT.

    With ``carry=True``, a batch whose rows continue the rows of the previous batch exactly
    (its starts are the previous starts plus num_steps, as sequential partitioning gives)
    begins from the previous batch's final state, detached: the forward pass sees the whole
    history, the gradient stops at the batch boundary. Any other batch (the first of a pass,
    a batch of random windows) begins from zero. ``carry=False`` always begins from zero.
    Returns the mean cross-entropy per target token and the number of targets.
    """

    def __init__(self, carry: bool = True):
        check_bool("carry", carry)
        self.carry = carry
        self.reset()

    def reset(self) -> None:
        """Forget the carried state: the next batch begins from zero."""
        self.state, self.next_starts = None, None

    def continues(self, starts: torch.Tensor) -> bool:
        """Does a batch with these ``starts`` continue the previous batch row by row?"""
        return self.carry and self.next_starts is not None and torch.equal(starts, self.next_starts)

    def logits(self, model: nn.Module, inputs: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
        """The model's logits for one batch, begun from the carried state or from zero."""
        state = self.state if self.continues(starts) else None
        logits, state = model(inputs, state)
        # 把最终状态留给下一批，但从计算图上断开：梯度只在这一批的 num_steps 步之内传播
        self.state, self.next_starts = detach_state(state), starts + inputs.shape[1]
        return logits

    def __call__(self, model: nn.Module, batch) -> tuple[torch.Tensor, int]:
        inputs, targets, starts = batch
        return sequence_cross_entropy(self.logits(model, inputs, starts), targets)


def nll_by_position(model: nn.Module, loader: Iterable, loss: StreamLMLoss) -> torch.Tensor:
    """The mean negative log-likelihood (nats) of the targets at each position 0..num_steps-1
    of the windows of ``loader`` (stream batches), with the state ``loss`` gives each batch."""
    check_instance("loss", loss, StreamLMLoss)
    dev = next(model.parameters()).device
    total, count = None, 0
    loss.reset()
    with evaluating(model):
        for batch in loader:
            inputs, targets, starts = to_device(batch, dev)
            logits = loss.logits(model, inputs, starts)
            nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none").sum(0).cpu().double()
            total = nll if total is None else total + nll
            count += len(inputs)
    if total is None:
        raise ValueError("loader 没有产生任何批次。")
    loss.reset()
    return total / count
