"""CTC's forward (alpha) table as a heatmap: states of the extended label sequence by frames.

Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render.
"""

import math

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle

from seqbook.checks import check_bool, check_string, check_tensor


def plot_ctc_alpha(log_alpha, states, ax=None, *, title: str = "", annotate: bool = True):
    """Draw a CTC forward table ``log_alpha`` (T, L) as a heatmap; returns the Axes.

    Rows are the L = 2S+1 states of the extended label sequence (``states`` names them, e.g.
    ``["-", "a", "-", "b", "-"]``), columns the T frames. The colour is log10 of alpha; a cell
    that no path reaches (alpha = 0) is grey. ``annotate`` writes alpha in each reachable cell.
    The two cells where a complete path may end (the last label and the final blank, at the
    last frame) are outlined.
    """
    check_tensor("log_alpha", log_alpha, dim=2, hint="log_alpha 是一个序列的 log α 表，形状 (T, 2S+1)。")
    check_string("title", title, allow_empty=True)
    check_bool("annotate", annotate)
    T, L = log_alpha.shape
    if len(states) != L:
        raise ValueError(
            f"states 应给出扩展标签序列的 {L} 个状态名（与 log_alpha 的第二维相同），实际有 {len(states)} 个。"
        )
    log10 = (log_alpha.detach().double().cpu() / math.log(10)).T  # (L, T)
    values = log10.masked_fill(torch.isneginf(log10), float("nan")).numpy()
    if ax is None:
        ax = plt.subplots(figsize=(1.6 + 0.85 * T, 0.8 + 0.5 * L))[1]
    cmap = plt.get_cmap("YlOrRd").with_extremes(bad="#e6e6e6")  # 走不到的格子（α = 0）画成灰色
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    if annotate:
        peak = torch.nan_to_num(log10, neginf=-math.inf).max().item()
        for s in range(L):
            for t in range(T):
                if math.isfinite(log10[s, t]):
                    dark = log10[s, t] > peak - 0.6
                    ax.text(t, s, f"{10 ** log10[s, t].item():.3f}", ha="center", va="center", fontsize=8,
                            color="white" if dark else "black")
    for s in (L - 1, L - 2) if L > 1 else (0,):
        ax.add_patch(Rectangle((T - 1.5, s - 0.5), 1, 1, fill=False, edgecolor="#1f4e79", linewidth=2.2))
    ax.set_xticks(range(T), [str(t + 1) for t in range(T)])
    ax.set_yticks(range(L), [f"{s}: {name}" for s, name in enumerate(states)])
    ax.set_xlabel("帧 t")
    ax.set_ylabel("扩展标签序列的位置 s")
    ax.tick_params(length=0)
    ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="log10 α")
    if title:
        ax.set_title(title)
    return ax
