"""seqbook.nn.multihead against torch: MultiheadAttention (parameters, outputs, attention weights
and gradients), causal_mask and sinusoidal_positions."""

import math
import warnings

import pytest
import torch
from torch import nn

from seqbook.nn.multihead import MultiheadAttention, causal_mask, sinusoidal_positions

E, B, L, S = 8, 3, 4, 5  # embed_dim, batch, query length, key length (cross-attention)
DTYPE = torch.float64


def make_pair(seed=0, dtype=DTYPE, perturb=True, **kwargs):
    """torch's layer and ours with the same parameters (torch's copied into ours). The zero
    biases are perturbed so that every parameter matters in the comparison."""
    torch.manual_seed(seed)
    ref = nn.MultiheadAttention(E, dtype=dtype, **kwargs)
    if perturb:
        with torch.no_grad():
            for p in ref.parameters():
                p.add_(0.3 * torch.randn_like(p))
    ours = MultiheadAttention(E, dtype=dtype, **kwargs)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def weighted_sum(t):
    """A scalar that depends on every element differently, so every gradient is checked."""
    weights = torch.cos(torch.arange(t.numel(), dtype=t.dtype)).reshape(t.shape)
    return (t * weights).sum()


def run(module, inputs, **forward_kwargs):
    """Forward and backward; return output, weights and every gradient by name."""
    leaves = {name: x.clone().requires_grad_() for name, x in inputs.items()}
    query = leaves["query"]
    key = leaves.get("key", query)  # self-attention: the same tensor three times
    value = leaves.get("value", key)
    module.zero_grad()
    output, weights = module(query, key, value, **forward_kwargs)
    loss = weighted_sum(output) + (0 if weights is None else weighted_sum(weights))
    loss.backward()
    results = {"output": output.detach(), "weights": None if weights is None else weights.detach()}
    results |= {f"grad_{name}": x.grad for name, x in leaves.items()}
    results |= {f"grad_{name}": p.grad for name, p in module.named_parameters()}
    return results


def assert_same(ours, ref, **tolerances):
    assert ours.keys() == ref.keys()
    for name in ref:
        if ref[name] is None:
            assert ours[name] is None, name
        else:
            torch.testing.assert_close(ours[name], ref[name], msg=lambda m, n=name: f"{n}: {m}", **tolerances)


# ---- the grid ------------------------------------------------------------------------------

# name -> (constructor arguments, forward arguments built by masks(), cross-attention?)
CASES = {
    "self": ({"num_heads": 2}, {}, False),
    "one_head": ({"num_heads": 1}, {}, False),
    "four_heads": ({"num_heads": 4}, {}, False),
    "cross": ({"num_heads": 2}, {}, True),
    "cross_kdim_vdim": ({"num_heads": 2, "kdim": 5, "vdim": 3}, {}, True),
    "cross_kdim_vdim_masks": ({"num_heads": 4, "kdim": 5, "vdim": 3}, {"kpm": "bool", "attn": "3d_float"}, True),
    "no_bias": ({"num_heads": 2, "bias": False}, {}, True),
    "no_bias_kdim": ({"num_heads": 2, "bias": False, "kdim": 6}, {}, True),
    "bias_kv": ({"num_heads": 2, "add_bias_kv": True}, {}, False),
    "zero_attn": ({"num_heads": 2, "add_zero_attn": True}, {}, True),
    "bias_kv_zero_attn_masks": (
        {"num_heads": 2, "add_bias_kv": True, "add_zero_attn": True},
        {"kpm": "bool", "attn": "2d_bool"},
        True,
    ),
    "kpm_bool": ({"num_heads": 2}, {"kpm": "bool"}, True),
    "kpm_float": ({"num_heads": 2}, {"kpm": "float"}, True),
    "attn_2d_bool": ({"num_heads": 2}, {"attn": "2d_bool"}, True),
    "attn_2d_float": ({"num_heads": 2}, {"attn": "2d_float"}, True),
    "attn_3d_bool": ({"num_heads": 4}, {"attn": "3d_bool"}, True),
    "attn_3d_float": ({"num_heads": 2}, {"attn": "3d_float"}, True),
    "both_masks_float": ({"num_heads": 2}, {"kpm": "float", "attn": "2d_float"}, True),
    "causal": ({"num_heads": 2}, {"attn": "causal", "is_causal": True}, False),
    "causal_no_weights": ({"num_heads": 2}, {"attn": "causal", "is_causal": True, "need_weights": False}, False),
    "causal_kpm": ({"num_heads": 2}, {"attn": "causal", "is_causal": True, "kpm": "bool"}, False),
    "no_weights": ({"num_heads": 2}, {"need_weights": False}, True),
    "no_weights_masks": ({"num_heads": 2}, {"need_weights": False, "kpm": "bool", "attn": "3d_bool"}, True),
    "per_head_weights": ({"num_heads": 4}, {"average_attn_weights": False, "kpm": "float"}, True),
    "dropout_eval": ({"num_heads": 2, "dropout": 0.5}, {"attn": "2d_float"}, True),
}
LAYOUTS = ["seq_first", "batch_first", "unbatched"]


def make_inputs(layout, cross, kdim=E, vdim=E, gen=None):
    """query/key/value in the layout's shape; self-attention passes one tensor."""
    src = S if cross else L

    def shaped(length, features):
        if layout == "unbatched":
            shape = (length, features)
        elif layout == "batch_first":
            shape = (B, length, features)
        else:
            shape = (length, B, features)
        return torch.randn(shape, generator=gen, dtype=DTYPE)

    inputs = {"query": shaped(L, E)}
    if cross:
        inputs |= {"key": shaped(src, kdim), "value": shaped(src, vdim)}
    return inputs, src


def masks(spec, layout, src, num_heads, gen):
    """Forward arguments from a case's spec: random masks that never hide a whole row (column
    0 is always visible, so no softmax row is all -inf)."""
    batch = 1 if layout == "unbatched" else B
    kwargs = {k: v for k, v in spec.items() if k not in ("kpm", "attn")}
    if "kpm" in spec:
        hidden = torch.rand(batch, src, generator=gen) < 0.4
        hidden[:, 0] = False
        hidden[0, -1] = True  # at least one padded key
        kpm = hidden if spec["kpm"] == "bool" else torch.zeros(batch, src, dtype=DTYPE).masked_fill(hidden, -math.inf)
        if spec["kpm"] == "float":  # a finite bias too, not only -inf
            kpm = kpm + 0.5 * torch.randn(batch, src, generator=gen, dtype=DTYPE)
        kwargs["key_padding_mask"] = kpm[0] if layout == "unbatched" else kpm
    attn = spec.get("attn")
    if attn == "causal":
        kwargs["attn_mask"] = causal_mask(L, dtype=DTYPE)
    elif attn is not None:
        lead = () if attn.startswith("2d") else ((num_heads,) if layout == "unbatched" else (B * num_heads,))
        hidden = torch.rand(*lead, L, src, generator=gen) < 0.4
        hidden[..., 0] = False
        if attn.endswith("bool"):
            kwargs["attn_mask"] = hidden
        else:
            noise = 0.5 * torch.randn(*lead, L, src, generator=gen, dtype=DTYPE)
            kwargs["attn_mask"] = noise.masked_fill(hidden, -math.inf)
    return kwargs


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", list(CASES))
def test_matches_torch(case, layout):
    ctor, spec, cross = CASES[case]
    ours, ref = make_pair(batch_first=layout == "batch_first", **ctor)
    ours.eval(), ref.eval()
    gen = torch.Generator().manual_seed(1)
    inputs, src = make_inputs(layout, cross, ctor.get("kdim", E), ctor.get("vdim", E), gen)
    kwargs = masks(spec, layout, src, ctor["num_heads"], gen)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warnings on mixed mask types and the like
        expected = run(ref, inputs, **kwargs)
    got = run(ours, inputs, **kwargs)
    assert_same(got, expected)
    assert got["output"].shape == inputs["query"].shape
    weights = got["weights"]
    if kwargs.get("need_weights", True):
        extra = ctor.get("add_bias_kv", False) + ctor.get("add_zero_attn", False)
        per_head = () if kwargs.get("average_attn_weights", True) else (ctor["num_heads"],)
        batch = () if layout == "unbatched" else (B,)
        assert weights.shape == (*batch, *per_head, L, src + extra)
        torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights.sum(-1)))
    else:
        assert weights is None


@pytest.mark.parametrize("layout", LAYOUTS)
def test_fully_masked_rows_match_torch_without_weights(layout):
    """A query that may look at no key: torch's need_weights=False path gives it zero weights
    (its need_weights=True path gives nan); ours gives zero weights either way."""
    ours, ref = make_pair(num_heads=2, batch_first=layout == "batch_first")
    ours.eval(), ref.eval()
    inputs, _ = make_inputs(layout, True, gen=torch.Generator().manual_seed(8))
    padding = torch.zeros(B, S, dtype=torch.bool)
    padding[0] = True  # the whole first sequence is padding
    attn = torch.zeros(L, S, dtype=torch.bool)
    attn[1] = True  # and query 1 may look at nothing, in every sequence
    kwargs = {"key_padding_mask": padding[0] if layout == "unbatched" else padding, "attn_mask": attn}
    expected = run(ref, inputs, need_weights=False, **kwargs)
    assert_same(run(ours, inputs, need_weights=False, **kwargs), expected)
    got = run(ours, inputs, average_attn_weights=False, **kwargs)
    assert all(torch.isfinite(t).all() for t in got.values() if t is not None)
    weights = got["weights"] if layout == "unbatched" else got["weights"][0]
    assert (weights == 0).all()  # the first sequence (the only one when unbatched)
    if layout != "unbatched":
        assert (got["weights"][:, :, 1] == 0).all() and (got["weights"][1:, :, [0, 2, 3]].sum(-1) > 0.99).all()


def test_float32_and_no_grad_fast_path():
    """Default float32, and torch's fused fast path (eval, no grad, batch_first self-attention)."""
    torch.manual_seed(3)
    ref = nn.MultiheadAttention(E, 4, batch_first=True).eval()
    ours = MultiheadAttention(E, 4, batch_first=True).eval()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(B, L, E)
    padding = torch.tensor([[False] * (L - 1) + [True]] * B)
    with torch.no_grad():
        for kwargs in ({}, {"key_padding_mask": padding}, {"need_weights": False}):
            out_ref, w_ref = ref(x, x, x, **kwargs)
            out, w = ours(x, x, x, **kwargs)
            torch.testing.assert_close(out, out_ref, atol=1e-5, rtol=1e-5)
            if w_ref is None:
                assert w is None
            else:
                torch.testing.assert_close(w, w_ref, atol=1e-6, rtol=1e-5)


def test_dropout_in_training_mode_matches_torch_with_weights():
    """Training mode, need_weights=True: the same random draws drop the same weights."""
    ours, ref = make_pair(num_heads=2, dropout=0.4)
    ours.train(), ref.train()
    inputs, _ = make_inputs("seq_first", True, gen=torch.Generator().manual_seed(2))
    torch.manual_seed(7)
    expected = run(ref, inputs)
    torch.manual_seed(7)
    got = run(ours, inputs)
    assert_same(got, expected)
    assert (got["weights"] == 0).any()  # something was dropped


def test_dropout_in_training_mode_drops_and_rescales():
    ours, _ = make_pair(num_heads=2, dropout=0.5)
    x = torch.randn(L, B, E, dtype=DTYPE)
    with torch.no_grad():
        _, clean = ours.eval()(x, x, x, average_attn_weights=False)
        _, first = ours.train()(x, x, x, average_attn_weights=False)
        _, second = ours(x, x, x, average_attn_weights=False)
    assert not torch.equal(first, second)  # new random draws every call
    kept = first > 0
    assert 0 < kept.float().mean() < 1
    torch.testing.assert_close(first[kept], 2 * clean[kept])  # kept weights scaled by 1 / (1 - p)


def test_inside_torch_transformer_encoder_layer():
    """Drop-in: our layer as the self_attn of torch's TransformerEncoderLayer."""
    torch.manual_seed(4)
    layer = nn.TransformerEncoderLayer(E, 2, dim_feedforward=16, dropout=0.0, batch_first=True, dtype=DTYPE)
    ours = MultiheadAttention(E, 2, batch_first=True, dtype=DTYPE)
    ours.load_state_dict(layer.self_attn.state_dict())
    x = torch.randn(B, L, E, dtype=DTYPE)
    mask = causal_mask(L, dtype=DTYPE)
    padding = torch.zeros(B, L, dtype=DTYPE)
    padding[1, -1] = -math.inf  # the last step of the second sequence is padding
    expected = layer(x, src_mask=mask, src_key_padding_mask=padding, is_causal=True)
    layer.self_attn = ours
    got = layer(x, src_mask=mask, src_key_padding_mask=padding, is_causal=True)
    torch.testing.assert_close(got, expected)


def test_inside_torch_transformer_decoder_layer():
    """Drop-in for both of the decoder's attentions (causal self-attention and cross-attention)."""
    torch.manual_seed(9)
    layer = nn.TransformerDecoderLayer(E, 4, dim_feedforward=16, dropout=0.0, dtype=DTYPE)
    tgt, memory = torch.randn(L, B, E, dtype=DTYPE), torch.randn(S, B, E, dtype=DTYPE)
    memory_padding = torch.zeros(B, S, dtype=torch.bool)
    memory_padding[2, -2:] = True
    kwargs = {"tgt_mask": causal_mask(L, dtype=DTYPE) == -math.inf, "tgt_is_causal": True,
              "memory_key_padding_mask": memory_padding}
    expected = layer(tgt, memory, **kwargs)
    for name in ("self_attn", "multihead_attn"):
        ours = MultiheadAttention(E, 4, dtype=DTYPE)
        ours.load_state_dict(getattr(layer, name).state_dict())
        setattr(layer, name, ours)
    torch.testing.assert_close(layer(tgt, memory, **kwargs), expected)


# ---- parameters: names, shapes, initialisation, state_dict ----------------------------------

CONSTRUCTORS = [
    {"num_heads": 2},
    {"num_heads": 4, "bias": False},
    {"num_heads": 2, "kdim": 5, "vdim": 3},
    {"num_heads": 2, "kdim": 5, "bias": False, "add_bias_kv": True},
    {"num_heads": 1, "add_bias_kv": True, "add_zero_attn": True},
]


@pytest.mark.parametrize("kwargs", CONSTRUCTORS, ids=str)
def test_same_parameters_and_initialisation(kwargs):
    """Same names, shapes and (with the same seed) the same initial values as torch."""
    torch.manual_seed(5)
    ref = nn.MultiheadAttention(E, **kwargs)
    torch.manual_seed(5)
    ours = MultiheadAttention(E, **kwargs)
    theirs = ref.state_dict()
    mine = ours.state_dict()
    assert list(mine) == list(theirs)
    for name in theirs:
        torch.testing.assert_close(mine[name], theirs[name], rtol=0, atol=0, msg=name)
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first",
                 "add_zero_attn", "_qkv_same_embed_dim"):
        assert getattr(ours, attr) == getattr(ref, attr), attr
    for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                 "bias_k", "bias_v"):
        assert (getattr(ours, name) is None) == (getattr(ref, name) is None), name
    assert isinstance(ours.out_proj, nn.Linear)


@pytest.mark.parametrize("kwargs", CONSTRUCTORS, ids=str)
def test_state_dict_round_trip_both_ways(kwargs):
    torch.manual_seed(6)
    ref = nn.MultiheadAttention(E, dtype=DTYPE, **kwargs).eval()
    ours = MultiheadAttention(E, dtype=DTYPE, **kwargs).eval()
    ours.load_state_dict(ref.state_dict())  # torch -> ours
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(torch.randn_like(p))
    back = nn.MultiheadAttention(E, dtype=DTYPE, **kwargs).eval()
    back.load_state_dict(ours.state_dict())  # ours -> torch
    q = torch.randn(L, B, E, dtype=DTYPE)
    k = torch.randn(S, B, kwargs.get("kdim", E), dtype=DTYPE)
    v = torch.randn(S, B, kwargs.get("vdim", E), dtype=DTYPE)
    out, w = ours(q, k, v)
    out_ref, w_ref = back(q, k, v)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(w, w_ref)


def test_device_and_dtype_arguments():
    layer = MultiheadAttention(E, 2, kdim=3, add_bias_kv=True, device="cpu", dtype=torch.float64)
    assert {p.dtype for p in layer.parameters()} == {torch.float64}
    assert {p.device.type for p in layer.parameters()} == {"cpu"}


# ---- Chinese errors ------------------------------------------------------------------------


def test_embed_dim_not_divisible_by_num_heads():
    with pytest.raises(ValueError, match=r"embed_dim=10 不能被 num_heads=3 整除.*num_heads 改为"):
        MultiheadAttention(10, 3)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"embed_dim": 0, "num_heads": 1}, ValueError, "embed_dim"),
        ({"embed_dim": 8, "num_heads": True}, TypeError, "num_heads"),
        ({"embed_dim": 8, "num_heads": 2, "dropout": 1.5}, ValueError, "dropout"),
        ({"embed_dim": 8, "num_heads": 2, "kdim": 0}, ValueError, "kdim"),
        ({"embed_dim": 8, "num_heads": 2, "batch_first": 1}, TypeError, "batch_first"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        MultiheadAttention(**kwargs)


def test_wrong_query_features():
    layer = MultiheadAttention(E, 2)
    x = torch.randn(L, B, 7)
    with pytest.raises(ValueError, match=r"query 的最后一维（特征数）应等于 embed_dim=8，实际为 7"):
        layer(x, x, x)


def test_wrong_key_features_names_kdim():
    layer = MultiheadAttention(E, 2, kdim=5)
    with pytest.raises(ValueError, match=r"key 的最后一维.*kdim=5，实际为 8"):
        layer(torch.randn(L, B, E), torch.randn(S, B, E), torch.randn(S, B, E))


@pytest.mark.parametrize(
    ("mask_kwargs", "pattern"),
    [
        ({"attn_mask": torch.zeros(L, L, dtype=torch.bool)}, r"attn_mask 的形状应为 \(L, S\) = \(4, 5\).*实际为 \(4, 4\)"),
        ({"attn_mask": torch.zeros(B, L, S, dtype=torch.bool)}, r"\(B\*h, L, S\) = \(6, 4, 5\).*实际为 \(3, 4, 5\)"),
        ({"key_padding_mask": torch.zeros(B, L, dtype=torch.bool)}, r"key_padding_mask 的形状应为 \(B, S\) = \(3, 5\)，实际为 \(3, 4\)"),
    ],
)
def test_wrong_mask_shape(mask_kwargs, pattern):
    layer = MultiheadAttention(E, 2)
    q, kv = torch.randn(L, B, E), torch.randn(S, B, E)
    with pytest.raises(ValueError, match=pattern):
        layer(q, kv, kv, **mask_kwargs)


def test_other_input_errors():
    layer = MultiheadAttention(E, 2)
    q, kv = torch.randn(L, B, E), torch.randn(S, B, E)
    with pytest.raises(TypeError, match="key_padding_mask 应为布尔或浮点张量"):
        layer(q, kv, kv, key_padding_mask=torch.zeros(B, S, dtype=torch.long))
    with pytest.raises(ValueError, match=r"is_causal=True.*attn_mask=causal_mask\(4\)"):
        layer(q, q, q, is_causal=True)
    with pytest.raises(ValueError, match="没有挡住所有未来位置"):
        layer(q, q, q, attn_mask=torch.zeros(L, L), is_causal=True)
    with pytest.raises(ValueError, match="维数应相同"):
        layer(q, kv[:, 0], kv)
    with pytest.raises(ValueError, match="序列长度 S 应相同"):
        layer(q, kv, kv[:-1])
    with pytest.raises(ValueError, match="批量大小应相同"):
        layer(q, kv[:, :2], kv[:, :2])
    with pytest.raises(TypeError, match="nn.Embedding"):
        layer(torch.zeros(L, B, E, dtype=torch.long), kv, kv)
    with pytest.raises(TypeError, match="need_weights"):
        layer(q, kv, kv, need_weights=1)


# ---- causal_mask and sinusoidal_positions --------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2, 5])
def test_causal_mask_equals_torch(size):
    expected = nn.Transformer.generate_square_subsequent_mask(size)
    got = causal_mask(size)
    assert got.dtype == expected.dtype
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    assert causal_mask(size, dtype=torch.float64).dtype == torch.float64


def test_causal_mask_blocks_the_future_only():
    mask = causal_mask(4)
    for i in range(4):
        for j in range(4):
            assert mask[i, j] == (-math.inf if j > i else 0.0)
    with pytest.raises(TypeError, match="size"):
        causal_mask(2.0)


def test_sinusoidal_positions_values():
    length, dim = 50, 16
    pe = sinusoidal_positions(length, dim, dtype=torch.float64)
    assert pe.shape == (length, dim) and pe.dtype == torch.float64
    assert sinusoidal_positions(3, 4).dtype == torch.get_default_dtype()
    # position 0: sin 0 = 0 in the even columns, cos 0 = 1 in the odd ones
    torch.testing.assert_close(pe[0], torch.tensor([0.0, 1.0] * (dim // 2), dtype=torch.float64))
    # the lowest frequency is 1: PE(pos, 0) = sin(pos), PE(pos, 1) = cos(pos)
    assert pe[1, 0] == pytest.approx(math.sin(1)) and pe[1, 1] == pytest.approx(math.cos(1))
    # the formula of the paper, entry by entry
    for pos in (0, 1, 7, 49):
        for i in range(dim // 2):
            angle = pos / 10000 ** (2 * i / dim)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle), abs=1e-12)
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-12)
    # each sin/cos pair lies on the unit circle, so every row has squared norm dim / 2
    torch.testing.assert_close((pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2), torch.ones(length, dim // 2, dtype=torch.float64))
    # the frequencies decrease with i: column 0 changes sign within 50 positions, the last sine
    # column (wavelength 2π·10000^(14/16)) is still rising
    assert (pe[:, 0] < 0).any() and (pe[:, 0] > 0).any()
    assert (pe[1:, -2].diff() > 0).all()


def test_sinusoidal_positions_odd_dim_base_and_errors():
    pe = sinusoidal_positions(6, 5, base=100.0, dtype=torch.float64)
    assert pe.shape == (6, 5)
    assert pe[3, 4] == pytest.approx(math.sin(3 / 100 ** (4 / 5)))
    assert sinusoidal_positions(0, 4).shape == (0, 4)
    with pytest.raises(ValueError, match="dim"):
        sinusoidal_positions(5, 0)
    with pytest.raises(ValueError, match="length"):
        sinusoidal_positions(-1, 4)
    with pytest.raises(ValueError, match="base"):
        sinusoidal_positions(5, 4, base=0)
