import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import seqbook.nn  # noqa: E402
from seqbook.nn import gate_blocks, set_forget_bias, set_gate_bias
from seqbook.plot import draw_gru_cell, draw_lstm_cell


def test_gate_blocks_follow_pytorchs_order():
    lstm = nn.LSTM(3, 2)
    blocks = gate_blocks(lstm.weight_ih_l0, "lstm")
    assert list(blocks) == ["i", "f", "g", "o"]
    assert torch.equal(blocks["g"], lstm.weight_ih_l0[4:6])
    gru = nn.GRU(3, 2)
    assert list(gate_blocks(gru.bias_hh_l0, "gru")) == ["r", "z", "n"]


def test_gate_blocks_reproduce_lstm_cell():
    torch.manual_seed(0)
    cell = nn.LSTMCell(3, 2)
    x, h, c = torch.randn(3), torch.randn(2), torch.randn(2)
    W, U = gate_blocks(cell.weight_ih, "lstm"), gate_blocks(cell.weight_hh, "lstm")
    b = {k: v + cell.bias_hh.chunk(4)[n] for n, (k, v) in enumerate(gate_blocks(cell.bias_ih, "lstm").items())}
    pre = {k: W[k] @ x + U[k] @ h + b[k] for k in "ifgo"}
    c_new = torch.sigmoid(pre["f"]) * c + torch.sigmoid(pre["i"]) * torch.tanh(pre["g"])
    h_new = torch.sigmoid(pre["o"]) * torch.tanh(c_new)
    h_ref, c_ref = cell(x, (h, c))
    torch.testing.assert_close(h_new, h_ref)
    torch.testing.assert_close(c_new, c_ref)


def test_gate_blocks_are_views():
    lstm = nn.LSTM(3, 2)
    with torch.no_grad():
        gate_blocks(lstm.bias_ih_l0, "lstm")["o"].fill_(7.0)
    assert lstm.bias_ih_l0[6:].tolist() == [7.0, 7.0]


def test_gate_blocks_rejects_bad_input():
    with pytest.raises(ValueError, match="kind"):
        gate_blocks(torch.zeros(8), "rnn")
    with pytest.raises(ValueError, match="倍数"):
        gate_blocks(torch.zeros(7), "lstm")


@pytest.mark.parametrize("make", [
    lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
    lambda: nn.LSTMCell(3, 4),
    lambda: seqbook.nn.LSTM(3, 4, num_layers=2),
])
def test_set_forget_bias_sets_every_layer_and_direction(make):
    lstm = make()
    before = {n: p.detach().clone() for n, p in lstm.named_parameters()}
    set_forget_bias(lstm, 5.0)
    for name, p in lstm.named_parameters():
        if not name.startswith("bias_"):
            assert torch.equal(p, before[name])
            continue
        blocks = gate_blocks(p, "lstm")
        assert torch.all(blocks["f"] == (5.0 if name.startswith("bias_ih") else 0.0))
        for gate in "igo":
            assert torch.equal(blocks[gate], gate_blocks(before[name], "lstm")[gate])


def test_forget_bias_makes_the_forget_gate_start_near_one():
    torch.manual_seed(0)
    cell = nn.LSTMCell(4, 8)
    set_forget_bias(cell, 5.0)
    with torch.no_grad():
        pre = cell.weight_ih @ torch.zeros(4) + cell.bias_ih + cell.bias_hh
    f = torch.sigmoid(gate_blocks(pre, "lstm")["f"])
    assert torch.allclose(f, torch.full((8,), torch.sigmoid(torch.tensor(5.0)).item()))


def test_set_gate_bias_for_gru_update_gate():
    gru = nn.GRU(3, 2)
    set_gate_bias(gru, "gru", "z", 4.0)
    assert gate_blocks(gru.bias_ih_l0, "gru")["z"].tolist() == [4.0, 4.0]
    assert gate_blocks(gru.bias_hh_l0, "gru")["z"].tolist() == [0.0, 0.0]


def test_set_gate_bias_rejects_bad_arguments():
    with pytest.raises(ValueError, match="gate 只能是 'r'、'z'、'n' 之一，实际为 'f'"):
        set_gate_bias(nn.GRU(3, 2), "gru", "f", 1.0)
    with pytest.raises(ValueError, match="偏置"):
        set_forget_bias(nn.LSTM(3, 2, bias=False), 1.0)


@pytest.mark.parametrize("draw", [draw_lstm_cell, lambda: draw_gru_cell(False), lambda: draw_gru_cell(True)])
def test_diagrams_draw_into_an_axes(draw):
    ax = draw()
    assert ax.texts and not ax.axison
    plt.close(ax.figure)
