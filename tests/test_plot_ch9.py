"""seqbook.plot.transformer: the figures of chapter 9's self-attention page."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from seqbook import plot  # noqa: E402
from seqbook.nn.multihead import causal_mask, sinusoidal_positions  # noqa: E402
from seqbook.plot.transformer import plot_attention_matrices, plot_positional_encoding  # noqa: E402


def all_texts(fig):
    """Every visible text a reader sees: titles, axis labels, tick labels, annotations, legends."""
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    return [t for t in texts if t.get_figure() is fig]


def drawn(fig, path=None):
    fig.canvas.draw()
    if path:
        fig.savefig(path)
    return fig


def test_attention_matrices_label_every_panel_without_overlap():
    plot.use_chinese_font()
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(5, 5, generator=g)
    matrices = [scores.softmax(-1), (scores + causal_mask(5)).softmax(-1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would fail here
        axes = plot_attention_matrices(matrices, ["不加掩码", "因果掩码"], list("春眠不觉晓"))
        fig = drawn(axes[0].figure)
    assert len(axes) == 2
    assert [ax.get_title() for ax in axes] == ["不加掩码", "因果掩码"]
    assert axes[0].get_ylabel() == "查询（位置）" and axes[1].get_xlabel() == "键（被看的位置）"
    assert [t.get_text() for t in axes[0].get_xticklabels()] == list("春眠不觉晓")
    assert len([t for t in axes[1].texts if t.get_text()]) == 25  # every weight written in its cell
    assert {t.get_text() for t in axes[1].texts} >= {"0.00", "1.00"}
    for ax in axes:  # the numbers inside one panel must not run into each other
        assert plot.overlapping_texts(ax.texts) == []
    outside = [t for t in all_texts(fig) if not any(t in ax.texts for ax in axes)]
    assert plot.overlapping_texts(outside) == []
    plt.close(fig)


def test_attention_matrices_reject_a_wrong_shape():
    with pytest.raises(ValueError, match="T = len"):
        plot_attention_matrices([torch.ones(4, 5) / 5], ["一个"], list("春眠不觉晓"))
    with pytest.raises(ValueError, match="一一对应"):
        plot_attention_matrices([torch.eye(2)], ["一", "二"], list("春眠"))


def test_positional_encoding_figure_has_heatmap_curves_and_no_overlap():
    plot.use_chinese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        heat, curves = plot_positional_encoding(sinusoidal_positions(64, 32), title="正弦位置编码")
        fig = drawn(heat.figure)
    assert heat.get_xlabel() == "位置 pos" and heat.get_ylabel() == "维度（列号）"
    assert curves.get_xlabel() == "位置 pos" and curves.get_ylabel() == "编码的值"
    labels = [t.get_text() for t in curves.get_legend().get_texts()]
    assert labels == ["第 2 列（sin）", "第 3 列（cos）", "第 8 列（sin）", "第 14 列（sin）"]
    assert len(curves.get_lines()) == 4 and len(heat.get_images()) == 1
    assert plot.overlapping_texts(all_texts(fig)) == [], plot.overlapping_texts(all_texts(fig))
    plt.close(fig)


def test_positional_encoding_rejects_bad_columns_and_shapes():
    with pytest.raises(ValueError, match="dim=8"):
        plot_positional_encoding(sinusoidal_positions(10, 8), columns=(0, 8))
    with pytest.raises(ValueError, match="length, dim"):
        plot_positional_encoding(torch.zeros(3, 4, 5))
