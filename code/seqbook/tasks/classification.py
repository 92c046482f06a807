"""第 4-5 章的情感分类配方：把带标签的文本编码成训练数据（``encode_splits``）、循环分类器及其
损失、在按长度分桶的批次上训练（``train_classifier``）、预测，以及词袋基线（字或词的 n 元组的
TF-IDF + 逻辑回归）。

分类器读入填充后的词元 id 及其长度，打包后循环层不会读到填充，再对每个序列的最终隐藏状态分类
（而不是 ``output[:, -1]``：对短序列来说，那是读过填充之后的状态）。
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from seqbook.checks import (
    check_callable,
    check_dropout,
    check_instance,
    check_int_at_least,
    check_module,
    check_not_empty,
    check_pad_id,
    check_positive,
    check_positive_int,
)
from seqbook.metrics import accuracy
from seqbook.nn import final_state, recurrent_layer
from seqbook.text import PAD_ID, Vocab, make_loader, ngrams
from seqbook.train import History, evaluating, fit


class SequenceClassifier(nn.Module):
    """整个序列的分类器：嵌入 -> 循环层 -> 最终状态 -> 丢弃 -> 线性层。

    ``rnn_cls`` 是循环层的类：``torch.nn.LSTM``、``GRU`` 或 ``RNN``，或 ``seqbook.nn`` 中从零实现的
    对应层（参数名相同，state_dict 可以互换）；``rnn_kwargs`` 传给它（例如 ``{"reset_after": False}``）。
    丢弃（``dropout``）作用在嵌入上、堆叠的层与层之间和最终状态上。

    ``forward(ids, lengths=None)``：ids 是用 ``pad_id`` 填充的 (B, T) LongTensor；lengths (B,)
    是真实长度（None：每个序列都占满整个宽度）。返回 logits (B, 类别数)。
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        *,
        rnn_cls: type[nn.Module] = nn.LSTM,
        embedding_dim: int = 128,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.5,
        pad_id: int = PAD_ID,
        rnn_kwargs: dict | None = None,
    ):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_int_at_least("num_classes", num_classes, 2)
        check_positive_int("embedding_dim", embedding_dim)
        check_dropout(dropout)
        check_pad_id(pad_id, vocab_size)
        if rnn_kwargs is not None:
            check_instance("rnn_kwargs", rnn_kwargs, dict, "例如 rnn_kwargs={'reset_after': False}。")
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.rnn = recurrent_layer(
            rnn_cls, embedding_dim, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
            dropout=dropout, **(rnn_kwargs or {}),
        )
        self.num_directions = 2 if bidirectional else 1
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(self.num_directions * hidden_size, num_classes)

    def forward(self, ids: Tensor, lengths: Tensor | None = None) -> Tensor:
        """ids (B, T)、lengths (B,) -> logits (B, 类别数)：对每个序列的最终隐藏状态分类。"""
        if ids.dim() != 2:
            raise ValueError(f"ids 应为 (batch, time) 的二维张量，实际形状为 {tuple(ids.shape)}。")
        x = self.dropout(self.embedding(ids))  # (B, T, 嵌入维数)
        if lengths is not None:
            lengths = torch.as_tensor(lengths)
            if lengths.shape != (ids.size(0),) or int(lengths.min()) < 1:
                raise ValueError(
                    f"lengths 应是每个序列的真实长度（>= 1），形状 ({ids.size(0)},)；"
                    f"实际为 {lengths.tolist() if lengths.numel() < 10 else tuple(lengths.shape)}。"
                    "空序列没有最终状态：请先去掉空文本。"
                )
            # 打包：循环层在每个序列的最后一个真实词元处停下，从不读填充
            x = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM 返回 (h_n, c_n)
        return self.linear(self.dropout(final_state(h_n, self.num_directions)))  # (B, 方向数*H)


def classification_loss(model: nn.Module, batch) -> Tensor:
    """一批 (ids, lengths, labels) 的平均交叉熵：给 ``train.fit`` 用的 ``loss_fn``。"""
    ids, lengths, labels = batch
    return F.cross_entropy(model(ids, lengths), labels)


def predict(model: nn.Module, loader: Iterable) -> tuple[Tensor, Tensor]:
    """按 loader 的顺序，返回每批 (ids, lengths, labels) 的预测类别与真实标签。"""
    check_module("model", model)
    dev = next(model.parameters()).device
    preds, golds = [], []
    with evaluating(model):
        for ids, lengths, labels in loader:
            preds.append(model(ids.to(dev), lengths).argmax(dim=-1).cpu())
            golds.append(labels)
    return torch.cat(preds), torch.cat(golds)


def head_and_tail(tokens: Sequence, max_len: int) -> list:
    """``tokens`` 不超过 ``max_len`` 个时原样返回，否则保留开头与结尾各 ``max_len // 2`` 个
    （``max_len`` 为奇数时结尾多一个）：评论常在开头和结尾给出评价。"""
    check_int_at_least("max_len", max_len, 2)
    tokens = list(tokens)
    if len(tokens) <= max_len:
        return tokens
    head = max_len // 2
    return tokens[:head] + tokens[len(tokens) - (max_len - head) :]


@dataclass
class EncodedSplits:
    """几个划分的带标签文本，已分词，并用 "train" 的词表编码。

    ``texts[split]``：原始文本；``labels[split]``：标签的 LongTensor；``tokens[split]``：词元列表
    （未截断）；``examples[split]``：用 :func:`head_and_tail` 截断后的 (词元 id, 标签) 对，可直接交给
    ``seqbook.text.make_loader``。
    """

    texts: dict[str, list[str]]
    labels: dict[str, Tensor]
    tokens: dict[str, list[list[str]]]
    vocab: Vocab
    examples: dict[str, list[tuple[list[int], int]]]

    def unseen(self, split: str = "test") -> Tensor:
        """``split`` 上的布尔掩码：文本没有原样出现在 "train" 中的为 True。"""
        if split not in self.texts:
            raise KeyError(f"没有划分 {split!r}；可用的有 {list(self.texts)}。")
        seen = set(self.texts["train"])
        return torch.tensor([text not in seen for text in self.texts[split]])


def encode_splits(
    splits: Mapping[str, Sequence[tuple[str, int]]],
    tokenize: Callable[[str], list[str]],
    *,
    max_len: int = 100,
    min_freq: int = 2,
) -> EncodedSplits:
    """给每个划分的 (文本, 标签) 分词，只用 "train" 建 ``Vocab``（至少出现 ``min_freq`` 次的词元），
    再把每条文本用 :func:`head_and_tail` 截到 ``max_len`` 个词元后编码。例如
    ``encode_splits({s: load_chnsenticorp(s) for s in ("train", "dev", "test")}, word_tokenize)``。"""
    _check_encoding(splits, tokenize, max_len, min_freq)
    texts = {split: [text for text, _ in rows] for split, rows in splits.items()}
    labels = {split: torch.tensor([label for _, label in rows], dtype=torch.long) for split, rows in splits.items()}
    tokens = {split: [tokenize(text) for text in split_texts] for split, split_texts in texts.items()}
    vocab = Vocab(tokens["train"], min_freq=min_freq)  # 只用训练集建词表
    examples = {  # 先截断（保留头尾）再编码
        split: [(vocab.encode(head_and_tail(toks, max_len)), int(label))
                for toks, label in zip(tokens[split], labels[split].tolist(), strict=True)]
        for split in splits
    }
    return EncodedSplits(texts, labels, tokens, vocab, examples)


def _check_encoding(splits, tokenize, max_len, min_freq) -> None:
    check_instance("splits", splits, Mapping, "例如 {'train': [(文本, 标签), ...], 'dev': [...]}。")
    if "train" not in splits:
        raise ValueError(f"splits 里要有 'train'（词表只用训练集建立）；实际只有 {list(splits)}。")
    check_callable("tokenize", tokenize, "例如 char_tokenize 或 word_tokenize。")
    check_int_at_least("max_len", max_len, 2)
    check_positive_int("min_freq", min_freq, "min_freq=2 表示至少出现两次。")


def train_classifier(
    model: nn.Module,
    train: Sequence[tuple[Sequence[int], int]],
    dev: Sequence[tuple[Sequence[int], int]],
    *,
    epochs: int,
    lr: float = 5e-3,
    batch_size: int = 64,
    clip_grad_norm: float = 5.0,
    seed: int = 0,
    device=None,
    progress: bool | None = None,
) -> History:
    """用 Adam 和 ``seqbook.train.fit`` 在按长度分桶的批次上训练分类器。

    ``train`` 与 ``dev`` 是 (词元 id, 标签) 对。每轮之后把 ``dev`` 上的准确率记为 "dev_acc"；
    训练结束时模型保留验证集准确率最高的那一轮的权重（``history.best_epoch``）。
    """
    check_module("model", model)
    check_positive("lr", lr)
    train_loader = make_loader(train, batch_size, bucket=True, seed=seed)
    dev_loader = make_loader(dev, 256)

    def dev_accuracy(model):
        return {"dev_acc": accuracy(*predict(model, dev_loader))}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return fit(model, train_loader, classification_loss, optimizer, epochs, metrics=dev_accuracy,
               clip_grad_norm=clip_grad_norm, monitor="dev_acc", mode="max", restore_best=True,
               device=device, progress=progress)


def tune_bag_of_words(
    train: Sequence[tuple[str | Sequence[str], int]],
    dev: Sequence[tuple[str | Sequence[str], int]],
    Cs: Sequence[float] = (1, 3, 10, 30, 100),
    ngram_range: tuple[int, int] = (1, 3),
):
    """词袋基线：n 元组的 TF-IDF + 逻辑回归。

    ``train`` 与 ``dev`` 是 (文本, 标签) 对。文本是字符串时按字读（字的 n 元组）；是词元列表
    （例如 jieba 的词）时用词的 n 元组。对 ``Cs`` 中的每个逆正则化强度 C，在 ``train`` 上拟合、在
    ``dev`` 上评分；返回（验证集准确率最高的模型, {C: 验证集准确率}）。模型是 scikit-learn 的
    Pipeline：``model.predict(texts)``。
    """
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
    except ImportError:
        raise ImportError("词袋基线需要 scikit-learn：请先 pip install scikit-learn。") from None
    check_not_empty("Cs", Cs, "至少给出一个正则化强度，例如 Cs=(1, 10)。")
    for C in Cs:
        check_positive("Cs 的元素", C, "C 是逆正则化强度，例如 Cs=(1, 10)。")
    hint = "ngram_range 应为 (最短, 最长) 两个正整数，例如 (1, 3)。"
    check_not_empty("ngram_range", ngram_range, hint)
    if len(ngram_range) != 2:
        raise ValueError(f"ngram_range 应为 (最短, 最长) 两个正整数，例如 (1, 3)；实际为 {ngram_range!r}。")
    lo, hi = ngram_range
    check_positive_int("ngram_range[0]", lo, hint)
    check_int_at_least("ngram_range[1]", hi, lo, hint)
    train_texts, train_labels = zip(*train, strict=True)
    dev_texts, dev_labels = zip(*dev, strict=True)
    if isinstance(train_texts[0], str):
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, sublinear_tf=True)
    else:
        vectorizer = TfidfVectorizer(analyzer=partial(_token_ngrams, ngram_range=ngram_range), sublinear_tf=True)
    features = vectorizer.fit_transform(train_texts)
    dev_features = vectorizer.transform(dev_texts)
    scores, best = {}, None
    for C in Cs:
        classifier = LogisticRegression(C=C, max_iter=2000).fit(features, train_labels)
        scores[C] = classifier.score(dev_features, dev_labels)
        if best is None or scores[C] > scores[best[0]]:
            best = (C, classifier)
    return make_pipeline(vectorizer, best[1]), scores


def _token_ngrams(tokens: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    """词元列表的 n 元组，每个用空格连成字符串，供 TfidfVectorizer 使用。"""
    if isinstance(tokens, str):
        raise TypeError("按词构造 n 元组时，每条文本应是词的列表（例如 word_tokenize 的结果），不是字符串。")
    lo, hi = ngram_range
    return [" ".join(gram) for n in range(lo, hi + 1) for gram in ngrams(tokens, n)]
