"""Neural-network layers written from scratch, drop-in compatible with torch.nn.

Recurrent cells (one time step) and layers (multi-layer, bidirectional, batch_first,
dropout, PackedSequence): their parameters have PyTorch's names, shapes and
initialisation, so `ours.load_state_dict(theirs.state_dict())` works both ways.
"""

from seqbook.nn.cells import (
    GRUCell,
    LSTMCell,
    RNNCell,
    RNNCellBase,
    gru_cell,
    lstm_cell,
    rnn_cell,
)
from seqbook.nn.rnn import GRU, LSTM, RNN, RNNBase

__all__ = [
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "gru_cell",
    "lstm_cell",
    "rnn_cell",
]
