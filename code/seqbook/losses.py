"""补齐的序列上的损失：每个真实词元算一次，填充位置从不计入。"""

import torch
import torch.nn.functional as F
from torch import Tensor

from seqbook.checks import check_int, check_probability, check_tensor
from seqbook.text import IGNORE_INDEX


def sequence_cross_entropy(
    logits: Tensor, targets: Tensor, *, ignore_index: int = IGNORE_INDEX, label_smoothing: float = 0.0
) -> tuple[Tensor, int]:
    """每个真实目标词元的平均交叉熵，以及真实词元的个数。

    ``logits`` 形状 (B, T, V)；``targets`` 形状 (B, T)，填充位置是 ``ignore_index``。损失在整批的真实词元上求和，
    再除以它们的个数：长句比短句分量重，正如把所有词元排成一个长列表。（先对每句求平均再对句子求平均，
    短句的词元分量会更重。）返回个数是为了让 ``seqbook.train.fit`` 在批次大小不同时也能精确地求平均。
    """
    _check_arguments(logits, targets, ignore_index, label_smoothing)
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            f"logits 应为 (batch, T, 词表大小)，targets 应为 (batch, T)；实际为 {tuple(logits.shape)} 和 "
            f"{tuple(targets.shape)}。请检查目标序列是否与解码器的输入错开了一位（tgt_in 与 tgt_out 等长）。"
        )
    count = int((targets != ignore_index).sum())  # 真实词元的个数
    if count == 0:
        raise ValueError(f"这一批没有真实的目标词元（全部等于 ignore_index={ignore_index}），平均损失没有定义。")
    total = F.cross_entropy(
        logits.flatten(0, 1).float(),
        targets.flatten(),
        ignore_index=ignore_index,
        reduction="sum",  # 先求和（填充位置不计），再除以真实词元数
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
