"""Decoding: turning a model's scores for the next token into tokens.

``sample`` picks a next token from logits (temperature, top-k, greedy at temperature 0);
``generate`` repeats it step by step, feeding each token back into a step function
``step(ids, state) -> (logits, state)``, such as a ``seqbook.lm.CharLM``.
"""

from collections.abc import Callable, Sequence

import torch
from torch import nn

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
    if not isinstance(temperature, int | float) or temperature < 0:
        raise ValueError(f"temperature 应为非负数（0 表示贪心地取最大值），实际为 {temperature!r}。")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k 应为正整数或 None，实际为 {top_k!r}。")
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


@torch.no_grad()
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
    if len(prefix) == 0:
        raise ValueError("prefix 为空：至少给出一个起始词元，例如 [vocab['<bos>']]。")
    if not isinstance(max_new_tokens, int) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens 应为非负整数，实际为 {max_new_tokens!r}。")
    module = step if isinstance(step, nn.Module) else None
    dev = next(module.parameters()).device if module is not None else torch.device("cpu")
    was_training = module.training if module is not None else False
    if module is not None:
        module.eval()
    try:
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
    finally:
        if module is not None:
            module.train(was_training)
    return new

