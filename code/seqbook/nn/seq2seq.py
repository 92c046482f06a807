"""编码器—解码器（序列到序列）模型，带或不带注意力。

``Encoder`` 读入源序列，返回 ``Memory``：每个源位置上的输出、真实位置的掩码和摘要向量（最终状态）。
解码器根据上一个词元、自己的状态和这份记忆，一次写出一个目标词元：

- ``Decoder`` 每一步都只通过定长的摘要向量看源序列（Cho 等人 2014）：整句话必须装进一个向量，这就是瓶颈；
- ``AttentionDecoder`` 每一步都通过加性注意力看编码器的每个输出（Bahdanau 等人 2015）：查询是上一步的
  状态 s_(t-1)，上下文向量 c_t 进入循环单元，输出层看 s_t、c_t 和输入的词元。

``Seq2Seq`` 把两者连起来。它的 ``forward`` 用教师强制训练（解码器读真实的上一个词元）；
``encode``、``initial_state`` 与 ``step`` 供 ``seqbook.decode`` 中的贪心搜索和束搜索调用。解码器的状态
批次在前：(B, hidden_size)，LSTM 则是这样的 (h, c) 元组，所以搜索可以沿第 0 维重排它们。
"""

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqbook.checks import (
    check_bool,
    check_choice,
    check_dropout,
    check_layer_class,
    check_module,
    check_pad_id,
    check_positive_int,
    check_tensor,
)
from seqbook.nn.attention import LUONG_SCORES, AdditiveAttention, LuongAttention, length_mask
from seqbook.nn.builder import keeps_cell_state, recurrent_cell, recurrent_layer
from seqbook.nn.rnn import final_state
from seqbook.text import PAD_ID


class Memory(NamedTuple):
    """解码器可以读到的关于源序列的一切（每个张量都是批次在前）。"""

    outputs: Tensor  # (B, S, 方向数*H) 编码器最后一层在每个源位置上的输出
    mask: Tensor  # (B, S) 真实的源位置为 True，填充为 False
    summary: Tensor  # (B, 方向数*H) 最后一层的最终状态，两个方向拼接
    keys: Tensor | None = None  # 注意力投影后的键 W_k h_j + b，只算一次


class Encoder(nn.Module):
    """编码器：嵌入，再用一个（默认双向的）循环层只读真实的词元。

    ``rnn_cls`` 是任何与 torch 循环层签名相同的类：``torch.nn.GRU``、``torch.nn.LSTM``，或从零实现的
    ``seqbook.nn.GRU``/``LSTM``。填充后的序列会被打包，所以填充既不改变输出，也不改变摘要向量。
    丢弃（``dropout``）作用在嵌入上、堆叠的层与层之间和输出上。
    ``forward(src (B, S), lengths (B,))`` 返回 ``Memory``。
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        *,
        rnn_cls: type[nn.Module] = nn.GRU,
        bidirectional: bool = True,
        num_layers: int = 1,
        dropout: float = 0.0,
        pad_id: int = PAD_ID,
    ):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim), ("hidden_size", hidden_size)):
            check_positive_int(name, value)
        check_pad_id(pad_id, vocab_size)
        check_layer_class("rnn_cls", rnn_cls)
        check_bool("bidirectional", bidirectional)
        check_positive_int("num_layers", num_layers)
        check_dropout(dropout)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.dropout = nn.Dropout(dropout)
        self.rnn = recurrent_layer(
            rnn_cls, embedding_dim, hidden_size, num_layers=num_layers, bidirectional=bidirectional, dropout=dropout
        )
        self.num_directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.num_directions

    def forward(self, src: Tensor, lengths: Tensor) -> Memory:
        """编码一批源序列：src (B, S)、lengths (B,) -> ``Memory``（outputs、mask、summary）。"""
        check_tensor("src", src)
        lengths = torch.as_tensor(lengths)
        if src.dim() != 2 or lengths.shape != src.shape[:1]:
            raise ValueError(
                f"编码器的输入应为 src (batch, 源长度) 和 lengths (batch,)，实际为 {tuple(src.shape)} 和 "
                f"{tuple(lengths.shape)}。单个句子请先加一维批次：src.unsqueeze(0)。"
            )
        if lengths.min() < 1:
            raise ValueError("源序列的长度至少为 1：空句子没有可编码的内容，请在准备数据时去掉它们。")
        embedded = self.dropout(self.embedding(src))
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, h_n = self.rnn(packed)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src.size(1))
        summary = final_state(h_n, self.num_directions)
        mask = length_mask(lengths.to(src.device), src.size(1))
        return Memory(self.dropout(outputs), mask, summary)


class DeepOutput(nn.Module):
    """深输出层：logits = W_o dropout(tanh(W_f [features])) + b_o。"""

    def __init__(self, in_features: int, hidden_size: int, vocab_size: int, dropout: float = 0.0):
        super().__init__()
        for name, value in (("in_features", in_features), ("hidden_size", hidden_size), ("vocab_size", vocab_size)):
            check_positive_int(name, value)
        check_dropout(dropout)
        self.hidden = nn.Linear(in_features, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.logits = nn.Linear(hidden_size, vocab_size)

    def forward(self, features: Tensor) -> Tensor:
        return self.logits(self.dropout(torch.tanh(self.hidden(features))))


def _hidden(state):
    """状态中的隐藏状态 h：状态本身是 h，或 LSTM 的 (h, c)。"""
    return state[0] if isinstance(state, tuple) else state


class _DecoderBase(nn.Module):
    """两种解码器共同的部分：嵌入、初始状态 s_0 = tanh(W_s summary)、输出层。"""

    def __init__(self, vocab_size, embedding_dim, hidden_size, context_size, output_hidden, dropout, pad_id):
        super().__init__()
        for name, value in (
            ("vocab_size", vocab_size),
            ("embedding_dim", embedding_dim),
            ("hidden_size", hidden_size),
            ("context_size", context_size),
        ):
            check_positive_int(name, value)
        output_hidden = embedding_dim if output_hidden is None else output_hidden
        check_positive_int("output_hidden", output_hidden)
        check_dropout(dropout)
        check_pad_id(pad_id, vocab_size)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.dropout = nn.Dropout(dropout)
        self.bridge = nn.Linear(context_size, hidden_size)
        self.output = DeepOutput(hidden_size + context_size + embedding_dim, output_hidden, vocab_size, dropout)
        self.hidden_size = hidden_size
        self.context_size = context_size

    def check_memory(self, memory: Memory) -> None:
        if memory.summary.size(-1) != self.context_size:
            raise ValueError(
                f"编码器输出的维数 {memory.summary.size(-1)} 与解码器的 context_size={self.context_size} 不同；"
                "双向编码器的输出是 2 * hidden_size，请用 encoder.output_size 作为 context_size。"
            )

    def prepare(self, memory: Memory) -> Memory:
        """解码器每个源句只需算一次的东西（这里没有）。"""
        self.check_memory(memory)
        return memory

    def initial_state(self, memory: Memory):
        self.check_memory(memory)
        h = torch.tanh(self.bridge(memory.summary))
        return (h, torch.zeros_like(h)) if self.keeps_cell_state else h


class Decoder(_DecoderBase):
    """不带注意力的解码器：上下文 c 是编码器的摘要向量，每一步都相同。

    s_t = RNN(s_(t-1), [e(y_(t-1)); c]),    logits_t = DeepOutput([s_t; c; e(y_(t-1))])。

    ``rnn_cls`` 与 torch 循环层的签名相同（``torch.nn.GRU``、``seqbook.nn.GRU``、各种 LSTM……）；
    教师强制时一次调用就走完所有目标步。丢弃（``dropout``）作用在嵌入上和输出层之前的状态上。
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        context_size: int,
        *,
        rnn_cls: type[nn.Module] = nn.GRU,
        output_hidden: int | None = None,
        dropout: float = 0.0,
        pad_id: int = PAD_ID,
    ):
        check_layer_class("rnn_cls", rnn_cls)
        super().__init__(vocab_size, embedding_dim, hidden_size, context_size, output_hidden, dropout, pad_id)
        self.rnn = recurrent_layer(rnn_cls, embedding_dim + context_size, hidden_size)
        self.keeps_cell_state = keeps_cell_state(self.rnn)

    def forward(self, tgt_in: Tensor, memory: Memory, state=None):
        """在所有步上用教师强制：返回 (logits (B, T, V), 最终状态, None)。"""
        state = self.initial_state(memory) if state is None else state
        embedded = self.dropout(self.embedding(tgt_in))  # (B, T, E)
        context = memory.summary.unsqueeze(1).expand(-1, tgt_in.size(1), -1)  # (B, T, C)
        time_major = tuple(s.unsqueeze(0) for s in state) if self.keeps_cell_state else state.unsqueeze(0)
        outputs, final = self.rnn(torch.cat([embedded, context], dim=-1), time_major)
        final = tuple(s.squeeze(0) for s in final) if self.keeps_cell_state else final.squeeze(0)
        logits = self.output(torch.cat([self.dropout(outputs), context, embedded], dim=-1))
        return logits, final, None

    def step(self, tokens: Tensor, state, memory: Memory):
        """一步：tokens (B,) -> (logits (B, V), 新状态, None)。"""
        logits, state, _ = self.forward(tokens.unsqueeze(1), memory, state)
        return logits.squeeze(1), state, None


class AttentionDecoder(_DecoderBase):
    """带加性注意力的解码器（Bahdanau 等人 2015）。

    第 t 步以 s_(t-1) 为查询：
        c_t, a_t = attention(s_(t-1), 编码器的输出, mask)
        s_t = cell([e(y_(t-1)); c_t], s_(t-1))
        logits_t = DeepOutput([s_t; c_t; e(y_(t-1))])

    与其他模型一样，``rnn_cls`` 指定循环单元的种类（``torch.nn.GRU``、``seqbook.nn.LSTM``……）；解码器
    运行对应的单步单元（``torch.nn.GRUCell``……），因为这里沿时间的循环免不了：每个查询都是上一步
    算出的状态。丢弃（``dropout``）作用在嵌入上和输出层之前。

    ``score`` 选择打分函数："additive"（默认，``AdditiveAttention``），或 Luong 等人的 "dot"、
    "general"、"concat"（``LuongAttention``）；变的只是打分，查询仍是 s_(t-1)。"dot" 要求
    hidden_size == context_size。
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        context_size: int,
        *,
        attention_size: int | None = None,
        rnn_cls: type[nn.Module] = nn.GRU,
        output_hidden: int | None = None,
        dropout: float = 0.0,
        pad_id: int = PAD_ID,
        score: str = "additive",
    ):
        if attention_size is not None:
            check_positive_int("attention_size", attention_size, "不传则与 hidden_size 相同。")
        check_layer_class("rnn_cls", rnn_cls)
        check_choice("score", score, ("additive", *LUONG_SCORES))
        if attention_size is not None and score in ("dot", "general"):
            raise ValueError(f"attention_size 只用于 score='additive' 或 'concat'，score={score!r} 没有这一层；请去掉它。")
        super().__init__(vocab_size, embedding_dim, hidden_size, context_size, output_hidden, dropout, pad_id)
        if score == "dot" and hidden_size != context_size:
            raise ValueError(
                f"score='dot' 要求 hidden_size 与 context_size 相同（查询与键的维数相同），实际为 {hidden_size} 和 "
                f"{context_size}；请改用 score='general'，或让解码器的 hidden_size 等于编码器的 output_size。"
            )
        if score == "additive":
            self.attention = AdditiveAttention(hidden_size, context_size, attention_size or hidden_size)
        else:
            self.attention = LuongAttention(hidden_size, context_size, score, attention_size)
        self.cell = recurrent_cell(rnn_cls, embedding_dim + context_size, hidden_size)
        self.keeps_cell_state = keeps_cell_state(self.cell)

    def prepare(self, memory: Memory) -> Memory:
        """每个源句只投影一次键，而不是每一步投影一次。"""
        self.check_memory(memory)
        return memory._replace(keys=self.attention.project_keys(memory.outputs))

    def _advance(self, embedded: Tensor, state, memory: Memory):
        """循环的一步；返回 (新状态, 上下文向量, 注意力权重)。"""
        context, weights = self.attention(
            _hidden(state), memory.outputs, mask=memory.mask, projected_keys=memory.keys
        )
        state = self.cell(torch.cat([embedded, context], dim=-1), state)
        return state, context, weights

    def forward(self, tgt_in: Tensor, memory: Memory, state=None):
        """教师强制：返回 (logits (B, T, V), 最终状态, 注意力权重 (B, T, S))。"""
        if memory.keys is None:
            memory = self.prepare(memory)
        state = self.initial_state(memory) if state is None else state
        embedded = self.dropout(self.embedding(tgt_in))  # (B, T, E)
        hiddens, contexts, weights = [], [], []
        for t in range(tgt_in.size(1)):
            state, context, w = self._advance(embedded[:, t], state, memory)
            hiddens.append(_hidden(state))
            contexts.append(context)
            weights.append(w)
        features = [self.dropout(torch.stack(hiddens, 1)), torch.stack(contexts, 1), embedded]
        logits = self.output(torch.cat(features, dim=-1))  # 所有步一次大的矩阵乘法
        return logits, state, torch.stack(weights, 1)

    def step(self, tokens: Tensor, state, memory: Memory):
        """一步：tokens (B,) -> (logits (B, V), 新状态, 注意力权重 (B, S))。"""
        embedded = self.dropout(self.embedding(tokens))
        state, context, weights = self._advance(embedded, state, memory)
        logits = self.output(torch.cat([self.dropout(_hidden(state)), context, embedded], dim=-1))
        return logits, state, weights


class Seq2Seq(nn.Module):
    """编码器加解码器。

    - ``forward(src, src_lengths, tgt_in)`` -> logits (B, T, V)，用教师强制：tgt_in 是右移一位的目标
      （<bos> y_1 ... y_(T-1)）；``return_attention=True`` 时返回 (logits, weights (B, T, S))，
      不带注意力时 weights 为 None；
    - ``encode``、``initial_state`` 与 ``step`` 一次解码一个词元（``seqbook.decode``）。
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        check_module("encoder", encoder, "例如 Encoder(...)。")
        check_module("decoder", decoder, "例如 AttentionDecoder(...)。")
        for method in ("prepare", "initial_state", "step"):
            if not callable(getattr(decoder, method, None)):
                raise TypeError(
                    f"decoder 缺少方法 {method}：Seq2Seq 需要 seqbook.nn.Decoder 或 AttentionDecoder 那样的解码器。"
                )
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, src: Tensor, src_lengths: Tensor) -> Memory:
        """编码源序列，并算好解码器每个源句只需算一次的东西（例如投影后的键）。"""
        return self.decoder.prepare(self.encoder(src, src_lengths))

    def initial_state(self, memory: Memory):
        """解码器的初始状态 s_0。"""
        return self.decoder.initial_state(memory)

    def step(self, tokens: Tensor, state, memory: Memory):
        """tokens (B,) -> (logits (B, V), 新状态, 注意力权重 (B, S) 或 None)。"""
        return self.decoder.step(tokens, state, memory)

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, *, return_attention: bool = False):
        """教师强制：返回 logits (B, T, V)；``return_attention=True`` 时返回 (logits, 注意力权重)。"""
        check_bool("return_attention", return_attention)
        logits, _, weights = self.decoder(tgt_in, self.encode(src, src_lengths))
        return (logits, weights) if return_attention else logits
