"""The word lattice (DAG) of one sentence, with jieba's maximum-probability path highlighted.

Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from seqbook.checks import check_string

COLORS = {"arc": "#8c8c8c", "path": "#c0392b", "node": "#fde7c8", "edge": "#444444", "note": "#666666"}


def _levels(arcs) -> dict[tuple[int, int], int]:
    """A height level for every word of two or more characters: words that share a character get different levels."""
    placed: dict[tuple[int, int], int] = {}
    for arc in sorted((a for a in arcs if a.end - a.start > 1), key=lambda a: (a.start, a.start - a.end)):
        taken = {level for (s, e), level in placed.items() if s < arc.end and arc.start < e}
        placed[arc.start, arc.end] = min(set(range(len(taken) + 1)) - taken)
    return placed


def draw_word_lattice(lattice, ax=None, *, title: str = ""):
    """Draw a word lattice on ``ax`` (a new figure if None); returns the Axes.

    ``lattice`` is a ``seqbook.text.lattice.WordLattice``: nodes are the positions between
    characters, every candidate word is an arc labelled with its log-probability, single
    characters run along the base line, longer words arc above it, and the arcs of the
    maximum-probability path are drawn thick and red. Under each node is the best
    log-probability from there to the end of the sentence.
    """
    check_string("title", title, allow_empty=True)
    text, arcs, on_path = lattice.text, lattice.arcs, {(a.start, a.end) for a in lattice.path}
    levels = _levels(arcs)
    top = 0.75 + 0.55 * max(levels.values(), default=0)
    if ax is None:
        ax = plt.subplots(figsize=(1.6 + 1.45 * len(text), 2.6 + 0.5 * top))[1]
    for arc in arcs:
        best = (arc.start, arc.end) in on_path
        color, width = (COLORS["path"], 2.6) if best else (COLORS["arc"], 1.1)
        label = f"{arc.word}\n{arc.log_prob:.2f}"
        font = {"fontsize": 10, "color": COLORS["path"] if best else "black"}
        if arc.end - arc.start == 1:  # a single character: straight along the base line, label below
            ax.annotate("", xy=(arc.end - 0.13, 0), xytext=(arc.start + 0.13, 0),
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": width, "shrinkA": 0, "shrinkB": 0})
            ax.text((arc.start + arc.end) / 2, -0.16, label, ha="center", va="top", **font)
            continue
        height = 0.75 + 0.55 * levels[arc.start, arc.end]
        x = np.linspace(arc.start + 0.1, arc.end - 0.1, 60)
        y = height * (1 - ((2 * x - arc.start - arc.end) / (arc.end - arc.start)) ** 2)
        ax.plot(x[:-2], y[:-2], color=color, lw=width, solid_capstyle="round")
        ax.annotate("", xy=(x[-1], y[-1]), xytext=(x[-4], y[-4]),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": width, "shrinkA": 0, "shrinkB": 0})
        ax.text((arc.start + arc.end) / 2, height, label, ha="center", va="center",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}, **font)
    for position, best in enumerate(lattice.best):
        ax.plot(position, 0, "o", ms=11, color=COLORS["node"], markeredgecolor=COLORS["edge"], zorder=3)
        ax.text(position, 0, str(position), ha="center", va="center", fontsize=7, zorder=4)
        ax.text(position, -0.78, f"{best:.2f}", ha="center", va="top", fontsize=8, color=COLORS["note"])
    ax.text(-0.3, -0.78, "到句尾的最大对数概率：", ha="right", va="top", fontsize=8, color=COLORS["note"])
    handles = [Line2D([], [], color=COLORS["path"], lw=2.6, label=f"最大概率路径（对数概率 {lattice.best[0]:.2f}）"),
               Line2D([], [], color=COLORS["arc"], lw=1.1, label="其他候选词（弧上是 log P(词)）")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False, fontsize=9)
    ax.set_xlim(-2.6, len(text) + 0.4)
    ax.set_ylim(-1.05, top + 0.3)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
