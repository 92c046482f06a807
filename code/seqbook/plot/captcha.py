"""第 8 章的图：验证码样例（``plot_captchas``）和 CTC 每一帧的最佳路径画在图像上（``plot_ctc_frames``）。

先调用 ``seqbook.plot.use_chinese_font()``，中文标签才能显示。
"""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from seqbook.checks import check_int_at_least, check_positive_int, check_strings


def _as_image(image) -> np.ndarray:
    array = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    array = array.squeeze()
    if array.ndim != 2:
        raise ValueError(f"image 应为一张灰度图 (H, W) 或 (1, H, W)，实际形状为 {tuple(array.shape)}。")
    return array


def plot_captchas(images, labels: Sequence[str], *, predictions: Sequence[str] | None = None, columns: int = 4):
    """把几张验证码排成网格，每张下面写标签（给了 ``predictions`` 时写 "标签 → 读出"，读错的标红）。

    ``images``：(N, 1, H, W) 或 (N, H, W) 的 uint8 图像；返回 Figure。
    """
    check_strings("labels", labels, "例如 ['A3K9', '7QZ2']。")
    check_positive_int("columns", columns, "每行放几张图，例如 columns=4。")
    if len(images) != len(labels) or not labels:
        raise ValueError(f"images（{len(images)} 张）和 labels（{len(labels)} 个）应一样多，且不为空。")
    if predictions is not None:
        check_strings("predictions", predictions)
        if len(predictions) != len(labels):
            raise ValueError(f"predictions 应有 {len(labels)} 个，实际为 {len(predictions)} 个。")
    rows = -(-len(labels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns, 1.35 * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= len(labels):
            continue
        ax.imshow(_as_image(images[index]), cmap="gray", vmin=0, vmax=255)
        text, color = labels[index], "black"
        if predictions is not None:
            wrong = predictions[index].upper() != labels[index].upper()
            text, color = f"{labels[index]} → {predictions[index] or '∅'}", "#c0392b" if wrong else "#2e7d32"
        ax.set_title(text, fontsize=10, color=color, pad=2)
    fig.tight_layout()
    return fig


def plot_ctc_frames(image, log_probs, alphabet: str, *, blank: int = 0, label: str | None = None):
    """CTC 的逐帧输出画在图像上：上面是验证码和每一帧的最佳类别（空白符画成 "-"，合并前），
    下面是每一帧最可能的字符的概率（空白符灰色）。

    ``log_probs``：一张图的 (T, C) 对数概率（C = len(alphabet) + 1，类别 0 是空白符，类别 k 是
    ``alphabet[k - 1]``）；每一帧对应图像宽度的 W / T 个像素。返回 Figure。
    """
    array = _as_image(image)
    if not isinstance(alphabet, str) or not alphabet:
        raise TypeError(f"alphabet 应为非空字符串（类别 1, 2, ... 的字符），实际为 {alphabet!r}。")
    log_probs = torch.as_tensor(log_probs).detach().cpu().float()
    if log_probs.dim() != 2 or log_probs.shape[1] != len(alphabet) + 1:
        raise ValueError(
            f"log_probs 应为一张图的 (T, C) 对数概率，C = len(alphabet) + 1 = {len(alphabet) + 1}，"
            f"实际形状为 {tuple(log_probs.shape)}。批次输出 (T, B, C) 请取 log_probs[:, i]。"
        )
    check_int_at_least("blank", blank, 0)
    probs, best = log_probs.exp().max(-1)
    frames = log_probs.shape[0]
    width = array.shape[1]
    step = width / frames
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 3.6), height_ratios=(2.2, 1), sharex=True)
    top.imshow(array, cmap="gray", vmin=0, vmax=255, extent=(0, width, array.shape[0], 0), aspect="auto")
    for t, (k, p) in enumerate(zip(best.tolist(), probs.tolist(), strict=True)):
        x = (t + 0.5) * step
        if t:
            top.axvline(t * step, color="#2b6ca3", lw=0.4, alpha=0.5)
        symbol = "-" if k == blank else alphabet[k - 1 if k > blank else k]
        top.text(x, -1.5, symbol, ha="center", va="bottom", fontsize=9 if k == blank else 11,
                 color="#888888" if k == blank else "#c0392b")
        bottom.bar(x, p, width=step * 0.8, color="#bbbbbb" if k == blank else "#c0392b")
    top.set_yticks([])
    top.set_ylim(array.shape[0], -7)
    if label is not None:
        top.set_title(f"标签 {label}：每一帧的最佳类别（“-” 是空白符）", fontsize=11, pad=4)
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("概率")
    bottom.set_xlabel(f"图像的列（像素）：每帧 {step:g} 像素宽，共 {frames} 帧")
    bottom.set_xlim(0, width)
    fig.tight_layout()
    return fig
