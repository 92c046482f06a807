"""seqbook.plot.architectures: the bidirectional RNN, the stacked RNN and packing (chapter 6)."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence  # noqa: E402

from seqbook import plot  # noqa: E402


def labels(fig):
    """Every non-empty visible text of the figure: axes texts, titles, legend entries."""
    found = []
    for ax in fig.axes:
        candidates = list(ax.texts) + [ax.title]
        legend = ax.get_legend()
        if legend is not None:
            candidates += legend.get_texts()
        for text in candidates:
            if text.get_text() and text.get_visible():
                found.append(text)
    return found


def assert_no_overlap(fig):
    assert plot.overlapping_texts(labels(fig)) == []


def draw(function, *args, **kwargs):
    plot.use_chinese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a missing glyph fails here
        return function(*args, **kwargs)


@pytest.mark.parametrize("steps", [2, 4, 6])
def test_bidirectional_rnn(steps):
    ax = draw(plot.draw_bidirectional_rnn, steps)
    texts = [t.get_text() for t in labels(ax.figure)]
    assert sum(t.startswith("$x_") for t in texts) == steps
    assert sum(t.startswith(r"$\overrightarrow") for t in texts) == steps
    assert sum(t.startswith(r"$\overleftarrow") for t in texts) == steps
    assert sum(t.startswith("$[") for t in texts) == steps  # one concatenated output per step
    assert any(t.startswith("h_n[0]") and f"x_{{{steps}}}" in t for t in texts)
    assert any(t.startswith("h_n[1]") and "x_1" in t for t in texts)
    assert_no_overlap(ax.figure)
    plt.close("all")


@pytest.mark.parametrize(("num_layers", "steps"), [(2, 2), (3, 4), (4, 5)])
def test_stacked_rnn_marks_dropout_between_layers_only(num_layers, steps):
    ax = draw(plot.draw_stacked_rnn, num_layers, steps)
    texts = [t.get_text() for t in labels(ax.figure)]
    for layer in range(1, num_layers + 1):
        assert f"第 {layer} 层" in texts and f"h_n[{layer - 1}]" in texts
    diamonds = [line for line in ax.lines if line.get_marker() == "D"]
    assert len(diamonds) == (num_layers - 1) * steps  # between layers, nowhere else
    assert any("丢弃（dropout）" in t for t in texts)
    assert_no_overlap(ax.figure)
    plt.close("all")


def test_packing_uses_the_batch_sizes_of_pack_padded_sequence():
    lengths = torch.tensor([5, 3, 2])
    x = torch.zeros(3, 5, 1)
    packed = pack_padded_sequence(x, lengths, batch_first=True)
    fig = draw(plot.draw_packing, lengths.tolist(), packed.batch_sizes.tolist())
    texts = [t.get_text() for t in labels(fig)]
    assert texts.count("填充") == 5
    assert [t for t in texts if t.isdigit()] == ["3", "3", "2", "1", "1"]
    assert "batch_sizes" in texts and "data" in texts
    assert_no_overlap(fig)
    plt.close("all")


def test_packing_sorts_and_checks_its_arguments():
    fig = draw(plot.draw_packing, [2, 4], [2, 2, 1, 1])  # unsorted: the longest row first
    first_row = [t for t in fig.axes[0].texts if t.get_text().startswith("序列")]
    assert "序列 B" in first_row[0].get_text()
    with pytest.raises(ValueError, match="batch_sizes"):
        plot.draw_packing([5, 3, 2], [3, 2, 2, 1, 1])
    with pytest.raises(ValueError, match="lengths"):
        plot.draw_packing([], [])
    with pytest.raises(ValueError, match="steps"):
        plot.draw_bidirectional_rnn(9)
    with pytest.raises(ValueError, match="num_layers"):
        plot.draw_stacked_rnn(1)
    plt.close("all")
