"""seqbook.nn.RNNCell / LSTMCell / GRUCell against torch.nn: weights, outputs and gradients."""

import math

import pytest
import torch
from torch import nn

from seqbook.nn import GRUCell, LSTMCell, RNNCell, gru_cell, lstm_cell, rnn_cell
from seqbook.nn.cells import input_projection

INPUT, HIDDEN, BATCH = 3, 4, 3

# mode -> (our class, torch's class, extra constructor arguments)
MODES = {
    "rnn_tanh": (RNNCell, nn.RNNCell, {}),
    "rnn_relu": (RNNCell, nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (LSTMCell, nn.LSTMCell, {}),
    "gru": (GRUCell, nn.GRUCell, {}),
}


def make_pair(mode, dtype=torch.float32, **kwargs):
    """A torch cell and ours, holding the same weights (copied from torch into ours)."""
    ours_cls, torch_cls, extra = MODES[mode]
    torch.manual_seed(0)
    ref = torch_cls(INPUT, HIDDEN, **extra, **kwargs).to(dtype)
    ours = ours_cls(INPUT, HIDDEN, **extra, **kwargs).to(dtype)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def make_data(mode, batched, with_state, dtype):
    gen = torch.Generator().manual_seed(1)
    batch = (BATCH,) if batched else ()
    x = torch.randn(*batch, INPUT, generator=gen, dtype=dtype)
    num_states = 2 if mode == "lstm" else 1
    states = [torch.randn(*batch, HIDDEN, generator=gen, dtype=dtype) for _ in range(num_states)]
    return x, states if with_state else None


def run(cell, x, states):
    """Forward and backward; return the new state(s) and every gradient by name."""
    x = x.clone().requires_grad_()
    states = None if states is None else [s.clone().requires_grad_() for s in states]
    hx = None if states is None else (tuple(states) if len(states) == 2 else states[0])
    out = cell(x, hx)
    outs = out if isinstance(out, tuple) else (out,)
    results = {f"out_{i}": o for i, o in enumerate(outs)}
    loss = sum(
        (o * torch.cos(torch.arange(o.numel(), dtype=o.dtype)).reshape(o.shape)).sum() for o in outs
    )
    loss.backward()
    results["grad_input"] = x.grad
    for i, s in enumerate(states or []):
        results[f"grad_state_{i}"] = s.grad
    for name, p in cell.named_parameters():
        results[f"grad_{name}"] = p.grad
    return results


def assert_same(ours, ref):
    assert ours.keys() == ref.keys()
    for key in ref:
        torch.testing.assert_close(ours[key], ref[key], msg=lambda m, key=key: f"{key}: {m}")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "hx"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch(mode, batched, bias, with_state, dtype):
    ours, ref = make_pair(mode, dtype, bias=bias)
    x, states = make_data(mode, batched, with_state, dtype)
    assert_same(run(ours, x, states), run(ref, x, states))


@pytest.mark.parametrize("mode", MODES)
def test_torch_loads_our_weights(mode):
    ours_cls, torch_cls, extra = MODES[mode]
    torch.manual_seed(3)
    ours = ours_cls(INPUT, HIDDEN, **extra)
    torch.manual_seed(4)
    ref = torch_cls(INPUT, HIDDEN, **extra)
    ref.load_state_dict(ours.state_dict())
    x, states = make_data(mode, True, True, torch.float32)
    assert_same(run(ours, x, states), run(ref, x, states))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mode", MODES)
def test_same_parameters_and_initialisation(mode, bias):
    ours_cls, torch_cls, extra = MODES[mode]
    torch.manual_seed(5)
    ref = torch_cls(INPUT, HIDDEN, bias=bias, **extra)
    torch.manual_seed(5)
    ours = ours_cls(INPUT, HIDDEN, bias=bias, **extra)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert list(ours.state_dict()) == list(ref.state_dict())
    for name, p in ref.state_dict().items():
        torch.testing.assert_close(ours.state_dict()[name], p, rtol=0, atol=0)
        assert p.abs().max() <= 1 / math.sqrt(HIDDEN)
    assert (ours.bias_ih is None) == (not bias)
    assert repr(ours) == repr(ref)


def test_step_functions_match_the_cells():
    x, (h, c) = make_data("lstm", True, True, torch.float32)
    for cell, fn, state in [
        (RNNCell(INPUT, HIDDEN), rnn_cell, h),
        (LSTMCell(INPUT, HIDDEN), lstm_cell, (h, c)),
        (GRUCell(INPUT, HIDDEN), gru_cell, h),
    ]:
        weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        torch.testing.assert_close(fn(x, state, *weights), cell(x, state))


def test_gru_cell_reset_before_is_chos_formula():
    cell = GRUCell(INPUT, HIDDEN, reset_after=False, dtype=torch.float64)
    x, (h,) = make_data("gru", True, True, torch.float64)
    W_ir, W_iz, W_in = cell.weight_ih.chunk(3)
    W_hr, W_hz, W_hn = cell.weight_hh.chunk(3)
    b_ir, b_iz, b_in = cell.bias_ih.chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    torch.testing.assert_close(cell(x, h), (1 - z) * n + z * h)
    assert "reset_after=False" in repr(cell)


@pytest.mark.parametrize("bias", [True, False])
def test_gru_cell_reset_before_differs_from_torch(bias):
    ours, ref = make_pair("gru", bias=bias)
    cho = GRUCell(INPUT, HIDDEN, bias=bias, reset_after=False)
    cho.load_state_dict(ref.state_dict())
    x, (h,) = make_data("gru", True, True, torch.float32)
    assert (cho(x, h) - ref(x, h)).abs().max() > 1e-3
    torch.testing.assert_close(ours(x, h), ref(x, h))


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [RNNCell, LSTMCell, GRUCell])
def test_bad_input(cls):
    cell = cls(INPUT, HIDDEN)
    name, layer = cls.__name__, cls.__name__.removesuffix("Cell")
    with pytest.raises(
        ValueError, match=rf"{name} 的输入应为 2 维.*实际为 3 维，形状 \(5, 2, 3\).*请用 {layer}"
    ):
        cell(torch.zeros(5, 2, INPUT))
    with pytest.raises(ValueError, match=r"input_size=3，实际为 7（输入形状 \(2, 7\)）"):
        cell(torch.zeros(2, 7))
    with pytest.raises(TypeError, match="input 应为张量.*list"):
        cell([1.0, 2.0, 3.0])


def test_bad_hidden_state():
    x = torch.zeros(2, INPUT)
    with pytest.raises(
        ValueError,
        match=r"h 的形状应为 \(batch, hidden_size\) = \(2, 4\)，实际为 \(3, 4\)。批次大小不一致：输入的批次大小为 2，h 的却为 3",
    ):
        RNNCell(INPUT, HIDDEN)(x, torch.zeros(3, HIDDEN))
    with pytest.raises(
        ValueError, match=r"h 的形状应为 \(hidden_size,\)（输入无批次维） = \(4,\)，实际为 \(1, 4\)"
    ):
        GRUCell(INPUT, HIDDEN)(torch.zeros(INPUT), torch.zeros(1, HIDDEN))
    with pytest.raises(
        ValueError, match=r"c 的形状应为 \(batch, hidden_size\) = \(2, 4\)，实际为 \(2, 5\)"
    ):
        LSTMCell(INPUT, HIDDEN)(x, (torch.zeros(2, HIDDEN), torch.zeros(2, 5)))
    with pytest.raises(TypeError, match=r"hx 应为 2 个张量组成的元组 \(h, c\)，实际为 Tensor"):
        LSTMCell(INPUT, HIDDEN)(x, torch.zeros(2, HIDDEN))


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "match"),
    [
        (RNNCell, dict(input_size=0), ValueError, "input_size 应为正整数.*实际为 0"),
        (LSTMCell, dict(hidden_size=-1), ValueError, "hidden_size 应为正整数.*实际为 -1"),
        (GRUCell, dict(hidden_size="4"), TypeError, "hidden_size 应为正整数.*str.*'4'"),
        (
            RNNCell,
            dict(nonlinearity="gelu"),
            ValueError,
            "nonlinearity 只能是 'tanh'、'relu' 之一.*'gelu'",
        ),
        (GRUCell, dict(reset_after=None), TypeError, "reset_after 应为 True 或 False.*None"),
        (LSTMCell, dict(bias=0), TypeError, "bias 应为 True 或 False.*int"),
    ],
)
def test_bad_arguments(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls(**(dict(input_size=INPUT, hidden_size=HIDDEN) | kwargs))


@pytest.mark.parametrize("cls", [RNNCell, LSTMCell, GRUCell])
def test_integer_ids_need_an_embedding_first(cls):
    cell = cls(INPUT, HIDDEN)
    for ids in (torch.tensor([1, 2, 3]), torch.randint(0, 10, (BATCH, INPUT))):
        with pytest.raises(
            TypeError, match=r"input 的数据类型是 torch.int64.*词元 id.*nn.Embedding"
        ):
            cell(ids)


# ---- the input part of a step --------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize(
    ("cls", "fn", "kwargs"),
    [
        (RNNCell, rnn_cell, {}),
        (RNNCell, rnn_cell, {"nonlinearity": "relu"}),
        (LSTMCell, lstm_cell, {}),
        (GRUCell, gru_cell, {}),
        (GRUCell, gru_cell, {"reset_after": False}),
    ],
    ids=["rnn_tanh", "rnn_relu", "lstm", "gru", "gru_cho"],
)
def test_step_functions_take_the_input_projection(cls, fn, kwargs, bias):
    """With w_ih=None a step function reads x as W_ih x + b_ih, computed beforehand."""
    cell = cls(INPUT, HIDDEN, bias=bias, **kwargs, dtype=torch.float64)
    x, (h, c) = make_data("lstm", True, True, torch.float64)
    state = (h, c) if cls is LSTMCell else h
    projected = input_projection(x, cell.weight_ih, cell.bias_ih)
    torch.testing.assert_close(projected, nn.functional.linear(x, cell.weight_ih, cell.bias_ih))
    assert input_projection(projected, None, None) is projected
    full = fn(x, state, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, **kwargs)
    split = fn(projected, state, None, cell.weight_hh, None, cell.bias_hh, **kwargs)
    torch.testing.assert_close(split, full)
    torch.testing.assert_close(full, cell(x, state))
