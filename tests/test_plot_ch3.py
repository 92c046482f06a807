"""The figure of chapter 3: the clipping experiment on a linear and a log scale."""

import math
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from seqbook import plot  # noqa: E402

# The shape of the book's run: the unclipped loss grows past 1e30, then becomes nan.
TRACES = {
    "不裁剪": [1.5, 0.9, 0.8, 4.0, 2.0, *[10.0**k for k in range(1, 30)], math.nan, math.nan],
    "裁剪到 1": [1.5, 0.9, 0.8, 0.6, 0.5, *[0.3] * 31],
}


def texts(fig):
    """Every text a reader sees: titles, axis labels, legend entries, and the tick labels
    inside the axis limits (matplotlib keeps labels for ticks beyond them, undrawn)."""
    found = []
    for ax in fig.axes:
        found += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()]
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            found += [tick.label1 for tick in axis.get_major_ticks() if low <= tick.get_loc() <= high]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


@pytest.fixture(scope="module")
def drawn():
    plot.use_chinese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning
        fig, axes = plot.plot_clipping_losses(TRACES, steps=40)
        fig.canvas.draw()
    yield fig, axes
    plt.close(fig)


def test_two_panels_linear_and_log(drawn):
    fig, (left, right) = drawn
    assert left.get_yscale() == "linear" and right.get_yscale() == "log"
    assert left.get_ylim() == (0, 3.0)
    assert "线性刻度" in left.get_title() and "对数刻度" in right.get_title()
    for ax in (left, right):
        assert ax.get_xlabel() == "训练步数（批次）"
    assert left.get_ylabel() == "批次的训练损失"


def test_legend_names_runs_and_the_step_that_became_nan(drawn):
    _, (left, right) = drawn
    for ax in (left, right):
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "不裁剪" in labels and "裁剪到 1" in labels
        assert "不裁剪：第 35 步变成 nan" in labels  # the first nan is the 35th loss


def test_losses_above_the_linear_top_are_marked(drawn):
    _, (left, _) = drawn
    markers = [line for line in left.get_lines() if line.get_marker() == "^"]
    assert len(markers) == 1
    steps = list(markers[0].get_xdata())
    assert steps == [4, *range(6, 35)]  # 4.0 at step 4, then 10, 100, ... from step 6


def test_no_text_overlaps(drawn):
    fig, _ = drawn
    assert plot.overlapping_texts(texts(fig)) == []


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="traces"):
        plot.plot_clipping_losses([])
    with pytest.raises(ValueError, match="steps"):
        plot.plot_clipping_losses(TRACES, steps=0)
    with pytest.raises(ValueError, match="linear_top"):
        plot.plot_clipping_losses(TRACES, linear_top=-1)
    with pytest.raises(ValueError, match="空"):
        plot.plot_clipping_losses({"a": []})
    plt.close("all")
