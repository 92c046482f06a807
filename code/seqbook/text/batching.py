"""从 id 序列到批次：填充、整理函数、按长度分桶的采样器与 ``make_loader``；
以及语言模型用的长词元流窗口（``stream_loader``）。"""

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

IGNORE_INDEX = -100  # torch.nn.CrossEntropyLoss 默认跳过的标签


def pad(
    sequences: Sequence, max_len: int | None = None, pad_id: int = PAD_ID, truncate: str = "right"
) -> torch.Tensor:
    """把 id 序列叠成 LongTensor (B, max_len)，末尾用 ``pad_id`` 填充。

    ``max_len=None`` 表示用最长序列的长度。更长的序列被截断：``truncate="right"`` 保留开头，
    ``truncate="left"`` 保留结尾。
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
    """用于 ``DataLoader(collate_fn=collate)`` 的整理函数；改默认值请用 functools.partial。

    每个样本是 id 序列，或 ``(ids, label)`` 对。返回 ``(ids, lengths)`` 或 ``(ids, lengths, labels)``：
    ``ids`` 是填充后的 LongTensor (B, T)，``lengths`` 是给 ``pack_padded_sequence`` 用的 (B,)。
    标签是一个数时得到 (B,) 的张量；每个词元一个标签（序列）时用 ``label_pad_id`` 填充，
    ``CrossEntropyLoss`` 会忽略它。
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
    """预测下一个词元的输入与目标，都是 (B, T)。

    inputs = sequence[:-1]，用 <pad> 填充；targets = sequence[1:]，用交叉熵跳过的
    IGNORE_INDEX 填充。
    """
    if any(len(s) < 2 for s in sequences):
        raise ValueError("每个序列至少要有 2 个词元（例如 <bos> 和 <eos>），才能构成一个预测目标。")
    inputs = pad([s[:-1] for s in sequences], pad_id=PAD_ID)
    targets = pad([s[1:] for s in sequences], pad_id=IGNORE_INDEX)
    return inputs, targets


def seq2seq_collate(batch: Sequence[tuple[Sequence[int], Sequence[int]]]):
    """把一批 (源 id, <bos> 目标 id <eos>) 整理成 (src, src_lengths, tgt_in, tgt_out)。

    src (B, S) 用 <pad> 填充；tgt_in = target[:-1]（以 <bos> 开头）用 <pad> 填充；
    tgt_out = target[1:]（以 <eos> 结尾）用损失跳过的 IGNORE_INDEX 填充。
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
    """按长度分桶：每批的序列长度相近，批内的填充就少。

    ``lengths[i]`` 是样本 i 的排序键：一个长度，或 (目标长度, 源长度) 这样的元组。``shuffle``
    时（训练用）先打乱下标，切成每 ``batch_size * pool_batches`` 个一池，每池按长度排序后切成
    批，再打乱各批的顺序。不 shuffle 时（评估用）所有样本按长度排序一次。

    顺序只取决于 ``seed``（加上 ``seed_offset()``）和轮次（``set_epoch`` 设定，
    ``seqbook.train.fit`` 每轮之前调用）：遍历采样器（例如看一眼某一批）不会改变之后的批次。
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
        """设定轮次：下一次遍历给出这一轮的顺序。"""
        check_int_at_least("epoch", epoch, 0)
        self.epoch = epoch

    def _batches(self, indices: list[int]) -> list[list[int]]:
        ordered = sorted(indices, key=self.lengths.__getitem__)  # 稳定排序：长度相同的保持原顺序
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
    """``examples`` 上的 DataLoader；默认每个样本是 (词元 id, 标签) 或 (词元 id, 标注) 对。

    ``bucket=True``（训练用）用 :class:`BucketSampler` 把 ``key(样本)``（默认是词元 id 的长度）
    相近的样本放进同一批，顺序由 ``seed`` 和轮次决定；``bucket=False``（评估用）保持给定的顺序。
    ``collate_fn`` 把一组样本变成张量（默认 :func:`collate`）。
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
    """从一长串词元流中切出的一批窗口（见 :func:`stream_loader`）。

    ``inputs`` 与 ``targets`` 都是 (B, num_steps)，``targets`` 是 ``inputs`` 后移一个词元。
    ``starts`` (B,) 是每行第一个输入词元在流中的位置，损失据此判断这一批是否接着上一批。
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    starts: torch.Tensor


class StreamSampler(Sampler[list[int]]):
    """长文本语言模型用的采样器：在 ``num_tokens`` 个 id 的词元流上，每批给出各窗口的起点。

    词元流被切成 ``num_steps`` 个输入一个的窗口（目标晚一个词元）。``sequential=True``（顺序分区）：
    把流等分成 ``batch_size`` 段，第 k 批取每段的第 k 个窗口，所以第 k+1 批的第 i 行恰好接着
    第 k 批的第 i 行，模型可以把状态带到下一批。``sequential=False``（随机分区）：窗口按随机
    顺序（``shuffle`` 时）每 ``batch_size`` 个一批，行与行互不衔接。

    ``shuffle`` 时（训练用）窗口从 [0, num_steps) 中的一个随机偏移开始，切点每轮都在移动；顺序
    只取决于 ``seed``（加上 ``seed_offset()``）和轮次（``set_epoch``，``seqbook.train.fit`` 会调用）。
    不 shuffle 时（评估用）偏移为 0，顺序固定。
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
        """设定轮次：下一次遍历给出这一轮的偏移与顺序。"""
        check_int_at_least("epoch", epoch, 0)
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        """这一轮的所有批次，每批是各窗口起点的列表。

        shuffle 时从 [0, num_steps) 中的一个随机偏移开始切。
        """
        generator = torch.Generator().manual_seed(self.seed + self.epoch)  # 只由种子和轮次决定
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
    """词元流中从 ``start`` 开始的窗口：(inputs, targets, start)。"""

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
    """在一长串 id 上给出 :class:`StreamBatch`（inputs, targets, starts）的 DataLoader。

    窗口及其顺序来自 :class:`StreamSampler`：``sequential=True`` 为顺序分区（每批的第 i 行接着
    上一批的第 i 行），``sequential=False`` 为随机分区；评估时用 ``shuffle=False``。
    """
    check_not_empty("ids", ids, "词元流为空。")
    stream = torch.as_tensor(ids, dtype=torch.long)
    if stream.dim() != 1:
        raise ValueError(f"ids 应是一维的词元 id 序列（一整段文本），实际形状为 {tuple(stream.shape)}。")
    sampler = StreamSampler(len(stream), batch_size, num_steps, sequential=sequential, shuffle=shuffle, seed=seed)
    return DataLoader(_Windows(stream, num_steps), batch_sampler=sampler, collate_fn=_stream_collate)
