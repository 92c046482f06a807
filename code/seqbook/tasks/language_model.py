"""第 3 章的语言模型配方：五言唐诗数据、循环字符语言模型及其损失、加 k 平滑的二元语法基线、
藏头诗的约束；以及把长文本（三国演义）当作一条词元流，用截断的时间反向传播把状态逐批传下去的损失。"""

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
    """``text`` 是五言诗时返回它的各行，否则返回 None。

    五言诗有 ``len(lines) in num_lines`` 行，每行五个汉字（必须是文字，所以没有表示缺字的 '□'）
    加一个标点："白日依山尽，黄河入海流。" -> ["白日依山尽，", "黄河入海流。"]。
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
    """``poems``（带 "paragraphs" 的字典）中五言诗的文本，按语料中的顺序，每首只保留一次
    （语料中有些诗出现了两次）。"""
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
    """按诗划分的诗文本，以及训练诗的字词表。"""

    train: list[str]
    val: list[str]
    test: list[str]
    vocab: Vocab


def load_poems(
    fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, min_freq: int = 2
) -> PoemData:
    """四句或八句的五言唐诗（简体），按诗划分成训练、验证、测试集。

    用 ``seed`` 打乱诗的顺序，在每台机器上结果都一样。词表收录训练诗中至少出现 ``min_freq``
    次的字（外加 <pad>、<unk>、<bos>、<eos>）；更少见的字变成 <unk>，这样训练数据也教会模型
    未知字出现的可能性。
    """
    check_fractions(fractions)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    check_positive_int("min_freq", min_freq, "min_freq=2 表示至少出现两次。")
    texts = five_char_poems(load_tang_poems(simplified=True))
    train, val, test = split_dataset(texts, fractions, seed=seed)
    vocab = Vocab([list(t) for t in train], min_freq=min_freq, reserved_tokens=[BOS, EOS])
    return PoemData(train, val, test, vocab)


def encode_poem(text: str, vocab: Vocab) -> list[int]:
    """<bos>、``text`` 的每个字、<eos> 的 id。"""
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
    """编码后的诗上的 DataLoader，每批是 (inputs, targets)。

    ``bucket=True`` 用 ``BucketSampler`` 把长度相同的诗放进同一批（填充少，计算也少；``shuffle``
    时顺序由 ``seed`` 和轮次决定）；``bucket=False`` 保持给定的顺序，``shuffle`` 时打乱。
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
    """循环语言模型：嵌入 -> 循环层 -> 线性输出层，得到每个词元的分数（logits）。

    ``rnn_cls`` 是任何与 torch 循环层签名相同的类，例如 ``torch.nn.LSTM``、``torch.nn.GRU`` 或
    ``seqbook.nn.RNN``。丢弃（``dropout``）作用在嵌入上、堆叠的层与层之间和输出层之前。
    ``forward(ids, state)`` 读入 ids (B, T)，返回 logits (B, T, 词表大小) 和最终状态；
    把最终状态传回去就能接着这个序列往下算（生成时就这样做）。
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
        """ids (B, T) -> logits (B, T, 词表大小)，以及最终状态（state=None 时从零开始）。"""
        hidden, state = self.rnn(self.dropout(self.embedding(ids)), state)  # hidden: (B, T, H)
        return self.output(self.dropout(hidden)), state  # 每一步的隐藏状态映射到词表上的分数


def lm_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, int]:
    """每个目标词元的平均交叉熵，以及目标词元的个数（供 ``fit`` 使用）。"""
    inputs, targets = batch  # targets 是 inputs 后移一个词元，填充处为 -100
    logits, _ = model(inputs)
    return sequence_cross_entropy(logits, targets)  # 只在真实词元上求平均


class AddKBigram:
    """在 ``vocab_size`` 个可能的词元上做加 k 平滑的二元语法语言模型：

        P(b | a) = (count(a, b) + k) / (count(a) + k * vocab_size)

    ``sequences`` 是 ``encode_poem`` 给出的 id 列表；每个序列预测第一个之后的词元，
    与循环语言模型的预测目标完全相同。
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
        """``seq`` 中每对相邻词元 (a, b) 的 -log P(b | a)（以 e 为底）。"""
        self._check_k(k)
        self._check_ids(seq)
        return [
            -math.log((self.pair_counts[a, b] + k) / (self.context_counts[a] + k * self.vocab_size))
            for a, b in zip(seq[:-1], seq[1:], strict=True)
        ]

    def mean_nll(self, sequences: Iterable[Sequence[int]], k: float) -> float:
        """``sequences`` 中每个被预测词元的平均负对数似然（以 e 为底）。"""
        nlls = [nll for seq in sequences for nll in self.token_nlls(seq, k)]
        if not nlls:
            raise ValueError("没有可预测的词元：每个序列至少要有 2 个 id。")
        return sum(nlls) / len(nlls)

    def tune_k(self, val_sequences: Sequence[Sequence[int]], ks: Iterable[float]) -> tuple[float, dict[float, float]]:
        """在 ``val_sequences`` 上平均负对数似然最低的 k，以及每个试过的 k 的负对数似然。"""
        scores = {k: self.mean_nll(val_sequences, k) for k in ks}
        if not scores:
            raise ValueError("ks 为空：请给出要比较的 k，例如 [0.001, 0.01, 0.1, 1]。")
        return min(scores, key=scores.get), scores


def acrostic_constraint(heads: str, vocab: Vocab) -> Callable[[Sequence[int]], torch.Tensor]:
    """五言藏头诗的约束：下一个词元允许是哪些。

    第 i 行以 ``heads[i]`` 开头，接着四个字（不能是标点或特殊词元），以 "，"（奇数行）或 "。"
    （偶数行）结尾；最后一行之后只允许 <eos>。返回给 ``seqbook.decode.generate`` 用的
    ``allowed(generated_ids) -> BoolTensor (len(vocab),)``；``generated_ids`` 是 <bos> 之后的词元。
    """
    check_string("heads", heads, hint="例如 heads='春夏秋冬'。")
    if len(heads) not in (4, 8):
        raise ValueError(f"藏头字应有 4 个（绝句）或 8 个（律诗），收到 {heads!r}（{len(heads)} 个）。")
    missing = [ch for ch in heads if ch not in vocab or ch == UNK]
    if missing:
        raise ValueError(f"藏头字 {''.join(missing)!r} 不在词表中（训练诗里出现太少）；请换一个常用字。")
    size = len(vocab)
    characters = torch.tensor(  # 普通的字：既不是特殊词元，也不是标点
        [t not in vocab.reserved_tokens and t not in PUNCTUATION for t in vocab.tokens]
    )

    def only(token: str) -> torch.Tensor:  # 只允许这一个词元
        mask = torch.zeros(size, dtype=torch.bool)
        mask[vocab[token]] = True
        return mask

    def allowed(generated: Sequence[int]) -> torch.Tensor:
        line, position = divmod(len(generated), LINE_LENGTH + 1)  # 每行 5 个字加 1 个标点
        if line == len(heads):  # 所有行都写完了
            return only(EOS)
        if position == 0:  # 行首：藏头字
            return only(heads[line])
        if position == LINE_LENGTH:  # 行尾：标点
            return only("，" if line % 2 == 0 else "。")
        return characters

    return allowed


# ---- 长文本：一整部小说作为一条词元流，顺序分区与截断的时间反向传播 ----


@dataclass
class TextStreams:
    """一部长文本的三条 id 流（训练、验证、测试），以及训练部分的词表。"""

    train: list[int]
    val: list[int]
    test: list[int]
    vocab: Vocab


def clean_chapter(text: str) -> str:
    """把小说的一回整理成一个字符串：去掉行内的所有空白字符，丢掉空行，每段以 "\\n" 结尾。"""
    check_string("text", text, allow_empty=True)
    lines = ("".join(ch for ch in line if not ch.isspace()) for line in text.split("\n"))
    return "".join(line + "\n" for line in lines if line)


def load_sanguo_streams(chapters: Sequence[int] = (20, 2, 2), min_freq: int = 3) -> TextStreams:
    """三国演义的前若干回，按回依次划分，变成字的 id 流。

    ``chapters=(20, 2, 2)``：第 1-20 回训练，21-22 回验证，23-24 回测试，每部分是各回经
    ``clean_chapter`` 整理后的拼接。词表收录训练部分至少出现 ``min_freq`` 次的字，其余变成 <unk>。
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
    """把 ``state`` 从计算图上断开：张量、LSTM 的 (h, c) 这样的元组，或 None。"""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    check_tensor("state", state, hint="state 是循环层返回的最终状态（张量，或 LSTM 的 (h, c)）。")
    return state.detach()


class StreamLMLoss:
    """``stream_loader`` 批次上给 ``fit`` 与 ``evaluate`` 用的 ``loss_fn``：截断的时间反向传播。

    ``carry=True`` 时，如果这一批的每一行恰好接着上一批的同一行（起点等于上一批的起点加
    num_steps，顺序分区就是这样），就从上一批的最终状态出发，但已从计算图上断开：前向计算
    看得见全部历史，梯度在批次的边界停下。其他批次（一遍中的第一批、随机窗口的批次）从零
    开始。``carry=False`` 总是从零开始。返回每个目标词元的平均交叉熵与目标个数。
    """

    def __init__(self, carry: bool = True):
        check_bool("carry", carry)
        self.carry = carry
        self.reset()

    def reset(self) -> None:
        """忘掉带着的状态：下一批从零开始。"""
        self.state, self.next_starts = None, None

    def continues(self, starts: torch.Tensor) -> bool:
        """起点为 ``starts`` 的这一批是否逐行接着上一批？"""
        return self.carry and self.next_starts is not None and torch.equal(starts, self.next_starts)

    def logits(self, model: nn.Module, inputs: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
        """模型在一批上的 logits，从带过来的状态或从零开始。"""
        state = self.state if self.continues(starts) else None  # 接不上上一批时从零开始
        logits, state = model(inputs, state)
        # 把最终状态留给下一批，但从计算图上断开：梯度只在这一批的 num_steps 步之内传播
        self.state, self.next_starts = detach_state(state), starts + inputs.shape[1]
        return logits

    def __call__(self, model: nn.Module, batch) -> tuple[torch.Tensor, int]:
        inputs, targets, starts = batch
        return sequence_cross_entropy(self.logits(model, inputs, starts), targets)


def nll_by_position(model: nn.Module, loader: Iterable, loss: StreamLMLoss) -> torch.Tensor:
    """``loader``（词元流的批次）的窗口中每个位置 0..num_steps-1 上目标的平均负对数似然（以 e
    为底），每批的起始状态由 ``loss`` 给出。"""
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
