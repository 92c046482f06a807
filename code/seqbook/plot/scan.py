"""Chapter 9's timing figure: run time against sequence length on log-log axes, one line per method
(the minGRU loop, the minGRU scan, ``nn.GRU``), with a dashed line proportional to T for reference."""

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt


def plot_scan_timings(lengths: Sequence[int], timings: Mapping[str, Sequence[float]], *,
                      title: str = "计算时间与序列长度", ylabel: str = "前向计算时间（秒）"):
    """Draw ``timings`` (name -> seconds, one per length) against ``lengths`` on log-log axes;
    returns (fig, ax).

    A grey dashed line through the first method's last point has slope 1 (time proportional to T):
    a method parallel to it grows linearly with the sequence length.
    """
    lengths = list(lengths)
    if not lengths or any(isinstance(t, bool) or not isinstance(t, int) or t <= 0 for t in lengths):
        raise ValueError(f"lengths 应为正整数的列表（序列长度 T），例如 [64, 256, 1024]，实际为 {lengths!r}。")
    if not isinstance(timings, Mapping) or not timings:
        raise TypeError("timings 应为非空的字典：方法的名字 -> 每个长度上的秒数，例如 {'循环': [0.01, 0.04]}。")
    for name, seconds in timings.items():
        seconds = list(seconds)
        if len(seconds) != len(lengths):
            raise ValueError(f"timings[{name!r}] 应有 {len(lengths)} 个数（每个长度一个），实际有 {len(seconds)} 个。")
        if not all(isinstance(s, (int, float)) and math.isfinite(s) and s > 0 for s in seconds):
            raise ValueError(f"timings[{name!r}] 应全是正的秒数，实际为 {seconds!r}。")
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    markers = "osD^v"
    for number, (name, seconds) in enumerate(timings.items()):
        ax.loglog(lengths, list(seconds), marker=markers[number % len(markers)], color=f"C{number}", label=name)
    first = list(next(iter(timings.values())))
    ax.loglog(lengths, [first[-1] * t / lengths[-1] for t in lengths], linestyle="--", color="0.6",
              linewidth=1, label="参照：正比于 $T$")
    ax.set_xticks(lengths)
    ax.set_xticklabels([str(t) for t in lengths])
    ax.minorticks_off()
    ax.set_xlabel("序列长度 $T$（时间步数）")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="major", color="0.9")
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig, ax
