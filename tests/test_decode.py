"""seqbook.decode: sampling from logits and step-by-step generation."""

import pytest
import torch
from torch import nn

from seqbook.decode import generate, sample


def draws(logits, n=4000, **kwargs):
    g = torch.Generator().manual_seed(0)
    return torch.stack([sample(logits, generator=g, **kwargs) for _ in range(n)])


def test_temperature_zero_and_top_1_are_greedy():
    logits = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 2.9]])
    assert sample(logits, temperature=0).tolist() == [1, 0]
    assert draws(logits, n=50, top_k=1).eq(torch.tensor([1, 0])).all()


def test_frequencies_follow_the_softmax_of_logits_over_temperature():
    logits = torch.tensor([0.0, 1.0, 2.0])
    for temperature in (0.5, 1.0, 2.0):
        counts = torch.bincount(draws(logits, temperature=temperature), minlength=3)
        expected = torch.softmax(logits / temperature, dim=0)
        torch.testing.assert_close(counts / counts.sum(), expected, atol=0.03, rtol=0)
    # a low temperature concentrates the mass on the best token
    assert draws(logits, temperature=0.2).eq(2).float().mean() > 0.99


def test_top_k_and_minus_infinity_exclude_tokens():
    logits = torch.tensor([3.0, 2.5, 2.0, 1.0, float("-inf")])
    assert set(draws(logits, n=500, top_k=2).tolist()) == {0, 1}
    assert 4 not in set(draws(logits, n=500, temperature=5.0).tolist())
    assert set(draws(logits, n=500, top_k=10).tolist()) == {0, 1, 2, 3}  # k >= vocab is a no-op


def test_sample_is_reproducible_with_a_generator_and_keeps_batch_shape():
    logits = torch.randn(2, 3, 7)
    a = sample(logits, generator=torch.Generator().manual_seed(5))
    b = sample(logits, generator=torch.Generator().manual_seed(5))
    assert a.shape == (2, 3) and torch.equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"temperature": -1}, "temperature"), ({"top_k": 0}, "top_k"), ({"top_k": 1.5}, "top_k"),
     ({"temperature": True}, "temperature")],
)
def test_sample_explains_bad_arguments(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        sample(torch.zeros(3), **kwargs)


def test_sample_refuses_an_empty_choice():
    with pytest.raises(ValueError, match="-inf"):
        sample(torch.full((3,), float("-inf")))


class Counter(nn.Module):
    """A toy language model: the next token is (last token + 1) mod V; the state counts calls."""

    def __init__(self, vocab_size=6):
        super().__init__()
        self.vocab_size = vocab_size
        self.dummy = nn.Parameter(torch.zeros(1))
        self.inputs = []

    def forward(self, ids, state=None):
        self.inputs.append(ids.tolist())
        logits = torch.full((*ids.shape, self.vocab_size), -10.0)
        logits.scatter_(-1, ((ids + 1) % self.vocab_size).unsqueeze(-1), 10.0)
        return logits, (0 if state is None else state) + 1


def test_generate_feeds_the_prefix_once_then_each_new_token():
    model = Counter()
    model.train()
    out = generate(model, [0, 1], 3, temperature=0)
    assert out == [2, 3, 4]
    assert model.inputs == [[[0, 1]], [[2]], [[3]]]
    assert model.training  # the mode is restored


def test_generate_stops_before_a_stop_token_and_respects_max_new_tokens():
    assert generate(Counter(), [0], 10, temperature=0, stop_ids=[4]) == [1, 2, 3]
    assert generate(Counter(), [0], 0) == []
    assert generate(Counter(), [0], 8, temperature=0) == [1, 2, 3, 4, 5, 0, 1, 2]


def test_generate_applies_the_allowed_mask():
    def allowed(new):  # the first new token must be 5, then anything
        if new:
            return None
        return torch.tensor([False] * 5 + [True])

    assert generate(Counter(), [0], 3, temperature=0, allowed=allowed) == [5, 0, 1]


def test_generate_works_with_a_plain_function():
    def step(ids, state):
        return nn.functional.one_hot(ids.clamp(max=2) * 0 + 2, 3).float() * 5, state

    g = torch.Generator().manual_seed(0)
    out = generate(step, [1], 20, top_k=1, generator=g)
    assert out == [2] * 20


def test_generate_explains_bad_arguments():
    with pytest.raises(ValueError, match="prefix"):
        generate(Counter(), [], 3)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(Counter(), [0], -1)
