"""seqbook.decode: greedy and beam search for encoder-decoder models."""

import itertools

import pytest
import torch

from seqbook.decode import beam_search, beam_step, greedy_search
from seqbook.nn import AttentionDecoder, Decoder, Encoder, Seq2Seq
from seqbook.text import pad

BOS, EOS = 2, 3


def tiny_model(vocab_size=4, attention=True, seed=0, sharpness=3.0):
    """A random model whose next-token distributions are far from uniform."""
    torch.manual_seed(seed)
    encoder = Encoder(7, 5, 4)
    cls = AttentionDecoder if attention else Decoder
    decoder = cls(vocab_size, 3, 6, encoder.output_size)
    with torch.no_grad():
        decoder.output.logits.weight.mul_(sharpness)
    return Seq2Seq(encoder, decoder).eval()


def sources(seed=0, count=6):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 6, (count,), generator=g)
    ids = [torch.randint(2, 7, (int(n),), generator=g).tolist() for n in lengths]
    return ids, pad(ids), lengths


class TableModel(torch.nn.Module):
    """Next-token logits from a random table indexed by (first source token, step, previous token):
    outputs of many different lengths, which a random network rarely gives."""

    def __init__(self, vocab_size=6, steps=12, seed=0, eos_bias=0.0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        table = 2 * torch.randn(7, steps, vocab_size, vocab_size, generator=g)
        table[..., EOS] += eos_bias
        self.table = torch.nn.Parameter(table)

    def encode(self, src, src_lengths):
        return (src[:, 0],)

    def initial_state(self, memory):
        return torch.zeros_like(memory[0])

    def step(self, tokens, state, memory):
        logits = self.table[memory[0], state.clamp(max=self.table.size(1) - 1), tokens]
        return logits, state + 1, None


def sequence_log_prob(model, src_ids, tokens, ended):
    """log P(tokens [+ <eos>] | source), one step at a time."""
    target = tokens + ([EOS] if ended else [])
    with torch.no_grad():
        memory = model.encode(torch.tensor([src_ids]), torch.tensor([len(src_ids)]))
        state, previous, total = model.initial_state(memory), BOS, 0.0
        for token in target:
            logits, state, _ = model.step(torch.tensor([previous]), state, memory)
            total += float(torch.log_softmax(logits[0], -1)[token])
            previous = token
    return total


def exhaustive_search(model, src_ids, vocab_size, max_len, length_penalty):
    """The best output among all: n < max_len tokens then <eos>, or max_len tokens without it."""
    others = [t for t in range(vocab_size) if t != EOS]
    best = None
    for n in range(max_len + 1):
        for tokens in itertools.product(others, repeat=n):
            ended = n < max_len
            length = n + 1 if ended else n
            score = sequence_log_prob(model, src_ids, list(tokens), ended) / length**length_penalty
            if best is None or score > best[0]:
                best = (score, list(tokens))
    return best


def test_beam_width_one_is_greedy_search():
    models = [TableModel(seed=seed, eos_bias=1.0) for seed in range(3)]
    models += [tiny_model(vocab_size=6, attention=attention, sharpness=2.0) for attention in (True, False)]
    for seed, model in enumerate(models):
        _, src, lengths = sources(seed, count=8)
        greedy = greedy_search(model, src, lengths, bos_id=BOS, eos_id=EOS, max_len=12)
        beam = beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=1, max_len=12)
        assert beam == greedy
    lengths_seen = {len(g) for g in greedy_search(models[0], src, lengths, bos_id=BOS, eos_id=EOS, max_len=12)}
    assert len(lengths_seen) > 2  # outputs of several lengths: some stopped at <eos>, early or late


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_finds_what_exhaustive_search_finds(length_penalty):
    max_len = 4  # 3 tokens besides <eos>: 1 + 3 + 9 + 27 + 81 = 121 possible outputs
    for seed, model in enumerate([tiny_model(seed=0), tiny_model(attention=False), TableModel(4, seed=2)]):
        ids, src, lengths = sources(seed, count=2)
        found, scores = beam_search(
            model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=128,
            max_len=max_len, length_penalty=length_penalty, return_scores=True,
        )
        for i in range(2):
            best_score, best_tokens = exhaustive_search(model, ids[i], 4, max_len, length_penalty)
            assert found[i] == best_tokens
            assert scores[i] == pytest.approx(best_score, abs=1e-5)


@pytest.mark.parametrize("model", [tiny_model(vocab_size=8, sharpness=1.5), TableModel(8, seed=3)])
def test_beam_search_on_a_batch_equals_each_sentence_alone(model):
    ids, src, lengths = sources(4, count=6)
    together, scores = beam_search(
        model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=3, max_len=10, return_scores=True
    )
    for i, one in enumerate(ids):
        alone, score = beam_search(
            model, torch.tensor([one]), torch.tensor([len(one)]),
            bos_id=BOS, eos_id=EOS, beam_size=3, max_len=10, return_scores=True,
        )
        assert alone[0] == together[i]
        assert score[0] == pytest.approx(scores[i], abs=1e-5)


def test_greedy_search_stops_at_eos_and_returns_attention():
    model = tiny_model(vocab_size=6, sharpness=1.0)
    _, src, lengths = sources(0, count=5)
    found, attention = greedy_search(
        model, src, lengths, bos_id=BOS, eos_id=EOS, max_len=9, return_attention=True
    )
    assert all(EOS not in seq and len(seq) <= 9 for seq in found)
    for seq, weights, n in zip(found, attention, lengths.tolist(), strict=True):
        assert weights.shape == (min(len(seq) + 1, 9), n)
        torch.testing.assert_close(weights.sum(-1), torch.ones(len(weights)))
    _, none = greedy_search(
        tiny_model(attention=False), src, lengths, bos_id=BOS, eos_id=EOS, max_len=4, return_attention=True
    )
    assert none == [None] * 5


def test_search_restores_training_mode_and_explains_bad_arguments():
    model = tiny_model().train()
    _, src, lengths = sources()
    beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=2, max_len=3)
    assert model.training
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=0)
    with pytest.raises(ValueError, match="length_penalty"):
        beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, length_penalty=-1)
    with pytest.raises(ValueError, match="max_len"):
        greedy_search(model, src, lengths, bos_id=BOS, eos_id=EOS, max_len=0)
    with pytest.raises(TypeError, match="encode"):
        greedy_search(torch.nn.Linear(2, 2), src, lengths, bos_id=BOS, eos_id=EOS)
    with pytest.raises(ValueError, match="src_lengths"):
        greedy_search(model, src, lengths[:2], bos_id=BOS, eos_id=EOS)


def test_beam_step_returns_the_k_best_extensions_best_first():
    g = torch.Generator().manual_seed(0)
    scores, log_probs = torch.randn(3, generator=g), torch.log_softmax(torch.randn(3, 5, generator=g), -1)
    best, beams, tokens = beam_step(scores, log_probs, 4)
    every = sorted(((float(scores[b] + log_probs[b, w]), b, w) for b in range(3) for w in range(5)), reverse=True)
    assert [(b, w) for _, b, w in every[:4]] == list(zip(beams.tolist(), tokens.tolist(), strict=True))
    torch.testing.assert_close(best, torch.tensor([s for s, _, _ in every[:4]]))
    # a batch of such rows gives the same as each row alone
    batch = beam_step(torch.stack([scores, scores + 1]), torch.stack([log_probs, log_probs]), 4)
    torch.testing.assert_close(batch[0][1], best + 1)
    assert torch.equal(batch[1][0], beams) and torch.equal(batch[2][1], tokens)


def test_beam_step_explains_bad_arguments():
    with pytest.raises(ValueError, match="log_probs"):
        beam_step(torch.zeros(2), torch.zeros(3, 5), 2)
    with pytest.raises(ValueError, match="k"):
        beam_step(torch.zeros(2), torch.zeros(2, 5), 11)
    with pytest.raises(ValueError, match="k"):
        beam_step(torch.zeros(2), torch.zeros(2, 5), 0)


def test_trace_records_every_expansion_and_does_not_change_the_search():
    model = TableModel(6, seed=1, eos_bias=1.0)
    ids, src, lengths = sources(2, count=3)
    plain = beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=2, max_len=6, return_scores=True)
    trace = []
    traced = beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, beam_size=2, max_len=6, return_scores=True,
                         trace=trace)
    assert traced == plain
    for i in range(3):
        entries = [e for e in trace if e["sequence"] == i]
        first = [e for e in entries if e["step"] == 0]
        assert len(first) == 6 and {e["prefix"] for e in first} == {()}  # one beam at the start
        # every kept hypothesis is expanded at the next step, by every token
        for e in entries:
            if e["status"] == "kept":
                children = [c for c in entries if c["prefix"] == (*e["prefix"], e["token"])]
                assert len(children) == 6
                assert all(c["score"] <= e["score"] + 1e-6 for c in children)
        # the winner is the best finished hypothesis of the trace
        finished = [e for e in entries if e["status"] == "finished"]
        top = max(finished, key=lambda e: e["normalized"])
        assert top["normalized"] == pytest.approx(plain[1][i], abs=1e-5)
        ids_of_top = list(top["prefix"]) + ([] if top["token"] == EOS else [top["token"]])
        assert ids_of_top == plain[0][i]
    with pytest.raises(TypeError, match="trace"):
        beam_search(model, src, lengths, bos_id=BOS, eos_id=EOS, trace=())
