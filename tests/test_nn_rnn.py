"""seqbook.nn.RNN / LSTM / GRU against torch.nn: weights, outputs, states and gradients."""

import ast
import inspect
import math

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

import seqbook.nn as snn
from seqbook.nn import GRU, LSTM, RNN

INPUT, HIDDEN, BATCH, LENGTH = 3, 4, 3, 5
LENGTHS = {"packed_sorted": [5, 4, 2], "packed_unsorted": [2, 5, 3]}

# mode -> (our class, torch's class, extra constructor arguments)
MODES = {
    "rnn_tanh": (RNN, nn.RNN, {}),
    "rnn_relu": (RNN, nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, nn.LSTM, {}),
    "gru": (GRU, nn.GRU, {}),
}


def make_pair(mode, dtype=torch.float32, seed=0, **kwargs):
    """A torch layer and ours, holding the same weights (copied from torch into ours)."""
    ours_cls, torch_cls, extra = MODES[mode]
    torch.manual_seed(seed)
    ref = torch_cls(INPUT, HIDDEN, **extra, **kwargs).to(dtype)
    ours = ours_cls(INPUT, HIDDEN, **extra, **kwargs).to(dtype)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def make_data(mode, kind, num_layers, bidirectional, batch_first, with_state, dtype):
    """A random input and (optionally) random initial states, the same every call."""
    gen = torch.Generator().manual_seed(1)
    if kind == "unbatched":
        x_shape, batch = (LENGTH, INPUT), ()
    else:
        x_shape = (BATCH, LENGTH, INPUT) if batch_first else (LENGTH, BATCH, INPUT)
        batch = (BATCH,)
    x = torch.randn(x_shape, generator=gen, dtype=dtype)
    state_shape = (num_layers * (2 if bidirectional else 1), *batch, HIDDEN)
    num_states = 2 if mode == "lstm" else 1
    states = [torch.randn(state_shape, generator=gen, dtype=dtype) for _ in range(num_states)]
    return x, states if with_state else None


def weighted_sum(t):
    """A scalar that depends on every element differently, so every gradient is checked."""
    weights = torch.cos(torch.arange(t.numel(), dtype=t.dtype)).reshape(t.shape)
    return (t * weights).sum()


def run(module, x, states, kind="padded", batch_first=False):
    """Forward and backward; return outputs, final states and every gradient by name."""
    x = x.clone().requires_grad_()
    states = None if states is None else [s.clone().requires_grad_() for s in states]
    if kind.startswith("packed"):
        enforce_sorted = kind == "packed_sorted"
        inp = pack_padded_sequence(x, LENGTHS[kind], batch_first, enforce_sorted)
    else:
        inp = x
    hx = None if states is None else (tuple(states) if len(states) == 2 else states[0])
    output, final = module(inp, hx)
    finals = final if isinstance(final, tuple) else (final,)

    results = {}
    if kind.startswith("packed"):
        assert isinstance(output, PackedSequence)
        results["batch_sizes"] = output.batch_sizes
        results["sorted_indices"] = output.sorted_indices
        results["unsorted_indices"] = output.unsorted_indices
        output = output.data
    results["output"] = output
    for i, s in enumerate(finals):
        results[f"final_{i}"] = s
    (weighted_sum(output) + sum(weighted_sum(s) for s in finals)).backward()
    results["grad_input"] = x.grad
    for i, s in enumerate(states or []):
        results[f"grad_state_{i}"] = s.grad
    for name, p in module.named_parameters():
        results[f"grad_{name}"] = p.grad
    return results


def assert_same(ours, ref):
    assert ours.keys() == ref.keys()
    for key in ref:
        torch.testing.assert_close(ours[key], ref[key], msg=lambda m, key=key: f"{key}: {m}")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "h0"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("kind", ["padded", "packed_sorted", "packed_unsorted", "unbatched"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch(mode, num_layers, bidirectional, kind, batch_first, bias, with_state, dtype):
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    ours, ref = make_pair(mode, dtype, bias=bias, **kwargs)
    x, states = make_data(mode, kind, num_layers, bidirectional, batch_first, with_state, dtype)
    assert_same(run(ours, x, states, kind, batch_first), run(ref, x, states, kind, batch_first))


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("mode", MODES)
def test_torch_loads_our_weights(mode, num_layers, bidirectional):
    ours_cls, torch_cls, extra = MODES[mode]
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, **extra)
    torch.manual_seed(3)
    ours = ours_cls(INPUT, HIDDEN, **kwargs)
    torch.manual_seed(4)  # different initial weights, overwritten by ours
    ref = torch_cls(INPUT, HIDDEN, **kwargs)
    ref.load_state_dict(ours.state_dict())
    x, states = make_data(
        mode, "packed_unsorted", num_layers, bidirectional, False, True, torch.float32
    )
    assert_same(run(ours, x, states, "packed_unsorted"), run(ref, x, states, "packed_unsorted"))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("mode", MODES)
def test_same_parameters_and_initialisation(mode, num_layers, bidirectional, bias):
    ours_cls, torch_cls, extra = MODES[mode]
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, bias=bias, **extra)
    torch.manual_seed(5)
    ref = torch_cls(INPUT, HIDDEN, **kwargs).state_dict()
    torch.manual_seed(5)
    ours = ours_cls(INPUT, HIDDEN, **kwargs).state_dict()
    assert list(ours) == list(ref)  # same names, in the same order
    for name in ref:
        assert ours[name].shape == ref[name].shape, name
        # same order of random draws from the same distribution: the very same numbers
        torch.testing.assert_close(ours[name], ref[name], rtol=0, atol=0)
        assert ours[name].abs().max() <= 1 / math.sqrt(HIDDEN)


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
def test_repr_like_torch(mode):
    ours, ref = make_pair(mode, num_layers=2, bias=False, batch_first=True, bidirectional=True)
    assert repr(ours) == repr(ref)


def test_device_and_dtype_arguments():
    lstm = LSTM(INPUT, HIDDEN, device="cpu", dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in lstm.parameters())


# ---- dropout -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_dropout_in_eval_mode_matches_torch(mode):
    ours, ref = make_pair(mode, num_layers=3, dropout=0.5, bidirectional=True)
    ours.eval()
    ref.eval()
    x, states = make_data(mode, "packed_unsorted", 3, True, False, True, torch.float32)
    assert_same(run(ours, x, states, "packed_unsorted"), run(ref, x, states, "packed_unsorted"))


@pytest.mark.parametrize("mode", MODES)
def test_dropout_in_training_mode(mode):
    x, _ = make_data(mode, "padded", 2, False, False, False, torch.float32)
    ours, _ = make_pair(mode, num_layers=2, dropout=0.5)
    torch.manual_seed(0)
    train_out, _ = ours.train()(x)
    eval_out, _ = ours.eval()(x)
    assert not torch.allclose(train_out, eval_out)  # dropout between the layers is on
    if mode != "rnn_relu":  # (ReLU outputs are often exactly 0 anyway)
        # never on the last layer's output: dropout there would zero about half of it
        assert (train_out != 0).all()


@pytest.mark.parametrize("mode", MODES)
def test_no_dropout_after_a_single_layer(mode):
    with pytest.warns(UserWarning, match="num_layers=1"):
        ours, _ = make_pair(mode, num_layers=1, dropout=0.5)
    x, _ = make_data(mode, "padded", 1, False, False, False, torch.float32)
    train_out, _ = ours.train()(x)
    eval_out, _ = ours.eval()(x)
    torch.testing.assert_close(train_out, eval_out, rtol=0, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_zero_dropout_train_equals_eval(mode):
    ours, _ = make_pair(mode, num_layers=3, dropout=0.0, bidirectional=True)
    x, _ = make_data(mode, "padded", 3, True, False, False, torch.float32)
    train_out, train_h = ours.train()(x)
    eval_out, eval_h = ours.eval()(x)
    torch.testing.assert_close(train_out, eval_out, rtol=0, atol=0)
    torch.testing.assert_close(train_h, eval_h, rtol=0, atol=0)


# ---- packed sequences --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_packed_equals_running_each_sequence_alone(mode):
    """Packing must give every sequence exactly what it gets when run on its own."""
    ours, _ = make_pair(mode, num_layers=2, bidirectional=True)
    x, _ = make_data(mode, "padded", 2, True, False, False, torch.float32)
    lengths = LENGTHS["packed_unsorted"]
    packed_out, packed_h = ours(pack_padded_sequence(x, lengths, enforce_sorted=False))
    padded_out, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_out)
    packed_h = packed_h[0] if isinstance(packed_h, tuple) else packed_h
    for i, n in enumerate(lengths):
        alone_out, alone_h = ours(x[:n, i])
        alone_h = alone_h[0] if isinstance(alone_h, tuple) else alone_h
        torch.testing.assert_close(padded_out[:n, i], alone_out)
        torch.testing.assert_close(packed_h[:, i], alone_h)


# ---- GRU: Cho et al. 2014 ----------------------------------------------------------------


def test_gru_reset_before_differs_from_torch():
    ours, ref = make_pair("gru", num_layers=2)
    cho = GRU(INPUT, HIDDEN, num_layers=2, reset_after=False)
    cho.load_state_dict(ref.state_dict())
    x, _ = make_data("gru", "padded", 2, False, False, False, torch.float32)
    assert (cho(x)[0] - ref(x)[0]).abs().max() > 1e-3
    torch.testing.assert_close(ours(x)[0], ref(x)[0])


def cho_step(x, h, sd, suffix=""):
    """One GRU step of Cho et al. 2014, written out gate by gate."""
    W_ir, W_iz, W_in = sd["weight_ih" + suffix].chunk(3)
    W_hr, W_hz, W_hn = sd["weight_hh" + suffix].chunk(3)
    b_ir, b_iz, b_in = sd["bias_ih" + suffix].chunk(3)
    b_hr, b_hz, b_hn = sd["bias_hh" + suffix].chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h


def test_gru_reset_before_is_chos_formula():
    gru = GRU(INPUT, HIDDEN, reset_after=False, dtype=torch.float64)
    x, (h0,) = make_data("gru", "padded", 1, False, False, True, torch.float64)
    x = x[:1]  # one step
    out, h1 = gru(x, h0)
    expected = cho_step(x[0], h0[0], gru.state_dict(), "_l0")
    torch.testing.assert_close(out[0], expected)
    torch.testing.assert_close(h1[0], expected)


def test_gru_reset_before_layer_equals_cell_loop():
    gru = GRU(INPUT, HIDDEN, reset_after=False)
    cell = snn.GRUCell(INPUT, HIDDEN, reset_after=False)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    x, _ = make_data("gru", "padded", 1, False, False, False, torch.float32)
    h = torch.zeros(BATCH, HIDDEN)
    for x_t in x:
        h = cell(x_t, h)
    torch.testing.assert_close(gru(x)[1][0], h)
    assert "reset_after=False" in repr(gru)


# ---- from scratch ------------------------------------------------------------------------


TORCH_RNN_NAMES = {
    "RNN",
    "LSTM",
    "GRU",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "RNNBase",
    "RNNCellBase",
    "_VF",
    "rnn_tanh",
    "rnn_relu",
    "lstm",
    "gru",
    "lstm_cell",
    "gru_cell",
    "rnn_tanh_cell",
    "rnn_relu_cell",
}


@pytest.mark.parametrize("module", [snn.cells, snn.rnn, snn.init], ids=lambda m: m.__name__)
def test_written_from_scratch(module):
    """No torch recurrent layer, cell or kernel is used (docstrings may name them)."""
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Attribute):  # torch.nn.LSTM, torch._VF, ...
            assert node.attr not in TORCH_RNN_NAMES, node.attr
        if isinstance(node, ast.ImportFrom) and node.module.startswith("torch"):
            assert not {alias.name for alias in node.names} & TORCH_RNN_NAMES


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(input_size=0), ValueError, "input_size 应为正整数.*实际为 0"),
        (dict(hidden_size=-2), ValueError, "hidden_size 应为正整数.*实际为 -2"),
        (dict(num_layers=0), ValueError, "num_layers 应为正整数.*实际为 0"),
        (dict(hidden_size=4.0), TypeError, "hidden_size 应为正整数.*float.*4.0"),
        (dict(dropout=1.5), ValueError, r"dropout .*\[0, 1\].*1\.5"),
        (dict(dropout=-0.1), ValueError, r"dropout .*\[0, 1\].*-0\.1"),
        (
            dict(nonlinearity="sigmoid"),
            ValueError,
            "nonlinearity 只能是 'tanh'、'relu' 之一.*'sigmoid'",
        ),
        (dict(bias="yes"), TypeError, "bias 应为 True 或 False.*'yes'"),
        (dict(batch_first=1), TypeError, "batch_first 应为 True 或 False.*int"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    args = dict(input_size=INPUT, hidden_size=HIDDEN) | kwargs
    with pytest.raises(error, match=match):
        RNN(**args)


def test_bad_reset_after():
    with pytest.raises(TypeError, match="reset_after 应为 True 或 False"):
        GRU(INPUT, HIDDEN, reset_after="no")


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_bad_input_dimensions(cls):
    layer = cls(INPUT, HIDDEN)
    with pytest.raises(
        ValueError, match=r"3 维 \(L, N, input_size\).*实际为 4 维，形状 \(5, 3, 2, 3\)"
    ):
        layer(torch.zeros(5, 3, 2, INPUT))
    with pytest.raises(ValueError, match=rf"实际为 1 维.*{cls.__name__}Cell"):
        layer(torch.zeros(INPUT))
    with pytest.raises(TypeError, match="张量或 PackedSequence.*list"):
        layer([[0.0] * INPUT])


def test_bad_input_dimensions_batch_first_layout():
    with pytest.raises(ValueError, match=r"\(N, L, input_size\)"):
        LSTM(INPUT, HIDDEN, batch_first=True)(torch.zeros(1, 2, 3, 4))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_wrong_feature_size(cls):
    with pytest.raises(ValueError, match=r"input_size=3，实际为 5（输入形状 \(7, 2, 5\)）"):
        cls(INPUT, HIDDEN)(torch.zeros(7, 2, 5))
    packed = pack_padded_sequence(torch.zeros(7, 2, 5), [7, 4])
    with pytest.raises(ValueError, match="input_size=3，实际为 5"):
        cls(INPUT, HIDDEN)(packed)


def test_wrong_h0_shape():
    rnn = RNN(INPUT, 16, num_layers=2)
    x = torch.zeros(5, 3, INPUT)
    msg = r"h_0 的形状应为 \(num_layers\*num_directions, batch, hidden_size\) = \(2, 3, 16\)，实际为 \(1, 3, 16\)"
    with pytest.raises(ValueError, match=msg):
        rnn(x, torch.zeros(1, 3, 16))


def test_h0_batch_mismatch():
    gru = GRU(INPUT, HIDDEN, bidirectional=True, batch_first=True)
    x = torch.zeros(3, 5, INPUT)  # batch first: 3 sequences
    with pytest.raises(
        ValueError,
        match=r"= \(2, 3, 4\)，实际为 \(2, 5, 4\)。批次大小不一致：输入的批次大小为 3，h_0 的却为 5.*batch_first",
    ):
        gru(x, torch.zeros(2, 5, HIDDEN))  # a classic: the batch put first in h_0 too
    packed = pack_padded_sequence(torch.zeros(5, 3, INPUT), [5, 3, 2])
    with pytest.raises(ValueError, match="批次大小不一致：输入的批次大小为 3，h_0 的却为 2"):
        GRU(INPUT, HIDDEN)(packed, torch.zeros(1, 2, HIDDEN))


def test_unbatched_h0_shape():
    with pytest.raises(
        ValueError,
        match=r"h_0 的形状应为 .* = \(1, 4\)，实际为 \(1, 1, 4\)。输入是一条无批次的序列",
    ):
        RNN(INPUT, HIDDEN)(torch.zeros(5, INPUT), torch.zeros(1, 1, HIDDEN))


def test_wrong_c0_shape():
    lstm = LSTM(INPUT, HIDDEN)
    h0 = torch.zeros(1, 3, HIDDEN)
    with pytest.raises(ValueError, match=r"c_0 的形状应为 .* = \(1, 3, 4\)，实际为 \(1, 3, 5\)"):
        lstm(torch.zeros(5, 3, INPUT), (h0, torch.zeros(1, 3, 5)))


def test_wrong_hx_types():
    x = torch.zeros(5, 3, INPUT)
    with pytest.raises(TypeError, match=r"hx 应为 2 个张量组成的元组 \(h_0, c_0\)，实际为 Tensor"):
        LSTM(INPUT, HIDDEN)(x, torch.zeros(1, 3, HIDDEN))
    with pytest.raises(TypeError, match="h_0 应为张量.*tuple"):
        GRU(INPUT, HIDDEN)(x, (torch.zeros(1, 3, HIDDEN),))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_integer_ids_need_an_embedding_first(cls):
    ids = torch.randint(0, 10, (LENGTH, BATCH))  # (L, N) token ids, no features
    layer = cls(INPUT, HIDDEN)
    with pytest.raises(TypeError, match=r"input 的数据类型是 torch.int64.*词元 id.*nn.Embedding"):
        layer(ids)
    with pytest.raises(TypeError, match=r"input 的数据类型是 torch.int64.*nn.Embedding"):
        layer(ids.unsqueeze(-1).expand(-1, -1, INPUT))  # even with the right shape
    packed = pack_padded_sequence(ids, [5, 4, 2])
    with pytest.raises(TypeError, match=r"input.data 的数据类型是 torch.int64.*nn.Embedding"):
        layer(packed)


# ---- drop-in completeness: proj_size, flatten_parameters, all_weights --------------------


def test_proj_size_zero_is_accepted_like_torch():
    for lstm in (
        LSTM(INPUT, HIDDEN, proj_size=0),
        LSTM(INPUT, HIDDEN, 1, True, False, 0.0, False, 0),
    ):
        assert lstm.proj_size == nn.LSTM(INPUT, HIDDEN).proj_size == 0
        assert repr(lstm) == repr(nn.LSTM(INPUT, HIDDEN, proj_size=0))
    assert RNN(INPUT, HIDDEN).proj_size == GRU(INPUT, HIDDEN).proj_size == 0


@pytest.mark.parametrize("proj_size", [1, 2])
def test_proj_size_is_not_supported(proj_size):
    nn.LSTM(INPUT, HIDDEN, proj_size=proj_size)  # torch has it...
    with pytest.raises(
        ValueError, match=rf"不支持 proj_size.*proj_size={proj_size}.*proj_size=0.*torch\.nn\.LSTM"
    ):
        LSTM(INPUT, HIDDEN, proj_size=proj_size)  # ...ours says so and what to use instead


@pytest.mark.parametrize(
    ("proj_size", "error", "match"),
    [
        (-1, ValueError, "proj_size 应为不小于 0 的整数，实际为 -1"),
        (1.5, TypeError, "proj_size 应为不小于 0 的整数.*float"),
        (True, TypeError, "proj_size 应为不小于 0 的整数.*bool"),
    ],
)
def test_bad_proj_size(proj_size, error, match):
    with pytest.raises(error, match=match):
        LSTM(INPUT, HIDDEN, proj_size=proj_size)


@pytest.mark.parametrize("mode", MODES)
def test_flatten_parameters_is_a_no_op(mode):
    ours, ref = make_pair(mode, num_layers=2, bidirectional=True)
    x, _ = make_data(mode, "padded", 2, True, False, False, torch.float32)
    before = [p.clone() for p in ours.parameters()]
    params = list(ours.parameters())
    ref.flatten_parameters()  # code written for torch calls it ...
    assert ours.flatten_parameters() is None  # ... and it works on ours
    assert list(ours.parameters()) == params  # the very same tensors, unchanged
    for p, q in zip(ours.parameters(), before, strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    torch.testing.assert_close(ours(x)[0], ref(x)[0])


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("mode", MODES)
def test_all_weights_like_torch(mode, num_layers, bidirectional, bias):
    ours, ref = make_pair(mode, num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    assert len(ours.all_weights) == len(ref.all_weights) == num_layers * (1 + bidirectional)
    own = {id(p) for p in ours.parameters()}
    for our_group, ref_group in zip(ours.all_weights, ref.all_weights, strict=True):
        assert len(our_group) == len(ref_group) == (4 if bias else 2)
        for p, q in zip(our_group, ref_group, strict=True):
            assert isinstance(p, nn.Parameter) and id(p) in own  # ours, not copies
            torch.testing.assert_close(p, q, rtol=0, atol=0)
    # the same layout as torch: names in the same order
    names = {id(p): name for name, p in ours.named_parameters()}
    assert [[names[id(p)] for p in group] for group in ours.all_weights] == ref._all_weights


# ---- the loop over time ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["padded", "packed_unsorted"])
@pytest.mark.parametrize("mode", MODES)
def test_input_part_is_one_product_per_layer_and_direction(mode, kind, monkeypatch):
    """W_ih x_t + b_ih is computed for all steps at once, not once per step."""
    calls = []

    def counting(x, w_ih, b_ih=None):
        calls.append(x.shape)
        return snn.cells.input_projection(x, w_ih, b_ih)

    monkeypatch.setattr(snn.rnn, "input_projection", counting)
    ours, ref = make_pair(mode, num_layers=2, bidirectional=True)
    x, states = make_data(mode, kind, 2, True, False, True, torch.float32)
    assert_same(run(ours, x, states, kind), run(ref, x, states, kind))
    assert len(calls) == 2 * 2  # num_layers * num_directions, whatever the length
    assert all(shape[0] == LENGTH for shape in calls)  # every time step at once
