"""The clipping experiment of chapter 3: per-batch training losses with and without clipping,
drawn on a linear scale beside a logarithmic one."""

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

from seqbook.checks import check_positive_int


def plot_clipping_losses(traces: Mapping[str, Sequence[float]], steps: int = 100, linear_top: float = 3.0):
    """Draw the first ``steps`` batch losses of every run in ``traces`` (name -> losses) twice:
    left on a linear axis cut at ``linear_top``, right on a log axis; returns (fig, (left, right)).

    A loss that has become ``nan`` or ``inf`` is not drawn: a dotted line marks the step where a
    run first stops being finite. On the linear panel a triangle on the top edge marks every
    finite loss above ``linear_top``.
    """
    if not isinstance(traces, Mapping) or not traces:
        raise TypeError("traces 应为非空的字典：名字 -> 每个批次的训练损失，例如 {'不裁剪': [...], '裁剪到 1': [...]}。")
    check_positive_int("steps", steps, "要画的训练步数，例如 steps=100。")
    if isinstance(linear_top, bool) or not isinstance(linear_top, (int, float)) or not linear_top > 0:
        raise ValueError(f"linear_top 是线性刻度纵轴的上限，应为正数，实际为 {linear_top!r}。")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for number, (name, trace) in enumerate(traces.items()):
        losses = [float(v) for v in list(trace)[:steps]]
        if not losses:
            raise ValueError(f"traces[{name!r}] 是空的：这一次训练没有记下任何批次的损失。")
        color = f"C{number}"
        x = range(1, len(losses) + 1)
        shown = [v if math.isfinite(v) else math.nan for v in losses]
        left.plot(x, [v if v <= linear_top else math.nan for v in shown], color=color, label=name)
        right.semilogy(x, shown, color=color, label=name)
        above = [i for i, v in enumerate(losses, 1) if math.isfinite(v) and v > linear_top]
        if above:
            left.plot(above, [linear_top] * len(above), marker="^", color=color, markersize=5, clip_on=False,
                      linestyle="none")
        broken = next((i for i, v in enumerate(losses, 1) if not math.isfinite(v)), None)
        if broken is not None:
            for ax in (left, right):
                ax.axvline(broken, color=color, linestyle=":", linewidth=1.2,
                           label=f"{name}：第 {broken} 步变成 nan")
    left.set_ylim(0, linear_top)
    left.set_title(f"线性刻度（纵轴截在 {linear_top:g}，▲ 处超出）", fontsize=11, pad=10)
    right.set_title("对数刻度", fontsize=11, pad=10)
    for ax in (left, right):
        ax.set_xlabel("训练步数（批次）")
        ax.set_xlim(0, steps + 1)
    left.set_ylabel("批次的训练损失")
    left.legend(loc="upper right", fontsize=9)
    right.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig, (left, right)
