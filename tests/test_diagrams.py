"""seqbook.plot.diagrams: unrolled RNNs and the five RNN types."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from seqbook import plot  # noqa: E402


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_unrolled_rnn_draws_one_box_per_input_state_and_output():
    fig, ax = plt.subplots()
    plot.draw_unrolled(ax, 4, inputs=[0, 1, 2, 3], outputs=[3], title="标题", note="注")
    assert len(ax.patches) == 4 + 4 + 1
    assert "$h_{4}$" in texts(ax) and "$y_{4}$" in texts(ax) and "$y_{1}$" not in texts(ax)
    assert "标题" in texts(ax) and "注" in texts(ax)
    arrows = len(ax.texts) - len(ax.patches) - 2  # annotations without text are the arrows
    plot.draw_unrolled(ax2 := plt.subplots()[1], 4, range(4), [3], backward=True)
    assert len(ax2.texts) - len(ax2.patches) == arrows + 3  # one gradient arrow per link
    plt.close("all")


def test_rnn_types_have_five_panels_with_chinese_titles():
    plot.use_chinese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a missing glyph would fail here
        fig = plot.draw_rnn_types()
    titles = [next(t for t in texts(ax) if t and not t.startswith(("$", "例"))) for ax in fig.axes]
    assert titles == ["一对一", "一对多", "多对一", "多对多", "同步多对多"]
    # many-to-one: three inputs, one output
    assert sum(t.startswith("$x") for t in texts(fig.axes[2])) == 3
    assert sum(t.startswith("$y") for t in texts(fig.axes[2])) == 1
    plt.close("all")
