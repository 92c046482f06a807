"""Figures of chapter 9's self-attention page: weight matrices side by side, positional encodings.

Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render.
"""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from seqbook.checks import check_int_at_least, check_strings


def plot_attention_matrices(weights: Sequence, titles: Sequence[str], tokens: Sequence[str], *, annotate: bool = True):
    """Draw several self-attention weight matrices (T, T) side by side; returns the list of Axes.

    Row i is query i (position i), column j is key j; each row sums to 1 (or is all 0).
    With ``annotate`` every cell shows its weight to two decimals (use it for T <= 8).
    """
    check_strings("titles", titles)
    check_strings("tokens", tokens)
    matrices = [torch.as_tensor(w).detach().double().cpu() for w in weights]
    if len(matrices) != len(titles) or not matrices:
        raise ValueError(f"weights 与 titles 应一一对应且不为空，实际有 {len(matrices)} 个矩阵、{len(titles)} 个标题。")
    T = len(tokens)
    for i, w in enumerate(matrices):
        if tuple(w.shape) != (T, T):
            raise ValueError(
                f"第 {i} 个权重矩阵的形状应为 (T, T) = {(T, T)}（T = len(tokens)），实际为 {tuple(w.shape)}；"
                "多头时请先取一个头或各头的平均。"
            )
    size = 0.9 + 0.42 * T
    fig, axes = plt.subplots(1, len(matrices), figsize=(size * len(matrices) + 0.6, size + 0.5), squeeze=False)
    axes = list(axes[0])
    for ax, w, title in zip(axes, matrices, titles, strict=True):
        ax.imshow(w.numpy(), cmap="Blues", vmin=0, vmax=1)
        if annotate:
            for i in range(T):
                for j in range(T):
                    value = float(w[i, j])
                    ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if value > 0.6 else "black")
        ax.set_xticks(range(T), list(tokens))
        ax.set_yticks(range(T), list(tokens))
        ax.tick_params(length=0)
        ax.set_xlabel("键（被看的位置）")
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("查询（位置）")
    fig.tight_layout()
    return axes


def plot_positional_encoding(pe, *, columns: Sequence[int] = (2, 3, 8, 14), title: str | None = None):
    """Draw a positional encoding (length, dim): a heatmap and a few of its columns as curves.

    Returns ``(heatmap_axes, curves_axes)``. Even columns are sines, odd ones cosines; the
    higher the column, the lower the frequency.
    """
    pe = torch.as_tensor(pe).detach().double().cpu()
    if pe.dim() != 2:
        raise ValueError(f"pe 的形状应为 (length, dim)，实际为 {tuple(pe.shape)}；例如 sinusoidal_positions(64, 32)。")
    length, dim = pe.shape
    columns = list(columns)
    for c in columns:
        check_int_at_least("columns", c, 0, f"columns 是要画成曲线的列号，应在 0 到 {dim - 1} 之间。")
        if c >= dim:
            raise ValueError(f"columns 中的 {c} 超出了维数 dim={dim}：列号应在 0 到 {dim - 1} 之间。")
    fig, (heat, curves) = plt.subplots(1, 2, figsize=(10.5, 3.6), gridspec_kw={"width_ratios": [1.1, 1]})
    image = heat.imshow(pe.T.numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    heat.set_xlabel("位置 pos")
    heat.set_ylabel("维度（列号）")
    heat.set_title("每个位置一列：PE(pos, ·)", fontsize=10)
    fig.colorbar(image, ax=heat, fraction=0.05, pad=0.02)
    for c in columns:
        kind = "sin" if c % 2 == 0 else "cos"
        curves.plot(range(length), pe[:, c].numpy(), label=f"第 {c} 列（{kind}）", linewidth=1.4)
    curves.set_xlabel("位置 pos")
    curves.set_ylabel("编码的值")
    curves.set_yticks([-1, -0.5, 0, 0.5, 1])
    curves.set_ylim(-1.15, 1.95)  # 上方留出图例的位置
    curves.set_title("几列的曲线：列号越大，频率越低", fontsize=10)
    curves.legend(loc="upper center", ncol=2, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return heat, curves
