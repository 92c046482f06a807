"""从零实现的多头注意力，以及 Transformer 的两个小零件：因果掩码与正弦位置编码。

``MultiheadAttention`` 可直接替换 ``torch.nn.MultiheadAttention``：构造参数、参数名与形状、
初始化、state_dict 的键和 ``forward`` 的参数都相同，所以两者的 state_dict 可以互换。
``forward`` 一步一步地写出多头注意力（Vaswani 等人 2017）：

    投影 -> 拆成 h 个头 -> 缩放点积打分 -> 加掩码 -> softmax -> 丢弃 -> 加权求和 -> 合并各头 -> 输出投影

形状的记号：L 目标（查询）序列的长度（即本书解码器一侧的时间步数 T；torch 的文档也写 L），
S 源（键、值）序列的长度，B 批量大小，E 即 embed_dim，h 即 num_heads，d = E / h 是每个头的维数。
自注意力时 query、key、value 是同一个序列，L = S。

``causal_mask(size)`` 是解码器用的因果掩码（与 ``nn.Transformer.generate_square_subsequent_mask``
相同）；``sinusoidal_positions(length, dim)`` 是 Vaswani 等人（2017）的正弦位置编码。
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqbook.checks import (
    check_bool,
    check_dropout,
    check_int_at_least,
    check_positive,
    check_positive_int,
    check_tensor,
)


def causal_mask(size: int, *, device=None, dtype=None) -> Tensor:
    """因果掩码 (size, size)：第 i 个查询只能看第 0..i 个位置。

    能看的位置为 0，不能看的（对角线以上，即"未来"）为 -inf；把它加到注意力分数上，softmax 后
    未来位置的权重恰好为 0。与 ``nn.Transformer.generate_square_subsequent_mask(size)`` 相同，
    可作为 ``MultiheadAttention`` 的 ``attn_mask``。
    """
    check_int_at_least("size", size, 0, "size 是序列长度（时间步数），例如 causal_mask(5)。")
    future = torch.full((size, size), float("-inf"), device=device, dtype=dtype)
    return torch.triu(future, diagonal=1)  # 只保留对角线以上的 -inf，其余为 0


def sinusoidal_positions(length: int, dim: int, *, base: float = 10000.0, dtype=None, device=None) -> Tensor:
    """正弦位置编码 (length, dim)（Vaswani 等人 2017）：

        PE(pos, 2i) = sin(pos / base^(2i/dim)),    PE(pos, 2i+1) = cos(pos / base^(2i/dim))

    偶数列是正弦，奇数列是同一频率的余弦；i 越大，频率越低（波长从 2π 到约 2π·base）。
    把它加到词元的嵌入 (B, T, dim) 上，模型就知道每个词元在第几个位置。dim 为奇数时，
    最后一列是正弦。
    """
    check_int_at_least("length", length, 0, "length 是序列长度（位置的个数）。")
    check_positive_int("dim", dim, "dim 是位置编码的维数，通常等于嵌入的维数 embed_dim。")
    check_positive("base", base, "原论文用 base=10000。")
    dtype = torch.get_default_dtype() if dtype is None else dtype
    # 先用 float64 计算，再转成所要的类型：pos 很大时 float32 的 pos * 频率会丢精度
    pos = torch.arange(length, dtype=torch.float64, device=device)[:, None]  # (length, 1)
    two_i = torch.arange(0, dim, 2, dtype=torch.float64, device=device)  # 2i = 0, 2, 4, ...
    angles = pos / base ** (two_i / dim)  # (length, ceil(dim/2))：pos / base^(2i/dim)
    pe = torch.zeros(length, dim, dtype=torch.float64, device=device)
    pe[:, 0::2] = torch.sin(angles)  # 偶数列 2i
    pe[:, 1::2] = torch.cos(angles[:, : dim // 2])  # 奇数列 2i+1，与左边的偶数列同一频率
    return pe.to(dtype)


def _check_optional_dim(name: str, value) -> None:
    if value is not None:
        check_positive_int(name, value, f"{name} 是键/值的特征数；与 embed_dim 相同时不用传（默认 None）。")


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


class MultiheadAttention(nn.Module):
    """多头注意力，可直接替换 ``torch.nn.MultiheadAttention``（参数、state_dict 与输出都相同）。

    h 个头各自在 d = E / h 维的子空间里做缩放点积注意力，结果拼接后再做一次线性变换：

        head_j = softmax(Q_j K_j^T / sqrt(d) + 掩码) V_j,    输出 = [head_1; ...; head_h] W_O^T + b_O

    形状（L：查询序列长度，S：键/值序列长度，B：批量大小，E：embed_dim，h：num_heads）：

    - query (L, B, E)，key (S, B, kdim)，value (S, B, vdim)；batch_first=True 时批次在前，
      (B, L, E) 等；一条无批次的序列为 (L, E)、(S, kdim)、(S, vdim)；
    - key_padding_mask (B, S)（无批次时 (S,)）：True（或 -inf）表示这个键是填充，不看。
      注意与本书 ``length_mask`` 的约定相反：可传 ``~length_mask(lengths, S)``；
    - attn_mask (L, S)，或每个头各一个 (B*h, L, S)（无批次时 (h, L, S)）：布尔掩码 True 表示
      不看；浮点掩码直接加到分数上（0 可看，-inf 不看），例如 ``causal_mask(L)``；
    - is_causal=True 只是提示 attn_mask 就是因果掩码（torch 在某些情形下会改用自己的因果掩码），
      所以仍要传 attn_mask；这里会检查它确实挡住了所有未来位置；
    - 返回 (output, weights)：output 与 query 同形；weights 为 (B, L, S)（各头平均），
      average_attn_weights=False 时 (B, h, L, S)，无批次时去掉 B，need_weights=False 时为 None。
      add_bias_kv 与 add_zero_attn 各让 S 多一个位置。

    一个键也不能看的查询（掩码挡住了整行）权重全为 0，输出只剩 out_proj 的偏置；这与 torch 在
    need_weights=False 时相同，而 torch 在 need_weights=True 时给 nan。

    训练模式下，丢弃（dropout）作用在注意力权重上（返回的 weights 是丢弃之后的）；eval 模式下不丢弃。
    need_weights=True 时，同样的随机数种子下丢弃的位置与 torch 相同；need_weights=False 时 torch
    改用融合的内核，随机数的用法不同，丢弃的位置也就不同（期望相同）。
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_positive_int("embed_dim", embed_dim, "embed_dim 是查询（和输出）的特征数 E。")
        check_positive_int("num_heads", num_heads, "num_heads 是头数 h。")
        if embed_dim % num_heads:
            divisors = [n for n in range(1, embed_dim + 1) if embed_dim % n == 0][:8]
            raise ValueError(
                f"embed_dim={embed_dim} 不能被 num_heads={num_heads} 整除：每个头分到 embed_dim / num_heads 维，"
                f"这必须是整数。请把 num_heads 改为 embed_dim 的约数（例如 {divisors}），或修改 embed_dim。"
            )
        check_dropout(dropout)
        for name, flag in (
            ("bias", bias),
            ("add_bias_kv", add_bias_kv),
            ("add_zero_attn", add_zero_attn),
            ("batch_first", batch_first),
        ):
            check_bool(name, flag)
        _check_optional_dim("kdim", kdim)
        _check_optional_dim("vdim", vdim)
        factory = {"device": device, "dtype": dtype}

        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        # 键、值与查询的特征数相同时，三个投影矩阵上下堆叠成一个 (3E, E) 的 in_proj_weight
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads  # d

        if self._qkv_same_embed_dim:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **factory))  # [W_Q; W_K; W_V]
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:  # 特征数不同，只能分开存
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim, **factory))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, self.kdim, **factory))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, self.vdim, **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **factory))  # [b_Q; b_K; b_V]
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias, **factory)  # W_O 与 b_O
        if add_bias_kv:  # 在键和值的序列末尾各多一个可学习的向量
            self.bias_k = nn.Parameter(torch.empty(1, 1, embed_dim, **factory))
            self.bias_v = nn.Parameter(torch.empty(1, 1, embed_dim, **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """与 torch 相同的初始化：投影矩阵 Xavier 均匀分布，输入投影与输出投影的偏置为 0，
        bias_k、bias_v 为 Xavier 正态分布；out_proj.weight 保留 nn.Linear 的默认初始化。"""
        if self._qkv_same_embed_dim:
            nn.init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                nn.init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            nn.init.zeros_(self.in_proj_bias)
            nn.init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            nn.init.xavier_normal_(self.bias_k)
            nn.init.xavier_normal_(self.bias_v)

    _reset_parameters = reset_parameters  # torch 里的名字

    def projection_weights(self) -> tuple[Tensor, Tensor, Tensor]:
        """(W_Q, W_K, W_V)：形状 (E, E)、(E, kdim)、(E, vdim)；堆叠存储时是 in_proj_weight 的三块视图。"""
        if self._qkv_same_embed_dim:
            return self.in_proj_weight.chunk(3)
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """返回 ``(output, weights)``；形状与掩码见类的说明。"""
        batched = self._check_inputs(query, key, value)
        for name, flag in (
            ("need_weights", need_weights),
            ("average_attn_weights", average_attn_weights),
            ("is_causal", is_causal),
        ):
            check_bool(name, flag)

        # 0. 统一成批次在前：(B, L, E)、(B, S, kdim)、(B, S, vdim)
        if not batched:  # 一条无批次的序列当作 B = 1 的一批
            query, key, value = (x.unsqueeze(0) for x in (query, key, value))
        elif not self.batch_first:  # (L, B, E) -> (B, L, E)
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        B, L, E = query.shape
        S = key.size(1)
        h, d = self.num_heads, self.head_dim
        mask = self._additive_mask(key_padding_mask, attn_mask, is_causal, batched, B, L, S, query.dtype)

        # 1. 投影：Q = query W_Q^T + b_Q (B, L, E)，K (B, S, E)，V (B, S, E)
        w_q, w_k, w_v = self.projection_weights()
        b_q, b_k, b_v = (None, None, None) if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        q = F.linear(query, w_q, b_q)
        k = F.linear(key, w_k, b_k)
        v = F.linear(value, w_v, b_v)

        # 可选：键和值的末尾多一个位置，S -> S + 1（可学习的 bias_k/bias_v，或全零的向量）；
        # 这个位置谁都能看，所以掩码在这里补一列 0
        extra = []
        if self.bias_k is not None:
            extra.append((self.bias_k.expand(B, 1, E), self.bias_v.expand(B, 1, E)))
        if self.add_zero_attn:
            extra.append((k.new_zeros(B, 1, E), v.new_zeros(B, 1, E)))
        for k_extra, v_extra in extra:
            k = torch.cat([k, k_extra], dim=1)
            v = torch.cat([v, v_extra], dim=1)
            mask = None if mask is None else F.pad(mask, (0, 1))

        # 2. 拆成 h 个头：(B, L, E) -> (B, L, h, d) -> (B, h, L, d)；每个头只看 d 维
        q = q.reshape(B, L, h, d).transpose(1, 2)
        k = k.reshape(B, -1, h, d).transpose(1, 2)  # (B, h, S, d)
        v = v.reshape(B, -1, h, d).transpose(1, 2)  # (B, h, S, d)

        # 3. 缩放点积打分：(B, h, L, d) @ (B, h, d, S) -> (B, h, L, S)，除以 sqrt(d)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)

        # 4. 掩码：加上 0（可看）或 -inf（不看）；mask 可广播到 (B, h, L, S)
        blocked = None
        if mask is not None:
            scores = scores + mask
            # 一个键也不能看的行（例如整句都是填充）：softmax 会算出 0/0 = nan。先把这些行的分数换成 0，
            # softmax 之后再把它们的权重置 0（torch 在 need_weights=False 时也这样，True 时则给 nan）
            blocked = scores.isneginf().all(dim=-1, keepdim=True)  # (B, h, L, 1)
            scores = scores.masked_fill(blocked, 0.0)

        # 5. softmax：每个查询对 S 个键的权重，和为 1；-inf 的位置权重恰好为 0
        weights = torch.softmax(scores, dim=-1)
        if blocked is not None:
            weights = weights.masked_fill(blocked, 0.0)  # 这些行什么也不看，输出只剩 out_proj 的偏置

        # 6. 丢弃：训练时随机把一些权重置零（其余放大 1/(1-p)）；eval 时什么也不做
        weights = F.dropout(weights, p=self.dropout, training=self.training)

        # 7. 加权求和：(B, h, L, S) @ (B, h, S, d) -> (B, h, L, d)
        context = weights @ v

        # 8. 合并各头：(B, h, L, d) -> (B, L, h, d) -> (B, L, E)，即把 h 个头拼接起来
        context = context.transpose(1, 2).reshape(B, L, E)

        # 9. 输出投影：(B, L, E) -> (B, L, E)
        output = self.out_proj(context)

        # 还原输入的布局
        if not batched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)  # (B, L, E) -> (L, B, E)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(dim=1)  # 各头的平均：(B, L, S)
        return output, (weights if batched else weights.squeeze(0))

    # ---- 检查与掩码 ---------------------------------------------------------------------

    def _check_inputs(self, query: Tensor, key: Tensor, value: Tensor) -> bool:
        """检查 query、key、value 的形状；返回是否有批次维。"""
        for name, tensor in (("query", query), ("key", key), ("value", value)):
            check_tensor(name, tensor, dim=(2, 3), hint="有批次时为三维，一条无批次的序列为二维。")
            if not tensor.is_floating_point():
                raise TypeError(
                    f"{name} 的数据类型是 {tensor.dtype}，注意力需要浮点数特征；"
                    "如果这是词元 id，请先用 nn.Embedding 把它变成向量。"
                )
        if not query.dim() == key.dim() == value.dim():
            raise ValueError(
                f"query、key、value 的维数应相同（都有批次维或都没有），实际形状为 "
                f"{_shape(query)}、{_shape(key)}、{_shape(value)}。"
            )
        batched = query.dim() == 3
        layout = "(B, L, E)" if self.batch_first else "(L, B, E)"
        for name, tensor, size, attr in (
            ("query", query, self.embed_dim, "embed_dim"),
            ("key", key, self.kdim, "kdim"),
            ("value", value, self.vdim, "vdim"),
        ):
            if tensor.size(-1) != size:
                raise ValueError(
                    f"{name} 的最后一维（特征数）应等于 {attr}={size}，实际为 {tensor.size(-1)}"
                    f"（{name} 的形状 {_shape(tensor)}）。请让二者一致：修改 {attr}，或检查输入；"
                    f"batch_first={self.batch_first} 时有批次的输入形如 {layout}。"
                )
        seq_dim, batch_dim = (1, 0) if batched and self.batch_first else (0, 1)
        if key.size(seq_dim) != value.size(seq_dim):
            raise ValueError(
                f"key 与 value 的序列长度 S 应相同，实际形状为 {_shape(key)} 与 {_shape(value)}："
                "每个键配一个值。"
            )
        if batched and not query.size(batch_dim) == key.size(batch_dim) == value.size(batch_dim):
            raise ValueError(
                f"query、key、value 的批量大小应相同，实际形状为 {_shape(query)}、{_shape(key)}、"
                f"{_shape(value)}（batch_first={self.batch_first}，批次在第 {batch_dim} 维）。"
            )
        return batched

    def _additive_mask(self, key_padding_mask, attn_mask, is_causal, batched, B, L, S, dtype) -> Tensor | None:
        """把两种掩码合成一个加到分数上的浮点掩码（0 可看，-inf 不看），可广播到 (B, h, L, S)。"""
        h = self.num_heads
        if is_causal and attn_mask is None:
            raise ValueError(
                "is_causal=True 只是提示 attn_mask 是因果掩码，仍要传入 attn_mask；"
                f"请加上 attn_mask=causal_mask({L})。"
            )
        mask = None
        if attn_mask is not None:
            attn_mask = _as_float_mask("attn_mask", attn_mask, dtype)
            per_head = (B * h, L, S) if batched else (h, L, S)  # 每个头各一个掩码
            if _shape(attn_mask) not in ((L, S), per_head):
                layout = "(B*h, L, S)" if batched else "(h, L, S)"
                raise ValueError(
                    f"attn_mask 的形状应为 (L, S) = {(L, S)}，或每个头各一个 {layout} = {per_head}，"
                    f"实际为 {_shape(attn_mask)}。L 是查询的长度，S 是键的长度；"
                    "因果掩码可以用 causal_mask(L) 生成。"
                )
            if is_causal:
                future = torch.ones(L, S, dtype=torch.bool, device=attn_mask.device).triu(1)
                if not bool((attn_mask[..., future] == float("-inf")).all()):
                    raise ValueError(
                        "is_causal=True，但 attn_mask 没有挡住所有未来位置（对角线以上应为 True 或 -inf）；"
                        f"请传 attn_mask=causal_mask({L})，或去掉 is_causal=True。"
                    )
            # (L, S) -> (1, 1, L, S)；(B*h, L, S) -> (B, h, L, S)：第 b 个样本第 j 个头在第 b*h + j 个
            mask = attn_mask.reshape(B, h, L, S) if attn_mask.dim() == 3 else attn_mask.reshape(1, 1, L, S)
        if key_padding_mask is not None:
            key_padding_mask = _as_float_mask("key_padding_mask", key_padding_mask, dtype)
            expected = (B, S) if batched else (S,)
            if _shape(key_padding_mask) != expected:
                layout = "(B, S)" if batched else "(S,)"
                raise ValueError(
                    f"key_padding_mask 的形状应为 {layout} = {expected}，实际为 {_shape(key_padding_mask)}。"
                    "每个样本的每个键一个值，True 表示填充（不看）；可用 ~length_mask(lengths, S) 生成。"
                )
            padding = key_padding_mask.reshape(B, 1, 1, S)  # 每个样本一行，对所有头、所有查询都一样
            mask = padding if mask is None else mask + padding
        return mask


def _as_float_mask(name: str, mask, dtype) -> Tensor:
    """布尔掩码（True 不看）-> 浮点掩码（0 可看，-inf 不看）；浮点掩码原样（转成 dtype）。"""
    check_tensor(name, mask)
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    if not mask.is_floating_point():
        raise TypeError(
            f"{name} 应为布尔或浮点张量，实际类型为 {mask.dtype}；"
            f"请用 {name}.bool()（True 表示不看）或浮点掩码（0 可看，-inf 不看）。"
        )
    return mask.to(dtype)
