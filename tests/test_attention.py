"""seqbook.nn.attention: masks, additive, Luong's and dot-product attention, the heatmap."""

import math

import matplotlib
import pytest
import torch

from seqbook.nn.attention import (
    AdditiveAttention,
    KeyProjectingAttention,
    LuongAttention,
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


@pytest.mark.parametrize("attention", [AdditiveAttention(3, 4, 5), LuongAttention(3, 4)], ids=["additive", "general"])
def test_attention_layers_explain_bad_shapes(attention):
    with pytest.raises(ValueError, match="特征数"):
        attention(torch.randn(2, 4), torch.randn(2, 6, 4))
    with pytest.raises(ValueError, match="mask"):
        attention(torch.randn(2, 3), torch.randn(2, 6, 4), mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="批次"):
        attention(torch.randn(3, 3), torch.randn(2, 6, 4))


@pytest.mark.parametrize(
    ("attention", "shapes"),
    [
        (AdditiveAttention(3, 4, 5), {"query_proj.weight": (5, 3), "key_proj.weight": (5, 4),
                                      "key_proj.bias": (5,), "score_proj.weight": (1, 5)}),
        (LuongAttention(4, 4, score="dot"), {}),
        (LuongAttention(3, 4, score="general"), {"key_proj.weight": (3, 4)}),
        (LuongAttention(3, 4, score="concat", hidden_size=5), {"query_proj.weight": (5, 3), "key_proj.weight": (5, 4),
                                                              "score_proj.weight": (1, 5)}),
    ],
    ids=["additive", "dot", "general", "concat"],
)
def test_key_projecting_layers_share_one_forward_and_keep_their_state_dicts(attention, shapes):
    """One forward for every layer that projects its keys; checkpoints stay loadable (same keys)."""
    assert isinstance(attention, KeyProjectingAttention)
    assert type(attention).forward is KeyProjectingAttention.forward
    assert {name: tuple(t.shape) for name, t in attention.state_dict().items()} == shapes
    assert list(attention.state_dict()) == list(shapes)
    query, keys = torch.randn(2, attention.query_size), torch.randn(2, 6, attention.key_size)
    with pytest.raises(ValueError, match="特征数"):
        attention(torch.randn(2, attention.query_size + 1), keys)
    context, weights = attention(query, keys, mask=length_mask(torch.tensor([6, 2]), 6))
    assert context.shape == (2, attention.key_size) and weights.shape == (2, 6)
    assert torch.equal(weights[1, 2:], torch.zeros(4))


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


def _luong_scores_by_hand(attention, q, k):
    """Luong et al. (2015), eq. 8, one query and one key at a time."""
    if attention.score == "dot":
        return q @ k
    if attention.score == "general":
        return q @ attention.key_proj.weight @ k
    w = torch.cat([attention.query_proj.weight, attention.key_proj.weight], dim=1)  # W_a acting on [q; k]
    return attention.score_proj.weight[0] @ torch.tanh(w @ torch.cat([q, k]))


@pytest.mark.parametrize("score", ["dot", "general", "concat"])
def test_luong_scores_follow_their_formulas_with_masks(score):
    torch.manual_seed(4)
    key_size = 3 if score == "dot" else 4
    attention = LuongAttention(3, key_size, score=score)
    query, keys, values = torch.randn(2, 3), torch.randn(2, 5, key_size), torch.randn(2, 5, 6)
    mask = length_mask(torch.tensor([5, 2]), 5)
    context, weights = attention(query, keys, values, mask)
    assert context.shape == (2, 6) and weights.shape == (2, 5)
    for i, n in enumerate([5, 2]):
        scores = torch.stack([_luong_scores_by_hand(attention, query[i], keys[i, j]) for j in range(n)])
        expected = torch.softmax(scores, 0)
        torch.testing.assert_close(weights[i, :n], expected)
        torch.testing.assert_close(context[i], expected @ values[i, :n])
    assert torch.equal(weights[1, 2:], torch.zeros(3))


@pytest.mark.parametrize("score", ["dot", "general", "concat"])
def test_luong_attention_per_step_queries_and_projected_keys(score):
    torch.manual_seed(5)
    attention = LuongAttention(4, 4, score=score)
    queries, keys = torch.randn(2, 3, 4), torch.randn(2, 6, 4)
    mask = length_mask(torch.tensor([6, 1]), 6)
    context, weights = attention(queries, keys, mask=mask)
    assert context.shape == (2, 3, 4) and weights.shape == (2, 3, 6)
    projected = attention.project_keys(keys)
    for t in range(3):
        c, w = attention(queries[:, t], keys, mask=mask, projected_keys=projected)
        torch.testing.assert_close(c, context[:, t])
        torch.testing.assert_close(w, weights[:, t])
    assert torch.equal(weights[1, :, 1:], torch.zeros(3, 5))
    torch.testing.assert_close(weights[1, :, 0], torch.ones(3))


def test_luong_dot_is_unscaled_dot_product_and_concat_is_additive_without_bias():
    torch.manual_seed(6)
    query, keys = torch.randn(2, 4), torch.randn(2, 5, 4)
    dot = LuongAttention(4, 4, score="dot")
    assert not list(dot.parameters())
    torch.testing.assert_close(dot(query, keys)[1], dot_product_attention(query, keys, scale=False)[1])
    concat, additive = LuongAttention(4, 4, score="concat", hidden_size=3), AdditiveAttention(4, 4, 3)
    with torch.no_grad():
        additive.query_proj.weight.copy_(concat.query_proj.weight)
        additive.key_proj.weight.copy_(concat.key_proj.weight)
        additive.key_proj.bias.zero_()
        additive.score_proj.weight.copy_(concat.score_proj.weight)
    torch.testing.assert_close(concat(query, keys)[1], additive(query, keys)[1])
    sizes = {score: sum(p.numel() for p in LuongAttention(4, 6, score=score).parameters())
             for score in ("general", "concat")}
    assert sizes == {"general": 4 * 6, "concat": 4 * 4 + 6 * 4 + 4}


def test_luong_attention_explains_bad_arguments():
    with pytest.raises(ValueError, match="score"):
        LuongAttention(4, 4, score="additive")
    with pytest.raises(ValueError, match="query_size 与 key_size"):
        LuongAttention(4, 6, score="dot")
    with pytest.raises(ValueError, match="hidden_size"):
        LuongAttention(4, 4, score="general", hidden_size=8)
    with pytest.raises(TypeError, match="query_size"):
        LuongAttention(4.0, 4)
    attention = LuongAttention(3, 4)
    with pytest.raises(ValueError, match="全为 False"):
        attention(torch.randn(1, 3), torch.randn(1, 2, 4), mask=torch.zeros(1, 2, dtype=torch.bool))


def test_plot_attention_labels_both_axes():
    ax = plot_attention(torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]), ["一", "千"], ["1", "0", "<eos>"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["一", "千"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "0", "<eos>"]
    with pytest.raises(ValueError, match="形状"):
        plot_attention(torch.ones(2, 2), ["一"], ["1", "2"])
    matplotlib.pyplot.close("all")
