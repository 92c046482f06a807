"""Labelled scatter plots (e.g. word vectors projected by PCA) whose labels do not overlap.

The labels are placed by adjustText (``adjust_text``); ``overlapping_texts`` measures what
a reader would see: which labels' bounding boxes still intersect after drawing.
Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render.
"""

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from adjustText import adjust_text
from matplotlib.backends.backend_agg import FigureCanvasAgg

from seqbook.checks import check_positive, check_strings

PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def overlapping_texts(texts) -> list[tuple[str, str]]:
    """The pairs of texts (by their strings) whose bounding boxes on the drawn figure intersect."""
    texts = [t for t in texts if t.get_text()]
    if not texts:
        return []
    figure = texts[0].figure
    canvas = figure.canvas
    if not hasattr(canvas, "get_renderer"):  # a figure that plt.show() closed keeps only a base canvas
        canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [(texts[i].get_text(), texts[j].get_text())
            for i in range(len(texts)) for j in range(i + 1, len(texts)) if boxes[i].overlaps(boxes[j])]


def plot_labelled_points(ax, points, labels: Sequence[str], kinds: Sequence[str],
                         colors: Mapping[str, str] | None = None, *, fontsize: float = 8):
    """Scatter ``points`` (N, 2) coloured by ``kinds`` and label each with ``labels``; returns the labels' Text objects.

    adjustText moves the labels apart and away from the points (spreading further while any two
    labels still overlap); a label moved away from its point gets a thin grey line to it. Lay out the figure first (``tight_layout``):
    the placement is computed for the axes as they are drawn. One legend entry per kind.
    """
    xy = (points.detach().cpu().numpy() if isinstance(points, torch.Tensor) else np.asarray(points)).astype(float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"points 的形状应为 (N, 2)，实际为 {xy.shape}；先用 PCA 等方法投影到二维。")
    check_strings("labels", labels, "每个点一个标签，例如 ['玄德', '孔明']。")
    check_strings("kinds", kinds, "每个点一个类别，例如 ['人名', '人名']。")
    if not len(labels) == len(kinds) == len(xy):
        raise ValueError(f"points、labels、kinds 的个数应相同，实际为 {len(xy)}、{len(labels)}、{len(kinds)}。")
    check_positive("fontsize", fontsize)
    order = list(dict.fromkeys(kinds))
    colors = dict(colors or {}) | {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(order) if k not in (colors or {})}
    for kind in order:
        mask = np.array([k == kind for k in kinds])
        ax.scatter(xy[mask, 0], xy[mask, 1], s=14, color=colors[kind], label=kind, zorder=3)
    texts = [ax.text(x, y, label, fontsize=fontsize, ha="center", va="center", zorder=4)
             for (x, y), label in zip(xy.tolist(), labels, strict=True)]
    ax.figure.canvas.draw()  # adjustText needs the final limits of the axes
    lines = []
    for expand in [(1.15, 1.4), (1.3, 1.6), (1.5, 1.9)]:  # spread further while any two labels still touch
        for line in lines:  # the lines to the points of the previous try
            line.remove()
        lines = adjust_text(texts, x=xy[:, 0], y=xy[:, 1], ax=ax, expand=expand, force_static=(0.2, 0.4),
                            ensure_inside_axes=True, arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.5})[1]
        if not overlapping_texts(texts):
            break
    return texts
