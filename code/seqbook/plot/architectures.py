"""Architecture diagrams of chapter 6: a bidirectional RNN, a stacked RNN and a packed batch.

Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render. Each
function draws on ``ax`` (or a new figure) and returns the Axes (``draw_packing``: the Figure).
"""

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle

from seqbook.checks import check_int_between, check_positive_int

_EDGE = "#444444"
_FILL = {
    "x": "#dbe9f6",  # inputs
    "fwd": "#fde7c8",  # forward direction
    "bwd": "#e3d7f0",  # backward direction
    "out": "#d9f0d3",  # outputs
    "layer": "#fde7c8",
    "state": "#f6d2d2",  # final states h_n
}
_SEQUENCE_COLORS = ["#fde7c8", "#d9f0d3", "#dbe9f6", "#e3d7f0", "#f6d2d2", "#fff3b0"]
_DROP = "#c0392b"


def _box(ax, x, y, text, fill, width=0.6, height=0.44, size=11):
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
            facecolor=fill, edgecolor=_EDGE, linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax, start, end, color=_EDGE, **style):
    props = {"arrowstyle": "-|>", "color": color, "lw": 1.1, "shrinkA": 0, "shrinkB": 0}
    ax.annotate("", xy=end, xytext=start, arrowprops=props | style)


def draw_bidirectional_rnn(steps: int = 4, ax=None):
    """One bidirectional recurrent layer unrolled over ``steps`` steps (2 to 6).

    The forward chain reads x_1 .. x_T from left to right, the backward chain reads
    x_T .. x_1 from right to left; the output of step t is the two states concatenated,
    forward first. The final states are marked with their place in ``h_n``: h_n[0] is the
    forward state after x_T, h_n[1] the backward state after x_1. Returns the Axes.
    """
    check_int_between("steps", steps, 2, 6, "展开的时间步数；太多时图会挤在一起。")
    ax = ax or plt.subplots(figsize=(1.9 * steps + 3.6, 4.6))[1]
    gap = 1.7  # horizontal distance between steps
    rows = {"x": 0.0, "fwd": 1.2, "bwd": 2.2, "out": 3.35}
    last = (steps - 1) * gap
    for t in range(steps):
        c = t * gap
        f, b = c - 0.35, c + 0.35  # the two directions sit side by side, so arrows pass each other
        _box(ax, c, rows["x"], f"$x_{{{t + 1}}}$", _FILL["x"])
        _box(ax, f, rows["fwd"], rf"$\overrightarrow{{h}}_{{{t + 1}}}$", _FILL["fwd"])
        _box(ax, b, rows["bwd"], rf"$\overleftarrow{{h}}_{{{t + 1}}}$", _FILL["bwd"])
        _box(ax, c, rows["out"], rf"$[\overrightarrow{{h}}_{{{t + 1}}}; \overleftarrow{{h}}_{{{t + 1}}}]$",
             _FILL["out"], width=1.45, size=10)
        _arrow(ax, (c - 0.1, rows["x"] + 0.22), (f, rows["fwd"] - 0.22), color="#777777")
        _arrow(ax, (c + 0.1, rows["x"] + 0.22), (b, rows["bwd"] - 0.22), color="#777777")
        _arrow(ax, (f, rows["fwd"] + 0.22), (f, rows["out"] - 0.22))
        _arrow(ax, (b, rows["bwd"] + 0.22), (b, rows["out"] - 0.22))
        if t > 0:  # forward: from step t-1 to step t; backward: from step t to step t-1
            _arrow(ax, (f - gap + 0.3, rows["fwd"]), (f - 0.3, rows["fwd"]), color="#b5651d", lw=1.5)
            _arrow(ax, (b - 0.3, rows["bwd"]), (b - gap + 0.3, rows["bwd"]), color="#6a3d9a", lw=1.5)
    # the initial states (zeros) and the final states in h_n
    ax.text(-1.05, rows["fwd"], "0", ha="right", va="center", fontsize=10)
    _arrow(ax, (-1.0, rows["fwd"]), (-0.65, rows["fwd"]), color="#b5651d", lw=1.5)
    ax.text(last + 1.05, rows["bwd"], "0", ha="left", va="center", fontsize=10)
    _arrow(ax, (last + 1.0, rows["bwd"]), (last + 0.65, rows["bwd"]), color="#6a3d9a", lw=1.5)
    _arrow(ax, (last - 0.05, rows["fwd"]), (last + 0.75, rows["fwd"]), color="#b5651d", lw=1.5)
    ax.text(last + 0.8, rows["fwd"], f"h_n[0]：前向读完 $x_{{{steps}}}$", ha="left", va="center", fontsize=10,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": _FILL["state"], "edgecolor": "none"})
    _arrow(ax, (0.05, rows["bwd"]), (-0.75, rows["bwd"]), color="#6a3d9a", lw=1.5)
    ax.text(-0.8, rows["bwd"], "h_n[1]：反向读完 $x_1$", ha="right", va="center", fontsize=10,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": _FILL["state"], "edgecolor": "none"})
    ax.text(last / 2, rows["out"] + 0.62, "每一步的输出：前向在前、反向在后，拼成 $2H$ 维",
            ha="center", va="center", fontsize=11)
    ax.text(last / 2, rows["x"] - 0.6,
            "前向链（橙）从左往右读，反向链（紫）从右往左读；$T$ 步都读完之前，第 1 步的输出算不出来",
            ha="center", va="center", fontsize=10, color="#555555")
    ax.set_xlim(-3.3, last + 3.3)
    ax.set_ylim(rows["x"] - 0.9, rows["out"] + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_stacked_rnn(num_layers: int = 3, steps: int = 4, ax=None):
    """A unidirectional RNN of ``num_layers`` layers (2 to 4) unrolled over ``steps`` steps (2 to 5).

    Layer l reads the outputs of layer l - 1 at every step. The red diamonds mark where the
    ``dropout`` argument of ``nn.RNN``/``nn.LSTM`` acts: on the links between layers only,
    not on the input, not on the recurrent links and not on the last layer's output.
    The final state of every layer is marked with its place in ``h_n``. Returns the Axes.
    """
    check_int_between("num_layers", num_layers, 2, 4, "层数；至少 2 层才有“层与层之间”。")
    check_int_between("steps", steps, 2, 5, "展开的时间步数；太多时图会挤在一起。")
    ax = ax or plt.subplots(figsize=(1.5 * steps + 4.4, 1.15 * num_layers + 3.0))[1]
    gap, rise = 1.5, 1.15
    last = (steps - 1) * gap
    top = num_layers * rise
    for t in range(steps):
        c = t * gap
        _box(ax, c, 0.0, f"$x_{{{t + 1}}}$", _FILL["x"])
        _arrow(ax, (c, 0.22), (c, rise - 0.22))
        for layer in range(1, num_layers + 1):
            y = layer * rise
            _box(ax, c, y, f"$h^{{({layer})}}_{{{t + 1}}}$", _FILL["layer"])
            if t > 0:
                _arrow(ax, (c - gap + 0.3, y), (c - 0.3, y))
            if layer < num_layers:  # between layers: dropout acts here (in training mode)
                _arrow(ax, (c, y + 0.22), (c, y + rise - 0.22))
                ax.plot([c], [y + rise / 2], marker="D", markersize=7, color=_DROP, zorder=3)
        _arrow(ax, (c, top + 0.22), (c, top + 0.62))
        ax.text(c, top + 0.8, f"out[:, {t}]", ha="center", va="center", fontsize=9, family="monospace")
    for layer in range(1, num_layers + 1):
        y = layer * rise
        ax.text(-0.55, y, f"第 {layer} 层", ha="right", va="center", fontsize=10)
        _arrow(ax, (last + 0.3, y), (last + 0.8, y))
        ax.text(last + 0.85, y, f"h_n[{layer - 1}]", ha="left", va="center", fontsize=10,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": _FILL["state"], "edgecolor": "none"})
    ax.text(-0.55, 0.0, "输入", ha="right", va="center", fontsize=10)
    ax.text(-0.55, top + 0.8, "输出", ha="right", va="center", fontsize=10)
    legend = [Line2D([], [], marker="D", color=_DROP, linestyle="none", markersize=7,
                     label="丢弃（dropout）作用的位置：只在层与层之间")]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 0.02), frameon=False, fontsize=10)
    ax.set_xlim(-1.9, last + 2.2)
    ax.set_ylim(-0.45, top + 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_packing(lengths: Sequence[int], batch_sizes: Sequence[int]):
    """A padded batch and the same batch packed, as ``pack_padded_sequence`` stores it.

    ``lengths``: the lengths of the sequences; ``batch_sizes``: the ``batch_sizes`` of the
    ``PackedSequence`` (how many sequences are still running at each step), which must agree
    with the lengths. Top: the batch sorted by length, padded at the end; bottom: ``data``,
    time-major, step by step, each step as many rows as it has sequences. Returns the Figure.
    """
    lengths, batch_sizes = list(lengths), list(batch_sizes)
    if not lengths or len(lengths) > len(_SEQUENCE_COLORS):
        raise ValueError(f"lengths 应有 1 到 {len(_SEQUENCE_COLORS)} 条序列的长度，实际为 {lengths!r}。")
    for n in lengths:
        check_positive_int("lengths 里的长度", n, "每条序列至少有一个时间步。")
    for n in batch_sizes:
        check_positive_int("batch_sizes 里的数", n, "传入 packed.batch_sizes.tolist()。")
    expected = [sum(n > t for n in lengths) for t in range(max(lengths))]
    if batch_sizes != expected:
        raise ValueError(
            f"batch_sizes={batch_sizes} 与 lengths={lengths} 不符：按长度应为 {expected}。"
            "请传入同一批数据打包后的 packed.batch_sizes.tolist()。"
        )
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])  # the packing order
    names = "ABCDEF"
    steps, rows = max(lengths), len(lengths)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(0.62 * (sum(lengths) + 3.6), 0.62 * (rows + 5.6)),
        gridspec_kw={"height_ratios": [rows + 1.2, 2.6]},
    )
    # top: the padded batch, one row per sequence, longest first
    for r, i in enumerate(order):
        y = rows - 1 - r
        top.text(-0.25, y + 0.5, f"序列 {names[i]}（长 {lengths[i]}）", ha="right", va="center", fontsize=10)
        for t in range(steps):
            real = t < lengths[i]
            top.add_patch(Rectangle((t, y), 1, 1, facecolor=_SEQUENCE_COLORS[i] if real else "#eeeeee",
                                    edgecolor="white" if real else "#bbbbbb", linewidth=2,
                                    hatch=None if real else "///"))
            top.text(t + 0.5, y + 0.5, f"{names[i]}{t + 1}" if real else "填充", ha="center", va="center",
                     fontsize=10 if real else 8, color="black" if real else "#888888")
    for t in range(steps):
        top.text(t + 0.5, rows + 0.3, f"第 {t + 1} 步", ha="center", va="center", fontsize=9)
    top.set_title("填充后的批次（按长度从长到短排好）", fontsize=11)
    width = sum(lengths) + 0.2  # both panels share the x scale: one cell per time step of one sequence
    top.set_xlim(-3.4, width)
    top.set_ylim(-0.1, rows + 0.7)
    # bottom: packed data, time-major
    x = 0.0
    for t, size in enumerate(batch_sizes):
        start = x
        for i in order[:size]:
            bottom.add_patch(Rectangle((x, 0), 1, 1, facecolor=_SEQUENCE_COLORS[i], edgecolor="white", linewidth=2))
            bottom.text(x + 0.5, 0.5, f"{names[i]}{t + 1}", ha="center", va="center", fontsize=10)
            x += 1
        bottom.plot([start + 0.08, x - 0.08], [-0.15, -0.15], color=_EDGE, lw=1.2)
        bottom.text((start + x) / 2, -0.45, f"第 {t + 1} 步", ha="center", va="center", fontsize=9)
        bottom.text((start + x) / 2, -0.95, str(size), ha="center", va="center", fontsize=11, color=_DROP)
        if t + 1 < len(batch_sizes):
            bottom.plot([x, x], [-0.1, 1.1], color=_EDGE, lw=1.2)
    bottom.text(-0.25, 0.5, "data", ha="right", va="center", fontsize=10, family="monospace")
    bottom.text(-0.25, -0.95, "batch_sizes", ha="right", va="center", fontsize=10, family="monospace",
                color=_DROP)
    bottom.set_title(f"打包后的 data：按时间步排列，只存 {sum(lengths)} 个真实步，没有填充", fontsize=11)
    bottom.set_xlim(-3.4, width)
    bottom.set_ylim(-1.3, 1.3)
    for ax in (top, bottom):
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig
