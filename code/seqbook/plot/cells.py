"""Diagrams of one LSTM cell and one GRU cell, drawn with matplotlib."""

import matplotlib.pyplot as plt

from seqbook.checks import check_bool

_GATE_STYLE = {"boxstyle": "round,pad=0.35", "facecolor": "#fde9c9", "edgecolor": "#b5651d"}
_OP_STYLE = {"boxstyle": "circle,pad=0.25", "facecolor": "#dbe9f6", "edgecolor": "#2b6ca3"}


def _node(ax, xy, text, style, size=11):
    ax.text(*xy, text, ha="center", va="center", fontsize=size, bbox=style, zorder=3)


def _arrow(ax, start, end, color="0.25", **kwargs):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4, "shrinkA": 9, "shrinkB": 11, **kwargs})


def _line(ax, points, color="0.25", lw=1.4):
    xs, ys = zip(*points, strict=True)
    ax.plot(xs, ys, color=color, lw=lw, zorder=1, solid_capstyle="round")


def _dot(ax, xy, color="0.25"):
    """A junction: the line through it branches here."""
    ax.plot(*xy, marker="o", markersize=4, color=color, zorder=2)


def _frame(ax, width, height):
    ax.set_xlim(-0.2, width)
    ax.set_ylim(-0.6, height)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_lstm_cell(ax=None):
    """Draw one LSTM step: the cell state runs along the top, the four gates below it.

    Returns the matplotlib Axes.
    """

    ax = ax or plt.subplots(figsize=(8, 4.6))[1]
    c_color = "#c0392b"
    # the inputs: h_{t-1} and x_t are joined and feed every gate
    _line(ax, [(0.4, 1.0), (6.7, 1.0)])
    _line(ax, [(1.2, 0.0), (1.2, 1.0)])
    _dot(ax, (1.2, 1.0))
    ax.text(0.0, 1.0, "$h_{t-1}$", ha="right", va="center", fontsize=12)
    ax.text(1.2, -0.15, "$x_t$", ha="center", va="top", fontsize=12)
    gates = {"f": (2.3, "σ", "遗忘门 $f_t$"), "i": (3.7, "σ", "输入门 $i_t$"),
             "g": (5.1, "tanh", "候选值 $g_t$"), "o": (6.7, "σ", "输出门 $o_t$")}
    for x, text, label in gates.values():
        _arrow(ax, (x, 1.0), (x, 2.0), shrinkA=0)
        _node(ax, (x, 2.0), text, _GATE_STYLE)
        ax.text(x - 0.15, 1.35, label, ha="right", va="center", fontsize=9, color="#8a4b0f")
    # the cell state: c_t = f * c_{t-1} + i * g
    _line(ax, [(0.4, 4.6), (2.3, 4.6)], c_color, 2.2)
    ax.text(0.0, 4.6, "$c_{t-1}$", ha="right", va="center", fontsize=12, color=c_color)
    _node(ax, (2.3, 4.6), "×", _OP_STYLE)
    _arrow(ax, (2.3, 2.0), (2.3, 4.6))
    _node(ax, (4.4, 3.4), "×", _OP_STYLE)
    _arrow(ax, (3.7, 2.0), (4.4, 3.4))
    _arrow(ax, (5.1, 2.0), (4.4, 3.4))
    _node(ax, (4.4, 4.6), "+", _OP_STYLE)
    _arrow(ax, (2.3, 4.6), (4.4, 4.6), c_color, lw=2.2)
    _arrow(ax, (4.4, 3.4), (4.4, 4.6))
    _arrow(ax, (4.4, 4.6), (9.3, 4.6), c_color, lw=2.2)
    ax.text(9.4, 4.6, "$c_t$", ha="left", va="center", fontsize=12, color=c_color)
    # the output: h_t = o * tanh(c_t)
    _node(ax, (7.8, 3.5), "tanh", _OP_STYLE, size=9)
    _dot(ax, (7.8, 4.6), c_color)
    _arrow(ax, (7.8, 4.6), (7.8, 3.5), shrinkA=0)
    _node(ax, (7.8, 2.0), "×", _OP_STYLE)
    _arrow(ax, (7.8, 3.5), (7.8, 2.0))
    _arrow(ax, (6.7, 2.0), (7.8, 2.0))
    _arrow(ax, (7.8, 2.0), (9.3, 2.0))
    ax.text(9.4, 2.0, "$h_t$", ha="left", va="center", fontsize=12)
    ax.text(5.9, 5.05, "细胞状态：只经过逐元素的乘和加", ha="center", fontsize=9, color=c_color)
    _frame(ax, 10.0, 5.4)
    return ax


def draw_gru_cell(reset_after: bool = True, ax=None):
    """Draw one GRU step in one of its two forms; returns the matplotlib Axes.

    The forms differ only in the order of two nodes on the path of h_{t-1} into the
    candidate n_t: with ``reset_after=True`` (PyTorch, cuDNN) the box W_hn h_{t-1} + b_hn
    comes first and the reset gate r_t multiplies its result; with ``reset_after=False``
    (Cho et al. 2014) r_t multiplies h_{t-1} first and W_hn comes after. x_t reaches n_t
    through W_in alone, never through r_t.
    """

    check_bool("reset_after", reset_after)
    ax = ax or plt.subplots(figsize=(8, 4.4))[1]
    h_color, key, gate_text = "#c0392b", "#1f5f99", "#8a4b0f"
    top, z_line, upper, lower = 5.6, 4.8, 3.6, 2.0
    # h_{t-1} along the top: z_t of it is kept, (1 - z_t) of n_t is added, and it leaves as h_t
    ax.text(0.0, top, "$h_{t-1}$", ha="right", va="center", fontsize=12, color=h_color)
    _line(ax, [(0.3, top), (8.4, top)], h_color, 2.2)
    _node(ax, (8.4, top), "×", _OP_STYLE)
    _node(ax, (10.0, top), "+", _OP_STYLE)
    _arrow(ax, (8.4, top), (10.0, top), h_color, lw=2.2)
    _arrow(ax, (10.0, top), (11.3, top), h_color, lw=2.2)
    ax.text(11.4, top, "$h_t$", ha="left", va="center", fontsize=12, color=h_color)
    # both gates read h_{t-1} and x_t
    _dot(ax, (0.6, top))
    _line(ax, [(0.6, top), (0.6, 1.0), (4.0, 1.0)])
    ax.text(1.2, -0.5, "$x_t$", ha="center", va="center", fontsize=12)
    _line(ax, [(1.2, -0.3), (1.2, 1.0)])
    _dot(ax, (1.2, 1.0))
    for x, label in ((2.2, "更新门 $z_t$"), (4.0, "重置门 $r_t$")):
        _arrow(ax, (x, 1.0), (x, 2.0), shrinkA=0)
        _node(ax, (x, 2.0), "σ", _GATE_STYLE)
        ax.text(x + 0.25, 1.45, label, ha="left", va="center", fontsize=9, color=gate_text)
    # z_t goes up to the top line, and through 1 - z_t to the new content
    _line(ax, [(2.2, 2.0), (2.2, z_line), (8.4, z_line)])
    _arrow(ax, (8.4, z_line), (8.4, top), shrinkA=0)
    _node(ax, (9.1, 4.2), "1−", _OP_STYLE, size=8)
    _arrow(ax, (8.4, z_line), (9.1, 4.2), shrinkA=0)
    _node(ax, (10.0, 4.2), "×", _OP_STYLE)
    _arrow(ax, (9.1, 4.2), (10.0, 4.2))
    _arrow(ax, (10.0, 4.2), (10.0, top))
    # the path of h_{t-1} into the candidate: the two forms differ only in its order
    box = {"boxstyle": "round,pad=0.3", "facecolor": "#e3eef9", "edgecolor": key, "linewidth": 1.6}
    _dot(ax, (5.6, top))
    ax.plot([5.45, 5.75], [z_line, z_line], color="white", lw=4, zorder=1.5)  # the lines cross, not join
    _arrow(ax, (5.6, top), (5.6, upper), shrinkA=0)
    _arrow(ax, (5.6, upper), (5.6, lower))
    w_hn = "$W_{hn} h_{t-1} + b_{hn}$" if reset_after else "$W_{hn}(\\,\\cdot\\,) + b_{hn}$"
    w_at, r_at = ((5.6, upper), (5.6, lower)) if reset_after else ((5.6, lower), (5.6, upper))
    ax.text(*w_at, w_hn, ha="center", va="center", fontsize=10, color=key, bbox=box, zorder=3)
    _node(ax, r_at, "×", {**_OP_STYLE, "edgecolor": key, "linewidth": 1.6})
    if reset_after:
        _arrow(ax, (4.0, 2.0), r_at)
    else:
        _line(ax, [(4.0, 2.0), (4.0, upper)])
        _arrow(ax, (4.0, upper), r_at, shrinkA=0)
    order = "先乘 $W_{hn}$，再乘 $r_t$" if reset_after else "先乘 $r_t$，再乘 $W_{hn}$"
    ax.text(5.85, 2.8, order, ha="left", va="center", fontsize=10, color=key)
    # x_t reaches the candidate through W_in alone
    _dot(ax, (1.2, 0.2))
    _line(ax, [(1.2, 0.2), (7.8, 0.2)])
    _arrow(ax, (7.8, 0.2), (7.8, 0.9), shrinkA=0)
    ax.text(7.8, 0.9, "$W_{in} x_t + b_{in}$", ha="center", va="center", fontsize=10, bbox=_GATE_STYLE, zorder=3)
    _node(ax, (7.8, 2.0), "+", _OP_STYLE)
    _arrow(ax, (7.8, 0.9), (7.8, 2.0))
    _arrow(ax, (5.6, lower), (7.8, 2.0))
    _node(ax, (10.0, 2.0), "tanh", _GATE_STYLE)
    _arrow(ax, (7.8, 2.0), (10.0, 2.0))
    _arrow(ax, (10.0, 2.0), (10.0, 4.2))
    ax.text(10.0, 1.4, "候选状态 $n_t$", ha="center", va="center", fontsize=9, color=gate_text)
    title = "PyTorch 的写法（reset_after=True）" if reset_after else "Cho 等人 2014 的写法（reset_after=False）"
    ax.set_title(title, fontsize=11)
    _frame(ax, 12.0, 6.0)
    ax.set_xlim(-0.8, 12.0)
    ax.set_ylim(-0.8, 6.0)
    return ax
