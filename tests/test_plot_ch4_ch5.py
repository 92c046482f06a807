"""seqbook.plot.cells: the LSTM and GRU diagrams of chapters 4 and 5."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from seqbook import plot  # noqa: E402
from seqbook.plot import draw_gru_cell, draw_lstm_cell  # noqa: E402


def _draw(draw):
    plot.use_chinese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would fail here
        ax = draw()
        ax.figure.canvas.draw()
    return ax


def _labels(ax):
    return [t for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("draw", [draw_lstm_cell, lambda: draw_gru_cell(False), lambda: draw_gru_cell(True)],
                         ids=["lstm", "gru-cho", "gru-pytorch"])
def test_cell_diagrams_have_no_overlapping_text(draw):
    ax = _draw(draw)
    assert plot.overlapping_texts(_labels(ax)) == []
    plt.close(ax.figure)


def test_lstm_diagram_names_the_gates_in_chinese():
    ax = _draw(draw_lstm_cell)
    texts = {t.get_text() for t in _labels(ax)}
    assert {"遗忘门 $f_t$", "输入门 $i_t$", "候选值 $g_t$", "输出门 $o_t$", "$c_{t-1}$", "$c_t$", "$h_t$"} <= texts
    plt.close(ax.figure)


def _position(ax, text):
    (found,) = [t for t in ax.texts if t.get_text() == text]
    return found.get_position()


def test_gru_diagrams_differ_in_where_w_hn_sits():
    after, before = _draw(lambda: draw_gru_cell(True)), _draw(lambda: draw_gru_cell(False))
    for ax in (after, before):
        texts = {t.get_text() for t in _labels(ax)}
        assert {"更新门 $z_t$", "重置门 $r_t$", "候选状态 $n_t$", "$W_{in} x_t + b_{in}$"} <= texts
    # h_{t-1} flows down into the candidate: PyTorch meets W_hn first (higher), Cho meets r_t first
    w_after = _position(after, "$W_{hn} h_{t-1} + b_{hn}$")
    r_after = [t.get_position() for t in after.texts if t.get_text() == "×" and t.get_position()[0] == w_after[0]]
    assert len(r_after) == 1 and r_after[0][1] < w_after[1]
    w_before = _position(before, "$W_{hn}(\\,\\cdot\\,) + b_{hn}$")
    r_before = [t.get_position() for t in before.texts if t.get_text() == "×" and t.get_position()[0] == w_before[0]]
    assert len(r_before) == 1 and r_before[0][1] > w_before[1]
    assert "先乘 $W_{hn}$，再乘 $r_t$" in {t.get_text() for t in after.texts}
    assert "先乘 $r_t$，再乘 $W_{hn}$" in {t.get_text() for t in before.texts}
    # x_t enters the candidate through W_in alone: its box is below the + that joins the two paths,
    # not beside the reset gate's product
    assert _position(after, "$W_{in} x_t + b_{in}$")[0] != w_after[0]
    plt.close("all")


def test_gru_diagram_rejects_a_non_bool_form():
    with pytest.raises(TypeError, match="reset_after"):
        draw_gru_cell(reset_after="yes")
