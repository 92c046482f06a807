"""Encoder-decoder (sequence-to-sequence) models, with and without attention.

An ``Encoder`` reads the source and returns a ``Memory``: its output at every source
position, a mask of the real positions and a summary (the final states). A decoder writes
the target one token at a time from the previous token, its state and the memory:

- ``Decoder`` sees the source only through the fixed-size summary, at every step
  (Cho et al. 2014): the whole sentence must fit into one vector, the bottleneck;
- ``AttentionDecoder`` looks at every encoder output at every step through additive
  attention (Bahdanau et al. 2015): its query is the previous state s_(t-1), the context
  c_t enters the recurrent cell, and the output layer sees s_t, c_t and the input token.

``Seq2Seq`` joins the two. Its ``forward`` trains with teacher forcing (the decoder reads the
gold previous token); ``encode``, ``initial_state`` and ``step`` are what greedy and beam
search in ``seqbook.decode`` call. Decoder states are batch-first: (batch, hidden_size), or a
tuple (h, c) of those for an LSTM, so a search can reorder them along dimension 0.
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
    """What the decoder may read about the source (every tensor has the batch first)."""

    outputs: Tensor  # (N, S, D*H) the encoder's last layer at every source position
    mask: Tensor  # (N, S) True at real source positions, False at padding
    summary: Tensor  # (N, D*H) the last layer's final state, directions concatenated
    keys: Tensor | None = None  # attention's projected keys W_k h_j + b, computed once


class Encoder(nn.Module):
    """Embedding, then a (by default bidirectional) recurrent layer over the real tokens only.

    ``rnn_cls`` is any class with torch's recurrent-layer signature: ``torch.nn.GRU``,
    ``torch.nn.LSTM``, or their from-scratch twins ``seqbook.nn.GRU``/``LSTM``. Padded
    sequences are packed, so padding changes neither the outputs nor the summary.
    ``dropout`` acts on the embeddings, between stacked layers and on the outputs.
    ``forward(src (N, S), lengths (N,))`` returns a ``Memory``.
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
    """The output layer: logits = W_o dropout(tanh(W_f [features])) + b_o."""

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
    """The hidden state h of a state that is h, or (h, c) for an LSTM."""
    return state[0] if isinstance(state, tuple) else state


class _DecoderBase(nn.Module):
    """Embedding, the initial state s_0 = tanh(W_s summary), the output layer."""

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
        """Whatever the decoder computes once per source sentence (nothing here)."""
        self.check_memory(memory)
        return memory

    def initial_state(self, memory: Memory):
        self.check_memory(memory)
        h = torch.tanh(self.bridge(memory.summary))
        return (h, torch.zeros_like(h)) if self.keeps_cell_state else h


class Decoder(_DecoderBase):
    """A decoder without attention: the context c is the encoder's summary, the same at every step.

    s_t = RNN(s_(t-1), [e(y_(t-1)); c]),    logits_t = DeepOutput([s_t; c; e(y_(t-1))]).

    ``rnn_cls`` has torch's recurrent-layer signature (``torch.nn.GRU``, ``seqbook.nn.GRU``,
    the LSTMs...); with teacher forcing it runs over all target steps in one call.
    ``dropout`` acts on the embeddings and on the states before the output layer.
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
        """Teacher forcing over all steps: returns (logits (N, T, V), final state, None)."""
        state = self.initial_state(memory) if state is None else state
        embedded = self.dropout(self.embedding(tgt_in))  # (N, T, E)
        context = memory.summary.unsqueeze(1).expand(-1, tgt_in.size(1), -1)  # (N, T, C)
        time_major = tuple(s.unsqueeze(0) for s in state) if self.keeps_cell_state else state.unsqueeze(0)
        outputs, final = self.rnn(torch.cat([embedded, context], dim=-1), time_major)
        final = tuple(s.squeeze(0) for s in final) if self.keeps_cell_state else final.squeeze(0)
        logits = self.output(torch.cat([self.dropout(outputs), context, embedded], dim=-1))
        return logits, final, None

    def step(self, tokens: Tensor, state, memory: Memory):
        """One step: tokens (N,) -> (logits (N, V), new state, None)."""
        logits, state, _ = self.forward(tokens.unsqueeze(1), memory, state)
        return logits.squeeze(1), state, None


class AttentionDecoder(_DecoderBase):
    """A decoder with additive attention (Bahdanau et al. 2015).

    At step t, with s_(t-1) as the query:
        c_t, a_t = attention(s_(t-1), encoder outputs, mask)
        s_t = cell([e(y_(t-1)); c_t], s_(t-1))
        logits_t = DeepOutput([s_t; c_t; e(y_(t-1))])

    ``rnn_cls`` names the kind of recurrent unit, as for the other models (``torch.nn.GRU``,
    ``seqbook.nn.LSTM``...); the decoder runs its one-step cell (``torch.nn.GRUCell``...),
    because the loop over time is unavoidable here: each query is the state the previous
    step produced. ``dropout`` acts on the embeddings and before the output layer.

    ``score`` picks the score function: "additive" (the default, ``AdditiveAttention``), or
    Luong et al.'s "dot", "general" or "concat" (``LuongAttention``); only the score changes,
    the query is still s_(t-1). "dot" needs hidden_size == context_size.
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
        """Project the keys once per source sentence instead of once per step."""
        self.check_memory(memory)
        return memory._replace(keys=self.attention.project_keys(memory.outputs))

    def _advance(self, embedded: Tensor, state, memory: Memory):
        """One recurrent step; returns (new state, context, attention weights)."""
        context, weights = self.attention(
            _hidden(state), memory.outputs, mask=memory.mask, projected_keys=memory.keys
        )
        state = self.cell(torch.cat([embedded, context], dim=-1), state)
        return state, context, weights

    def forward(self, tgt_in: Tensor, memory: Memory, state=None):
        """Teacher forcing: returns (logits (N, T, V), final state, attention weights (N, T, S))."""
        if memory.keys is None:
            memory = self.prepare(memory)
        state = self.initial_state(memory) if state is None else state
        embedded = self.dropout(self.embedding(tgt_in))  # (N, T, E)
        hiddens, contexts, weights = [], [], []
        for t in range(tgt_in.size(1)):
            state, context, w = self._advance(embedded[:, t], state, memory)
            hiddens.append(_hidden(state))
            contexts.append(context)
            weights.append(w)
        features = [self.dropout(torch.stack(hiddens, 1)), torch.stack(contexts, 1), embedded]
        logits = self.output(torch.cat(features, dim=-1))  # one big matrix product for all steps
        return logits, state, torch.stack(weights, 1)

    def step(self, tokens: Tensor, state, memory: Memory):
        """One step: tokens (N,) -> (logits (N, V), new state, attention weights (N, S))."""
        embedded = self.dropout(self.embedding(tokens))
        state, context, weights = self._advance(embedded, state, memory)
        logits = self.output(torch.cat([self.dropout(_hidden(state)), context, embedded], dim=-1))
        return logits, state, weights


class Seq2Seq(nn.Module):
    """An encoder and a decoder.

    - ``forward(src, src_lengths, tgt_in)`` -> logits (N, T, V) with teacher forcing: tgt_in
      is the target shifted right (<bos> y_1 ... y_(T-1)); with ``return_attention=True`` it
      returns (logits, weights (N, T, S)), weights None without attention;
    - ``encode``, ``initial_state`` and ``step`` decode one token at a time (``seqbook.decode``).
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
        return self.decoder.prepare(self.encoder(src, src_lengths))

    def initial_state(self, memory: Memory):
        return self.decoder.initial_state(memory)

    def step(self, tokens: Tensor, state, memory: Memory):
        """tokens (N,) -> (logits (N, V), new state, attention weights (N, S) or None)."""
        return self.decoder.step(tokens, state, memory)

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, *, return_attention: bool = False):
        check_bool("return_attention", return_attention)
        logits, _, weights = self.decoder(tgt_in, self.encode(src, src_lengths))
        return (logits, weights) if return_attention else logits
