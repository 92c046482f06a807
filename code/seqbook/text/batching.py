"""From id sequences to batches: padding, collate functions, one length-bucketing sampler
and ``make_loader``; windows of one long token stream for language models (``stream_loader``)."""

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from seqbook.checks import (
    check_bool,
    check_callable,
    check_choice,
    check_int,
    check_int_at_least,
    check_not_empty,
    check_positive_int,
)
from seqbook.runtime import offset_seed
from seqbook.text.vocab import PAD_ID

IGNORE_INDEX = -100  # the label that torch.nn.CrossEntropyLoss skips by default


def pad(
    sequences: Sequence, max_len: int | None = None, pad_id: int = PAD_ID, truncate: str = "right"
) -> torch.Tensor:
    """Stack id sequences into a LongTensor (batch, max_len), filling the end with ``pad_id``.

    ``max_len=None`` uses the longest sequence. A longer sequence is cut: ``truncate="right"``
    keeps its start, ``truncate="left"`` keeps its end.
    """
    check_not_empty("sequences", sequences, "pad 至少需要一个序列。")
    if max_len is not None:
        check_positive_int("max_len", max_len, "不截断请用 max_len=None。")
    check_choice("truncate", truncate, ("right", "left"))
    check_int("pad_id", pad_id)
    width = max(len(seq) for seq in sequences) if max_len is None else max_len
    batch = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    for row, seq in enumerate(sequences):
        kept = seq[:width] if truncate == "right" else seq[max(len(seq) - width, 0) :]
        batch[row, : len(kept)] = torch.as_tensor(kept, dtype=torch.long)
    return batch


def collate(
    batch: Sequence,
    pad_id: int = PAD_ID,
    max_len: int | None = None,
    label_pad_id: int = IGNORE_INDEX,
) -> tuple:
    """Collate for ``DataLoader(collate_fn=collate)``; change a default with functools.partial.

    Items are id sequences, or ``(ids, label)`` pairs. Returns ``(ids, lengths)`` or
    ``(ids, lengths, labels)``: ``ids`` a padded LongTensor (batch, time), ``lengths`` a
    LongTensor (batch,) for ``pack_padded_sequence``. A label that is a number gives a tensor
    (batch,); a label per token (a sequence) is padded with ``label_pad_id``, which
    ``CrossEntropyLoss`` ignores.
    """
    if len(batch) == 0:
        raise ValueError("collate 收到了空的批次；请检查 Dataset 的长度。")
    check_int("pad_id", pad_id)
    check_int("label_pad_id", label_pad_id, "默认的 -100 是交叉熵忽略的标签。")
    has_labels = isinstance(batch[0], tuple) and len(batch[0]) == 2 and _is_sequence(batch[0][0])
    sequences, labels = zip(*batch, strict=True) if has_labels else (batch, None)
    ids = pad(sequences, max_len, pad_id)
    lengths = torch.tensor([min(len(seq), ids.shape[1]) for seq in sequences], dtype=torch.long)
    if labels is None:
        return ids, lengths
    if _is_sequence(labels[0]):
        return ids, lengths, pad(labels, ids.shape[1], label_pad_id)
    return ids, lengths, torch.stack([torch.as_tensor(label) for label in labels])


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple)) or (isinstance(x, torch.Tensor) and x.dim() == 1)


def lm_collate(sequences: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets for next-token prediction, both (batch, time).

    inputs = sequence[:-1] padded with <pad>; targets = sequence[1:] padded with
    IGNORE_INDEX, which the cross-entropy loss skips.
    """
    if any(len(s) < 2 for s in sequences):
        raise ValueError("每个序列至少要有 2 个词元（例如 <bos> 和 <eos>），才能构成一个预测目标。")
    inputs = pad([s[:-1] for s in sequences], pad_id=PAD_ID)
    targets = pad([s[1:] for s in sequences], pad_id=IGNORE_INDEX)
    return inputs, targets


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


class BucketSampler(Sampler[list[int]]):
    """Batches of indices whose sequences have similar lengths, so little of a batch is padding.

    ``lengths[i]`` is the sort key of example i: a length, or a tuple such as (target
    length, source length). With ``shuffle`` (for training) the indices are shuffled,
    cut into pools of ``batch_size * pool_batches``, each pool is sorted by length and cut
    into batches, and the batches are shuffled. Without shuffle (for evaluation) all
    examples are sorted by length once.

    The order is a function of ``seed`` (plus ``seed_offset()``) and the epoch only, set by
    ``set_epoch`` (``seqbook.train.fit`` calls it before every epoch): iterating the
    sampler, for instance to peek at one batch, never changes the batches that follow.
    """

    def __init__(
        self,
        lengths: Sequence,
        batch_size: int,
        *,
        shuffle: bool = True,
        pool_batches: int = 50,
        seed: int = 0,
    ):
        check_positive_int("batch_size", batch_size)
        check_positive_int("pool_batches", pool_batches)
        check_bool("shuffle", shuffle)
        check_not_empty("lengths", lengths, "数据集里没有序列。")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.pool_size = batch_size * pool_batches
        self.shuffle = shuffle
        self.seed = offset_seed(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order the next iteration gives."""
        check_int_at_least("epoch", epoch, 0)
        self.epoch = epoch

    def _batches(self, indices: list[int]) -> list[list[int]]:
        ordered = sorted(indices, key=self.lengths.__getitem__)  # stable: ties keep their order
        return [ordered[i : i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]

    def __iter__(self):
        if not self.shuffle:
            yield from self._batches(list(range(len(self.lengths))))
            return
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        batches = []
        for start in range(0, len(order), self.pool_size):
            batches += self._batches(order[start : start + self.pool_size])
        for i in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[i]

    def __len__(self) -> int:
        if not self.shuffle:
            return math.ceil(len(self.lengths) / self.batch_size)
        full_pools, rest = divmod(len(self.lengths), self.pool_size)
        return full_pools * math.ceil(self.pool_size / self.batch_size) + math.ceil(rest / self.batch_size)


def make_loader(
    examples: Sequence,
    batch_size: int = 64,
    *,
    bucket: bool = False,
    seed: int = 0,
    collate_fn: Callable = collate,
    key: Callable | None = None,
) -> DataLoader:
    """A DataLoader over ``examples``: (token ids, label) or (token ids, tags) pairs by default.

    ``bucket=True`` (for training) groups examples of similar ``key(example)`` (default: the
    length of the token ids) with :class:`BucketSampler`, in an order set by ``seed`` and
    the epoch; ``bucket=False`` (for evaluation) keeps the given order. ``collate_fn``
    turns a list of examples into tensors (default :func:`collate`).
    """
    check_positive_int("batch_size", batch_size)
    check_not_empty("examples", examples, "没有样本可以分批。")
    check_bool("bucket", bucket)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    check_callable("collate_fn", collate_fn, "它把一组样本变成张量，默认是 seqbook.text.collate。")
    if key is not None:
        check_callable("key", key, "key(样本) 返回分桶用的长度；不传则用词元序列的长度。")
    empty = [i for i, example in enumerate(examples) if len(example[0]) == 0]
    if empty:
        raise ValueError(f"第 {empty[0]} 个样本的词元序列为空（共 {len(empty)} 个）；请先去掉空文本。")
    if bucket:
        key = key or (lambda example: len(example[0]))
        sampler = BucketSampler([key(example) for example in examples], batch_size, seed=seed)
        return DataLoader(list(examples), batch_sampler=sampler, collate_fn=collate_fn)
    return DataLoader(list(examples), batch_size=batch_size, shuffle=False, collate_fn=collate_fn)


class StreamBatch(NamedTuple):
    """One batch of windows cut from a long token stream (see :func:`stream_loader`).

    ``inputs`` and ``targets`` are (batch, num_steps); ``targets`` are ``inputs`` shifted by
    one token. ``starts`` (batch,) is the position in the stream of each row's first input
    token, so a loss can tell whether a batch continues the previous one.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    starts: torch.Tensor


class StreamSampler(Sampler[list[int]]):
    """Batches of window starts over a stream of ``num_tokens`` ids, for language models on long text.

    The stream is cut into windows of ``num_steps`` inputs (and targets one token later).
    ``sequential=True`` (sequential partitioning): the stream is split into ``batch_size``
    equal parts, and batch k holds the k-th window of every part, so row i of batch k+1
    continues row i of batch k exactly, and a model may carry its state from one batch to the
    next. ``sequential=False`` (random partitioning): the windows in random order (with
    ``shuffle``), ``batch_size`` at a time, no row continuing another.

    With ``shuffle`` (for training) the windows begin at a random offset in [0, num_steps),
    so the cuts move from epoch to epoch; the order is a function of ``seed`` (plus
    ``seed_offset()``) and the epoch only (``set_epoch``, which ``seqbook.train.fit`` calls).
    Without shuffle (for evaluation) the offset is 0 and the order fixed.
    """

    def __init__(
        self,
        num_tokens: int,
        batch_size: int,
        num_steps: int,
        *,
        sequential: bool = True,
        shuffle: bool = True,
        seed: int = 0,
    ):
        check_positive_int("num_tokens", num_tokens)
        check_positive_int("batch_size", batch_size)
        check_positive_int("num_steps", num_steps, "num_steps 是每个窗口的步数，例如 35。")
        check_bool("sequential", sequential)
        check_bool("shuffle", shuffle)
        check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
        if num_tokens - num_steps < batch_size * num_steps:  # 随机偏移最多占去 num_steps - 1 个词元
            raise ValueError(
                f"num_tokens={num_tokens} 个词元切不出 batch_size={batch_size} 行、每行至少一个 "
                f"num_steps={num_steps} 步的窗口；请减小 batch_size 或 num_steps。"
            )
        self.num_tokens, self.batch_size, self.num_steps = num_tokens, batch_size, num_steps
        self.sequential, self.shuffle = sequential, shuffle
        self.seed = offset_seed(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose offset and order the next iteration gives."""
        check_int_at_least("epoch", epoch, 0)
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        """Every batch of this epoch, as lists of window starts."""
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        offset = int(torch.randint(self.num_steps, (1,), generator=generator)) if self.shuffle else 0
        usable = self.num_tokens - 1 - offset  # 每个输入词元后面都要有一个目标词元
        if self.sequential:
            # 顺序分区：把词元流切成 batch_size 段，第 k 批取每段的第 k 个窗口
            part = usable // self.batch_size
            starts = [offset + row * part for row in range(self.batch_size)]
            return [[s + k * self.num_steps for s in starts] for k in range(part // self.num_steps)]
        # 随机分区：所有窗口打乱后每 batch_size 个一批，相邻批次互不衔接
        windows = [offset + j * self.num_steps for j in range(usable // self.num_steps)]
        if self.shuffle:
            windows = [windows[i] for i in torch.randperm(len(windows), generator=generator).tolist()]
        return [windows[i : i + self.batch_size] for i in range(0, len(windows), self.batch_size)]

    def __iter__(self):
        yield from self.batches()

    def __len__(self) -> int:
        return len(self.batches())


class _Windows(Dataset):
    """Window ``start`` of a stream: (inputs, targets, start)."""

    def __init__(self, ids: torch.Tensor, num_steps: int):
        self.ids, self.num_steps = ids, num_steps

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, start: int):
        window = self.ids[start : start + self.num_steps + 1]
        return window[:-1], window[1:], start


def _stream_collate(items) -> StreamBatch:
    inputs, targets, starts = zip(*items, strict=True)
    return StreamBatch(torch.stack(inputs), torch.stack(targets), torch.tensor(starts))


def stream_loader(
    ids: Sequence[int],
    batch_size: int,
    num_steps: int,
    *,
    sequential: bool = True,
    shuffle: bool = True,
    seed: int = 0,
) -> DataLoader:
    """A DataLoader of :class:`StreamBatch` (inputs, targets, starts) over one long id stream.

    The windows and their order come from :class:`StreamSampler`: ``sequential=True`` for
    sequential partitioning (row i of each batch continues row i of the batch before),
    ``sequential=False`` for random partitioning; ``shuffle=False`` for evaluation.
    """
    check_not_empty("ids", ids, "词元流为空。")
    stream = torch.as_tensor(ids, dtype=torch.long)
    if stream.dim() != 1:
        raise ValueError(f"ids 应是一维的词元 id 序列（一整段文本），实际形状为 {tuple(stream.shape)}。")
    sampler = StreamSampler(len(stream), batch_size, num_steps, sequential=sequential, shuffle=shuffle, seed=seed)
    return DataLoader(_Windows(stream, num_steps), batch_sampler=sampler, collate_fn=_stream_collate)
