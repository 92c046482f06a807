"""Every figure of the book, and the only part of seqbook that imports matplotlib.

Call ``use_chinese_font()`` once per notebook so that Chinese labels render. Then:
training curves (``plot_history``), attention heatmaps (``plot_attention``), unrolled
networks and the five RNN types (``draw_unrolled``, ``draw_rnn_types``), and one LSTM or
GRU cell (``draw_lstm_cell``, ``draw_gru_cell``); chapter 6's architectures: a bidirectional
RNN, a stacked RNN and a packed batch (``draw_bidirectional_rnn``, ``draw_stacked_rnn``,
``draw_packing``); chapter 3's clipping experiment on a linear and a log scale
(``plot_clipping_losses``); chapter 1's word lattice with jieba's maximum-probability path
(``draw_word_lattice``); labelled scatter plots whose labels do not overlap, e.g. chapter 2's
PCA of word vectors (``plot_labelled_points``, ``overlapping_texts``); chapter 7's
encoder-decoder with and without attention (``draw_encoder_decoder``) and beam-search tree
(``draw_beam_tree``).
"""

from seqbook.plot.architectures import draw_bidirectional_rnn, draw_packing, draw_stacked_rnn
from seqbook.plot.cells import draw_gru_cell, draw_lstm_cell
from seqbook.plot.clipping import plot_clipping_losses
from seqbook.plot.curves import plot_history
from seqbook.plot.diagrams import draw_rnn_types, draw_unrolled
from seqbook.plot.fonts import find_chinese_font, use_chinese_font
from seqbook.plot.heatmaps import plot_attention
from seqbook.plot.lattice import draw_word_lattice
from seqbook.plot.scatter import overlapping_texts, plot_labelled_points
from seqbook.plot.seq2seq import draw_beam_tree, draw_encoder_decoder

__all__ = [
    "draw_beam_tree",
    "draw_bidirectional_rnn",
    "draw_encoder_decoder",
    "draw_gru_cell",
    "draw_lstm_cell",
    "draw_packing",
    "draw_rnn_types",
    "draw_stacked_rnn",
    "draw_unrolled",
    "draw_word_lattice",
    "find_chinese_font",
    "overlapping_texts",
    "plot_attention",
    "plot_clipping_losses",
    "plot_history",
    "plot_labelled_points",
    "use_chinese_font",
]
