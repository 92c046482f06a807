"""第 7 章的翻译配方：从词元对到训练好的编码器—解码器。

第 7 章把中文数字“翻译”成阿拉伯数字，把中文句子翻译成英文；两者都是词元列表的对。本模块放两者
共用的部分（``build_vocab``、``encode_pairs``、``seq2seq_loader``、``seq2seq_loss``），以及 Tatoeba
的划分（``load_translation``，规范化后的测试句不会出现在训练集中）、词元与词表
（``prepare_translation``）、本书的模型（``translation_model``）和训练配方（``train_translation``）。
解码用 ``seqbook.decode.translate``；BLEU 用 ``seqbook.metrics.sacrebleu_13a`` 与 ``bleu_by_length``。
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

Pair = tuple[list[str], list[str]]  # (源词元, 目标词元)


def build_vocab(sentences: Sequence[Sequence[str]], min_freq: int = 1) -> Vocab:
    """至少出现 ``min_freq`` 次的词元组成的词表，并保留 <bos> 与 <eos>。"""
    return Vocab([list(s) for s in sentences], min_freq=min_freq, reserved_tokens=[BOS, EOS])


def encode_pairs(pairs: Sequence[Pair], src_vocab: Vocab, tgt_vocab: Vocab) -> list[tuple[list[int], list[int]]]:
    """把词元对编码成 id 对；目标序列包在 <bos> ... <eos> 之间。"""
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
    """``encode_pairs`` 结果上的 DataLoader，每批由 ``seq2seq_collate`` 整理。

    先按目标长度、再按源长度把相近的对放进同一批：解码器要走过目标的每个（含填充的）位置，
    而编码器靠打包跳过源序列的填充。
    """
    keys = [(len(tgt), len(src)) for src, tgt in encoded]
    sampler = BucketSampler(keys, batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(list(encoded), batch_sampler=sampler, collate_fn=seq2seq_collate)


def seq2seq_loss(model: nn.Module, batch, *, label_smoothing: float = 0.0) -> tuple[torch.Tensor, int]:
    """教师强制下每个真实目标词元的交叉熵，以及这些词元的个数（供 ``fit`` 使用）。"""
    src, src_lengths, tgt_in, tgt_out = batch
    return sequence_cross_entropy(model(src, src_lengths, tgt_in), tgt_out, label_smoothing=label_smoothing)


# ---- Tatoeba: Chinese -> English ----------------------------------------------------------

@dataclass
class TranslationData:
    """按中文源句划分的 Tatoeba。

    ``train``：(中文, 英文) 对，每个译文一对；``val`` 与 ``test``：每个不同的源句一组
    (中文, [英文译文])，它的所有译文都是参考译文。
    """

    train: list[tuple[str, str]]
    val: list[tuple[str, list[str]]]
    test: list[tuple[str, list[str]]]


def group_by_source(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(英文, 中文) 对 -> (中文, [它的各个不同的英文译文])，按语料中的顺序。"""
    groups: dict[str, dict[str, None]] = {}
    for english, chinese in pairs:
        groups.setdefault(chinese, {})[english] = None
    return [(chinese, list(english)) for chinese, english in groups.items()]


@cache
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def normalize_chinese(text: str) -> str:
    """规范化中文句子：转成简体，去掉标点、符号和空白：「你好！」 -> 你好。"""
    simplified = _to_simplified().convert(text)  # OpenCC 繁体转简体
    # Unicode 类别 P 是标点，S 是符号，Z 是空白
    return "".join(c for c in simplified if not unicodedata.category(c).startswith(("P", "S", "Z")))


def normalize_english(text: str) -> str:
    """规范化英文句子：只留小写的词和数字："Don't go!" -> "don't go"。"""
    return " ".join(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'")))


def linked_groups(groups: Sequence[tuple[str, list[str]]]) -> list[list[tuple[str, list[str]]]]:
    """把规范化后源句或译文相同的源句组连在一起，成为一个簇。

    只要有一串相同的规范化句子把两组连起来，它们就落在同一个簇里；按簇划分，每个规范化句子
    就只出现在划分的一边。
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
    """Tatoeba cmn-eng 的中译英数据，划分后测试集中的句子在训练时都没见过。

    按中文源句分组，用 ``seed`` 打乱各组；规范化（不计繁简、大小写和标点）后源句或译文相同的组
    连成簇（``linked_groups``）。按各簇第一组的顺序整簇分配，直到测试集有 ``test_size`` 个源句、
    验证集有 ``val_size`` 个；其余是训练数据。因此规范化后的测试源句和参考译文都不会出现在训练集中。
    """
    check_positive_int("val_size", val_size)
    check_positive_int("test_size", test_size)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    groups = group_by_source(load_tatoeba())
    if val_size + test_size >= len(groups):
        raise ValueError(f"val_size 和 test_size 应为正整数，且加起来小于源句数 {len(groups)}。")
    random.Random(seed).shuffle(groups)
    clusters = linked_groups(groups)  # 按各簇第一组的顺序
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
    """分好词的 Tatoeba：训练对、两个词表、测试源句与参考译文。"""

    train_pairs: list[Pair]
    src_vocab: Vocab
    tgt_vocab: Vocab
    test_sources: list[list[str]]
    test_references: list[list[str]]


def prepare_translation(data: TranslationData, min_freq: int = 3) -> PreparedTranslation:
    """中文按字、英文按词分词；两个词表只收训练集中至少出现 ``min_freq`` 次的词元。"""
    train_pairs = [(char_tokenize(chinese), english_tokenize(english)) for chinese, english in data.train]
    return PreparedTranslation(
        train_pairs,
        build_vocab([src for src, _ in train_pairs], min_freq=min_freq),  # 中文字表
        build_vocab([tgt for _, tgt in train_pairs], min_freq=min_freq),  # 英文词表
        [char_tokenize(chinese) for chinese, _ in data.test],
        [references for _, references in data.test],  # 参考译文保持未分词的字符串，BLEU 用 13a 分词
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
    """本书的中译英模型：双向 GRU 编码器与 GRU 解码器，带加性注意力；``attention=False`` 时
    解码器只看编码器的摘要向量（最终状态）。"""
    check_bool("attention", attention)
    encoder = Encoder(src_vocab_size, embedding_dim, hidden_size)  # 默认是双向 GRU
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
    """用本书的配方在 ``encode_pairs`` 的结果上训练：Adam、长度相近的批次、标签平滑、梯度裁剪。
    返回 ``fit`` 的 History。"""
    check_positive("lr", lr)
    dev = device()
    model.to(dev)
    fused = dev.type in ("cpu", "cuda")  # 每步一个融合的内核，而不是每个张量一个
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=fused)
    loader = seq2seq_loader(encoded, batch_size, shuffle=True, seed=seed)  # 按长度分桶、每轮打乱
    loss_fn = partial(seq2seq_loss, label_smoothing=label_smoothing)  # 教师强制的交叉熵
    return fit(model, loader, loss_fn, optimizer, epochs, clip_grad_norm=clip_grad_norm, device=dev)
