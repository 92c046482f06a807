"""第 8 章的验证码识别配方：卷积网络提取每一列的特征，循环网络沿列读下去。

两种读法共用同一个卷积部分（``ConvColumns``）：
- ``HeadsReader``：笔记里的做法。GRU 读完所有列，最后的隐藏状态接 ``num_positions`` 个 softmax
  头，第 k 个头猜第 k 个字符。头的个数是固定的，所以它只能读固定长度的字符串。
- ``CTCReader``：CNN + 双向 GRU，每一列（帧）输出 37 类（0 是空白符，1-36 是字符）的对数概率，
  用 CTC 损失训练、贪心（最佳路径）解码，长度不必固定。

``train_reader`` 训练两者（AdamW + OneCycle 学习率），``evaluate_reader`` 给出整串准确率、
按字符的准确率和混淆计数。
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqbook.checks import (
    check_int_at_least,
    check_module,
    check_number,
    check_positive,
    check_positive_int,
    check_strings,
)
from seqbook.ctc import greedy_decode
from seqbook.data.captcha import CAPTCHA_ALPHABET
from seqbook.runtime import device as best_device
from seqbook.runtime import offset_seed, set_seed

NUM_CLASSES = len(CAPTCHA_ALPHABET)  # 36
BLANK = 0  # CTC 的空白符；字符 c 的类别是 CAPTCHA_ALPHABET.index(c) + 1


class ConvColumns(nn.Module):
    """四个卷积块（3×3 卷积 -> 批归一化 -> LeakyReLU -> 最大池化），把 (B, 1, H, W) 的 uint8 图像
    变成 (B, T, D) 的列特征：T = W / 4 列，每列 D = 最后的通道数 × H / 16。

    前两次池化把高和宽都减半，后两次只减半高度，所以每一帧对应原图 4 个像素宽的一列。
    卷积用 channels_last 的内存布局：在 CPU 上快一半以上，结果不变。
    """

    def __init__(self, height: int = 32, channels: Sequence[int] = (16, 32, 64, 64)):
        super().__init__()
        check_positive_int("height", height)
        if height % 16:
            raise ValueError(f"height 应能被 16 整除（四次池化各把高度减半），实际为 {height}。例如 height=32。")
        if isinstance(channels, str) or not isinstance(channels, Sequence) or len(channels) != 4:
            raise ValueError(f"channels 应为四个卷积层的通道数，实际为 {channels!r}。例如 (16, 32, 64, 64)。")
        for index, c in enumerate(channels):
            check_positive_int(f"channels[{index}]", c)
        layers, c_in = [], 1
        for c_out, pool in zip(channels, ((2, 2), (2, 2), (2, 1), (2, 1)), strict=True):
            layers += [
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.LeakyReLU(0.1),
                nn.MaxPool2d(pool),
            ]
            c_in = c_out
        self.net = nn.Sequential(*layers).to(memory_format=torch.channels_last)
        self.output_size = channels[-1] * (height // 16)

    def forward(self, images: Tensor) -> Tensor:
        x = 1.0 - images.float() / 255.0  # 墨迹为正，背景接近 0
        features = self.net(x.contiguous(memory_format=torch.channels_last))  # (B, C, H/16, W/4)
        b, c, h, w = features.shape
        return features.reshape(b, c * h, w).transpose(1, 2)  # (B, T=W/4, D)


class HeadsReader(nn.Module):
    """笔记里的模型：卷积特征 -> GRU 读所有列 -> 最后的隐藏状态 -> ``num_positions`` 个 36 类的头。

    输出 (B, num_positions, 36) 的 logits：第 k 行是第 k 个字符的分数。
    """

    def __init__(self, height: int = 32, *, num_positions: int = 4, hidden_size: int = 128,
                 channels: Sequence[int] = (16, 32, 64, 64)):
        super().__init__()
        check_positive_int("num_positions", num_positions, "它是要读的字符个数，笔记里是 4。")
        check_positive_int("hidden_size", hidden_size)
        self.conv = ConvColumns(height, channels)
        self.rnn = nn.GRU(self.conv.output_size, hidden_size, batch_first=True)
        self.heads = nn.Linear(hidden_size, num_positions * NUM_CLASSES)
        self.num_positions = num_positions

    def forward(self, images: Tensor) -> Tensor:
        _, h_n = self.rnn(self.conv(images))  # h_n: (1, B, H)
        return self.heads(h_n[-1]).view(-1, self.num_positions, NUM_CLASSES)


class CTCReader(nn.Module):
    """CNN + 双向 GRU + CTC：每一帧输出 37 类（0 = 空白符）的对数概率，形状 (T, B, 37)，
    正是 ``F.ctc_loss`` 和 ``seqbook.ctc.greedy_decode`` 要的 (T, N, C)。"""

    def __init__(self, height: int = 32, *, hidden_size: int = 96, channels: Sequence[int] = (16, 32, 64, 64)):
        super().__init__()
        check_positive_int("hidden_size", hidden_size)
        self.conv = ConvColumns(height, channels)
        self.rnn = nn.GRU(self.conv.output_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, NUM_CLASSES + 1)

    def forward(self, images: Tensor) -> Tensor:
        outputs, _ = self.rnn(self.conv(images))  # (B, T, 2H)
        return self.out(outputs).log_softmax(-1).transpose(0, 1)  # (T, B, 37)


def encode_labels(labels: Sequence[str]) -> list[list[int]]:
    """字符串 -> 字符的类别 0-35（大小写不分）：encode_labels(["A1"]) == [[10, 1]]。"""
    check_strings("labels", labels, "例如 ['A3K9', '7QZ2']。")
    try:
        return [[CAPTCHA_ALPHABET.index(c) for c in text.upper()] for text in labels]
    except ValueError:
        bad = next(t for t in labels if any(c not in CAPTCHA_ALPHABET for c in t.upper()))
        raise ValueError(f"labels 里的 {bad!r} 含有数字和英文字母以外的字符。") from None


def decode_labels(ids: Sequence[Sequence[int]]) -> list[str]:
    """类别 0-35 -> 字符串：decode_labels([[10, 1]]) == ["A1"]。"""
    return ["".join(CAPTCHA_ALPHABET[i] for i in row) for row in ids]


def _is_ctc(model: nn.Module) -> bool:
    return isinstance(model, CTCReader)


def _batch_loss(model: nn.Module, images: Tensor, targets: list[list[int]]) -> Tensor:
    if _is_ctc(model):
        log_probs = model(images)  # (T, B, 37)
        if log_probs.device.type == "mps":  # MPS 没有 CTC 损失：在 CPU 上算，梯度照样传回去
            log_probs = log_probs.cpu()
        flat = torch.tensor([c + 1 for row in targets for c in row], device=log_probs.device)
        target_lengths = torch.tensor([len(row) for row in targets], device=log_probs.device)
        input_lengths = torch.full((images.shape[0],), log_probs.shape[0], dtype=torch.long, device=log_probs.device)
        return F.ctc_loss(log_probs, flat, input_lengths, target_lengths, blank=BLANK, zero_infinity=True)
    logits = model(images)  # (B, K, 36)
    return F.cross_entropy(logits.flatten(0, 1), torch.tensor(targets, device=images.device).flatten())


def train_reader(
    model: nn.Module,
    images: Tensor,
    labels: Sequence[str],
    *,
    epochs: int = 6,
    batch_size: int = 64,
    lr: float = 3e-3,
    weight_decay: float = 1e-2,
    seed: int = 0,
    device=None,
    progress: bool = False,
) -> list[dict[str, float]]:
    """训练 ``HeadsReader`` 或 ``CTCReader``：AdamW，OneCycle 学习率（峰值 ``lr``），梯度范数裁剪到 5。

    ``HeadsReader`` 用每个位置的交叉熵（所以每个标签都必须恰好 ``num_positions`` 个字符），
    ``CTCReader`` 用 ``F.ctc_loss``（空白符为 0，字符 c 的类别是 CAPTCHA_ALPHABET.index(c) + 1）。
    每轮打乱一次（种子 ``seed``，随 SEQBOOK_SEED_OFFSET 变）。``device`` 默认 ``seqbook.device()``。返回每轮一条记录：
    {"epoch", "train_loss", "seconds"}。
    """
    check_module("model", model)
    targets = _checked_targets(model, images, labels)
    check_positive_int("epochs", epochs, "例如 epochs=6。")
    check_positive_int("batch_size", batch_size, "例如 batch_size=64。")
    check_positive("lr", lr, "lr 是 OneCycle 的峰值学习率，例如 lr=3e-3。")
    check_number("weight_decay", weight_decay, low=0, hint="例如 weight_decay=1e-2；不用时为 0。")
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    dev = torch.device(device) if device is not None else best_device()
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model.to(dev)
    steps_per_epoch = -(-len(labels) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        start, total = time.perf_counter(), 0.0
        order = torch.randperm(len(labels), generator=generator)
        for first in range(0, len(labels), batch_size):
            index = order[first : first + batch_size]
            batch = images[index].to(dev)
            loss = _batch_loss(model, batch, [targets[i] for i in index.tolist()])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(index)
        record = {"epoch": epoch, "train_loss": total / len(labels), "seconds": time.perf_counter() - start}
        history.append(record)
        if progress:
            print(f"第 {epoch}/{epochs} 轮  train_loss {record['train_loss']:.4f}  {record['seconds']:.1f} 秒", flush=True)
    return history


def _checked_targets(model, images, labels) -> list[list[int]]:
    if not isinstance(images, Tensor) or images.dim() != 4 or images.shape[1] != 1:
        shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"images 应为 (N, 1, H, W) 的张量（load_captchas 给出的 uint8 图像），实际为 {shape}。")
    targets = encode_labels(labels)
    if len(targets) != images.shape[0]:
        raise ValueError(f"labels 有 {len(targets)} 个，images 有 {images.shape[0]} 张：两者应一一对应。")
    if isinstance(model, HeadsReader):
        wrong = next((t for t, row in zip(labels, targets, strict=True) if len(row) != model.num_positions), None)
        if wrong is not None:
            raise ValueError(
                f"HeadsReader 有 {model.num_positions} 个头，只能读恰好 {model.num_positions} 个字符的串，"
                f"labels 里却有 {wrong!r}（{len(wrong)} 个字符）。变长的串请用 CTCReader。"
            )
    return targets


@torch.no_grad()
def predict(model: nn.Module, images: Tensor, *, batch_size: int = 500) -> list[str]:
    """读出每张图上的字符串（大写）。``CTCReader`` 用贪心（最佳路径）解码：每帧取最可能的类别，
    合并相邻的重复，再去掉空白符；``HeadsReader`` 每个头取最可能的字符。"""
    check_module("model", model)
    check_positive_int("batch_size", batch_size)
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    read: list[str] = []
    try:
        for first in range(0, images.shape[0], batch_size):
            batch = images[first : first + batch_size].to(dev)
            if _is_ctc(model):
                log_probs = model(batch).cpu()
                lengths = torch.full((batch.shape[0],), log_probs.shape[0], dtype=torch.long)
                paths = greedy_decode(log_probs, lengths, blank=BLANK)
                read += decode_labels([[c - 1 for c in path] for path in paths])
            else:
                read += decode_labels(model(batch).argmax(-1).tolist())
    finally:
        model.train(was_training)
    return read


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein 距离：把 ``a`` 变成 ``b`` 至少要几次插入、删除或替换（每次代价 1）。"""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@dataclass
class ReaderScores:
    """读验证码的成绩。

    - ``string_accuracy``：整串读对（长度和每个字符都对）的比例。
    - ``char_accuracy``：按字符的准确率 = 1 - (编辑距离之和) / (真实字符总数)，下限截到 0。
      长度相同、只有替换错误时，它就是逐位置比较的准确率；多读或漏读一个字符各算一个错误。
    - ``confusions``：长度读对的串里，逐位置比较的 (真字符, 读成的字符) 计数，只记错的。
    - ``length_errors``：读出的长度不对的串数。
    """

    string_accuracy: float
    char_accuracy: float
    confusions: Counter = field(default_factory=Counter)
    length_errors: int = 0


def score_strings(predicted: Sequence[str], labels: Sequence[str]) -> ReaderScores:
    """比较读出的串和真实的串（大小写不分），给出 ``ReaderScores``。"""
    check_strings("predicted", predicted)
    check_strings("labels", labels)
    if len(predicted) != len(labels) or not labels:
        raise ValueError(f"predicted（{len(predicted)} 个）和 labels（{len(labels)} 个）应一样多，且不为空。")
    exact, errors, chars, confusions, length_errors = 0, 0, 0, Counter(), 0
    for got, truth in zip(predicted, labels, strict=True):
        got, truth = got.upper(), truth.upper()
        exact += got == truth
        errors += edit_distance(got, truth)
        chars += len(truth)
        if len(got) == len(truth):
            confusions.update((t, g) for t, g in zip(truth, got, strict=True) if t != g)
        else:
            length_errors += 1
    return ReaderScores(exact / len(labels), max(0.0, 1 - errors / chars), confusions, length_errors)


def evaluate_reader(model: nn.Module, images: Tensor, labels: Sequence[str]) -> ReaderScores:
    """``predict`` 之后 ``score_strings``：整串准确率、按字符的准确率、混淆计数。"""
    check_strings("labels", labels)
    return score_strings(predict(model, images), labels)
