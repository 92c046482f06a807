"""Attention: a weighted look at every encoder output, with padding masked out.

For a query q (the decoder's state) and keys k_1..k_S (the encoder's outputs), an attention
function scores every key, turns the scores into weights with a softmax over the real
(unpadded) positions, and returns the weighted sum of the values (by default the keys):

    a_j = softmax_j(score(q, k_j)),    context = sum_j a_j v_j

``AdditiveAttention`` scores with a small network, score(q, k) = v . tanh(W_q q + W_k k + b)
(Bahdanau et al. 2015); ``LuongAttention`` offers the three scores of Luong et al. (2015),
"dot" q . k, "general" q . W k and "concat" v . tanh(W [q; k]), with the same interface;
``dot_product_attention`` scores with q . k / sqrt(d) (the form Transformers use).
``seqbook.plot.plot_attention`` draws the weights as a heatmap.
"""

import math

import torch
from torch import Tensor, nn

from seqbook.checks import (
    check_bool,
    check_choice,
    check_int_at_least,
    check_positive_int,
    check_tensor,
)


def length_mask(lengths: Tensor, max_len: int | None = None) -> Tensor:
    """A boolean mask (batch, max_len): True at the first ``lengths[i]`` positions of row i."""
    if max_len is not None:
        check_int_at_least("max_len", max_len, 0, "不传则用最长的长度。")
    lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1:
        raise ValueError(f"lengths 应为一维张量（每个序列一个长度），实际形状为 {tuple(lengths.shape)}。")
    longest = int(lengths.max()) if len(lengths) else 0
    max_len = longest if max_len is None else max_len
    if longest > max_len:
        raise ValueError(f"有序列的长度 {longest} 超过了 max_len={max_len}；请把 max_len 设为至少 {longest}。")
    return torch.arange(max_len, device=lengths.device) < lengths[:, None]


def masked_softmax(scores: Tensor, mask: Tensor | None = None) -> Tensor:
    """softmax over the last dimension, with weight exactly 0 where ``mask`` is False.

    ``mask`` (broadcastable to ``scores``) is True at the positions that may be attended to.
    Every row must keep at least one position: a sequence of length 0 has nothing to look at.
    """
    check_tensor("scores", scores)
    if mask is None:
        return torch.softmax(scores, dim=-1)
    mask = mask.to(device=scores.device, dtype=torch.bool)
    if not mask.any(dim=-1).all():
        raise ValueError(
            "掩码中有一行全为 False：这一行没有可以关注的位置（源序列长度为 0？）。"
            "请确认每个源序列至少有一个词元，并且掩码中 True 表示真实词元、False 表示填充。"
        )
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def _as_batched_mask(mask: Tensor | None, keys: Tensor, query: Tensor) -> Tensor | None:
    """Check a (batch, S) mask against the keys; add a time axis for a (batch, T, .) query."""
    if mask is None:
        return None
    if tuple(mask.shape) != tuple(keys.shape[:2]):
        raise ValueError(
            f"mask 的形状应为 (batch, 源序列长度) = {tuple(keys.shape[:2])}，实际为 {tuple(mask.shape)}。"
            "可以用 length_mask(源序列长度, keys.size(1)) 生成。"
        )
    return mask[:, None, :] if query.dim() == 3 else mask


def _weighted_sum(weights: Tensor, values: Tensor) -> Tensor:
    """sum_j weights[..., j] * values[:, j] for weights (N, S) or (N, T, S); values (N, S, Hv)."""
    if weights.dim() == 2:
        return torch.bmm(weights.unsqueeze(1), values).squeeze(1)
    return torch.bmm(weights, values)


def _check_query_keys(query: Tensor, keys: Tensor, values: Tensor) -> None:
    for name, tensor in (("query", query), ("keys", keys), ("values", values)):
        check_tensor(name, tensor)
    if query.dim() not in (2, 3) or keys.dim() != 3:
        raise ValueError(
            "注意力的输入形状应为 query (batch, query_size) 或 (batch, T, query_size)，"
            f"keys (batch, S, key_size)；实际为 query {tuple(query.shape)}，keys {tuple(keys.shape)}。"
        )
    if query.size(0) != keys.size(0) or values.shape[:2] != keys.shape[:2]:
        raise ValueError(
            f"批次或源序列长度不一致：query {tuple(query.shape)}，keys {tuple(keys.shape)}，"
            f"values {tuple(values.shape)}。keys 与 values 的前两维 (batch, S) 必须相同，query 的批次也要相同。"
        )


class AdditiveAttention(nn.Module):
    """Additive (Bahdanau) attention: score(q, k) = v . tanh(W_q q + W_k k + b).

    ``forward(query, keys, values=None, mask=None)`` takes a query (batch, query_size), or
    one query per target step (batch, T, query_size); keys (batch, S, key_size); values
    (batch, S, value_size), the keys if None; a boolean mask (batch, S), True at real
    source positions. It returns ``(context, weights)``: context (batch, value_size) and
    weights (batch, S), or with T queries (batch, T, value_size) and (batch, T, S).

    W_k k does not depend on the query: a decoder computes ``project_keys(keys)`` once per
    source sentence and passes it as ``projected_keys`` at every step.
    """

    def __init__(self, query_size: int, key_size: int, hidden_size: int):
        super().__init__()
        for name, value in (("query_size", query_size), ("key_size", key_size), ("hidden_size", hidden_size)):
            check_positive_int(name, value)
        self.query_proj = nn.Linear(query_size, hidden_size, bias=False)
        self.key_proj = nn.Linear(key_size, hidden_size)
        self.score_proj = nn.Linear(hidden_size, 1, bias=False)

    def project_keys(self, keys: Tensor) -> Tensor:
        """W_k k + b for every key: (batch, S, hidden_size)."""
        return self.key_proj(keys)

    def scores(self, query: Tensor, projected_keys: Tensor) -> Tensor:
        """The unnormalised scores v . tanh(W_q q + W_k k + b): (batch, S) or (batch, T, S)."""
        q = self.query_proj(query).unsqueeze(-2)  # (N, 1, A) or (N, T, 1, A)
        k = projected_keys if query.dim() == 2 else projected_keys.unsqueeze(1)  # (N, [1,] S, A)
        return self.score_proj(torch.tanh(q + k)).squeeze(-1)

    def forward(self, query, keys, values=None, mask=None, *, projected_keys=None):
        values = keys if values is None else values
        _check_query_keys(query, keys, values)
        if query.size(-1) != self.query_proj.in_features or keys.size(-1) != self.key_proj.in_features:
            raise ValueError(
                f"特征数不符：这个注意力层要求 query 的最后一维为 {self.query_proj.in_features}、"
                f"keys 的最后一维为 {self.key_proj.in_features}，实际为 {query.size(-1)} 和 {keys.size(-1)}。"
            )
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        weights = masked_softmax(self.scores(query, projected_keys), _as_batched_mask(mask, keys, query))
        return _weighted_sum(weights, values), weights


LUONG_SCORES = ("dot", "general", "concat")


class LuongAttention(nn.Module):
    """Luong 等（2015）的三种打分函数，接口与 ``AdditiveAttention`` 相同。

    - ``score="dot"``：score(q, k) = q · k，没有参数，要求 query_size == key_size；
    - ``score="general"``：score(q, k) = q · W k，W 的形状为 (query_size, key_size)；
    - ``score="concat"``：score(q, k) = v · tanh(W [q; k])，即去掉偏置 b 的加性打分，
      ``hidden_size`` 是 W 的行数（不传则与 query_size 相同）。

    W k（或 dot 的 k 本身）与查询无关：``project_keys(keys)`` 每个源句只算一次，
    作为 ``projected_keys`` 传给每一步。``forward`` 返回 ``(context, weights)``。
    """

    def __init__(self, query_size: int, key_size: int, score: str = "general", hidden_size: int | None = None):
        super().__init__()
        check_positive_int("query_size", query_size)
        check_positive_int("key_size", key_size)
        check_choice("score", score, LUONG_SCORES, "加性打分请用 AdditiveAttention。")
        if hidden_size is not None:
            check_positive_int("hidden_size", hidden_size, "不传则与 query_size 相同。")
            if score != "concat":
                raise ValueError(f"hidden_size 只用于 score='concat'，score={score!r} 没有这一层；请去掉 hidden_size。")
        if score == "dot" and query_size != key_size:
            raise ValueError(
                f"score='dot' 要求 query_size 与 key_size 相同，实际为 {query_size} 和 {key_size}；"
                "维数不同时请用 score='general'（它多一个 W 把 k 投影到查询的维数）。"
            )
        self.query_size, self.key_size, self.score = query_size, key_size, score
        if score == "general":
            self.key_proj = nn.Linear(key_size, query_size, bias=False)  # W k
        elif score == "concat":
            hidden_size = hidden_size or query_size
            self.query_proj = nn.Linear(query_size, hidden_size, bias=False)  # W 作用在 q 上的那几列
            self.key_proj = nn.Linear(key_size, hidden_size, bias=False)  # W 作用在 k 上的那几列
            self.score_proj = nn.Linear(hidden_size, 1, bias=False)  # v

    def project_keys(self, keys: Tensor) -> Tensor:
        """与查询无关的部分：dot 为 k 本身，general 为 W k，concat 为 W 的 k 部分乘 k。"""
        return keys if self.score == "dot" else self.key_proj(keys)

    def scores(self, query: Tensor, projected_keys: Tensor) -> Tensor:
        """未归一化的分数：(batch, S)，或每步一个查询时 (batch, T, S)。"""
        if self.score == "concat":
            q = self.query_proj(query).unsqueeze(-2)  # (N, 1, A) 或 (N, T, 1, A)
            k = projected_keys if query.dim() == 2 else projected_keys.unsqueeze(1)
            return self.score_proj(torch.tanh(q + k)).squeeze(-1)
        q = query.unsqueeze(1) if query.dim() == 2 else query  # (N, T, d)
        scores = torch.bmm(q, projected_keys.transpose(1, 2))  # (N, T, S)：每个查询与每个键的内积
        return scores.squeeze(1) if query.dim() == 2 else scores

    def forward(self, query, keys, values=None, mask=None, *, projected_keys=None):
        values = keys if values is None else values
        _check_query_keys(query, keys, values)
        if query.size(-1) != self.query_size or keys.size(-1) != self.key_size:
            raise ValueError(
                f"特征数不符：这个注意力层要求 query 的最后一维为 {self.query_size}、"
                f"keys 的最后一维为 {self.key_size}，实际为 {query.size(-1)} 和 {keys.size(-1)}。"
            )
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        weights = masked_softmax(self.scores(query, projected_keys), _as_batched_mask(mask, keys, query))
        return _weighted_sum(weights, values), weights

    def extra_repr(self) -> str:
        return f"query_size={self.query_size}, key_size={self.key_size}, score={self.score!r}"


def dot_product_attention(query, keys, values=None, mask=None, *, scale: bool = True):
    """Dot-product attention: score(q, k) = q . k / sqrt(d), without parameters.

    Same shapes and mask as ``AdditiveAttention``, but query_size must equal key_size (d).
    ``scale=False`` drops the 1/sqrt(d) (Luong et al. 2015's "dot" score). Returns
    ``(context, weights)``.
    """
    values = keys if values is None else values
    _check_query_keys(query, keys, values)
    check_bool("scale", scale)
    if query.size(-1) != keys.size(-1):
        raise ValueError(
            f"点积注意力要求 query 与 keys 的最后一维相同，实际为 {query.size(-1)} 和 {keys.size(-1)}；"
            "维度不同时请先用一个线性层投影，或改用 AdditiveAttention。"
        )
    q = query.unsqueeze(1) if query.dim() == 2 else query  # (N, T, d)
    scores = torch.bmm(q, keys.transpose(1, 2))  # (N, T, S)
    if query.dim() == 2:
        scores = scores.squeeze(1)
    if scale:
        scores = scores / math.sqrt(keys.size(-1))
    weights = masked_softmax(scores, _as_batched_mask(mask, keys, query))
    return _weighted_sum(weights, values), weights
