"""Heatmaps: attention weights of one output sequence over its source."""

import matplotlib.pyplot as plt
import torch


def plot_attention(weights, source_tokens, target_tokens, ax=None, *, title=None):
    """Draw attention weights (len(target_tokens), len(source_tokens)) as a heatmap; returns the Axes.

    Row i shows how the i-th output token spread its attention over the source tokens.
    Call ``seqbook.plot.use_chinese_font()`` first for Chinese labels.
    """
    weights = torch.as_tensor(weights).detach().float().cpu()
    expected = (len(target_tokens), len(source_tokens))
    if tuple(weights.shape) != expected:
        raise ValueError(
            f"权重的形状应为 (目标词元数, 源词元数) = {expected}，实际为 {tuple(weights.shape)}；"
            "请先截去填充位置，例如 weights[:len(target_tokens), :len(source_tokens)]。"
        )
    if ax is None:
        width = 1.2 + 0.38 * len(source_tokens)
        ax = plt.subplots(figsize=(width, 1.0 + 0.34 * len(target_tokens)))[1]
    image = ax.imshow(weights.numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), list(source_tokens), rotation=90 if len(source_tokens) > 14 else 0)
    ax.set_yticks(range(len(target_tokens)), list(target_tokens))
    ax.set_xlabel("源序列")
    ax.set_ylabel("输出序列")
    ax.tick_params(length=0)
    ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    if title:
        ax.set_title(title)
    return ax
