"""The segmentation recipe of chapter 6: word segmentation as b/m/e/s tagging.

Every character gets one of four tags: b (begins a word), m (inside a word), e (ends a
word) or s (a single-character word). ``words_to_tags`` and ``tags_to_words`` convert
between gold words and tags; ``SequenceTagger`` predicts a tag for every character with an
MLP or a recurrent layer (uni- or bidirectional, optionally with a delayed output or
reading each sentence backwards);
``train_tagger`` trains one on windows of running text; ``segment`` turns raw text into
words with a trained tagger. ``constrained_viterbi`` decodes per-character log-probabilities
into the best valid tag sequence (``is_valid_tags`` tells whether a sequence is valid).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqbook.checks import (
    check_bool,
    check_callable,
    check_dropout,
    check_instance,
    check_int_at_least,
    check_layer_class,
    check_module,
    check_pad_id,
    check_positive,
    check_positive_int,
    check_string,
    check_strings,
    check_tensor,
    check_token_lists,
)
from seqbook.losses import sequence_cross_entropy
from seqbook.metrics import segmentation_prf
from seqbook.nn import recurrent_layer
from seqbook.text import PAD_ID, Vocab, char_tokenize, collate, make_loader
from seqbook.train import History, evaluating, fit

TAGS = ("b", "m", "e", "s")
TAG_IDS = {tag: i for i, tag in enumerate(TAGS)}


def words_to_tags(words: Sequence[str]) -> list[str]:
    """One tag per character: ["中国", "人"] -> ["b", "e", "s"]; a word of n >= 2 characters
    is b, then n - 2 times m, then e."""
    if isinstance(words, str):
        raise TypeError(
            f"words_to_tags 需要词的列表，收到的是字符串 {words!r:.30}；例如 ['中国', '人']。"
        )
    tags = []
    for word in words:
        check_string("words 里的词", word, hint="每个词都应是非空字符串；请先去掉空词。")
        tags += ["s"] if len(word) == 1 else ["b", *"m" * (len(word) - 2), "e"]
    return tags


def tags_to_words(chars: Sequence[str], tags: Sequence[str]) -> list[str]:
    """The words that tags describe: ("中国人", ["b", "e", "s"]) -> ["中国", "人"].

    A word starts at the first character, at every b or s, and after every e or s. Every
    tag sequence thus gives a segmentation, also an invalid one a model may predict (such as
    b b or an m after s), and on valid tags this is the inverse of ``words_to_tags``.
    """
    if len(chars) != len(tags):
        raise ValueError(
            f"字符数 {len(chars)} 与标签数 {len(tags)} 不同；每个字符要有且只有一个标签。"
        )
    unknown = [tag for tag in tags if tag not in TAG_IDS]
    if unknown:
        raise ValueError(f"未知的标签 {unknown[0]!r}：标签只能是 {', '.join(TAGS)}（字符串）。")
    words = []
    for i, (char, tag) in enumerate(zip(chars, tags, strict=True)):
        if i == 0 or tag in ("b", "s") or tags[i - 1] in ("e", "s"):
            words.append(char)
        else:
            words[-1] += char
    return words


# 合法的转移：b、m 之后只能是 m 或 e；e、s 之后只能是 b 或 s
ALLOWED_NEXT = {"b": ("m", "e"), "m": ("m", "e"), "e": ("b", "s"), "s": ("b", "s")}
ALLOWED_FIRST = ("b", "s")  # 句首只能是 b 或 s
ALLOWED_LAST = ("e", "s")  # 句末只能是 e 或 s


def constrained_viterbi(log_probs: Tensor) -> list[int]:
    """在合法的 b/m/e/s 序列中找对数概率之和最大的一条，返回标签 id（顺序同 TAGS）。

    log_probs：形状 (T, 4) 的张量，第 t 行是第 t 个字取 b、m、e、s 的对数概率。
    合法的序列以 b 或 s 开头、以 e 或 s 结尾，b、m 之后是 m 或 e，e、s 之后是 b 或 s。
    动态规划：score[t, j] 是以标签 j 结束的前 t+1 个字的最高总分，back[t, j] 记下它的前一个标签。
    """
    check_tensor("log_probs", log_probs, dim=2, hint="形状应为 (T, 4)：每个字一行，每个标签一列。")
    if log_probs.size(0) < 1 or log_probs.size(1) != len(TAGS):
        raise ValueError(
            f"log_probs 的形状应为 (T, {len(TAGS)})，T >= 1，实际为 {tuple(log_probs.shape)}；"
            f"列的顺序是 {', '.join(TAGS)}。"
        )
    if not log_probs.is_floating_point():
        raise TypeError(f"log_probs 应为浮点数张量，实际数据类型是 {log_probs.dtype}。")
    scores = log_probs.detach().double().cpu()
    minus_inf = float("-inf")
    allowed = torch.full((len(TAGS), len(TAGS)), minus_inf, dtype=torch.double)  # [前一个, 后一个]
    for tag, following in ALLOWED_NEXT.items():
        for nxt in following:
            allowed[TAG_IDS[tag], TAG_IDS[nxt]] = 0.0
    start = torch.full((len(TAGS),), minus_inf, dtype=torch.double)
    start[[TAG_IDS[t] for t in ALLOWED_FIRST]] = 0.0
    score = start + scores[0]  # (4,)
    back = []
    for t in range(1, scores.size(0)):
        total = score.unsqueeze(1) + allowed  # (前一个, 后一个)
        best, previous = total.max(dim=0)  # 每个“后一个”标签的最好前驱
        back.append(previous)
        score = best + scores[t]
    end = torch.full((len(TAGS),), minus_inf, dtype=torch.double)
    end[[TAG_IDS[t] for t in ALLOWED_LAST]] = 0.0
    tag = int((score + end).argmax())
    path = [tag]
    for previous in reversed(back):  # 从最后一个字往回找
        tag = int(previous[tag])
        path.append(tag)
    return path[::-1]


def is_valid_tags(tags: Sequence[str]) -> bool:
    """标签序列是否合法：以 b 或 s 开头、以 e 或 s 结尾，每个相邻的转移都合法。"""
    unknown = [tag for tag in tags if tag not in TAG_IDS]
    if unknown:
        raise ValueError(f"未知的标签 {unknown[0]!r}：标签只能是 {', '.join(TAGS)}（字符串）。")
    if not tags:
        return True
    return (
        tags[0] in ALLOWED_FIRST
        and tags[-1] in ALLOWED_LAST
        and all(b in ALLOWED_NEXT[a] for a, b in zip(tags[:-1], tags[1:], strict=True))
    )


class MajorityTagger:
    """The baseline without context: every character gets the tag it had most often in the
    training sentences (ties: the first in b, m, e, s order); an unseen character gets the
    most frequent tag overall."""

    def __init__(self, sentences: Sequence[Sequence[str]]):
        check_token_lists("sentences", sentences, "每句是分好词的词列表，例如 ['中国', '人']。")
        counts, overall = defaultdict(Counter), Counter()
        for words in sentences:
            for char, tag in zip("".join(words), words_to_tags(words), strict=True):
                counts[char][tag] += 1
                overall[tag] += 1
        if not overall:
            raise ValueError("训练句子为空：MajorityTagger 至少需要一句带切分的句子。")
        self.default = _most_common(overall)
        self.table = {char: _most_common(c) for char, c in counts.items()}

    def tags(self, text: str) -> list[str]:
        return [self.table.get(char, self.default) for char in char_tokenize(text)]

    def segment(self, texts: Sequence[str]) -> list[list[str]]:
        """The words of every text (whitespace is dropped)."""
        check_strings("texts", texts, "单个文本也要放进列表：[text]。")
        return [tags_to_words(char_tokenize(text), self.tags(text)) for text in texts]


def _most_common(counter: Counter) -> str:
    return max(TAGS, key=lambda tag: (counter[tag], -TAGS.index(tag)))


def encode_tagged(
    sentences: Sequence[Sequence[str]], vocab: Vocab
) -> list[tuple[list[int], list[int]]]:
    """(character ids, tag ids) for every gold-segmented sentence, for ``seqbook.text.make_loader``."""
    check_token_lists("sentences", sentences, "每句是分好词的词列表，例如 ['中国', '人']。")
    check_instance("vocab", vocab, Vocab)
    examples = []
    for words in sentences:
        chars = [char for word in words for char in word]
        if not chars:
            raise ValueError("有一句没有任何字符；请先去掉空句子。")
        examples.append((vocab.encode(chars), [TAG_IDS[tag] for tag in words_to_tags(words)]))
    return examples


def tagged_windows(
    sentences: Sequence[Sequence[str]], vocab: Vocab, length: int
) -> list[tuple[list[int], list[int]]]:
    """The training text as one stream cut into windows of ``length`` characters.

    The sentences are joined end to end and cut every ``length`` characters (the last
    window may be shorter), as (character ids, tag ids) pairs. A window may start or end
    inside a word; its tags still come from the gold words. Windows of one length batch
    without any padding, so no layer ever reads padding and nothing needs packing.
    """
    check_positive_int("length", length, "length 是每个窗口的字符数。")
    ids, tags = [], []
    for chars, tag_ids in encode_tagged(sentences, vocab):
        ids += chars
        tags += tag_ids
    return [(ids[i : i + length], tags[i : i + length]) for i in range(0, len(ids), length)]


class SequenceTagger(nn.Module):
    """Embedding -> (window) -> MLP or recurrent layer -> linear: tag scores for every step.

    - ``rnn_cls``: the class of the recurrent layer (``torch.nn.LSTM``, ``RNN``, ``GRU`` or
      their twins in ``seqbook.nn``), or None for an MLP that sees each step on its own
      (``num_layers`` hidden layers of ``hidden_size`` tanh units).
    - ``window=k``: step t reads the embeddings of the characters t-k .. t+k side by side
      (padding beyond the ends); 0 reads character t only.
    - ``delay=d`` (unidirectional layers only): the input gets d extra padding steps and
      the tag of step t is read at step t + d, after the layer has seen d more characters.
    - ``reverse=True`` (unidirectional layers only): the layer reads every sequence from its
      last real character to its first (Graves and Schmidhuber's "LSTM backwards"), so step t
      has seen characters t .. T; the scores come back in the original order.
    - ``dropout`` acts on the embeddings, between recurrent layers and before the output.

    ``forward(ids, lengths=None)``: ids (batch, time), padded with ``pad_id``; with lengths
    the batch is packed, so no direction reads padding. Returns scores (batch, time, num_tags).
    """

    def __init__(
        self,
        vocab_size: int,
        *,
        rnn_cls: type[nn.Module] | None = nn.LSTM,
        embedding_dim: int = 64,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        window: int = 0,
        delay: int = 0,
        reverse: bool = False,
        dropout: float = 0.0,
        num_tags: int = len(TAGS),
        pad_id: int = PAD_ID,
        rnn_kwargs: dict | None = None,
    ):
        super().__init__()
        for name, value, least in (
            ("vocab_size", vocab_size, 1),
            ("embedding_dim", embedding_dim, 1),
            ("hidden_size", hidden_size, 1),
            ("num_layers", num_layers, 1),
            ("num_tags", num_tags, 2),
            ("window", window, 0),
            ("delay", delay, 0),
        ):
            check_int_at_least(name, value, least)
        check_bool("reverse", reverse)
        check_dropout(dropout)
        check_pad_id(pad_id, vocab_size)
        if rnn_kwargs is not None:
            check_instance("rnn_kwargs", rnn_kwargs, dict, "例如 rnn_kwargs={'reset_after': False}。")
        if rnn_cls is not None:
            check_layer_class("rnn_cls", rnn_cls, "torch.nn.LSTM 或 seqbook.nn.RNN；None 表示 MLP")
        if bidirectional and rnn_cls is None:
            raise ValueError("MLP 没有方向：bidirectional=True 需要一个循环层（rnn_cls=nn.LSTM 等）。")
        if delay and bidirectional:
            raise ValueError(
                f"双向模型在每一步已经看到整句，延迟输出没有意义：请把 delay={delay} 改成 0，或用单向模型。"
            )
        if reverse and (rnn_cls is None or bidirectional):
            raise ValueError(
                "reverse=True 让单向循环层从句末读到句首；"
                + ("MLP 没有读的方向，请设 rnn_cls=nn.LSTM 等。" if rnn_cls is None
                   else "双向层已经包含从右往左读的一半，请设 bidirectional=False。")
            )
        self.pad_id = pad_id
        self.window = window
        self.delay = delay
        self.reverse = reverse
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.dropout = nn.Dropout(dropout)
        in_features = (2 * window + 1) * embedding_dim
        if rnn_cls is None:
            layers = []
            for layer in range(num_layers):
                layers += [
                    nn.Linear(in_features if layer == 0 else hidden_size, hidden_size),
                    nn.Tanh(),
                ]
            self.mlp, self.rnn = nn.Sequential(*layers), None
            out_features = hidden_size
        else:
            self.mlp = None
            self.rnn = recurrent_layer(
                rnn_cls, in_features, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                dropout=dropout, **(rnn_kwargs or {}),
            )
            out_features = hidden_size * (2 if bidirectional else 1)
        self.output = nn.Linear(out_features, num_tags)

    def num_parameters(self, *, embedding: bool = False) -> int:
        """The number of weights; without the embedding table unless ``embedding=True``."""
        total = sum(p.numel() for p in self.parameters())
        return total if embedding else total - self.embedding.weight.numel()

    def forward(self, ids: Tensor, lengths: Tensor | None = None) -> Tensor:
        """每一步 4 个标签的分数。

        ids：(批次, 时间) 的字 id，短句在末尾用 pad_id 填充；lengths：每句的真实长度。
        给了 lengths 时把批次打包，所以双向层的反向一半不会读到填充。
        返回形状 (批次, 时间, num_tags) 的分数。
        """
        if ids.dim() != 2:
            raise ValueError(f"ids 应为 (batch, time) 的二维张量，实际形状为 {tuple(ids.shape)}。")
        width = ids.size(1)
        if lengths is not None:
            lengths = torch.as_tensor(lengths).cpu()
            if (
                lengths.shape != (ids.size(0),)
                or int(lengths.min()) < 1
                or int(lengths.max()) > width
            ):
                raise ValueError(
                    f"lengths 应是每个序列的真实长度（1 到 {width} 之间），形状 ({ids.size(0)},)；"
                    f"实际为 {lengths.tolist() if lengths.numel() < 10 else tuple(lengths.shape)}。"
                )
        real_lengths = lengths
        if self.reverse:  # 每句从最后一个真实的字读起；填充仍留在末尾
            ids = _flip_sequences(ids, real_lengths)
        if self.delay:  # 末尾多补 d 步，最后一个字的第 t + d 步才存在
            ids = F.pad(ids, (0, self.delay), value=self.pad_id)
            lengths = None if lengths is None else lengths + self.delay
        x = self.embedding(ids)  # (批次, 时间, embedding_dim)
        if self.window:  # 每一步周围 2k+1 个字的 id -> 它们的嵌入并排拼在一起
            near = F.pad(ids, (self.window, self.window), value=self.pad_id).unfold(
                1, 2 * self.window + 1, 1
            )
            x = self.embedding(near).flatten(2)
        x = self.dropout(x)
        if self.rnn is None:  # MLP：每一步单独计算
            h = self.mlp(x)
        elif lengths is None or bool((lengths == ids.size(1)).all()):  # 没有填充：不用打包
            h, _ = self.rnn(x)
        else:  # 打包：每个方向只读真实的字
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            h, _ = pad_packed_sequence(
                self.rnn(packed)[0], batch_first=True, total_length=ids.size(1)
            )
        scores = self.output(self.dropout(h))[:, self.delay : self.delay + width]  # 延迟时丢掉前 d 步
        if self.reverse:  # 把分数翻回字的原来顺序
            scores = _flip_sequences(scores, real_lengths)
        return scores


def _flip_sequences(x: Tensor, lengths: Tensor | None = None) -> Tensor:
    """Reverse every sequence of a padded batch (batch, time, ...) within its length:
    the padding stays at the end. Without lengths every row is reversed whole."""
    if lengths is None:
        return x.flip(1)
    steps = torch.arange(x.size(1), device=x.device)
    n = torch.as_tensor(lengths, device=x.device).unsqueeze(1)  # (batch, 1)
    index = torch.where(steps < n, n - 1 - steps, steps)  # (batch, time)
    index = index.view(*index.shape, *[1] * (x.dim() - 2)).expand_as(x)
    return x.gather(1, index)


def tagging_loss(model: nn.Module, batch) -> tuple[Tensor, int]:
    """Mean cross-entropy per tagged character of a batch (ids, lengths, tags), and the
    number of characters: the ``loss_fn`` for ``seqbook.train.fit``."""
    ids, lengths, tags = batch
    return sequence_cross_entropy(model(ids, lengths), tags)


def predict_tags(
    model: nn.Module, sequences: Sequence[Sequence[int]], batch_size: int = 256
) -> list[list[int]]:
    """The predicted tag ids of every id sequence, in the given order.

    Sequences of similar length are batched together and packed, so no padding is read.
    """
    check_module("model", model)
    check_positive_int("batch_size", batch_size)
    if any(len(seq) == 0 for seq in sequences):
        raise ValueError("有一个序列为空，没有可以标注的字符；请先去掉空文本。")
    dev = next(model.parameters()).device
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    result = [None] * len(sequences)
    with evaluating(model):
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            ids, lengths = collate([sequences[i] for i in chunk])
            best = model(ids.to(dev), lengths).argmax(dim=-1).cpu()
            for row, i in enumerate(chunk):
                result[i] = best[row, : lengths[row]].tolist()
    return result


def train_tagger(
    model: nn.Module,
    windows: Sequence[tuple[Sequence[int], Sequence[int]]],
    *,
    epochs: int,
    lr: float = 0.01,
    batch_size: int = 128,
    seed: int = 0,
    metrics: Callable[[nn.Module], dict[str, float]] | None = None,
    device=None,
    progress: bool | None = False,
) -> History:
    """Train a tagger with Adam and ``seqbook.train.fit`` on (character ids, tag ids) pairs,
    e.g. ``tagged_windows(...)``, in length-bucketed batches whose order ``seed`` fixes.

    ``metrics(model)`` may record numbers after each epoch (e.g. the F1 on a dev set).
    Returns the History.
    """
    check_module("model", model)
    check_positive("lr", lr)
    loader = make_loader(windows, batch_size, bucket=True, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return fit(model, loader, tagging_loss, optimizer, epochs, metrics=metrics, device=device, progress=progress)


def segment(
    model: nn.Module, vocab: Vocab, texts: Sequence[str], batch_size: int = 256
) -> list[list[str]]:
    """Segment every text into words with a trained tagger (whitespace is dropped)."""
    check_strings("texts", texts, "segment 需要文本的列表；单个文本请写成 [text]。")
    chars = [char_tokenize(text) for text in texts]
    tag_ids = predict_tags(model, [vocab.encode(c) for c in chars], batch_size)
    return [
        tags_to_words(c, [TAGS[t] for t in tags]) for c, tags in zip(chars, tag_ids, strict=True)
    ]


def segmentation_scores(
    model: nn.Module, vocab: Vocab, sentences: Sequence[Sequence[str]]
) -> tuple[float, float, float]:
    """Word-level precision, recall and F1 of ``model`` on gold-segmented sentences."""
    check_token_lists("sentences", sentences, "每句是分好词的词列表，例如 ['中国', '人']。")
    predicted = segment(model, vocab, ["".join(words) for words in sentences])
    return segmentation_prf(sentences, predicted)


def matched_hidden_size(
    build: Callable[[int], nn.Module], target: int, count: Callable[[nn.Module], int]
) -> int:
    """The hidden size h whose model ``build(h)`` has a parameter count ``count(model)``
    closest to ``target`` (the count must grow with h)."""
    check_callable("build", build, "build(h) 返回隐藏层大小为 h 的模型。")
    check_positive_int("target", target, "target 是目标参数量。")
    check_callable("count", count, "count(model) 返回模型的参数量。")
    low, high = 1, 2
    while count(build(high)) < target:
        low, high = high, high * 2
    while high - low > 1:  # count(build(low)) < target <= count(build(high))
        middle = (low + high) // 2
        if count(build(middle)) < target:
            low = middle
        else:
            high = middle
    return min((low, high), key=lambda h: abs(count(build(h)) - target))
