"""Diagrams drawn with matplotlib: unrolled recurrent networks and the five RNN types.

Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render.
"""

from collections.abc import Iterable

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from seqbook.checks import check_bool, check_positive_int, check_string

COLORS = {"x": "#dbe9f6", "h": "#fde7c8", "y": "#d9f0d3", "edge": "#444444", "grad": "#c0392b"}
ROWS = {"x": 0.0, "h": 1.0, "y": 2.0}  # vertical position of inputs, hidden states, outputs

# The five ways of connecting inputs and outputs: (title, example, steps, input steps, output steps)
RNN_TYPES = [
    ("一对一", "普通前馈网络", 1, [0], [0]),
    ("一对多", "按题目作诗", 3, [0], [0, 1, 2]),
    ("多对一", "情感分类", 3, [0, 1, 2], [2]),
    ("多对多", "机器翻译", 5, [0, 1, 2], [3, 4]),
    ("同步多对多", "分词、语言模型", 3, [0, 1, 2], [0, 1, 2]),
]


def _box(ax, x: float, row: str, text: str, color: str | None = None) -> None:
    """A rounded box centred at (x, ROWS[row]) with a label."""
    y = ROWS[row]
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.3, y - 0.22), 0.6, 0.44, boxstyle="round,pad=0.02",
            facecolor=color or COLORS[row], edgecolor=COLORS["edge"], linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], **style) -> None:
    props = {"arrowstyle": "-|>", "color": COLORS["edge"], "lw": 1.2, "shrinkA": 0, "shrinkB": 0}
    ax.annotate("", xy=end, xytext=start, arrowprops=props | style)


def draw_unrolled(
    ax,
    steps: int,
    inputs: Iterable[int],
    outputs: Iterable[int],
    title: str = "",
    note: str = "",
    backward: bool = False,
) -> None:
    """Draw an RNN unrolled over ``steps`` time steps on ``ax``.

    ``inputs`` and ``outputs`` are the steps (0-based) that read an x_t or emit a y_t.
    With ``backward=True`` red dashed arrows show the gradient flowing from the last
    output back through the hidden states (backpropagation through time).
    """
    check_positive_int("steps", steps, "steps 是展开的时间步数。")
    check_bool("backward", backward)
    check_string("title", title, allow_empty=True)
    check_string("note", note, allow_empty=True)
    inputs, outputs = set(inputs), set(outputs)
    for t in range(steps):
        _box(ax, t, "h", f"$h_{{{t + 1}}}$")
        if t in inputs:
            _box(ax, t, "x", f"$x_{{{t + 1}}}$")
            _arrow(ax, (t, ROWS["x"] + 0.22), (t, ROWS["h"] - 0.22))
        if t in outputs:
            _box(ax, t, "y", f"$y_{{{t + 1}}}$")
            _arrow(ax, (t, ROWS["h"] + 0.22), (t, ROWS["y"] - 0.22))
        if t > 0:
            _arrow(ax, (t - 0.7, ROWS["h"]), (t - 0.3, ROWS["h"]))
        if backward and t > 0:
            _arrow(
                ax, (t - 0.3, ROWS["h"] - 0.32), (t - 0.7, ROWS["h"] - 0.32),
                color=COLORS["grad"], linestyle="--",
            )
    ax.set_xlim(-0.6, max(steps, 3) - 0.4)
    ax.set_ylim(-0.5, 2.9)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.text((steps - 1) / 2, 2.65, title, ha="center", va="center", fontsize=12)
    if note:
        ax.text((steps - 1) / 2, -0.45, note, ha="center", va="center", fontsize=10, color="#555555")


def draw_rnn_types():
    """The five RNN types side by side, each with an example task; returns the Figure."""
    widths = [max(steps, 2) for _, _, steps, _, _ in RNN_TYPES]
    fig, axes = plt.subplots(
        1, len(RNN_TYPES), figsize=(13, 3.2), gridspec_kw={"width_ratios": widths}
    )
    for ax, (title, example, steps, ins, outs) in zip(axes, RNN_TYPES, strict=True):
        draw_unrolled(ax, steps, ins, outs, title=title, note=f"例：{example}")
        ax.set_xlim(-0.6, max(steps, 2) - 0.4)
    fig.tight_layout()
    return fig
