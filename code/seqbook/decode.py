"""解码：把模型对下一个词元的打分变成词元。

``sample`` 从 logits 中取下一个词元（温度、top-k，温度为 0 时取最大值）；``generate`` 一步一步地重复它，
把每个词元喂回步进函数 ``step(ids, state) -> (logits, state)``（例如 ``seqbook.tasks.language_model.CharLM``）。
``greedy_search`` 和 ``beam_search`` 用编码器—解码器模型（``seqbook.nn.Seq2Seq``）解码一批序列：每一步取概率最大的词元，
或者保留 k 个最好的部分假设；``beam_step`` 是束搜索的一步。``translate`` 把它们用在词元列表上，返回词元列表。
"""

import contextlib
from collections.abc import Callable, Sequence

import torch
from torch import nn

from seqbook.checks import (
    check_bool,
    check_callable,
    check_ids,
    check_instance,
    check_int_at_least,
    check_module,
    check_number,
    check_positive_int,
    check_tensor,
    check_token_lists,
)
from seqbook.text import BOS, EOS, Vocab, pad
from seqbook.train import evaluating

# step(ids：形状 (1, T) 的 LongTensor, state) -> (logits：(1, T, 词表大小), 新状态)
StepFn = Callable[[torch.Tensor, object], tuple[torch.Tensor, object]]


def sample(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """从 softmax(logits / temperature) 中为 ``logits`` (..., 词表大小) 的每一行抽一个词元 id。

    ``temperature`` 小于 1 让分布更尖锐，大于 1 让它更平坦，0 表示贪心（取最大值）。``top_k`` 只在得分最高的
    k 个词元中抽。logit 为 -inf 的词元永远不会被抽中。返回形状为 ``logits.shape[:-1]`` 的 id。
    """
    check_tensor("logits", logits, hint="它是模型对下一个词元的打分，形状 (..., 词表大小)。")
    _check_sampling(temperature, top_k, generator)
    if torch.isneginf(logits).all(dim=-1).any():
        raise ValueError("某一行的 logits 全是 -inf：没有任何可选的词元，请检查约束（允许的词元集合为空）。")
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None and top_k < logits.size(-1):
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits.float(), dim=-1)
    flat = probs.reshape(-1, probs.size(-1))
    ids = torch.multinomial(flat, 1, generator=generator)
    return ids.reshape(probs.shape[:-1])


def _check_sampling(temperature, top_k, generator) -> None:
    check_number("temperature", temperature, low=0, hint="0 表示贪心地取最大值。")
    if top_k is not None:
        check_positive_int("top_k", top_k, "不限制请用 None。")
    if generator is not None:
        check_instance("generator", generator, torch.Generator, "例如 torch.Generator().manual_seed(0)；不传则用全局随机数。")


def generate(
    step: StepFn,
    prefix: Sequence[int],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    stop_ids: Sequence[int] = (),
    allowed: Callable[[Sequence[int]], torch.Tensor | None] | None = None,
    generator: torch.Generator | None = None,
) -> list[int]:
    """在 ``prefix``（id 列表）后面最多续写 ``max_new_tokens`` 个词元，返回新写出的词元。

    整个前缀在一次 ``step`` 调用中读入；之后每抽出一个词元，就把它连同状态喂回去。遇到 ``stop_ids`` 中的词元时停止
    （它不在返回值里）。``allowed(已生成的 id)`` 可以返回下一步允许的词元的布尔掩码 (词表大小,)，返回 None 表示不加约束
    （例如藏头诗的句式）。``step`` 是一个模块时，它在评价模式下、在它自己的设备上运行。
    """
    check_callable("step", step, "step(ids, state) 返回 (logits, 新状态)，例如一个 CharLM 模型。")
    check_ids("prefix", prefix, "例如 [vocab['<bos>']]。")
    if len(prefix) == 0:
        raise ValueError("prefix 为空：至少给出一个起始词元，例如 [vocab['<bos>']]。")
    check_int_at_least("max_new_tokens", max_new_tokens, 0)
    _check_sampling(temperature, top_k, generator)
    check_ids("stop_ids", stop_ids, "例如 [vocab['<eos>']]；不需要时用 ()。")
    if allowed is not None:
        check_callable("allowed", allowed, "allowed(已生成的 id) 返回允许的词元的布尔掩码，或 None。")
    module = step if isinstance(step, nn.Module) else None
    dev = next(module.parameters()).device if module is not None else torch.device("cpu")
    with evaluating(module) if module is not None else contextlib.nullcontext():
        new: list[int] = []
        inputs, state = torch.tensor([list(prefix)], device=dev), None
        for _ in range(max_new_tokens):
            logits, state = step(inputs, state)
            logits = logits[0, -1]
            mask = allowed(new) if allowed is not None else None
            if mask is not None:
                logits = logits.masked_fill(~mask.to(logits.device), float("-inf"))
            token = int(sample(logits.cpu(), temperature, top_k, generator))
            if token in stop_ids:
                break
            new.append(token)
            inputs = torch.tensor([[token]], device=dev)
    return new


# 编码器—解码器的贪心搜索与束搜索（第 7 章）。模型要提供三个方法：
# encode(src, src_lengths) -> memory，initial_state(memory) -> state，
# step(tokens (N,), state, memory) -> (logits (N, V), 新状态, 注意力权重或 None)，
# seqbook.nn.Seq2Seq 就是这样。记忆和状态是张量或张量的（具名）元组，批次在第 0 维，搜索才能挑出其中的行。


def _select_rows(tree, index: torch.Tensor):
    """张量、张量的（具名）元组或 None 中，每个张量第 0 维上的第 ``index`` 行。"""
    if tree is None:
        return None
    if isinstance(tree, torch.Tensor):
        return tree.index_select(0, index.to(tree.device))
    if isinstance(tree, tuple):
        items = [_select_rows(item, index) for item in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    raise TypeError(f"解码器的状态和记忆只能由张量或张量的元组组成，发现了 {type(tree).__name__}。")


def _check_search(model, src, src_lengths, bos_id, eos_id, max_len) -> None:
    for name in ("encode", "initial_state", "step"):
        if not callable(getattr(model, name, None)):
            raise TypeError(
                f"模型缺少方法 {name}：搜索需要 encode、initial_state 和 step 三个方法（见 seqbook.nn.Seq2Seq）。"
            )
    check_tensor("src", src, dim=2, hint="src 的形状是 (batch, 源长度)；单个句子请写成 src.unsqueeze(0)。")
    if torch.as_tensor(src_lengths).shape != src.shape[:1]:
        raise ValueError(f"src_lengths 应有 {src.size(0)} 个元素（每个源序列一个长度）。")
    for name, value in (("bos_id", bos_id), ("eos_id", eos_id)):
        check_int_at_least(name, value, 0, "它是词表中的一个 id，例如 tgt_vocab['<eos>']。")
    check_positive_int("max_len", max_len, "max_len 是最多生成的词元数，含 <eos>。")


def _cut_at(ids: list[int], eos_id: int) -> list[int]:
    return ids[: ids.index(eos_id)] if eos_id in ids else ids


def greedy_search(
    model: nn.Module,
    src: torch.Tensor,
    src_lengths: torch.Tensor,
    *,
    bos_id: int,
    eos_id: int,
    max_len: int = 50,
    return_attention: bool = False,
):
    """贪心搜索：每一步取概率最大的词元，解码一批序列。

    每个序列最多生成 ``max_len`` 个词元（含 <eos>），所有序列都写出 <eos> 后提前停止。返回不含 <bos> 和 <eos> 的
    id 列表；``return_attention=True`` 时还返回每个序列的一个权重矩阵 (生成的词元数, 源长度)（含 <eos> 那一步），
    没有注意力的模型返回 None。
    """
    _check_search(model, src, src_lengths, bos_id, eos_id, max_len)
    check_bool("return_attention", return_attention)
    with evaluating(model):
        memory = model.encode(src, src_lengths)
        state = model.initial_state(memory)
        tokens = torch.full((src.size(0),), bos_id, dtype=torch.long, device=src.device)
        done = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
        steps, weights = [], []
        for _ in range(max_len):
            logits, state, w = model.step(tokens, state, memory)
            tokens = logits.argmax(dim=-1)
            steps.append(tokens)
            weights.append(w)
            done |= tokens == eos_id
            if done.all():
                break
    rows = torch.stack(steps, dim=1).tolist()
    sequences = [_cut_at(row, eos_id) for row in rows]
    if not return_attention:
        return sequences
    if weights[0] is None:
        return sequences, [None] * len(sequences)
    stacked = torch.stack(weights, dim=1).cpu()  # (N, 步数, S)
    lengths = torch.as_tensor(src_lengths).tolist()
    attention = [
        stacked[i, : min(len(seq) + 1, len(rows[i])), : lengths[i]]
        for i, seq in enumerate(sequences)
    ]
    return sequences, attention


def beam_step(scores: torch.Tensor, log_probs: torch.Tensor, k: int):
    """束搜索的一步：把每个部分假设扩展一个词元，留下总分最高的 ``k`` 个扩展。

    ``scores`` (..., 束数) 是每个部分假设的对数概率之和，``log_probs`` (..., 束数, 词表大小) 是它们下一个词元的
    对数概率。扩展“第 b 个假设 + 词元 w”的总分是 ``scores[b] + log_probs[b, w]``。返回 ``(总分, 来自第几个假设, 词元)``，
    三者的形状都是 (..., k)，按总分从高到低排列。
    """
    check_tensor("scores", scores, hint="每个部分假设的对数概率之和，形状 (..., 束数)。")
    check_tensor("log_probs", log_probs, hint="每个部分假设下一个词元的对数概率，形状 (..., 束数, 词表大小)。")
    if log_probs.dim() < 2 or log_probs.shape[:-1] != scores.shape:
        raise ValueError(
            f"log_probs 的形状应为 scores 的形状再加一维词表：scores {tuple(scores.shape)}，"
            f"log_probs {tuple(log_probs.shape)}。"
        )
    vocab_size = log_probs.size(-1)
    check_positive_int("k", k, f"k 最多是 束数 × 词表大小 = {log_probs.shape[-2] * vocab_size}。")
    if k > log_probs.shape[-2] * vocab_size:
        raise ValueError(f"k={k} 超过了所有扩展的个数 {log_probs.shape[-2] * vocab_size}（束数 × 词表大小）。")
    total = (scores.unsqueeze(-1) + log_probs).flatten(-2)  # 所有 束数 × 词表大小 个扩展的总分
    best, index = total.topk(k, dim=-1)  # 从高到低
    return best, index // vocab_size, index % vocab_size


def beam_search(
    model: nn.Module,
    src: torch.Tensor,
    src_lengths: torch.Tensor,
    *,
    bos_id: int,
    eos_id: int,
    beam_size: int = 5,
    max_len: int = 50,
    length_penalty: float = 1.0,
    return_scores: bool = False,
    trace: list | None = None,
):
    """束搜索：为一批序列各找出最好的输出，返回 id 列表（不含 <bos> 和 <eos>）。

    每个序列保留 ``beam_size`` 个概率最高的、还没写完的部分假设。每一步用 ``beam_step`` 把每个假设扩展一个词元，
    在得分最高的 2 × beam_size 个扩展中，排在前 beam_size 名里、以 <eos> 结尾的放到一边（写完了），
    不以 <eos> 结尾的前 beam_size 个继续。一个序列有了 beam_size 个写完的假设就停止；走满 ``max_len`` 步后，
    剩下的假设按原样算作写完。写完的假设有 n 个词元（含 <eos>）时，它的得分是

        n 个词元的对数概率之和 / n ** length_penalty

    得分最高的胜出。``length_penalty=0`` 比较对数概率之和（偏爱短的输出），1 比较每个词元的平均对数概率。
    ``beam_size=1`` 就是贪心搜索。``return_scores=True`` 时还返回胜出者的得分。

    ``trace`` 是一个列表时，每一步的每个扩展都作为一个字典追加进去（供 ``seqbook.plot.draw_beam_tree`` 画图）：
    ``step``（第几步，从 0 起）、``sequence``（第几个源序列）、``prefix``（被扩展的假设的词元 id 元组）、``token``、
    ``score``（对数概率之和）、``status``（``"kept"`` 继续、``"finished"`` 写完、``"pruned"`` 剪掉），
    写完的还有 ``normalized``（上面的得分）。
    """
    _check_search(model, src, src_lengths, bos_id, eos_id, max_len)
    check_positive_int("beam_size", beam_size, "beam_size=1 即贪心搜索。")
    check_number("length_penalty", length_penalty, low=0, hint="0 表示不做长度归一化。")
    check_bool("return_scores", return_scores)
    if trace is not None:
        check_instance("trace", trace, list, "传入一个空列表 []，搜索会把每一步的扩展记在里面；不需要时用 None。")
    with evaluating(model):
        best = _beam_search(model, src, src_lengths, bos_id, eos_id, beam_size, max_len, length_penalty, trace)
    sequences = [ids for _, ids in best]
    return (sequences, [score for score, _ in best]) if return_scores else sequences


def _beam_search(model, src, src_lengths, bos_id, eos_id, k, max_len, length_penalty, trace=None):
    """搜索本身；返回每个序列最好的写完的假设 (得分, id 列表)。"""
    dev = src.device
    memory = model.encode(src, src_lengths)
    state = model.initial_state(memory)
    rows = torch.arange(src.size(0), device=dev).repeat_interleave(k)  # 每个序列复制 k 份
    memory, state = _select_rows(memory, rows), _select_rows(state, rows)
    scores = torch.full((src.size(0), k), float("-inf"), device=dev)
    scores[:, 0] = 0.0  # 开始时 k 个假设完全相同：只留一个
    tokens = torch.full((src.size(0) * k,), bos_id, dtype=torch.long, device=dev)
    history = torch.zeros((src.size(0) * k, 0), dtype=torch.long, device=dev)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(src.size(0))]
    alive = list(range(src.size(0)))  # 还在搜索的序列，按行的顺序
    for t in range(max_len):
        logits, state, _ = model.step(tokens, state, memory)
        log_probs = torch.log_softmax(logits.float(), dim=-1).view(len(alive), k, -1)
        width = min(2 * k, k * log_probs.size(-1))
        cand_scores, cand_beam, cand_token = beam_step(scores, log_probs, width)  # 从高到低
        last = t == max_len - 1
        ends = (cand_token == eos_id) | last  # 最后一步时每个假设都算写完
        done_now = ends & (torch.arange(width, device=dev) < k) & torch.isfinite(cand_scores)
        for b, r in done_now.nonzero().tolist():  # 前 k 名里写完的假设放到一边
            token = int(cand_token[b, r])
            ids = history[b * k + int(cand_beam[b, r])].tolist() + ([] if token == eos_id else [token])
            finished[alive[b]].append((float(cand_scores[b, r]) / (t + 1) ** length_penalty, ids))
        pick, keep = None, []
        if not last:  # 没写完的前 k 名继续；有了 k 个写完的假设的序列不再搜索
            new_scores, pick = cand_scores.masked_fill(ends, float("-inf")).topk(k, dim=1)
            keep = [
                b for b in range(len(alive))
                if len(finished[alive[b]]) < k and bool(torch.isfinite(new_scores[b, 0]))
            ]
        if trace is not None:
            _trace_step(trace, t, alive, scores, log_probs, history, (cand_beam, cand_token, done_now, pick, keep),
                        length_penalty)
        if last:
            break
        parent = (torch.arange(len(alive), device=dev)[:, None] * k + cand_beam.gather(1, pick)).flatten()
        tokens, scores = cand_token.gather(1, pick).flatten(), new_scores
        state = _select_rows(state, parent)
        history = torch.cat([history[parent], tokens[:, None]], dim=1)
        if not keep:
            break
        if len(keep) < len(alive):  # 去掉已经搜索完的序列
            kept = torch.tensor(keep, device=dev)
            kept_rows = (kept[:, None] * k + torch.arange(k, device=dev)).flatten()
            memory, state = _select_rows(memory, kept_rows), _select_rows(state, kept_rows)
            tokens, history, scores = tokens[kept_rows], history[kept_rows], scores[kept]
            alive = [alive[b] for b in keep]
    return [max(hypotheses, key=lambda h: h[0]) for hypotheses in finished]


def _trace_step(trace, t, alive, scores, log_probs, history, chosen, length_penalty) -> None:
    """把第 ``t`` 步的每一个扩展（每个活着的假设 × 每个词元）连同它的去向追加到 ``trace``。"""
    cand_beam, cand_token, done_now, pick, keep = chosen
    k = scores.size(1)
    status = {}
    for b, r in done_now.nonzero().tolist():
        status[b, int(cand_beam[b, r]), int(cand_token[b, r])] = "finished"
    for b in keep:
        for r in pick[b].tolist():
            status[b, int(cand_beam[b, r]), int(cand_token[b, r])] = "kept"
    total = (scores.unsqueeze(-1) + log_probs).tolist()
    for b, sequence in enumerate(alive):
        for beam in range(k):
            if not torch.isfinite(scores[b, beam]):
                continue
            prefix = tuple(history[b * k + beam].tolist())
            for token, score in enumerate(total[b][beam]):
                entry = {"step": t, "sequence": sequence, "prefix": prefix, "token": token, "score": score,
                         "status": status.get((b, beam, token), "pruned")}
                if entry["status"] == "finished":
                    entry["normalized"] = score / (t + 1) ** length_penalty
                trace.append(entry)


def translate(
    model: nn.Module,
    sources: Sequence[Sequence[str]],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    *,
    beam_size: int = 1,
    length_penalty: float = 1.0,
    max_len: int | None = None,
    batch_size: int = 200,
    return_attention: bool = False,
):
    """模型对每个源词元列表的输出词元，顺序与输入相同。

    ``beam_size=1`` 是贪心搜索（只有它能返回注意力权重：每句一个 (输出词元数 + <eos>, 源词元数) 的矩阵，
    没有注意力的模型返回 None）；更大的束宽调用 ``seqbook.decode.beam_search``。``max_len``（每个输出最多的词元数，
    含 <eos>）默认是这一批中最长源序列的两倍加 10。
    """
    if isinstance(sources, str) or (len(sources) and isinstance(sources[0], str)):
        raise TypeError("sources 应是词元列表的列表，例如 [['我', '爱', '你']]；单个句子也要放进列表。")
    check_module("model", model)
    check_token_lists("sources", sources)
    check_instance("src_vocab", src_vocab, Vocab)
    check_instance("tgt_vocab", tgt_vocab, Vocab)
    if BOS not in tgt_vocab or EOS not in tgt_vocab:
        raise ValueError(
            f"tgt_vocab 缺少 {BOS} 或 {EOS}，解码不知道从哪里开始、在哪里停；"
            "请用 seqbook.tasks.translation.build_vocab 建立目标词表。"
        )
    check_positive_int("beam_size", beam_size, "beam_size=1 即贪心搜索。")
    check_number("length_penalty", length_penalty, low=0, hint="0 表示不做长度归一化。")
    if max_len is not None:
        check_positive_int("max_len", max_len, "不传则用最长源序列的两倍加 10。")
    check_positive_int("batch_size", batch_size)
    check_bool("return_attention", return_attention)
    if return_attention and beam_size != 1:
        raise ValueError("只有贪心搜索（beam_size=1）返回注意力权重。")
    dev = next(model.parameters()).device
    bos, eos = tgt_vocab[BOS], tgt_vocab[EOS]
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    outputs: list = [None] * len(sources)
    weights: list = [None] * len(sources)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        ids = [src_vocab.encode(sources[i]) for i in chunk]
        src = pad(ids).to(dev)
        lengths = torch.tensor([len(x) for x in ids])
        limit = max_len or 2 * int(lengths.max()) + 10
        if beam_size == 1:
            found, attention = greedy_search(
                model, src, lengths, bos_id=bos, eos_id=eos, max_len=limit, return_attention=True
            )
        else:
            found = beam_search(
                model, src, lengths, bos_id=bos, eos_id=eos, beam_size=beam_size,
                max_len=limit, length_penalty=length_penalty,
            )
            attention = [None] * len(found)
        for i, tokens, w in zip(chunk, found, attention, strict=True):
            outputs[i], weights[i] = tgt_vocab.decode(tokens), w
    return (outputs, weights) if return_attention else outputs
