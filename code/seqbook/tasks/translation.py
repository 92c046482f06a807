"""The translation recipe of chapter 7: from token pairs to a trained encoder-decoder.

Chapter 7 "translates" Chinese numerals into Arabic ones and Chinese sentences into English
ones; both are pairs of token lists. This module holds what they share (``build_vocab``,
``encode_pairs``, ``seq2seq_loader``, ``seq2seq_loss``), and for Tatoeba a split that keeps
every normalised test sentence out of training (``load_translation``),
tokens and vocabularies (``prepare_translation``), the book's model (``translation_model``)
and its training recipe (``train_translation``). Decoding is ``seqbook.decode.translate``;
BLEU is ``seqbook.metrics.sacrebleu_13a`` and ``bleu_by_length``.
"""

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial

import torch
from opencc import OpenCC
from torch import nn
from torch.utils.data import DataLoader

from seqbook.checks import (
    check_bool,
    check_instance,
    check_int_at_least,
    check_positive,
    check_positive_int,
)
from seqbook.data import load_tatoeba
from seqbook.losses import sequence_cross_entropy
from seqbook.nn import AttentionDecoder, Decoder, Encoder, Seq2Seq
from seqbook.runtime import device
from seqbook.text import (
    BOS,
    EOS,
    BucketSampler,
    Vocab,
    char_tokenize,
    english_tokenize,
    seq2seq_collate,
)
from seqbook.train import History, fit

Pair = tuple[list[str], list[str]]  # (source tokens, target tokens)


def build_vocab(sentences: Sequence[Sequence[str]], min_freq: int = 1) -> Vocab:
    """A vocabulary of the tokens seen at least ``min_freq`` times, with <bos> and <eos> reserved."""
    return Vocab([list(s) for s in sentences], min_freq=min_freq, reserved_tokens=[BOS, EOS])


def encode_pairs(pairs: Sequence[Pair], src_vocab: Vocab, tgt_vocab: Vocab) -> list[tuple[list[int], list[int]]]:
    """Token pairs as id pairs; the target is wrapped in <bos> ... <eos>."""
    check_instance("src_vocab", src_vocab, Vocab)
    check_instance("tgt_vocab", tgt_vocab, Vocab)
    if BOS not in tgt_vocab or EOS not in tgt_vocab:
        raise ValueError(f"目标词表缺少 {BOS} 或 {EOS}；请用 build_vocab(...) 建表。")
    bos, eos = tgt_vocab[BOS], tgt_vocab[EOS]
    encoded = []
    for index, (src, tgt) in enumerate(pairs):
        if len(src) == 0:
            raise ValueError(f"第 {index} 对的源序列为空；编码器至少需要一个词元，请先去掉空句。")
        encoded.append((src_vocab.encode(src), [bos, *tgt_vocab.encode(tgt), eos]))
    return encoded


def seq2seq_loader(encoded: Sequence, batch_size: int = 64, *, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A DataLoader of ``seq2seq_collate`` batches over ``encode_pairs`` output.

    Batches group pairs of similar target length, then source length: the decoder steps
    through every padded target position, while the encoder skips source padding (packing).
    """
    keys = [(len(tgt), len(src)) for src, tgt in encoded]
    sampler = BucketSampler(keys, batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(list(encoded), batch_sampler=sampler, collate_fn=seq2seq_collate)


def seq2seq_loss(model: nn.Module, batch, *, label_smoothing: float = 0.0) -> tuple[torch.Tensor, int]:
    """Teacher-forced cross-entropy per real target token, and their number (for ``fit``)."""
    src, src_lengths, tgt_in, tgt_out = batch
    return sequence_cross_entropy(model(src, src_lengths, tgt_in), tgt_out, label_smoothing=label_smoothing)


# ---- Tatoeba: Chinese -> English ----------------------------------------------------------

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


@cache
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def normalize_chinese(text: str) -> str:
    """The sentence in Simplified script without punctuation, symbols or spaces: 「你好！」 -> 你好."""
    simplified = _to_simplified().convert(text)
    return "".join(c for c in simplified if not unicodedata.category(c).startswith(("P", "S", "Z")))


def normalize_english(text: str) -> str:
    """Lower-case words and numbers only: "Don't go!" -> "don't go"."""
    return " ".join(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'")))


def linked_groups(groups: Sequence[tuple[str, list[str]]]) -> list[list[tuple[str, list[str]]]]:
    """Source groups joined when they share a normalised source or a normalised translation.

    Two groups end up in one cluster if a chain of shared normalised sentences links them, so
    splitting by cluster keeps every normalised sentence on one side of the split.
    """
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[tuple[str, str], int] = {}
    for index, (chinese, translations) in enumerate(groups):
        keys = [("zh", normalize_chinese(chinese))] + [("en", normalize_english(e)) for e in translations]
        for key in keys:
            parent[root(index)] = root(first_seen.setdefault(key, index))
    clusters: dict[int, list] = {}
    for index, group in enumerate(groups):
        clusters.setdefault(root(index), []).append(group)
    return list(clusters.values())


def load_translation(val_size: int = 1000, test_size: int = 2000, seed: int = 0) -> TranslationData:
    """Tatoeba cmn-eng as Chinese -> English, split so that nothing in the test set was seen.

    Pairs are grouped by Chinese source and the groups shuffled with ``seed``; groups that share
    a source or a translation after normalisation (script, case and punctuation ignored) are
    linked into clusters (``linked_groups``). Whole clusters are dealt out, in the order of
    their first group, until the test set has ``test_size`` sources and the validation set
    ``val_size``; the rest is training data. No normalised test source or test reference
    therefore occurs in training.
    """
    check_positive_int("val_size", val_size)
    check_positive_int("test_size", test_size)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    groups = group_by_source(load_tatoeba())
    if val_size + test_size >= len(groups):
        raise ValueError(f"val_size 和 test_size 应为正整数，且加起来小于源句数 {len(groups)}。")
    random.Random(seed).shuffle(groups)
    clusters = linked_groups(groups)  # in the order of their first group
    test: list[tuple[str, list[str]]] = []
    val: list[tuple[str, list[str]]] = []
    train: list[tuple[str, str]] = []
    for cluster in clusters:
        if len(test) + len(cluster) <= test_size:
            test += cluster
        elif len(val) + len(cluster) <= val_size:
            val += cluster
        else:
            train += [(chinese, english) for chinese, translations in cluster for english in translations]
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
    train_pairs = [(char_tokenize(chinese), english_tokenize(english)) for chinese, english in data.train]
    return PreparedTranslation(
        train_pairs,
        build_vocab([src for src, _ in train_pairs], min_freq=min_freq),
        build_vocab([tgt for _, tgt in train_pairs], min_freq=min_freq),
        [char_tokenize(chinese) for chinese, _ in data.test],
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
    check_bool("attention", attention)
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
    check_positive("lr", lr)
    dev = device()
    model.to(dev)
    fused = dev.type in ("cpu", "cuda")  # one fused kernel per step instead of one per tensor
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=fused)
    loader = seq2seq_loader(encoded, batch_size, shuffle=True, seed=seed)
    loss_fn = partial(seq2seq_loss, label_smoothing=label_smoothing)
    return fit(model, loader, loss_fn, optimizer, epochs, clip_grad_norm=clip_grad_norm, device=dev)
