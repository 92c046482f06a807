"""One way to build the recurrent layer of a model, whichever class it is.

Every model of the book takes ``rnn_cls``: ``torch.nn.RNN``, ``LSTM`` or ``GRU``, or their
from-scratch twins in ``seqbook.nn``. ``recurrent_layer`` builds the multi-layer form,
``recurrent_cell`` the one-step cell of the same kind, and ``keeps_cell_state`` says
whether the layer carries a cell state next to h (an LSTM's state is the pair (h, c)).
"""

from torch import nn

from seqbook.checks import check_bool, check_dropout, check_layer_class, check_positive_int
from seqbook.nn.cells import GRUCell, LSTMCell, RNNCell
from seqbook.nn.rnn import GRU, LSTM, RNN

# The cell that computes one step of each layer class.
CELL_OF = {
    nn.RNN: nn.RNNCell,
    nn.LSTM: nn.LSTMCell,
    nn.GRU: nn.GRUCell,
    RNN: RNNCell,
    LSTM: LSTMCell,
    GRU: GRUCell,
}
_WITH_CELL_STATE = (nn.LSTM, nn.LSTMCell, LSTM, LSTMCell)


def recurrent_layer(
    rnn_cls: type[nn.Module],
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    **kwargs,
) -> nn.Module:
    """``rnn_cls(input_size, hidden_size, ...)`` with batch-first tensors.

    ``dropout`` is the models' dropout: it acts between stacked layers (torch's meaning
    inside the layer), so it is passed on only when ``num_layers > 1``; the model applies
    the same rate to the layer's input and output. ``kwargs`` go to ``rnn_cls`` (e.g.
    ``reset_after=False`` for ``seqbook.nn.GRU``).
    """
    check_layer_class("rnn_cls", rnn_cls)
    check_positive_int("input_size", input_size)
    check_positive_int("hidden_size", hidden_size)
    check_positive_int("num_layers", num_layers)
    check_bool("bidirectional", bidirectional)
    check_dropout(dropout)
    return rnn_cls(
        input_size,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
        dropout=dropout if num_layers > 1 else 0.0,
        **kwargs,
    )


def recurrent_cell(rnn_cls: type[nn.Module], input_size: int, hidden_size: int, **kwargs) -> nn.Module:
    """The one-step cell of ``rnn_cls``'s kind: ``nn.GRU`` -> ``nn.GRUCell(input_size, hidden_size)``."""
    check_layer_class("rnn_cls", rnn_cls)
    check_positive_int("input_size", input_size)
    check_positive_int("hidden_size", hidden_size)
    if rnn_cls not in CELL_OF:
        known = "、".join(f"{cls.__module__}.{cls.__name__}" for cls in CELL_OF)
        raise ValueError(f"不知道 {rnn_cls.__name__} 对应哪种单元：rnn_cls 只能是 {known} 之一。")
    return CELL_OF[rnn_cls](input_size, hidden_size, **kwargs)


def keeps_cell_state(layer: nn.Module) -> bool:
    """Does ``layer`` (a layer or cell) carry a cell state c next to h, i.e. is it an LSTM?"""
    return isinstance(layer, _WITH_CELL_STATE)
