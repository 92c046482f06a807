"""Neural-network layers written from scratch, drop-in compatible with torch.nn.

Recurrent cells (one time step) and layers (multi-layer, bidirectional, batch_first,
dropout, PackedSequence): their parameters have PyTorch's names, shapes and
initialisation, so `ours.load_state_dict(theirs.state_dict())` works both ways.
``init`` starts gates open or closed; ``recurrent_layer`` builds any of these layers (or
torch's) the same way for every model. Attention (additive, Luong's dot/general/concat and
dot-product, with padding masks) and encoder-decoder models build on them (chapter 7).
"""

from seqbook.nn.attention import (
    AdditiveAttention,
    LuongAttention,
    dot_product_attention,
    length_mask,
    masked_softmax,
)
from seqbook.nn.builder import keeps_cell_state, recurrent_cell, recurrent_layer
from seqbook.nn.cells import (
    GRUCell,
    LSTMCell,
    RNNCell,
    RNNCellBase,
    gru_cell,
    lstm_cell,
    rnn_cell,
)
from seqbook.nn.init import gate_blocks, set_forget_bias, set_gate_bias
from seqbook.nn.rnn import GRU, LSTM, RNN, RNNBase, final_state
from seqbook.nn.seq2seq import AttentionDecoder, Decoder, Encoder, Memory, Seq2Seq

__all__ = [
    "AdditiveAttention",
    "AttentionDecoder",
    "Decoder",
    "Encoder",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "LuongAttention",
    "Memory",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "Seq2Seq",
    "dot_product_attention",
    "final_state",
    "gate_blocks",
    "gru_cell",
    "keeps_cell_state",
    "length_mask",
    "lstm_cell",
    "masked_softmax",
    "recurrent_cell",
    "recurrent_layer",
    "rnn_cell",
    "set_forget_bias",
    "set_gate_bias",
]
