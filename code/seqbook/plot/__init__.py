"""Every figure of the book, and the only part of seqbook that imports matplotlib.

Call ``use_chinese_font()`` once per notebook so that Chinese labels render. Then:
training curves (``plot_history``), attention heatmaps (``plot_attention``), unrolled
networks and the five RNN types (``draw_unrolled``, ``draw_rnn_types``), and one LSTM or
GRU cell (``draw_lstm_cell``, ``draw_gru_cell``).
"""

from seqbook.plot.cells import draw_gru_cell, draw_lstm_cell
from seqbook.plot.curves import plot_history
from seqbook.plot.diagrams import draw_rnn_types, draw_unrolled
from seqbook.plot.fonts import find_chinese_font, use_chinese_font
from seqbook.plot.heatmaps import plot_attention

__all__ = [
    "draw_gru_cell",
    "draw_lstm_cell",
    "draw_rnn_types",
    "draw_unrolled",
    "find_chinese_font",
    "plot_attention",
    "plot_history",
    "use_chinese_font",
]
