"""seqbook.plot.scan: chapter 9's figure of run time against sequence length."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from seqbook.plot import overlapping_texts, use_chinese_font  # noqa: E402
from seqbook.plot.scan import plot_scan_timings  # noqa: E402

LENGTHS = [64, 256, 1024, 4096]
TIMINGS = {
    "minGRU，循环": [0.006, 0.02, 0.08, 0.3],
    "minGRU，扫描": [0.02, 0.09, 0.4, 1.7],
    "nn.GRU": [0.002, 0.02, 0.05, 0.2],
}


def all_texts(fig, ax):
    """Every text drawn: title, axis labels, tick labels, legend entries."""
    fig.canvas.draw()
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
    texts += list(ax.get_legend().get_texts())
    return [t for t in texts if t.get_text() and t.get_visible()]


def test_timings_are_drawn_on_log_log_axes_with_labels_that_do_not_overlap():
    use_chinese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would fail here
        fig, ax = plot_scan_timings(LENGTHS, TIMINGS)
        texts = all_texts(fig, ax)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "序列长度 $T$（时间步数）" and ax.get_ylabel() == "前向计算时间（秒）"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [*TIMINGS, "参照：正比于 $T$"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(t) for t in LENGTHS]
    lines = ax.get_lines()
    assert len(lines) == 4
    for line, seconds in zip(lines, TIMINGS.values(), strict=False):
        assert list(line.get_xdata()) == LENGTHS and list(line.get_ydata()) == seconds
    reference = lines[-1].get_ydata()  # slope 1 through the first method's last point
    assert reference[-1] == pytest.approx(0.3) and reference[0] == pytest.approx(0.3 * 64 / 4096)
    assert overlapping_texts(texts) == []
    plt.close("all")


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="lengths"):
        plot_scan_timings([], TIMINGS)
    with pytest.raises(ValueError, match="lengths"):
        plot_scan_timings([0, 4], {"a": [1.0, 2.0]})
    with pytest.raises(TypeError, match="timings"):
        plot_scan_timings(LENGTHS, {})
    with pytest.raises(ValueError, match="4 个数"):
        plot_scan_timings(LENGTHS, {"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="正的秒数"):
        plot_scan_timings([1, 2], {"a": [1.0, 0.0]})
    plt.close("all")
