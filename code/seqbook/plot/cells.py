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
    _line(ax, [(0.4, 1.0), (7.6, 1.0)])
    _line(ax, [(1.2, 0.0), (1.2, 1.0)])
    ax.text(0.0, 1.0, "$h_{t-1}$", ha="right", va="center", fontsize=12)
    ax.text(1.2, -0.15, "$x_t$", ha="center", va="top", fontsize=12)
    gates = {"f": (2.3, "σ", "遗忘门 $f_t$"), "i": (3.7, "σ", "输入门 $i_t$"),
             "g": (5.1, "tanh", "候选值 $g_t$"), "o": (6.7, "σ", "输出门 $o_t$")}
    for x, text, label in gates.values():
        _line(ax, [(x, 1.0), (x, 1.6)])
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
    _arrow(ax, (7.8, 4.6), (7.8, 3.5))
    _node(ax, (7.8, 2.0), "×", _OP_STYLE)
    _arrow(ax, (7.8, 3.5), (7.8, 2.0))
    _arrow(ax, (6.7, 2.0), (7.8, 2.0))
    _line(ax, [(7.8, 2.0), (8.6, 2.0), (8.6, 1.0), (9.2, 1.0)])
    ax.text(9.4, 1.0, "$h_t$", ha="left", va="center", fontsize=12)
    ax.text(5.9, 5.05, "细胞状态：只经过逐元素的乘和加", ha="center", fontsize=9, color=c_color)
    _frame(ax, 10.0, 5.4)
    return ax


def draw_gru_cell(reset_after: bool = True, ax=None):
    """Draw one GRU step; ``reset_after`` places the reset gate after W_hn (PyTorch) or
    before it, on h_{t-1} (Cho et al. 2014). Returns the matplotlib Axes."""

    check_bool("reset_after", reset_after)
    ax = ax or plt.subplots(figsize=(8, 4.6))[1]
    h_color = "#c0392b"
    # h_{t-1} runs along the top and also down to the bus that feeds the gates
    _line(ax, [(0.4, 4.6), (2.2, 4.6)], h_color, 2.2)
    ax.text(0.0, 4.6, "$h_{t-1}$", ha="right", va="center", fontsize=12, color=h_color)
    _line(ax, [(0.7, 4.6), (0.7, 1.0), (6.0, 1.0)])
    _line(ax, [(1.3, 0.0), (1.3, 1.0)])
    ax.text(1.3, -0.15, "$x_t$", ha="center", va="top", fontsize=12)
    for x, text, label in ((2.2, "σ", "更新门 $z_t$"), (4.0, "σ", "重置门 $r_t$")):
        _line(ax, [(x, 1.0), (x, 1.6)])
        _node(ax, (x, 2.0), text, _GATE_STYLE)
        ax.text(x - 0.15, 1.35, label, ha="right", va="center", fontsize=9, color="#8a4b0f")
    # the candidate n_t: where r acts is the whole difference between the two forms
    _line(ax, [(6.0, 1.0), (6.0, 1.6)])
    _node(ax, (6.0, 2.0), "tanh", _GATE_STYLE)
    ax.text(6.55, 1.35, "候选 $n_t$", ha="left", va="center", fontsize=9, color="#8a4b0f")
    _node(ax, (5.0, 2.0), "×", _OP_STYLE)
    _arrow(ax, (4.0, 2.0), (5.0, 2.0))
    _arrow(ax, (5.0, 2.0), (6.0, 2.0))
    _arrow(ax, (5.0, 1.0), (5.0, 2.0))
    where = (
        "$r_t \\odot (W_{hn} h_{t-1} + b_{hn})$" if reset_after else "$W_{hn}(r_t \\odot h_{t-1}) + b_{hn}$"
    )
    ax.text(5.0, 0.75, where, ha="center", va="top", fontsize=9, color="#2b6ca3")
    # h_t = z * h_{t-1} + (1 - z) * n
    _node(ax, (2.2, 4.6), "×", _OP_STYLE)
    _arrow(ax, (2.2, 2.0), (2.2, 4.6))
    _node(ax, (3.6, 3.5), "1−", _OP_STYLE, size=9)
    _arrow(ax, (2.2, 2.0), (3.6, 3.5))
    _node(ax, (6.0, 3.5), "×", _OP_STYLE)
    _arrow(ax, (3.6, 3.5), (6.0, 3.5))
    _arrow(ax, (6.0, 2.0), (6.0, 3.5))
    _node(ax, (6.0, 4.6), "+", _OP_STYLE)
    _arrow(ax, (2.2, 4.6), (6.0, 4.6), h_color, lw=2.2)
    _arrow(ax, (6.0, 3.5), (6.0, 4.6))
    _arrow(ax, (6.0, 4.6), (8.2, 4.6), h_color, lw=2.2)
    ax.text(8.3, 4.6, "$h_t$", ha="left", va="center", fontsize=12, color=h_color)
    title = "PyTorch 的写法（reset_after=True）" if reset_after else "Cho 等人 2014 的写法（reset_after=False）"
    ax.set_title(title, fontsize=10)
    _frame(ax, 9.0, 5.2)
    return ax
