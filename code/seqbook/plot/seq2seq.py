"""Diagrams of chapter 7: the encoder-decoder with and without attention, and a beam-search tree.

Call ``seqbook.plot.use_chinese_font()`` first so that the Chinese labels render.
"""

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from seqbook.checks import (
    check_bool,
    check_instance,
    check_int_at_least,
    check_not_empty,
    check_strings,
)

COLORS = {
    "x": "#dbe9f6", "h": "#fde7c8", "s": "#fde7c8", "y": "#d9f0d3", "c": "#e8daef",
    "edge": "#444444", "light": "#b0b0b0", "best": "#c0392b", "kept": "#2b6ca3", "finished": "#2e8b57",
}
STEP = 1.3  # horizontal distance between two time steps
ROWS = {"x": 0.0, "h": 1.0, "c": 2.9, "y": 3.8}  # inputs, hidden states, contexts, outputs


def _box(ax, x, y, text, color, width=0.6, size=11):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - 0.22), width, 0.44, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor=COLORS["edge"], linewidth=1, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=4)


def _arrow(ax, start, end, color=None, lw=1.2, alpha=1.0, **style):
    props = {"arrowstyle": "-|>", "color": color or COLORS["edge"], "lw": lw, "shrinkA": 0, "shrinkB": 0,
             "alpha": alpha}
    ax.annotate("", xy=end, xytext=start, arrowprops=props | style, zorder=2)


def draw_encoder_decoder(
    source: Sequence[str],
    target: Sequence[str],
    *,
    attention: bool = False,
    weights=None,
    highlight: int | None = None,
    ax=None,
):
    """编码器—解码器的示意图；返回 Axes。

    编码器（左）逐个读入 ``source`` 的词元，得到隐藏状态 $h_1, \\dots, h_S$；解码器（右）从 <bos> 开始，
    每一步读入上一步的输出，写出 ``target`` 的一个词元，最后写出 <eos>。``attention=False`` 时，
    编码器最后的隐藏状态是唯一的上下文向量 $c$，解码器的每一步都看它；``attention=True`` 时，
    解码器的第 $t$ 步有自己的上下文向量 $c_t$，它是所有 $h_j$ 的加权和，每一步都有一束连线。
    ``weights``（(len(target) + 1, len(source))，每行和为 1）给出时，第 ``highlight`` 步（从 0 起，默认第 1 步）
    的连线按权重加粗并标出权重，其余各步画成浅色。
    """
    check_strings("source", source, "例如 list('一万零五')。")
    check_strings("target", target, "例如 list('10005')；<eos> 会自动加上。")
    check_bool("attention", attention)
    source, target = list(source), list(target)
    steps = len(target) + 1  # 含 <eos> 那一步
    if weights is not None:
        if not attention:
            raise ValueError("weights 只用于带注意力的图（attention=True）。")
        rows = [list(map(float, row)) for row in weights]
        if len(rows) != steps or any(len(row) != len(source) for row in rows):
            raise ValueError(f"weights 的形状应为 (len(target) + 1, len(source)) = ({steps}, {len(source)})。")
    if highlight is not None:
        check_int_at_least("highlight", highlight, 0, "它是解码器的第几步，从 0 起。")
        if highlight >= steps:
            raise ValueError(f"highlight={highlight} 超出了解码器的步数 {steps}（从 0 起）。")
    highlight = 0 if highlight is None else highlight
    if ax is None:
        ax = plt.subplots(figsize=(0.95 * STEP * (len(source) + steps + 1.2), 3.6))[1]
    enc_x = [j * STEP for j in range(len(source))]
    dec_x = [enc_x[-1] + (1.6 + t) * STEP for t in range(steps)]
    # 编码器
    for j, (x, token) in enumerate(zip(enc_x, source, strict=True)):
        _box(ax, x, ROWS["x"], token, COLORS["x"])
        _box(ax, x, ROWS["h"], f"$h_{{{j + 1}}}$", COLORS["h"])
        _arrow(ax, (x, ROWS["x"] + 0.22), (x, ROWS["h"] - 0.22))
        if j:
            _arrow(ax, (x - STEP + 0.3, ROWS["h"]), (x - 0.3, ROWS["h"]))
    # 解码器：输入是 <bos> 和上一步的输出，输出最后是 <eos>
    inputs, outputs = ["<bos>", *target], [*target, "<eos>"]
    for t, x in enumerate(dec_x):
        _box(ax, x, ROWS["x"], inputs[t], COLORS["x"], width=0.9 if len(inputs[t]) > 2 else 0.6, size=10)
        _box(ax, x, ROWS["h"], f"$s_{{{t + 1}}}$", COLORS["s"])
        _box(ax, x, ROWS["y"], outputs[t], COLORS["y"], width=0.9 if len(outputs[t]) > 2 else 0.6, size=10)
        _arrow(ax, (x, ROWS["x"] + 0.22), (x, ROWS["h"] - 0.22))
        _arrow(ax, (x, ROWS["h"] + 0.22), (x, ROWS["y"] - 0.22))
        if t:
            _arrow(ax, (x - STEP + 0.3, ROWS["h"]), (x - 0.3, ROWS["h"]))
            _arrow(ax, (x - STEP + 0.45, ROWS["y"] - 0.1), (x - 0.45, ROWS["x"] + 0.12),
                   color=COLORS["light"], lw=0.8, linestyle=":")  # 上一步的输出是这一步的输入
    _arrow(ax, (enc_x[-1] + 0.3, ROWS["h"]), (dec_x[0] - 0.3, ROWS["h"]))  # 编码器的最后状态给出解码器的初始状态
    if attention:
        for t, x in enumerate(dec_x):
            cx = x - 0.6
            _box(ax, cx, ROWS["c"], f"$c_{{{t + 1}}}$", COLORS["c"], width=0.5)
            _arrow(ax, (cx + 0.1, ROWS["c"] - 0.22), (x - 0.15, ROWS["h"] + 0.22))
            for j, hx in enumerate(enc_x):
                w = rows[t][j] if weights is not None else None
                strong = t == highlight
                color = COLORS["best"] if strong else COLORS["light"]
                lw = 0.6 + 3 * w if (strong and w is not None) else (1.0 if strong else 0.6)
                ax.plot([hx, cx], [ROWS["h"] + 0.22, ROWS["c"] - 0.22], color=color, lw=lw,
                        alpha=1.0 if strong else 0.5, zorder=1)
                if strong and w is not None:
                    f = 0.22  # 权重标在连线靠近 h_j 的一端
                    ax.text(hx + f * (cx - hx), ROWS["h"] + 0.22 + f * (ROWS["c"] - ROWS["h"] - 0.44), f"{w:.2f}",
                            fontsize=8, color=COLORS["best"], ha="center", va="center", zorder=4,
                            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        note = f"第 {highlight + 1} 步的上下文 $c_{{{highlight + 1}}}$ = 各 $h_j$ 的加权和（红线）"
    else:
        cx = (enc_x[-1] + dec_x[0]) / 2
        _box(ax, cx, ROWS["c"], "$c$", COLORS["c"], width=0.5)
        _arrow(ax, (enc_x[-1] + 0.1, ROWS["h"] + 0.22), (cx - 0.1, ROWS["c"] - 0.22))
        ax.plot([cx + 0.25, dec_x[-1] - 0.6], [ROWS["c"], ROWS["c"]], color=COLORS["edge"], lw=1.2, zorder=1)
        for x in dec_x:
            _arrow(ax, (x - 0.6, ROWS["c"]), (x - 0.15, ROWS["h"] + 0.22))
        note = "每一步都看同一个上下文向量 $c$（编码器读完整个输入后的摘要）"
    ax.text((enc_x[0] + enc_x[-1]) / 2, -0.6, "编码器", ha="center", va="center", fontsize=12)
    ax.text((dec_x[0] + dec_x[-1]) / 2, -0.6, "解码器", ha="center", va="center", fontsize=12)
    ax.text((enc_x[0] + dec_x[-1]) / 2, 4.55, note, ha="center", va="center", fontsize=11)
    ax.set_xlim(enc_x[0] - 0.6, dec_x[-1] + 0.6)
    ax.set_ylim(-0.95, 4.85)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _label(score: float) -> str:
    return f"{score:.2f}".replace("-", "−")


def draw_beam_tree(trace: list, tokens: Sequence[str], *, best: Sequence[int] | None = None, sequence: int = 0,
                   ax=None):
    """画出束搜索的搜索树；返回 Axes。

    ``trace`` 是 ``seqbook.decode.beam_search(..., trace=[])`` 记下的扩展，``tokens[i]`` 是词元 i 的写法，
    ``sequence`` 选出批次中的一个源序列。每个节点是一个部分假设的最后一个词元和它的对数概率之和；
    蓝色的假设留在束中继续扩展，绿色的写完了（写出 <eos>，或者走满了最大长度），标出长度归一化后的得分，
    灰色的被剪掉。``best``（胜出的 id 列表，不含 <eos>）给出时，它的路径画成红色。
    """
    check_instance("trace", trace, list, "用 beam_search(..., trace=trace) 记下的列表。")
    check_strings("tokens", tokens, "词表的词元，例如 vocab.tokens。")
    check_int_at_least("sequence", sequence, 0)
    entries = [e for e in trace if e["sequence"] == sequence and e["score"] != float("-inf")]
    check_not_empty("trace", entries, f"trace 里没有第 {sequence} 个序列的扩展：先运行 beam_search(..., trace=trace)。")
    children: dict[tuple, list[dict]] = {}
    for entry in entries:
        children.setdefault(tuple(entry["prefix"]), []).append(entry)
    for group in children.values():
        group.sort(key=lambda e: -e["score"])
    position: dict[tuple, tuple[float, float]] = {}
    leaves = [0]

    def place(node: tuple) -> float:
        """Depth-first: leaves get consecutive rows from the top, a parent sits at its children's mean."""
        kids = children.get(node, [])
        if not kids:
            y = -leaves[0]
            leaves[0] += 1
        else:
            y = sum(place((*node, e["token"])) for e in kids) / len(kids)
        position[node] = (len(node), y)
        return y

    place(())
    on_path = set()
    if best is not None:  # 胜出的假设：写完的、id 列表（去掉 <eos>）等于 best 的那个
        best = list(best)
        matches = [e for e in entries if e["status"] == "finished"
                   and best in (list(e["prefix"]), [*e["prefix"], e["token"]])]
        if not matches:
            raise ValueError(f"trace 中没有写完的假设等于 best={best}：best 应是同一次 beam_search 返回的结果。")
        winner = max(matches, key=lambda e: e["normalized"])
        path = (*winner["prefix"], winner["token"])
        on_path = {path[:n] for n in range(len(path) + 1)}
    if ax is None:
        ax = plt.subplots(figsize=(2.3 * (max(len(n) for n in position) + 1), 0.42 * leaves[0] + 0.8))[1]
    styles = {"kept": COLORS["kept"], "finished": COLORS["finished"], "pruned": COLORS["light"]}
    for entry in entries:
        parent, node = tuple(entry["prefix"]), (*entry["prefix"], entry["token"])
        (x0, y0), (x1, y1) = position[parent], position[node]
        red = node in on_path
        ax.plot([x0 + 0.28, x1 - 0.42], [y0, y1], color=COLORS["best"] if red else styles[entry["status"]],
                lw=2.2 if red else 1.0, zorder=1)
        text = f"{tokens[entry['token']]}  {_label(entry['score'])}"
        if entry["status"] == "finished":
            text += f"（{_label(entry['normalized'])}）"
        color = "black" if entry["status"] != "pruned" else "#8a8a8a"
        ax.text(x1 - 0.4, y1, text, ha="left", va="center", fontsize=9, color=color, zorder=3,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                      "edgecolor": COLORS["best"] if red else styles[entry["status"]], "lw": 1.2 if red else 0.8})
    ax.text(0, position[()][1], "<bos>", ha="center", va="center", fontsize=9, zorder=3,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": COLORS["edge"]})
    depth = max(len(n) for n in position)
    for step in range(1, depth + 1):
        ax.text(step - 0.1, 1.0, f"第 {step} 步", ha="center", va="center", fontsize=10)
    legend = [("留在束中", COLORS["kept"]), ("写完（括号里是长度归一化后的得分）", COLORS["finished"]),
              ("剪掉", COLORS["light"]), ("胜出的译文", COLORS["best"])]
    ax.text(-0.35, -leaves[0] - 0.1, "数字是对数概率之和。", ha="left", va="center", fontsize=9)
    x = 1.1
    for name, color in legend[: 3 if best is None else 4]:
        ax.plot([x, x + 0.15], [-leaves[0] - 0.1] * 2, color=color, lw=2)
        ax.text(x + 0.2, -leaves[0] - 0.1, name, ha="left", va="center", fontsize=9)
        x += 0.35 + 0.11 * len(name)
    ax.set_xlim(-0.4, max(depth + 0.9, x))
    ax.set_ylim(-leaves[0] - 0.6, 1.5)
    ax.axis("off")
    return ax
