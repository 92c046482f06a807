"""Decoding: turning a model's scores for the next token into tokens.

``sample`` picks a next token from logits (temperature, top-k, greedy at temperature 0);
``generate`` repeats it step by step, feeding each token back into a step function
``step(ids, state) -> (logits, state)``, such as a ``seqbook.tasks.language_model.CharLM``.
``greedy_search`` and ``beam_search`` decode a batch with an encoder-decoder model
(``seqbook.nn.Seq2Seq``): the most probable token at every step, or the best of k hypotheses.
``translate`` applies them to token lists and returns token lists.
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

# step(ids (1, T) LongTensor, state) -> (logits (1, T, vocab_size), new state)
StepFn = Callable[[torch.Tensor, object], tuple[torch.Tensor, object]]


def sample(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw one token id per row of ``logits`` (..., vocab_size) from softmax(logits / temperature).

    ``temperature`` < 1 sharpens the distribution, > 1 flattens it, and 0 means greedy
    (the argmax). ``top_k`` keeps only the k highest-scoring tokens before sampling.
    Tokens whose logit is -inf are never drawn. Returns ids of shape ``logits.shape[:-1]``.
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
    """Continue ``prefix`` (a list of ids) by at most ``max_new_tokens`` tokens; return the new ones.

    The whole prefix is read in one call of ``step``; then each drawn token is fed back
    with the state. Generation stops before a token in ``stop_ids`` (it is not returned).
    ``allowed(new_ids_so_far)`` may return a boolean mask (vocab_size,) of the tokens
    permitted next, or None for no constraint (e.g. the line form of an acrostic poem).
    A module ``step`` runs in evaluation mode on its own device.
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


# Greedy and beam search for encoder-decoder models (chapter 7). A model offers
# encode(src, src_lengths) -> memory, initial_state(memory) -> state and
# step(tokens (N,), state, memory) -> (logits (N, V), new state, attention weights or None),
# as seqbook.nn.Seq2Seq does. Memory and states are tensors, or (named) tuples of tensors,
# with the batch first, so that a search can pick rows of them.


def _select_rows(tree, index: torch.Tensor):
    """Rows ``index`` (dimension 0) of every tensor in a tensor, a (named) tuple of them, or None."""
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
    """Decode a batch by taking the most probable token at every step.

    Generates at most ``max_len`` tokens per sequence, <eos> included, and stops early when
    every sequence has produced <eos>. Returns the id lists without <bos> and <eos>; with
    ``return_attention=True`` also one weight matrix per sequence, (generated tokens, source
    length), <eos> included, or None for a model without attention.
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
    stacked = torch.stack(weights, dim=1).cpu()  # (N, steps, S)
    lengths = torch.as_tensor(src_lengths).tolist()
    attention = [
        stacked[i, : min(len(seq) + 1, len(rows[i])), : lengths[i]]
        for i, seq in enumerate(sequences)
    ]
    return sequences, attention


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
):
    """Decode a batch with beam search; returns the best id list per sequence (no <bos>/<eos>).

    Every sequence keeps the ``beam_size`` most probable unfinished hypotheses. At each step
    each of them is extended by every token; of the 2 * beam_size best extensions, those that
    end with <eos> among the first beam_size are set aside as finished, and the best
    beam_size that don't end continue. A sequence is done once it has ``beam_size`` finished
    hypotheses; after ``max_len`` steps every surviving hypothesis counts as finished as it is.
    A finished hypothesis of n tokens (its <eos> included) scores

        sum of the log-probabilities of its n tokens / n ** length_penalty

    and the best score wins: ``length_penalty=0`` compares plain log-probabilities (which
    favour short outputs), 1 the mean log-probability per token. With ``beam_size=1`` this is
    greedy search. ``return_scores=True`` also returns the winning scores.
    """
    _check_search(model, src, src_lengths, bos_id, eos_id, max_len)
    check_positive_int("beam_size", beam_size, "beam_size=1 即贪心搜索。")
    check_number("length_penalty", length_penalty, low=0, hint="0 表示不做长度归一化。")
    check_bool("return_scores", return_scores)
    with evaluating(model):
        best = _beam_search(model, src, src_lengths, bos_id, eos_id, beam_size, max_len, length_penalty)
    sequences = [ids for _, ids in best]
    return (sequences, [score for score, _ in best]) if return_scores else sequences


def _beam_search(model, src, src_lengths, bos_id, eos_id, k, max_len, length_penalty):
    """The search itself; returns (score, ids) of the best finished hypothesis per sequence."""
    dev = src.device
    memory = model.encode(src, src_lengths)
    state = model.initial_state(memory)
    rows = torch.arange(src.size(0), device=dev).repeat_interleave(k)  # k copies of every sequence
    memory, state = _select_rows(memory, rows), _select_rows(state, rows)
    scores = torch.full((src.size(0), k), float("-inf"), device=dev)
    scores[:, 0] = 0.0  # at the start the k beams are the same: keep one
    tokens = torch.full((src.size(0) * k,), bos_id, dtype=torch.long, device=dev)
    history = torch.zeros((src.size(0) * k, 0), dtype=torch.long, device=dev)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(src.size(0))]
    alive = list(range(src.size(0)))  # the sequences still searched, in the order of the rows
    for t in range(max_len):
        logits, state, _ = model.step(tokens, state, memory)
        vocab_size = logits.size(-1)
        log_probs = torch.log_softmax(logits.float(), dim=-1).view(len(alive), k, vocab_size)
        total = (scores.unsqueeze(-1) + log_probs).view(len(alive), k * vocab_size)
        cand_scores, cand = total.topk(min(2 * k, k * vocab_size), dim=1)  # best first
        cand_beam, cand_token = cand // vocab_size, cand % vocab_size
        last = t == max_len - 1
        ends = (cand_token == eos_id) | last
        rank = torch.arange(cand.size(1), device=dev)
        for b, r in (ends & (rank < k) & torch.isfinite(cand_scores)).nonzero().tolist():
            token = int(cand_token[b, r])
            ids = history[b * k + int(cand_beam[b, r])].tolist() + ([] if token == eos_id else [token])
            finished[alive[b]].append((float(cand_scores[b, r]) / (t + 1) ** length_penalty, ids))
        if last:
            break
        scores, pick = cand_scores.masked_fill(ends, float("-inf")).topk(k, dim=1)  # continuing
        parent = (torch.arange(len(alive), device=dev)[:, None] * k + cand_beam.gather(1, pick)).flatten()
        tokens = cand_token.gather(1, pick).flatten()
        state = _select_rows(state, parent)
        history = torch.cat([history[parent], tokens[:, None]], dim=1)
        keep = [
            b for b in range(len(alive))
            if len(finished[alive[b]]) < k and bool(torch.isfinite(scores[b, 0]))
        ]
        if not keep:
            break
        if len(keep) < len(alive):  # drop the sequences that are done
            kept = torch.tensor(keep, device=dev)
            kept_rows = (kept[:, None] * k + torch.arange(k, device=dev)).flatten()
            memory, state = _select_rows(memory, kept_rows), _select_rows(state, kept_rows)
            tokens, history, scores = tokens[kept_rows], history[kept_rows], scores[kept]
            alive = [alive[b] for b in keep]
    return [max(hypotheses, key=lambda h: h[0]) for hypotheses in finished]


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
    """The model's output tokens for every source token list, in the order given.

    ``beam_size=1`` is greedy search (the only one that can return attention weights: one
    (output tokens + <eos>, source tokens) matrix per sentence, or None without attention);
    larger beams call ``seqbook.decode.beam_search``. ``max_len`` (tokens per output, <eos>
    included) defaults to twice the longest source of the batch plus 10.
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
