"""seqbook.nn.attention: masks, additive and dot-product attention, the heatmap."""

import math

import matplotlib
import pytest
import torch

from seqbook.nn.attention import (
    AdditiveAttention,
    dot_product_attention,
    length_mask,
    masked_softmax,
)
from seqbook.plot import plot_attention

matplotlib.use("Agg")


def test_length_mask_marks_the_real_positions():
    mask = length_mask(torch.tensor([3, 1, 2]), 4)
    assert mask.tolist() == [
        [True, True, True, False],
        [True, False, False, False],
        [True, True, False, False],
    ]
    assert length_mask(torch.tensor([2, 1])).shape == (2, 2)
    with pytest.raises(ValueError, match="max_len"):
        length_mask(torch.tensor([5]), 3)


def test_masked_softmax_gives_exact_zeros_and_sums_to_one():
    scores = torch.randn(2, 5)
    mask = length_mask(torch.tensor([5, 2]), 5)
    weights = masked_softmax(scores, mask)
    assert torch.equal(weights[1, 2:], torch.zeros(3))
    torch.testing.assert_close(weights.sum(-1), torch.ones(2))
    torch.testing.assert_close(weights[1, :2], torch.softmax(scores[1, :2], -1))
    torch.testing.assert_close(masked_softmax(scores), torch.softmax(scores, -1))


def test_masked_softmax_refuses_a_row_with_nothing_to_attend_to():
    with pytest.raises(ValueError, match="全为 False"):
        masked_softmax(torch.randn(2, 3), torch.tensor([[True, False, False], [False] * 3]))


def test_additive_attention_follows_its_formula():
    torch.manual_seed(0)
    attention = AdditiveAttention(query_size=3, key_size=4, hidden_size=5)
    query, keys = torch.randn(2, 3), torch.randn(2, 6, 4)
    context, weights = attention(query, keys)
    w_q, w_k, b, v = (
        attention.query_proj.weight,
        attention.key_proj.weight,
        attention.key_proj.bias,
        attention.score_proj.weight[0],
    )
    for i in range(2):
        scores = torch.stack([v @ torch.tanh(w_q @ query[i] + w_k @ keys[i, j] + b) for j in range(6)])
        expected = torch.softmax(scores, 0)
        torch.testing.assert_close(weights[i], expected)
        torch.testing.assert_close(context[i], expected @ keys[i])


def test_padding_changes_nothing_when_masked():
    torch.manual_seed(1)
    attention = AdditiveAttention(3, 4, 5)
    query = torch.randn(2, 3)
    short, long = torch.randn(1, 2, 4), torch.randn(1, 5, 4)
    padded = torch.randn(2, 5, 4) * 100  # garbage at the padded positions
    padded[0, :2], padded[1] = short[0], long[0]
    mask = length_mask(torch.tensor([2, 5]), 5)
    context, weights = attention(query, padded, mask=mask)
    alone_short = attention(query[:1], short)
    alone_long = attention(query[1:], long)
    torch.testing.assert_close(context[0], alone_short[0][0])
    torch.testing.assert_close(weights[0, :2], alone_short[1][0])
    assert torch.equal(weights[0, 2:], torch.zeros(3))
    torch.testing.assert_close(context[1], alone_long[0][0])
    # without the mask the garbage leaks in
    assert not torch.allclose(attention(query, padded)[0][0], context[0])


def test_a_query_per_step_equals_one_query_at_a_time_and_projected_keys_are_reused():
    torch.manual_seed(2)
    attention = AdditiveAttention(3, 4, 5)
    queries, keys, values = torch.randn(2, 7, 3), torch.randn(2, 6, 4), torch.randn(2, 6, 8)
    mask = length_mask(torch.tensor([6, 3]), 6)
    context, weights = attention(queries, keys, values, mask)
    assert context.shape == (2, 7, 8) and weights.shape == (2, 7, 6)
    projected = attention.project_keys(keys)
    for t in range(7):
        c, w = attention(queries[:, t], keys, values, mask, projected_keys=projected)
        torch.testing.assert_close(c, context[:, t])
        torch.testing.assert_close(w, weights[:, t])


def test_additive_attention_explains_bad_shapes():
    attention = AdditiveAttention(3, 4, 5)
    with pytest.raises(ValueError, match="特征数"):
        attention(torch.randn(2, 4), torch.randn(2, 6, 4))
    with pytest.raises(ValueError, match="mask"):
        attention(torch.randn(2, 3), torch.randn(2, 6, 4), mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="批次"):
        attention(torch.randn(3, 3), torch.randn(2, 6, 4))


def test_dot_product_attention_is_scaled_softmax_of_dot_products():
    torch.manual_seed(3)
    query, keys, values = torch.randn(2, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 3)
    mask = length_mask(torch.tensor([5, 2]), 5)
    context, weights = dot_product_attention(query, keys, values, mask)
    for i, n in enumerate([5, 2]):
        expected = torch.softmax(keys[i, :n] @ query[i] / math.sqrt(4), 0)
        torch.testing.assert_close(weights[i, :n], expected)
        torch.testing.assert_close(context[i], expected @ values[i, :n])
    unscaled = dot_product_attention(query, keys, scale=False)[1]
    torch.testing.assert_close(unscaled, torch.softmax(torch.einsum("nd,nsd->ns", query, keys), -1))
    steps = dot_product_attention(query[:, None].expand(2, 3, 4), keys, values, mask)[0]
    torch.testing.assert_close(steps, context[:, None].expand(2, 3, 3))
    with pytest.raises(ValueError, match="最后一维"):
        dot_product_attention(torch.randn(2, 3), keys)


def test_plot_attention_labels_both_axes():
    ax = plot_attention(torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]), ["一", "千"], ["1", "0", "<eos>"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["一", "千"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "0", "<eos>"]
    with pytest.raises(ValueError, match="形状"):
        plot_attention(torch.ones(2, 2), ["一"], ["1", "2"])
    matplotlib.pyplot.close("all")
