"""无论是哪个类，都用同一种方式建立模型的循环层。

本书的每个模型都接受 ``rnn_cls``：``torch.nn.RNN``、``LSTM`` 或 ``GRU``，或 ``seqbook.nn`` 中从零实现的
对应层。``recurrent_layer`` 建立多层的形式，``recurrent_cell`` 建立同一种类的单步单元，
``keeps_cell_state`` 说明这个层在 h 之外是否还带着细胞状态（LSTM 的状态是 (h, c) 对）。
"""

from torch import nn

from seqbook.checks import check_bool, check_dropout, check_layer_class, check_positive_int
from seqbook.nn.cells import GRUCell, LSTMCell, RNNCell
from seqbook.nn.rnn import GRU, LSTM, RNN

# 每种层对应的、计算一个时间步的单元。
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
    """批次在前（batch_first）的 ``rnn_cls(input_size, hidden_size, ...)``。

    ``dropout`` 是模型的丢弃比例：在层内它作用在堆叠的层与层之间（torch 的含义），所以只在
    ``num_layers > 1`` 时传下去；模型对这个层的输入和输出用同样的比例。``kwargs`` 传给 ``rnn_cls``
    （例如 ``seqbook.nn.GRU`` 的 ``reset_after=False``）。
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
    """与 ``rnn_cls`` 同一种类的单步单元：``nn.GRU`` -> ``nn.GRUCell(input_size, hidden_size)``。"""
    check_layer_class("rnn_cls", rnn_cls)
    check_positive_int("input_size", input_size)
    check_positive_int("hidden_size", hidden_size)
    if rnn_cls not in CELL_OF:
        known = "、".join(f"{cls.__module__}.{cls.__name__}" for cls in CELL_OF)
        raise ValueError(f"不知道 {rnn_cls.__name__} 对应哪种单元：rnn_cls 只能是 {known} 之一。")
    return CELL_OF[rnn_cls](input_size, hidden_size, **kwargs)


def keeps_cell_state(layer: nn.Module) -> bool:
    """``layer``（层或单元）在 h 之外是否还带着细胞状态 c，即它是不是 LSTM？"""
    return isinstance(layer, _WITH_CELL_STATE)
