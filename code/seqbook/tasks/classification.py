"""The sentiment recipe of chapters 4-5: labelled texts encoded for training
(``encode_splits``), a recurrent classifier, its loss, training on length-bucketed batches
(``train_classifier``), prediction, and a bag-of-words baseline (TF-IDF over character or
word n-grams + logistic regression).

The classifier reads a padded batch of token ids with their lengths, packs it so that the
recurrent layer never reads padding, and classifies the final hidden state of each
sequence (not ``output[:, -1]``, which for a short sequence is a state after padding).
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
    """Embedding -> recurrent layer -> final state -> dropout -> linear, for whole sequences.

    ``rnn_cls`` is the class of the recurrent layer: ``torch.nn.LSTM``, ``GRU`` or ``RNN``,
    or their from-scratch twins in ``seqbook.nn`` (same parameter names, so state_dicts are
    interchangeable); ``rnn_kwargs`` go to it (e.g. ``{"reset_after": False}``).
    ``dropout`` acts on the embeddings, between stacked layers and on the final state.

    ``forward(ids, lengths=None)``: ids (batch, time) LongTensor, padded with ``pad_id``;
    lengths (batch,) the real lengths (None: every sequence fills the whole width).
    Returns logits (batch, num_classes).
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
        if ids.dim() != 2:
            raise ValueError(f"ids 应为 (batch, time) 的二维张量，实际形状为 {tuple(ids.shape)}。")
        x = self.dropout(self.embedding(ids))
        if lengths is not None:
            lengths = torch.as_tensor(lengths)
            if lengths.shape != (ids.size(0),) or int(lengths.min()) < 1:
                raise ValueError(
                    f"lengths 应是每个序列的真实长度（>= 1），形状 ({ids.size(0)},)；"
                    f"实际为 {lengths.tolist() if lengths.numel() < 10 else tuple(lengths.shape)}。"
                    "空序列没有最终状态：请先去掉空文本。"
                )
            # pack: the layer stops at each sequence's last real token and never reads padding
            x = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state  # an LSTM returns (h_n, c_n)
        return self.linear(self.dropout(final_state(h_n, self.num_directions)))


def classification_loss(model: nn.Module, batch) -> Tensor:
    """Mean cross-entropy of a batch (ids, lengths, labels): the ``loss_fn`` for ``train.fit``."""
    ids, lengths, labels = batch
    return F.cross_entropy(model(ids, lengths), labels)


def predict(model: nn.Module, loader: Iterable) -> tuple[Tensor, Tensor]:
    """Predicted classes and true labels of every batch (ids, lengths, labels), in loader order."""
    check_module("model", model)
    dev = next(model.parameters()).device
    preds, golds = [], []
    with evaluating(model):
        for ids, lengths, labels in loader:
            preds.append(model(ids.to(dev), lengths).argmax(dim=-1).cpu())
            golds.append(labels)
    return torch.cat(preds), torch.cat(golds)


def head_and_tail(tokens: Sequence, max_len: int) -> list:
    """``tokens`` if it has at most ``max_len`` items, else its first and last ``max_len // 2``
    (one more from the end if ``max_len`` is odd): reviews often open and close with the verdict."""
    check_int_at_least("max_len", max_len, 2)
    tokens = list(tokens)
    if len(tokens) <= max_len:
        return tokens
    head = max_len // 2
    return tokens[:head] + tokens[len(tokens) - (max_len - head) :]


@dataclass
class EncodedSplits:
    """Labelled texts of several splits, tokenized and encoded with a vocabulary of "train".

    ``texts[split]``: the raw texts; ``labels[split]``: a LongTensor of their labels;
    ``tokens[split]``: their token lists (not truncated); ``examples[split]``: (token ids,
    label) pairs, truncated with :func:`head_and_tail`, ready for ``seqbook.text.make_loader``.
    """

    texts: dict[str, list[str]]
    labels: dict[str, Tensor]
    tokens: dict[str, list[list[str]]]
    vocab: Vocab
    examples: dict[str, list[tuple[list[int], int]]]

    def unseen(self, split: str = "test") -> Tensor:
        """A bool mask over ``split``: True where the text does not occur verbatim in "train"."""
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
    """Tokenize every split's (text, label) pairs, build a ``Vocab`` from the "train" split
    (tokens seen at least ``min_freq`` times) and encode each text cut to ``max_len`` tokens
    by :func:`head_and_tail`. E.g. ``encode_splits({s: load_chnsenticorp(s) for s in
    ("train", "dev", "test")}, word_tokenize)``."""
    _check_encoding(splits, tokenize, max_len, min_freq)
    texts = {split: [text for text, _ in rows] for split, rows in splits.items()}
    labels = {split: torch.tensor([label for _, label in rows], dtype=torch.long) for split, rows in splits.items()}
    tokens = {split: [tokenize(text) for text in split_texts] for split, split_texts in texts.items()}
    vocab = Vocab(tokens["train"], min_freq=min_freq)
    examples = {
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
    """Train a classifier with Adam and ``seqbook.train.fit`` on length-bucketed batches.

    ``train`` and ``dev`` hold (token ids, label) pairs. After each epoch the accuracy on
    ``dev`` is recorded as "dev_acc"; at the end the model keeps the weights of the epoch
    with the best dev accuracy (``history.best_epoch``).
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
    """The bag-of-words baseline: TF-IDF over n-grams + logistic regression.

    ``train`` and ``dev`` hold (text, label) pairs. A text that is a string is read as
    characters (character n-grams); a text that is a list of tokens (e.g. jieba words) gives
    token n-grams. For each inverse regularisation strength C in ``Cs`` a model is fitted on
    ``train`` and scored on ``dev``; returns (the model with the best dev accuracy,
    {C: dev accuracy}). The model is a scikit-learn Pipeline: ``model.predict(texts)``.
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
    """The n-grams of a token list as strings joined by spaces, for TfidfVectorizer."""
    if isinstance(tokens, str):
        raise TypeError("按词构造 n 元组时，每条文本应是词的列表（例如 word_tokenize 的结果），不是字符串。")
    lo, hi = ngram_range
    return [" ".join(gram) for n in range(lo, hi + 1) for gram in ngrams(tokens, n)]
