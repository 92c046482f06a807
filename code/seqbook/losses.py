"""Losses over padded sequences: every real token counts once, padding never counts."""

import torch
import torch.nn.functional as F
from torch import Tensor

from seqbook.checks import check_int, check_probability, check_tensor
from seqbook.text import IGNORE_INDEX


def sequence_cross_entropy(
    logits: Tensor, targets: Tensor, *, ignore_index: int = IGNORE_INDEX, label_smoothing: float = 0.0
) -> tuple[Tensor, int]:
    """The mean cross-entropy per real target token, and the number of real tokens.

    ``logits`` (N, T, V); ``targets`` (N, T), ``ignore_index`` at padded positions. The loss
    is summed over the real tokens of the whole batch and divided by their number: a long
    sentence weighs more than a short one, exactly as if all tokens were in one long list.
    (The mean of per-sentence means would weigh a short sentence's tokens more.) Returning
    the count lets ``seqbook.train.fit`` average exactly over batches of different sizes.
    """
    _check_arguments(logits, targets, ignore_index, label_smoothing)
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            f"logits 应为 (batch, T, 词表大小)，targets 应为 (batch, T)；实际为 {tuple(logits.shape)} 和 "
            f"{tuple(targets.shape)}。请检查目标序列是否与解码器的输入错开了一位（tgt_in 与 tgt_out 等长）。"
        )
    count = int((targets != ignore_index).sum())
    if count == 0:
        raise ValueError(f"这一批没有真实的目标词元（全部等于 ignore_index={ignore_index}），平均损失没有定义。")
    total = F.cross_entropy(
        logits.flatten(0, 1).float(),
        targets.flatten(),
        ignore_index=ignore_index,
        reduction="sum",
        label_smoothing=label_smoothing,
    )
    return total / count, count


def _check_arguments(logits, targets, ignore_index, label_smoothing) -> None:
    check_tensor("logits", logits)
    check_tensor("targets", targets)
    check_int("ignore_index", ignore_index, "默认的 -100 表示填充位置。")
    check_probability("label_smoothing", label_smoothing, "常用 0.1；不平滑用 0。")
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise TypeError(
            f"targets 应为词元 id 的整数张量（torch.long），实际的数据类型是 {targets.dtype}；"
            "请用 targets.long()，或检查是否把 logits 和 targets 传反了。"
        )
