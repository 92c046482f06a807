"""CTC（连接时序分类，connectionist temporal classification）：从零写出的损失与解码。

Graves 等人（2006）的 CTC 让模型每帧输出一个字符或**空白符**（blank），读出时用折叠函数（Graves 等人记作花体的 B；
先合并相邻的重复，再删去空白符）把一条帧级的**路径**变成标签序列；一个标签序列的概率是所有折叠成它的
路径的概率之和，由前向（α）递推在扩展标签序列（标签之间和两端插入空白符，长度 2S+1）上求出。

- ``collapse``：折叠函数；
- ``extend_with_blanks``、``skip_allowed``、``ctc_alpha_step``、``ctc_alpha``：α 递推的各个部件；
- ``ctc_loss``：与 ``torch.nn.functional.ctc_loss`` 参数相同、数值相同的损失（梯度由自动求导给出）；
- ``greedy_decode``：最佳路径解码（每帧取最大，再折叠）；
- ``extend_prefix``、``prefix_beam_search``：前缀束搜索（Hannun 2017 的写法，在对数空间中）。

本模块只依赖 torch 和 ``seqbook.checks``。
"""

import math
from collections.abc import Sequence

import torch

from seqbook.checks import (
    check_bool,
    check_choice,
    check_ids,
    check_int,
    check_int_between,
    check_number,
    check_positive_int,
    check_tensor,
)

NEG_INF = float("-inf")


# ---- 参数检查 ------------------------------------------------------------------------------


def _check_log_probs(name: str, log_probs, dims: tuple[int, ...]) -> None:
    shapes = "或".join({3: "(T, B, C)", 2: "(T, C)"}[d] for d in dims)
    hint = f"{name} 的形状应为 {shapes}：时间步在第一维，类别（含空白符）在最后一维，通常是 log_softmax 的输出。"
    check_tensor(name, log_probs, dim=dims, hint=hint)
    if not log_probs.is_floating_point():
        raise TypeError(f"{name} 应为浮点张量（对数概率），实际类型为 {log_probs.dtype}。请先做 log_softmax(dim=-1)。")
    if log_probs.size(-1) < 2:
        raise ValueError(
            f"{name} 的最后一维（类别数 C）应至少为 2（空白符加至少一个字符），实际形状为 {tuple(log_probs.shape)}。"
        )


def _check_blank(blank, num_classes: int) -> None:
    check_int_between(
        "blank", blank, 0, num_classes - 1, f"blank 是空白符的类别 id，应小于类别数 C={num_classes}；通常用 blank=0。"
    )


def _as_lengths(name: str, lengths, count: int, unbatched: bool) -> torch.Tensor:
    """长度参数（张量、整数的元组或列表；不分批时也可以是一个整数）-> 一维 long 张量。"""
    hint = f"{name} 给出每个序列的长度：长为 B={count} 的整数元组或一维整数张量。"
    if unbatched and isinstance(lengths, int) and not isinstance(lengths, bool):
        lengths = [lengths]
    if isinstance(lengths, torch.Tensor):
        if lengths.is_floating_point() or lengths.dtype == torch.bool:
            raise TypeError(f"{name} 应为整数张量，实际类型为 {lengths.dtype}。{hint}")
        lengths = lengths.reshape(-1) if unbatched and lengths.dim() == 0 else lengths
        check_tensor(name, lengths, dim=1, hint=hint)
        lengths = lengths.to(torch.long).cpu()
    elif isinstance(lengths, Sequence) and not isinstance(lengths, str):
        for value in lengths:
            check_int(f"{name} 的元素", value, hint)
        lengths = torch.tensor(list(lengths), dtype=torch.long)
    else:
        raise TypeError(f"{name} 应为整数的元组或一维整数张量，实际为 {type(lengths).__name__} 类型的 {lengths!r:.40}。{hint}")
    if len(lengths) != count:
        raise ValueError(f"{name} 应有 B={count} 个长度（每个序列一个），实际有 {len(lengths)} 个。{hint}")
    if count and int(lengths.min()) < 0:
        raise ValueError(f"{name} 里的长度不能为负，发现了 {int(lengths.min())}。{hint}")
    return lengths


def _padded_targets(targets, target_lengths: torch.Tensor, unbatched: bool) -> torch.Tensor:
    """targets（补齐的 (B, S) 或拼接的一维）-> 补齐的 (B, S_max) long 张量，补齐处为 -1。"""
    hint = "targets 可以是补齐的 (B, S) 整数张量，也可以是把 B 个标签序列首尾相接的一维整数张量。"
    check_tensor("targets", targets, dim=(1,) if unbatched else (1, 2), hint=hint)
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise TypeError(f"targets 应为整数张量（字符的类别 id），实际类型为 {targets.dtype}。{hint}")
    targets = targets.to(torch.long).cpu()
    count, longest = len(target_lengths), int(target_lengths.max()) if len(target_lengths) else 0
    padded = torch.full((count, longest), -1, dtype=torch.long)
    if unbatched or targets.dim() == 2:
        targets = targets.reshape(1, -1) if unbatched else targets
        if len(targets) != count:
            raise ValueError(f"补齐的 targets 应有 B={count} 行，实际形状为 {tuple(targets.shape)}。{hint}")
        if longest > targets.size(1):
            raise ValueError(
                f"target_lengths 里最长的是 {longest}，超过了 targets 的宽度 {targets.size(1)}。"
                "请检查 target_lengths 是否与 targets 对应。"
            )
        for n, length in enumerate(target_lengths.tolist()):
            padded[n, :length] = targets[n, :length]
    else:
        total = int(target_lengths.sum())
        if total != len(targets):
            raise ValueError(
                f"拼接的一维 targets 应有 sum(target_lengths)={total} 个元素，实际有 {len(targets)} 个。"
                "请检查 target_lengths，或传入补齐的 (B, S) 张量。"
            )
        for n, piece in enumerate(torch.split(targets, target_lengths.tolist())):
            padded[n, : len(piece)] = piece
    return padded


def _check_labels(padded: torch.Tensor, blank: int, num_classes: int) -> None:
    labels = padded[padded >= 0]
    if (padded < -1).any() or (len(labels) and int(labels.max()) >= num_classes):
        bad = int(padded[(padded < -1) | (padded >= num_classes)][0])
        raise ValueError(f"targets 里的类别 id 应在 0 到 C-1={num_classes - 1} 之间，发现了 {bad}。")
    if (labels == blank).any():
        raise ValueError(
            f"targets 里不能有空白符 blank={blank}：空白符只出现在路径里，不出现在标签序列里。"
            "请把字符的 id 编为空白符以外的值（例如空白符用 0，字符从 1 开始）。"
        )


# ---- 折叠函数 ------------------------------------------------------------------------------


def collapse(path, blank: int = 0) -> list[int]:
    """折叠函数（论文中的花体 B）：先把相邻的重复合并成一个，再删去空白符。

    ``collapse([1, 1, 0, 1, 2, 2], blank=0)`` 得到 ``[1, 1, 2]``：两个 1 之间隔着空白符，所以是两个 1。
    ``path`` 是每帧的类别 id（列表、元组或一维整数张量）。
    """
    check_ids("path", path, "path 是一条路径：每帧一个类别 id，例如 [1, 1, 0, 2]。")
    check_int("blank", blank, "blank 是空白符的类别 id，通常为 0。")
    path = path.tolist() if isinstance(path, torch.Tensor) else list(path)
    labels, previous = [], None
    for symbol in path:
        if symbol != previous and symbol != blank:  # 与前一帧相同的是重复，合并掉；空白符删去
            labels.append(symbol)
        previous = symbol
    return labels


# ---- 前向（α）递推 -------------------------------------------------------------------------


def extend_with_blanks(targets: torch.Tensor, blank: int = 0) -> torch.Tensor:
    """扩展标签序列 l'：在标签之间和两端插入空白符，(B, S) -> (B, 2S+1)。

    例如 [a, b] -> [-, a, -, b, -]（- 是空白符）：偶数位置是空白符，奇数位置 2i+1 是第 i 个标签。
    """
    check_tensor("targets", targets, dim=2, hint="targets 是补齐的 (B, S) 整数张量。")
    check_int("blank", blank)
    extended = torch.full((targets.size(0), 2 * targets.size(1) + 1), blank, dtype=torch.long)
    extended[:, 1::2] = targets
    return extended


def skip_allowed(extended: torch.Tensor, blank: int = 0) -> torch.Tensor:
    """(B, L) 布尔张量：在扩展标签序列的哪些位置 s，路径可以从 s-2 直接跳到 s（跳过中间的空白符）。

    只有当 l'_s 不是空白符、并且与 l'_{s-2} 不同时才能跳：跳过空白符的两个相同字符会被折叠函数合并成一个。
    """
    check_tensor("extended", extended, dim=2, hint="extended 是 extend_with_blanks 的输出，形状 (B, 2S+1)。")
    check_int("blank", blank)
    allowed = torch.zeros_like(extended, dtype=torch.bool)
    allowed[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    return allowed


def _shift(alpha: torch.Tensor, by: int) -> torch.Tensor:
    """把 (B, L) 沿 s 方向右移 by 格，左边补 log 0 = -inf：第 s 格得到 alpha[:, s-by]。"""
    return torch.nn.functional.pad(alpha, (by, 0), value=NEG_INF)[:, : alpha.size(1)]


def _logsumexp(terms: torch.Tensor, dim: int) -> torch.Tensor:
    """torch.logsumexp；但在全是 -inf 的地方（走不到的状态），结果是 -inf 而梯度是 0 而不是 nan。"""
    unreachable = torch.isneginf(terms).all(dim, keepdim=True)
    result = torch.logsumexp(terms.masked_fill(unreachable, 0.0), dim, keepdim=True)
    return result.masked_fill(unreachable, NEG_INF).squeeze(dim)


def _check_step(alpha, log_probs_t, extended, can_skip) -> None:
    for name, value in (("alpha", alpha), ("log_probs_t", log_probs_t), ("extended", extended), ("can_skip", can_skip)):
        check_tensor(name, value, dim=2, hint="一步递推对整批同时计算：alpha、extended、can_skip 的形状是 (B, 2S+1)，log_probs_t 是 (B, C)。")
    if not alpha.shape == extended.shape == can_skip.shape or len(log_probs_t) != len(alpha):
        raise ValueError(
            f"alpha {tuple(alpha.shape)}、extended {tuple(extended.shape)}、can_skip {tuple(can_skip.shape)} 的形状应相同，"
            f"log_probs_t {tuple(log_probs_t.shape)} 的第一维应等于批量大小 {len(alpha)}。"
            "extended 用 extend_with_blanks 得到，can_skip 用 skip_allowed(extended) 得到。"
        )


def ctc_alpha_step(alpha, log_probs_t, extended, can_skip) -> torch.Tensor:
    """α 递推的一步：上一帧的 log α (B, L) -> 这一帧的 log α (B, L)。

    log α_t(s) = logsumexp(log α_{t-1}(s), log α_{t-1}(s-1), [可以跳时] log α_{t-1}(s-2)) + log y_t(l'_s)。
    ``log_probs_t`` 是这一帧的对数概率 (B, C)，``extended`` 是扩展标签序列 (B, L)，
    ``can_skip`` 是 ``skip_allowed(extended)``。
    """
    _check_step(alpha, log_probs_t, extended, can_skip)
    stay = alpha  # 停在同一个符号上：重复一帧
    advance = _shift(alpha, 1)  # 前进一格：空白符 -> 字符，或字符 -> 空白符
    skip = _shift(alpha, 2).masked_fill(~can_skip, NEG_INF)  # 跳过中间的空白符：字符 -> 下一个不同的字符
    emit = log_probs_t.gather(1, extended)  # 这一帧输出 l'_s 的对数概率 log y_t(l'_s)
    return _logsumexp(torch.stack([stay, advance, skip]), dim=0) + emit


def ctc_alpha(log_probs, targets, input_lengths, target_lengths, blank: int = 0) -> torch.Tensor:
    """整张 log α 表，形状 (T+1, B, 2S+1)：帧从 1 数到 T，第 t 行是读完第 t 帧之后的 log α_t。

    第 0 行是第一帧之前的虚拟起点：log α_0 = (0, -inf, ..., -inf)，即概率 1 在第 0 格“之前”；
    这样第一帧也用同一个 ``ctc_alpha_step``，自动得到 α_1(0) = y_1(空白符)、α_1(1) = y_1(l_1)。
    序列 b 读完自己的 input_lengths[b] 帧以后，它的 α 不再改变。参数与 ``ctc_loss`` 相同。
    """
    log_probs, padded, input_lengths, target_lengths = _prepare(
        log_probs, targets, input_lengths, target_lengths, blank
    )
    return _alpha_table(log_probs, padded, input_lengths, blank)


def _alpha_table(log_probs, padded, input_lengths, blank) -> torch.Tensor:
    """α 递推本身：一个关于帧 t 的循环，每步对整批、对所有位置 s 同时调用 ctc_alpha_step。"""
    extended = extend_with_blanks(padded.masked_fill(padded < 0, blank), blank).to(log_probs.device)  # 补齐处当空白符
    can_skip = skip_allowed(extended, blank)
    alpha = torch.full(extended.shape, NEG_INF, dtype=log_probs.dtype, device=log_probs.device)
    alpha[:, 0] = 0.0  # 虚拟起点 log α_0：概率 1 在第 0 格“之前”，其余为 log 0 = -inf
    table = [alpha]
    for t in range(log_probs.size(0)):
        new = ctc_alpha_step(alpha, log_probs[t], extended, can_skip)
        still_reading = (t < input_lengths).to(log_probs.device)[:, None]  # 已读完的序列保持不变
        alpha = torch.where(still_reading, new, alpha)
        table.append(alpha)
    return torch.stack(table)


def _prepare(log_probs, targets, input_lengths, target_lengths, blank):
    """检查参数，并把不分批的输入变成 B=1 的一批：返回 (log_probs (T, B, C), padded, 两种长度)。"""
    _check_log_probs("log_probs", log_probs, (3, 2))
    unbatched = log_probs.dim() == 2
    log_probs = log_probs.unsqueeze(1) if unbatched else log_probs
    T, B, C = log_probs.shape
    _check_blank(blank, C)
    input_lengths = _as_lengths("input_lengths", input_lengths, B, unbatched)
    target_lengths = _as_lengths("target_lengths", target_lengths, B, unbatched)
    if B and int(input_lengths.max()) > T:
        raise ValueError(
            f"input_lengths 里的长度不能超过 log_probs 的时间步数 T={T}，发现了 {int(input_lengths.max())}。"
            "请检查 input_lengths（例如卷积缩短了序列以后，长度也要跟着换算）。"
        )
    padded = _padded_targets(targets, target_lengths, unbatched)
    _check_labels(padded, blank, C)
    return log_probs, padded, input_lengths, target_lengths


# ---- 损失 ----------------------------------------------------------------------------------


def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> torch.Tensor:
    """CTC 损失，参数与 ``torch.nn.functional.ctc_loss`` 相同。

    ``log_probs``：(T, B, C) 的对数概率（不分批时为 (T, C)）；``targets``：补齐的 (B, S) 或拼接的一维标签；
    ``input_lengths``、``target_lengths``：每个序列的帧数与标签数（张量或整数元组）。
    每个序列的损失是 -log p(l|x) = -log(α_T(2S) + α_T(2S-1))：路径最后停在末尾的空白符或最后一个标签上。
    走不通的（例如帧数不够放下所有标签和重复字符之间必需的空白符）损失为 inf；``zero_infinity=True`` 时
    把它们换成 0，梯度也是 0。``reduction``：'none' 返回每个序列的损失，'sum' 求和，
    'mean' 先把每个损失除以它的标签数（至少为 1）再对批次求平均。

    梯度由自动求导给出，是对 ``log_probs`` 的真正梯度。PyTorch 的实现返回的梯度假定 ``log_probs`` 是
    log_softmax 的输出（比真正的梯度多出 exp(log_probs)，经过 log_softmax 后这一项抵消），
    所以两者对 log_softmax 之前的 logits 的梯度相同。
    """
    check_choice("reduction", reduction, ("none", "mean", "sum"), "与 F.ctc_loss 相同，默认 'mean'。")
    check_bool("zero_infinity", zero_infinity)
    unbatched = isinstance(log_probs, torch.Tensor) and log_probs.dim() == 2
    log_probs, padded, input_lengths, target_lengths = _prepare(
        log_probs, targets, input_lengths, target_lengths, blank
    )
    table = _alpha_table(log_probs, padded, input_lengths, blank)
    last = table[-1]  # 每个序列读完自己的帧以后的 log α，(B, 2S+1)
    ends = torch.stack([2 * target_lengths, 2 * target_lengths - 1], dim=1).to(last.device)  # 末尾的空白符、最后一个标签
    at_ends = last.gather(1, ends.clamp(min=0)).masked_fill(ends < 0, NEG_INF)  # 空标签只有一个终点
    losses = -_logsumexp(at_ends, dim=1)
    if zero_infinity:
        losses = torch.where(torch.isinf(losses), torch.zeros_like(losses), losses)
    if reduction == "mean":
        return (losses / target_lengths.clamp(min=1).to(losses)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses[0] if unbatched else losses


# ---- 解码 ----------------------------------------------------------------------------------


def greedy_decode(log_probs, input_lengths=None, blank: int = 0) -> list[list[int]]:
    """最佳路径解码：每帧取概率最大的类别，得到一条路径，再折叠（collapse）。

    ``log_probs`` 形状 (T, B, C)；``input_lengths`` 是每个序列的帧数（省略时都是 T）。返回 B 个标签序列。
    最佳路径不一定折叠成最可能的标签序列：一个标签序列的概率是许多条路径之和。
    """
    _check_log_probs("log_probs", log_probs, (3,))
    T, B, C = log_probs.shape
    _check_blank(blank, C)
    input_lengths = torch.full((B,), T) if input_lengths is None else _as_lengths("input_lengths", input_lengths, B, False)
    if B and int(input_lengths.max()) > T:
        raise ValueError(f"input_lengths 里的长度不能超过时间步数 T={T}，发现了 {int(input_lengths.max())}。")
    best = log_probs.argmax(dim=-1).cpu()  # (T, B)：每帧最可能的类别
    return [collapse(best[: int(length), n], blank) for n, length in enumerate(input_lengths)]


def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b))，允许 -inf。"""
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def extend_prefix(prefix, log_p_blank: float, log_p_nonblank: float, log_probs_t, blank: int = 0) -> list:
    """前缀束搜索的一个细节：一个前缀读过一帧以后，能变成哪些前缀，各自的 (log P_b, log P_nb)。

    ``prefix`` 是已折叠的标签元组；``log_p_blank``、``log_p_nonblank`` 是到上一帧为止、折叠成 prefix 且
    最后一帧是空白符 / 不是空白符的所有路径的对数概率；``log_probs_t`` 是这一帧的对数概率 (C,)。
    返回按前缀排序的列表 ``[(新前缀, log P_b, log P_nb), ...]``（没有的一项为 -inf）。

    - 输出空白符：前缀不变，结尾变成空白符；
    - 输出 prefix 的最后一个字符 c：若上一帧也是 c，这是重复，被合并，前缀不变；
      只有上一帧是空白符时，才得到多一个 c 的新前缀（两个相同字符之间必须隔着空白符）；
    - 输出别的字符 c：得到 prefix + (c,)。

    这一帧概率为 0（对数概率为 -inf）的字符不产生新前缀。
    """
    check_ids("prefix", prefix, "prefix 是已折叠的前缀：类别 id 的元组，例如 (1, 2)；空前缀是 ()。")
    check_number("log_p_blank", log_p_blank, hint="对数概率，概率为 0 时写 float('-inf')。")
    check_number("log_p_nonblank", log_p_nonblank, hint="对数概率，概率为 0 时写 float('-inf')。")
    check_tensor("log_probs_t", log_probs_t, dim=1, hint="log_probs_t 是这一帧的对数概率，形状 (C,)。")
    _check_blank(blank, log_probs_t.size(0))
    result = _extend(tuple(prefix), log_p_blank, log_p_nonblank, log_probs_t.tolist(), blank)
    return sorted((new, b, nb) for new, (b, nb) in result.items())


def _extend(prefix: tuple, log_p_blank: float, log_p_nonblank: float, log_y: list, blank: int) -> dict:
    """extend_prefix 的计算本身（不检查参数）：返回 {新前缀: [log P_b, log P_nb]}。"""
    total = _log_add(log_p_blank, log_p_nonblank)
    result = {prefix: [total + log_y[blank], NEG_INF]}
    for c, log_y_c in enumerate(log_y):
        if c == blank or log_y_c == NEG_INF:
            continue
        if prefix and c == prefix[-1]:
            result[prefix][1] = _log_add(result[prefix][1], log_p_nonblank + log_y_c)  # 重复，合并
            result[(*prefix, c)] = [NEG_INF, log_p_blank + log_y_c]  # 隔着空白符的第二个 c
        else:
            result[(*prefix, c)] = [NEG_INF, total + log_y_c]
    return result


def prefix_beam_search(log_probs, beam_width: int = 10, blank: int = 0, return_beam: bool = False, prune: float = 0.0):
    """CTC 前缀束搜索（一个序列）：找概率最大的**标签序列**，而不是概率最大的路径。

    每帧把束中的每个前缀扩展一帧（``extend_prefix``，这里调用它不检查参数的内部版本 ``_extend``），**同一个前缀的各条来路把概率相加**（合并），
    再按 P_b + P_nb 保留最好的 ``beam_width`` 个。``log_probs`` 形状 (T, C)。
    返回最好的标签序列（列表）；``return_beam=True`` 时返回最后的整个束：[(标签序列, 对数概率), ...]，从好到差。
    束足够宽（不剪掉任何前缀）时，给出的对数概率就是该标签序列的精确对数概率。
    ``prune`` > 0 时，每帧只用概率不小于 ``prune`` 的字符扩展前缀（例如 1e-3；快得多，但不再精确）。
    """
    _check_log_probs("log_probs", log_probs, (2,))
    check_positive_int("beam_width", beam_width, "beam_width 是每帧保留的前缀个数，例如 10。")
    _check_blank(blank, log_probs.size(1))
    check_bool("return_beam", return_beam)
    check_number("prune", prune, low=0, high=1, high_open=True, hint="prune=0 表示不剪枝；例如 prune=1e-3。")
    beam = {(): [0.0, NEG_INF]}  # 空前缀：还没读任何帧，概率 1，“以空白符结尾”
    for log_probs_t in log_probs.detach().double().cpu():
        if prune > 0:  # 剪枝：这一帧概率太小的字符当作不可能（空白符总要保留）
            weak = log_probs_t < math.log(prune)
            weak[blank] = False
            log_probs_t = log_probs_t.masked_fill(weak, NEG_INF)
        merged, log_y = {}, log_probs_t.tolist()
        for prefix, (log_p_blank, log_p_nonblank) in beam.items():
            for new, (b, nb) in _extend(prefix, log_p_blank, log_p_nonblank, log_y, blank).items():  # 见 extend_prefix
                old = merged.get(new, [NEG_INF, NEG_INF])
                merged[new] = [_log_add(old[0], b), _log_add(old[1], nb)]  # 到达同一前缀的不同来路相加
        ranked = sorted(merged.items(), key=lambda item: -_log_add(*item[1]))
        possible = [item for item in ranked if _log_add(*item[1]) > NEG_INF] or ranked[:1]  # 概率为 0 的前缀不要
        beam = dict(possible[:beam_width])
    final = sorted(((list(p), _log_add(*scores)) for p, scores in beam.items()), key=lambda item: -item[1])
    return final if return_beam else final[0][0]
