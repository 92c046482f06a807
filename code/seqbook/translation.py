"""Sequence-to-sequence data and translation: from token pairs to batches, and back to text.

Chapter 7 "translates" Chinese numerals into Arabic ones and Chinese sentences into English
ones; both are pairs of token lists. This module holds what they share:

- ``encode_pairs``, ``seq2seq_collate``, ``seq2seq_loader`` (batches of similar source
  length), ``seq2seq_loss`` (for ``seqbook.train.fit``) and ``translate`` (greedy or beam
  search on token lists);
- for Tatoeba: English tokenization and detokenization, ``load_translation`` (a split by
  Chinese source sentence, so no test sentence occurs in training), ``prepare_translation``
  (tokens and vocabularies), the book's model and training recipe (``translation_model``,
  ``train_translation``), ``sacrebleu_13a``, BLEU on detokenized text with sacreBLEU's
  standard tokenizer, and ``bleu_by_length``.
"""

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler

from seqbook._checks import check_positive_int
from seqbook.data import load_tatoeba
from seqbook.decode import beam_search, greedy_search
from seqbook.lm import BOS, EOS
from seqbook.losses import sequence_cross_entropy
from seqbook.metrics import BLEUScore, corpus_bleu
from seqbook.nn.seq2seq import AttentionDecoder, Decoder, Encoder, Seq2Seq
from seqbook.text import IGNORE_INDEX, PAD_ID, Vocab, char_tokenize, pad
from seqbook.train import History, device, fit, seed_offset

Pair = tuple[list[str], list[str]]  # (source tokens, target tokens)


def build_vocab(sentences: Sequence[Sequence[str]], min_freq: int = 1) -> Vocab:
    """A vocabulary of the tokens seen at least ``min_freq`` times, with <bos> and <eos> reserved."""
    return Vocab([list(s) for s in sentences], min_freq=min_freq, reserved_tokens=[BOS, EOS])


def encode_pairs(pairs: Sequence[Pair], src_vocab: Vocab, tgt_vocab: Vocab) -> list[tuple[list[int], list[int]]]:
    """Token pairs as id pairs; the target is wrapped in <bos> ... <eos>."""
    if BOS not in tgt_vocab or EOS not in tgt_vocab:
        raise ValueError(f"目标词表缺少 {BOS} 或 {EOS}；请用 build_vocab(...) 建表。")
    bos, eos = tgt_vocab[BOS], tgt_vocab[EOS]
    encoded = []
    for index, (src, tgt) in enumerate(pairs):
        if len(src) == 0:
            raise ValueError(f"第 {index} 对的源序列为空；编码器至少需要一个词元，请先去掉空句。")
        encoded.append((src_vocab.encode(src), [bos, *tgt_vocab.encode(tgt), eos]))
    return encoded


def seq2seq_collate(batch: Sequence[tuple[Sequence[int], Sequence[int]]]):
    """(src, src_lengths, tgt_in, tgt_out) for a batch of (source ids, <bos> target ids <eos>).

    src (N, S) is padded with <pad>; tgt_in = target[:-1] (starts with <bos>) padded with
    <pad>; tgt_out = target[1:] (ends with <eos>) padded with IGNORE_INDEX, which the loss skips.
    """
    if len(batch) == 0:
        raise ValueError("seq2seq_collate 收到了空的批次。")
    sources, targets = zip(*batch, strict=True)
    if any(len(t) < 2 for t in targets):
        raise ValueError("目标序列至少要有 <bos> 和 <eos> 两个词元；请用 encode_pairs 编码。")
    src = pad(sources, pad_id=PAD_ID)
    lengths = torch.tensor([len(s) for s in sources], dtype=torch.long)
    tgt_in = pad([t[:-1] for t in targets], pad_id=PAD_ID)
    tgt_out = pad([t[1:] for t in targets], pad_id=IGNORE_INDEX)
    return src, lengths, tgt_in, tgt_out


class LengthBatchSampler(Sampler):
    """Batches of examples of similar length, so that little of each batch is padding.

    ``lengths[i]`` is the sort key of example i: a length, or a tuple such as (target
    length, source length). With ``shuffle`` every epoch takes a new random order, cuts it
    into pools of ``pool * batch_size`` examples, sorts each pool by length, cuts it into
    batches and shuffles the batches; the random numbers come from ``seed`` (plus ``seed_offset()``), so runs repeat
    exactly. Without shuffle the examples are sorted by length once.
    """

    def __init__(self, lengths: Sequence, batch_size: int, *, shuffle: bool = True, seed: int = 0, pool: int = 50):
        check_positive_int("batch_size", batch_size)
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.pool = pool
        self.rng = random.Random(seed + seed_offset())

    def __iter__(self):
        order = list(range(len(self.lengths)))
        if not self.shuffle:
            order.sort(key=lambda i: self.lengths[i])
            yield from (order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size))
            return
        self.rng.shuffle(order)
        size = self.pool * self.batch_size
        batches = []
        for start in range(0, len(order), size):
            chunk = sorted(order[start : start + size], key=lambda i: self.lengths[i])
            batches += [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        self.rng.shuffle(batches)
        yield from batches

    def __len__(self) -> int:
        size = self.pool * self.batch_size
        full, rest = divmod(len(self.lengths), size)
        if not self.shuffle:
            return math.ceil(len(self.lengths) / self.batch_size)
        return full * math.ceil(size / self.batch_size) + math.ceil(rest / self.batch_size)


def seq2seq_loader(encoded: Sequence, batch_size: int = 64, *, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A DataLoader of ``seq2seq_collate`` batches over ``encode_pairs`` output.

    Batches group pairs of similar target length, then source length: the decoder steps
    through every padded target position, while the encoder skips source padding (packing).
    """
    keys = [(len(tgt), len(src)) for src, tgt in encoded]
    sampler = LengthBatchSampler(keys, batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(list(encoded), batch_sampler=sampler, collate_fn=seq2seq_collate)


def seq2seq_loss(model: nn.Module, batch, *, label_smoothing: float = 0.0) -> tuple[torch.Tensor, int]:
    """Teacher-forced cross-entropy per real target token, and their number (for ``fit``)."""
    src, src_lengths, tgt_in, tgt_out = batch
    return sequence_cross_entropy(model(src, src_lengths, tgt_in), tgt_out, label_smoothing=label_smoothing)


def translate(
    model: nn.Module,
    sources: Sequence[Sequence[str]],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    *,
    beam_size: int = 1,
    length_penalty: float = 1.0,
    max_len: int | None = None,
    batch_size: int = 200,
    return_attention: bool = False,
):
    """The model's output tokens for every source token list, in the order given.

    ``beam_size=1`` is greedy search (the only one that can return attention weights: one
    (output tokens + <eos>, source tokens) matrix per sentence, or None without attention);
    larger beams call ``seqbook.decode.beam_search``. ``max_len`` (tokens per output, <eos>
    included) defaults to twice the longest source of the batch plus 10.
    """
    if isinstance(sources, str) or (len(sources) and isinstance(sources[0], str)):
        raise TypeError("sources 应是词元列表的列表，例如 [['我', '爱', '你']]；单个句子也要放进列表。")
    if return_attention and beam_size != 1:
        raise ValueError("只有贪心搜索（beam_size=1）返回注意力权重。")
    dev = next(model.parameters()).device
    bos, eos = tgt_vocab[BOS], tgt_vocab[EOS]
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    outputs: list = [None] * len(sources)
    weights: list = [None] * len(sources)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        ids = [src_vocab.encode(sources[i]) for i in chunk]
        src = pad(ids).to(dev)
        lengths = torch.tensor([len(x) for x in ids])
        limit = max_len or 2 * int(lengths.max()) + 10
        if beam_size == 1:
            found, attention = greedy_search(
                model, src, lengths, bos_id=bos, eos_id=eos, max_len=limit, return_attention=True
            )
        else:
            found = beam_search(
                model, src, lengths, bos_id=bos, eos_id=eos, beam_size=beam_size,
                max_len=limit, length_penalty=length_penalty,
            )
            attention = [None] * len(found)
        for i, tokens, w in zip(chunk, found, attention, strict=True):
            outputs[i], weights[i] = tgt_vocab.decode(tokens), w
    return (outputs, weights) if return_attention else outputs


# ---- Tatoeba: Chinese -> English ----------------------------------------------------------

_ENGLISH_TOKEN = re.compile(r"\w+(?:[-.:,’]\w+)*|'\w+|[^\w\s]")
_NO_SPACE_BEFORE = {".", ",", "!", "?", ";", ":", "%", ")", "]", "…"}
_NO_SPACE_AFTER = {"(", "[", "$", "#"}


def english_tokenize(text: str) -> list[str]:
    """Words, numbers and punctuation; clitics split off: "Tom's here." -> Tom 's here ."""
    if not isinstance(text, str):
        raise TypeError(f"english_tokenize 需要字符串，收到的是 {type(text).__name__}。")
    return _ENGLISH_TOKEN.findall(text)


def english_detokenize(tokens: Sequence[str]) -> str:
    """Join tokens into text: no space before punctuation and clitics, quotes attached inside."""
    text, quote_open, glue_next = "", False, True
    for token in tokens:
        glue = glue_next or token in _NO_SPACE_BEFORE or token.startswith("'")
        if token == '"':
            glue = glue_next or quote_open  # a closing quote sticks to the word before it
            glue_next = not quote_open  # an opening quote sticks to the word after it
            quote_open = not quote_open
        else:
            glue_next = token in _NO_SPACE_AFTER
        text += token if glue else " " + token
    return text


def chinese_tokenize(text: str) -> list[str]:
    """Characters (the Chinese side of Tatoeba is modelled character by character)."""
    return char_tokenize(text)


@dataclass
class TranslationData:
    """Tatoeba split by Chinese source sentence.

    ``train``: (Chinese, English) pairs, one per translation; ``val`` and ``test``: one
    (Chinese, [English translations]) group per distinct source sentence, all its
    translations being references.
    """

    train: list[tuple[str, str]]
    val: list[tuple[str, list[str]]]
    test: list[tuple[str, list[str]]]


def group_by_source(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(english, chinese) pairs -> (chinese, [its distinct english translations]), in corpus order."""
    groups: dict[str, dict[str, None]] = {}
    for english, chinese in pairs:
        groups.setdefault(chinese, {})[english] = None
    return [(chinese, list(english)) for chinese, english in groups.items()]


def load_translation(val_size: int = 1000, test_size: int = 2000, seed: int = 0) -> TranslationData:
    """Tatoeba cmn-eng as Chinese -> English, split by distinct Chinese sentence.

    The distinct source sentences are shuffled with ``seed``; the first ``test_size`` are the
    test set, the next ``val_size`` the validation set, the rest the training set. A source
    sentence with several translations lands in one part with all of them, so no test source
    occurs in training.
    """
    groups = group_by_source(load_tatoeba())
    if val_size < 1 or test_size < 1 or val_size + test_size >= len(groups):
        raise ValueError(f"val_size 和 test_size 应为正整数，且加起来小于源句数 {len(groups)}。")
    random.Random(seed).shuffle(groups)
    test, val, rest = groups[:test_size], groups[test_size : test_size + val_size], groups[test_size + val_size :]
    train = [(chinese, english) for chinese, translations in rest for english in translations]
    return TranslationData(train, val, test)


@dataclass
class PreparedTranslation:
    """Tatoeba as tokens: training pairs, the two vocabularies, the test sources and references."""

    train_pairs: list[Pair]
    src_vocab: Vocab
    tgt_vocab: Vocab
    test_sources: list[list[str]]
    test_references: list[list[str]]


def prepare_translation(data: TranslationData, min_freq: int = 3) -> PreparedTranslation:
    """Chinese characters and English words; vocabularies of the training tokens seen ``min_freq`` times."""
    train_pairs = [(chinese_tokenize(chinese), english_tokenize(english)) for chinese, english in data.train]
    return PreparedTranslation(
        train_pairs,
        build_vocab([src for src, _ in train_pairs], min_freq=min_freq),
        build_vocab([tgt for _, tgt in train_pairs], min_freq=min_freq),
        [chinese_tokenize(chinese) for chinese, _ in data.test],
        [references for _, references in data.test],
    )


def translation_model(
    src_vocab_size: int,
    tgt_vocab_size: int,
    *,
    attention: bool = True,
    embedding_dim: int = 128,
    hidden_size: int = 128,
    output_hidden: int = 256,
) -> Seq2Seq:
    """The book's Chinese -> English model: a bidirectional GRU encoder and a GRU decoder,
    with additive attention or (``attention=False``) with the encoder's summary only."""
    encoder = Encoder(src_vocab_size, embedding_dim, hidden_size)
    decoder_cls = AttentionDecoder if attention else Decoder
    decoder = decoder_cls(tgt_vocab_size, embedding_dim, hidden_size, encoder.output_size, output_hidden=output_hidden)
    return Seq2Seq(encoder, decoder)


def train_translation(
    model: nn.Module,
    encoded: Sequence,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 3e-3,
    label_smoothing: float = 0.1,
    clip_grad_norm: float = 5.0,
    seed: int = 0,
) -> History:
    """Train on ``encode_pairs`` output with the book's recipe: Adam on batches of similar
    length, label smoothing, gradient clipping. Returns ``fit``'s History."""
    dev = device()
    model.to(dev)
    fused = dev.type in ("cpu", "cuda")  # one fused kernel per step instead of one per tensor
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=fused)
    loader = seq2seq_loader(encoded, batch_size, shuffle=True, seed=seed)
    loss_fn = partial(seq2seq_loss, label_smoothing=label_smoothing)
    return fit(model, loader, loss_fn, optimizer, epochs, clip_grad_norm=clip_grad_norm, device=dev)


def sacrebleu_13a(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> BLEUScore:
    """Corpus BLEU of detokenized text, tokenized by sacreBLEU's standard '13a' tokenizer.

    ``references[i]`` lists the reference translations of ``hypotheses[i]`` (one or more).
    Equals ``sacrebleu.corpus_bleu`` with its defaults (13a, exp smoothing, case-sensitive).
    """
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tokenize = Tokenizer13a()
    if isinstance(hypotheses, str) or any(isinstance(refs, str) for refs in references):
        raise TypeError("hypotheses 应是字符串的列表；references[i] 应是第 i 句的参考译文列表（字符串的列表）。")
    return corpus_bleu(
        [tokenize(h.rstrip()).split() for h in hypotheses],
        [[tokenize(r.rstrip()).split() for r in refs] for refs in references],
    )


def bleu_by_length(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], lengths: Sequence[int], bounds: Sequence[int]
) -> list[tuple[str, int, BLEUScore]]:
    """``sacrebleu_13a`` of the sentences grouped by length: (label, sentences, score) per group.

    ``lengths[i]`` is the length of sentence i (e.g. its source characters); ``bounds``
    (increasing) close the groups: (6, 9) gives "1-6", "7-9" and "10+". Empty groups are left out.
    """
    if not (len(hypotheses) == len(references) == len(lengths)):
        raise ValueError(
            f"hypotheses、references 和 lengths 应一样长（每句一个），实际为 {len(hypotheses)}、{len(references)} 和 {len(lengths)}。"
        )
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
