"""注意力：加权地看编码器的每个输出，填充位置被掩盖。

对查询 q（解码器的状态）和键 k_1..k_S（编码器的输出），注意力函数给每个键打分，在真实（非填充）
位置上用 softmax 把分数变成权重，返回值（默认就是键）的加权和：

    a_j = softmax_j(score(q, k_j)),    context = sum_j a_j v_j

``AdditiveAttention`` 用一个小网络打分，score(q, k) = v · tanh(W_q q + W_k k + b)（Bahdanau 等人 2015）；
``LuongAttention`` 提供 Luong 等人（2015）的三种打分："dot" q · k、"general" q · W k 和 "concat"
v · tanh(W [q; k])，接口相同；两者都继承 ``KeyProjectingAttention``，``forward`` 只写一次。
``dot_product_attention`` 用 q · k / sqrt(d) 打分（Transformer 用的形式）。
``seqbook.plot.plot_attention`` 把权重画成热图。
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
    """布尔掩码 (B, max_len)：第 i 行的前 ``lengths[i]`` 个位置为 True。"""
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
    """在最后一维上做 softmax，``mask`` 为 False 的位置权重恰好为 0。

    ``mask``（可广播到 ``scores`` 的形状）在可以关注的位置为 True。每一行至少要留一个位置：
    长度为 0 的序列没有可看的东西。
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
    """按键检查 (B, S) 的掩码；查询是 (B, T, ·) 时加一个时间维。"""
    if mask is None:
        return None
    if tuple(mask.shape) != tuple(keys.shape[:2]):
        raise ValueError(
            f"mask 的形状应为 (batch, 源序列长度) = {tuple(keys.shape[:2])}，实际为 {tuple(mask.shape)}。"
            "可以用 length_mask(源序列长度, keys.size(1)) 生成。"
        )
    return mask[:, None, :] if query.dim() == 3 else mask


def _weighted_sum(weights: Tensor, values: Tensor) -> Tensor:
    """sum_j weights[..., j] * values[:, j]，weights 为 (B, S) 或 (B, T, S)；values 为 (B, S, Hv)。"""
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


class KeyProjectingAttention(nn.Module):
    """先投影键、再打分的注意力层的共同部分（``AdditiveAttention`` 与 ``LuongAttention``）。

    子类设 ``query_size``、``key_size``，并定义 ``project_keys``（与查询无关的部分，
    每个源句只算一次）和 ``scores``（未归一化的分数）；``forward`` 只在这里写一次。
    """

    query_size: int
    key_size: int

    def project_keys(self, keys: Tensor) -> Tensor:
        """与查询无关的部分：(B, S, key_size) -> (B, S, ·)。"""
        raise NotImplementedError

    def scores(self, query: Tensor, projected_keys: Tensor) -> Tensor:
        """未归一化的分数：(B, S)，或每步一个查询时 (B, T, S)。"""
        raise NotImplementedError

    def forward(self, query, keys, values=None, mask=None, *, projected_keys=None):
        """返回 ``(context, weights)``：对 values（默认为 keys）按注意力权重加权求和。

        query (B, query_size) 或每个目标步一个查询 (B, T, query_size)；keys (B, S, key_size)；
        mask (B, S) 在真实源位置为 True。weights 为 (B, S) 或 (B, T, S)。
        """
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


class AdditiveAttention(KeyProjectingAttention):
    """加性（Bahdanau）注意力：score(q, k) = v · tanh(W_q q + W_k k + b)。

    ``forward(query, keys, values=None, mask=None)``：query (B, query_size)，或每个目标步
    一个查询 (B, T, query_size)；keys (B, S, key_size)；values (B, S, value_size)，不传则用
    keys；mask (B, S) 在真实源位置为 True。返回 ``(context, weights)``：(B, value_size) 与
    (B, S)，或 T 个查询时 (B, T, value_size) 与 (B, T, S)。

    W_k k 与查询无关：解码器每个源句只算一次 ``project_keys(keys)``，作为
    ``projected_keys`` 传给每一步。
    """

    def __init__(self, query_size: int, key_size: int, hidden_size: int):
        super().__init__()
        for name, value in (("query_size", query_size), ("key_size", key_size), ("hidden_size", hidden_size)):
            check_positive_int(name, value)
        self.query_size, self.key_size = query_size, key_size
        self.query_proj = nn.Linear(query_size, hidden_size, bias=False)  # W_q
        self.key_proj = nn.Linear(key_size, hidden_size)  # W_k 与 b
        self.score_proj = nn.Linear(hidden_size, 1, bias=False)  # v

    def project_keys(self, keys: Tensor) -> Tensor:
        """每个键的 W_k k + b：(B, S, hidden_size)。"""
        return self.key_proj(keys)

    def scores(self, query: Tensor, projected_keys: Tensor) -> Tensor:
        """未归一化的分数 v · tanh(W_q q + W_k k + b)：(B, S) 或 (B, T, S)。"""
        q = self.query_proj(query).unsqueeze(-2)  # (B, 1, A) 或 (B, T, 1, A)
        k = projected_keys if query.dim() == 2 else projected_keys.unsqueeze(1)  # (B, [1,] S, A)
        return self.score_proj(torch.tanh(q + k)).squeeze(-1)


LUONG_SCORES = ("dot", "general", "concat")


class LuongAttention(KeyProjectingAttention):
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
        """未归一化的分数：(B, S)，或每步一个查询时 (B, T, S)。"""
        if self.score == "concat":  # 与加性打分相同，只是 W 的 k 部分没有偏置
            q = self.query_proj(query).unsqueeze(-2)  # (B, 1, A) 或 (B, T, 1, A)
            k = projected_keys if query.dim() == 2 else projected_keys.unsqueeze(1)  # (B, [1,] S, A)
            return self.score_proj(torch.tanh(q + k)).squeeze(-1)
        q = query.unsqueeze(1) if query.dim() == 2 else query  # (B, T, d)
        scores = torch.bmm(q, projected_keys.transpose(1, 2))  # (B, T, S)：每个查询与每个键的内积
        return scores.squeeze(1) if query.dim() == 2 else scores

    def extra_repr(self) -> str:
        return f"query_size={self.query_size}, key_size={self.key_size}, score={self.score!r}"


def dot_product_attention(query, keys, values=None, mask=None, *, scale: bool = True):
    """点积注意力：score(q, k) = q · k / sqrt(d)，没有参数。

    形状和掩码同 ``AdditiveAttention``，但 query_size 必须等于 key_size（d）。``scale=False`` 去掉
    1/sqrt(d)（即 Luong 等人 2015 的 "dot" 打分）。返回 ``(context, weights)``。
    """
    values = keys if values is None else values
    _check_query_keys(query, keys, values)
    check_bool("scale", scale)
    if query.size(-1) != keys.size(-1):
        raise ValueError(
            f"点积注意力要求 query 与 keys 的最后一维相同，实际为 {query.size(-1)} 和 {keys.size(-1)}；"
            "维度不同时请先用一个线性层投影，或改用 AdditiveAttention。"
        )
    q = query.unsqueeze(1) if query.dim() == 2 else query  # (B, T, d)
    scores = torch.bmm(q, keys.transpose(1, 2))  # (B, T, S)
    if query.dim() == 2:
        scores = scores.squeeze(1)
    if scale:
        scores = scores / math.sqrt(keys.size(-1))
    weights = masked_softmax(scores, _as_batched_mask(mask, keys, query))
    return _weighted_sum(weights, values), weights
