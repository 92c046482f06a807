"""从零写出的神经网络层，可直接替换 torch.nn 中的对应层。

循环单元（一个时间步）与循环层（多层、双向、batch_first、丢弃、PackedSequence）：参数名、形状和
初始化都与 PyTorch 相同，所以 `ours.load_state_dict(theirs.state_dict())` 两个方向都行。``init`` 让门
在开始时打开或关闭；``recurrent_layer`` 为每个模型用同一种方式建立这些层（或 torch 的层）。注意力
（加性、Luong 的 dot/general/concat 与点积注意力，带填充掩码）和编码器—解码器模型建立在它们之上（第 7 章）。
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
