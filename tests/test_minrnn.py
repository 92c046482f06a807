"""seqbook.nn.minrnn: the log-space scan against the loop, minGRU / minLSTM / the diagonal linear
RNN in both modes and step by step, and the selective-copying batches."""

import pytest
import torch
import torch.nn.functional as F

from seqbook.data.selective_copying import selective_copying_batch
from seqbook.nn.minrnn import (
    DiagonalLinearRNN,
    MinGRU,
    MinLSTM,
    g,
    log_g,
    parallel_scan_log,
    sequential_scan,
)

LENGTHS = [1, 2, 17, 256, 4096]
# dtype -> (absolute tolerance on values, on gradients)
TOLERANCE = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-10, 1e-10)}
LAYERS = {"mingru": MinGRU, "minlstm": MinLSTM, "diagonal": DiagonalLinearRNN}


def weighted_sum(t):
    """A scalar that depends on every element differently, so every gradient is checked."""
    weights = torch.cos(torch.arange(t.numel(), dtype=t.dtype)).reshape(t.shape)
    return (t * weights).sum()


def scan_inputs(length, dtype, hidden=8, batch=2, seed=0):
    """Logs of minGRU-like coefficients and values (a in (0, 1), b > 0), and a signed h0."""
    gen = torch.Generator().manual_seed(seed)
    k = torch.randn(batch, length, hidden, generator=gen, dtype=dtype)
    v = torch.randn(batch, length, hidden, generator=gen, dtype=dtype)
    h0 = torch.randn(batch, hidden, generator=gen, dtype=dtype)
    return -F.softplus(k), -F.softplus(-k) + log_g(v), h0


def scan_and_grads(fn, log_a, log_b, h0):
    """fn's output and the gradients of a weighted sum of it w.r.t. its three inputs."""
    inputs = [t.clone().requires_grad_() for t in (log_a, log_b, h0)]
    out = fn(*inputs)
    weighted_sum(out).backward()
    return out.detach(), [t.grad for t in inputs]


def loop(log_a, log_b, h0):
    return sequential_scan(log_a.exp(), log_b.exp(), h0)


# ---- the scans ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("length", LENGTHS)
def test_scan_equals_loop_values_and_gradients(length, dtype):
    log_a, log_b, h0 = scan_inputs(length, dtype)
    expected, expected_grads = scan_and_grads(loop, log_a, log_b, h0)
    got, got_grads = scan_and_grads(parallel_scan_log, log_a, log_b, h0)
    value_tol, grad_tol = TOLERANCE[dtype]
    assert got.shape == (2, length, 8) and got.dtype == dtype
    torch.testing.assert_close(got, expected, atol=value_tol, rtol=0)
    for name, g_got, g_expected in zip(("log_coeffs", "log_values", "h0"), got_grads, expected_grads, strict=True):
        torch.testing.assert_close(g_got, g_expected, atol=grad_tol, rtol=0, msg=name)


def test_scan_without_h0_starts_from_zero():
    log_a, log_b, _ = scan_inputs(40, torch.float64)
    torch.testing.assert_close(parallel_scan_log(log_a, log_b), loop(log_a, log_b, None), atol=1e-12, rtol=0)
    torch.testing.assert_close(
        parallel_scan_log(log_a, log_b), parallel_scan_log(log_a, log_b, torch.zeros(2, 8, dtype=torch.float64))
    )


@pytest.mark.parametrize("chunk_size", [None, 1, 3, 16, 100])
def test_every_chunk_size_computes_the_same_scan(chunk_size):
    log_a, log_b, h0 = scan_inputs(37, torch.float64)
    got = parallel_scan_log(log_a, log_b, h0, chunk_size=chunk_size)
    torch.testing.assert_close(got, loop(log_a, log_b, h0), atol=1e-12, rtol=0)


def test_unchunked_scan_loses_float32_precision_on_long_sequences():
    # the reason for chunking: the paper's plain formula drifts by ~1e-4 at T = 4096 in float32
    log_a, log_b, h0 = scan_inputs(4096, torch.float32)
    reference = loop(log_a.double(), log_b.double(), h0.double())
    plain = (parallel_scan_log(log_a, log_b, h0, chunk_size=None).double() - reference).abs().max()
    chunked = (parallel_scan_log(log_a, log_b, h0).double() - reference).abs().max()
    assert plain > 1e-4 and chunked < 1e-5


def test_scan_accepts_any_leading_dimensions():
    log_a, log_b, h0 = scan_inputs(5, torch.float64, hidden=3, batch=4)
    shaped = [t.reshape(2, 2, *t.shape[1:]) for t in (log_a, log_b, h0)]
    got = parallel_scan_log(*shaped).reshape(4, 5, 3)
    torch.testing.assert_close(got, parallel_scan_log(log_a, log_b, h0))
    assert parallel_scan_log(log_a[0], log_b[0]).shape == (5, 3)


def test_scan_errors_are_chinese_and_name_the_value():
    a = torch.zeros(2, 5, 3)
    with pytest.raises(ValueError, match="log_coeffs 与 log_values 的形状应相同.*\\(2, 5, 3\\).*\\(2, 4, 3\\)"):
        parallel_scan_log(a, torch.zeros(2, 4, 3))
    with pytest.raises(ValueError, match="至少应有 2 维"):
        parallel_scan_log(torch.zeros(5), torch.zeros(5))
    with pytest.raises(ValueError, match="h0 的形状应为.*\\(2, 3\\).*\\(2, 4\\)"):
        sequential_scan(a, a, torch.zeros(2, 4))
    with pytest.raises(ValueError, match="chunk_size 应为正整数.*0"):
        parallel_scan_log(a, a, chunk_size=0)
    with pytest.raises(TypeError, match="coeffs 的数据类型是 torch.int64"):
        sequential_scan(a.long(), a)


def test_g_is_positive_continuous_and_log_g_is_its_log():
    x = torch.linspace(-30, 30, 601, dtype=torch.float64)
    assert (g(x) > 0).all()
    torch.testing.assert_close(log_g(x), torch.log(g(x)))
    assert g(torch.tensor(0.0)) == 0.5 and abs(g(torch.tensor(-1e-7)) - 0.5) < 1e-7


# ---- the layers ----------------------------------------------------------------------------------


def make_layers(kind, input_size, hidden_size, dtype, seed=0):
    """The same layer in both modes, holding the same weights."""
    cls = LAYERS[kind]
    torch.manual_seed(seed)
    parallel = cls(input_size, hidden_size, mode="parallel", dtype=dtype)
    sequential = cls(input_size, hidden_size, mode="sequential", dtype=dtype)
    sequential.load_state_dict(parallel.state_dict())
    return parallel, sequential


def run_layer(layer, x, h0):
    """Forward and backward; outputs, final state and every gradient by name."""
    x = x.clone().requires_grad_()
    h0 = None if h0 is None else h0.clone().requires_grad_()
    layer.zero_grad()
    output, h_n = layer(x, h0)
    (weighted_sum(output) + weighted_sum(h_n)).backward()
    grads = {name: p.grad for name, p in layer.named_parameters()}
    grads["input"] = x.grad
    if h0 is not None:
        grads["h0"] = h0.grad
    return output.detach(), h_n.detach(), grads


CONFIGS = [(1, 1, 1, 1), (3, 4, 5, 7), (2, 6, 3, 40)]  # (batch, input, hidden, length)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero_state", "h0"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "B{}-D{}-H{}-T{}".format(*c))
@pytest.mark.parametrize("kind", LAYERS)
def test_parallel_equals_sequential_equals_steps(kind, config, with_h0, dtype):
    batch, input_size, hidden, length = config
    parallel, sequential = make_layers(kind, input_size, hidden, dtype)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(batch, length, input_size, generator=gen, dtype=dtype) * 2
    h0 = torch.rand(batch, hidden, generator=gen, dtype=dtype) if with_h0 else None
    tol = {"atol": 1e-5 if dtype == torch.float32 else 1e-10, "rtol": 0}

    out_p, hn_p, grads_p = run_layer(parallel, x, h0)
    out_s, hn_s, grads_s = run_layer(sequential, x, h0)
    assert out_p.shape == (batch, length, hidden) and hn_p.shape == (batch, hidden)
    torch.testing.assert_close(out_p, out_s, **tol)
    torch.testing.assert_close(hn_p, hn_s, **tol)
    assert grads_p.keys() == grads_s.keys()
    for name in grads_p:
        # a parameter's gradient sums B*T terms (up to ~16 here): in float32 the loop itself is
        # ~8e-6 off the float64 answer there, so its tolerance is relative as well
        grad_tol = tol if name in ("input", "h0") or dtype == torch.float64 else {"atol": 1e-5, "rtol": 1e-5}
        torch.testing.assert_close(grads_p[name], grads_s[name], **grad_tol, msg=name)

    with torch.no_grad():  # step by step, as in generation: the state stays (B, H)
        h = h0
        for t in range(length):
            h = parallel.step(x[:, t], h)
            assert h.shape == (batch, hidden)
        torch.testing.assert_close(h, hn_s, **tol)


@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_min_layers_long_sequence_in_float32(kind):
    parallel, sequential = make_layers(kind, 4, 8, torch.float32)
    x = torch.randn(2, 4096, 4, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(parallel(x)[0], sequential(x)[0], atol=1e-5, rtol=0)


def test_min_layers_states_stay_positive_and_gates_ignore_the_state():
    layer = MinGRU(3, 5)
    x = torch.randn(2, 9, 3)
    output, _ = layer(x)
    assert (output > 0).all()
    # the gates read only x_t: the step is affine in h with coefficient 1 - z_t
    h1, h2 = torch.rand(2, 5), torch.rand(2, 5)
    z = torch.sigmoid(layer.linear_z(x[:, 0]))
    torch.testing.assert_close(layer.step(x[:, 0], h1) - layer.step(x[:, 0], h2), (1 - z) * (h1 - h2))


def test_minlstm_gates_are_normalised():
    layer = MinLSTM(3, 4, dtype=torch.float64)
    x = torch.randn(5, 3, dtype=torch.float64)
    f = torch.sigmoid(layer.linear_f(x))
    i = torch.sigmoid(layer.linear_i(x))
    a, b = layer._coefficients(x)
    torch.testing.assert_close(a, f / (f + i))
    torch.testing.assert_close(b, (1 - a) * g(layer.linear_h(x)))
    log_a, log_b = layer._log_coefficients(x)
    torch.testing.assert_close(log_a.exp(), a)
    torch.testing.assert_close(log_b.exp(), b)


def test_diagonal_linear_rnn_decay_is_input_independent_and_in_range():
    layer = DiagonalLinearRNN(3, 6, output_size=2, decay_range=(0.5, 0.9))
    torch.testing.assert_close(layer.decay, torch.linspace(0.5, 0.9, 6))
    output, h_n = layer(torch.randn(4, 7, 3))
    assert output.shape == (4, 7, 2) and h_n.shape == (4, 6)
    x = torch.randn(4, 3)
    a, _ = layer._coefficients(x)
    assert torch.equal(a, layer.decay.expand(4, 6))


def test_diagonal_linear_rnn_long_sequence_in_float32():
    parallel, sequential = make_layers("diagonal", 4, 8, torch.float32)
    x = torch.randn(2, 4096, 4, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        # B x_t is split into two positive parts that are scanned apart: ~1.4e-5 off at T = 4096
        torch.testing.assert_close(parallel(x)[0], sequential(x)[0], atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("kind", LAYERS)
def test_layer_errors_are_chinese_and_name_the_value(kind):
    cls = LAYERS[kind]
    with pytest.raises(ValueError, match="mode 只能是 'sequential'、'parallel' 之一，实际为 'scan'"):
        cls(3, 4, mode="scan")
    with pytest.raises(ValueError, match="hidden_size 应为正整数.*0"):
        cls(3, 0)
    layer = cls(3, 4)
    with pytest.raises(ValueError, match=f"{cls.__name__} 的输入应为 3 维.*实际为 2 维，形状 \\(5, 3\\).*step"):
        layer(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="input_size=3.*实际为 2"):
        layer(torch.zeros(2, 5, 2))
    with pytest.raises(TypeError, match="torch.int64.*nn.Embedding"):
        layer(torch.zeros(2, 5, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="h0 的形状应为 \\(B, H\\).*\\(2, 4\\).*\\(3, 4\\).*批次大小不一致"):
        layer(torch.zeros(2, 5, 3), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="输入应为 2 维.*形状 \\(2, 5, 3\\)"):
        layer.step(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="不能为空"):
        layer(torch.zeros(2, 0, 3))


def test_diagonal_decay_range_errors():
    with pytest.raises(ValueError, match="decay_range\\[0\\] 应在 \\(0, 1\\) 之内，实际为 0"):
        DiagonalLinearRNN(3, 4, decay_range=(0, 0.9))
    with pytest.raises(ValueError, match="decay_range\\[1\\]"):
        DiagonalLinearRNN(3, 4, decay_range=(0.9, 0.5))
    with pytest.raises(TypeError, match="decay_range 应为两个数的元组"):
        DiagonalLinearRNN(3, 4, decay_range=0.9)


# ---- selective copying ------------------------------------------------------------------------


def batch(seed=0, **kwargs):
    args = {"length": 30, "num_tokens": 5, "vocab": 8} | kwargs
    return selective_copying_batch(64, **args, generator=torch.Generator().manual_seed(seed))


def test_selective_copying_is_deterministic():
    x1, y1 = batch(0)
    x2, y2 = batch(0)
    x3, _ = batch(1)
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and not torch.equal(x1, x3)


def test_selective_copying_batches_are_well_formed():
    length, num_tokens, vocab = 30, 5, 8
    inputs, targets = batch(0, length=length, num_tokens=num_tokens, vocab=vocab)
    assert inputs.shape == (64, length + num_tokens) and targets.shape == (64, num_tokens)
    assert inputs.dtype == targets.dtype == torch.long
    assert ((targets >= 1) & (targets < vocab)).all()
    assert (inputs[:, length:] == vocab).all()  # the markers come after the data
    body = inputs[:, :length]
    assert ((body >= 0) & (body < vocab)).all()
    for row, target in zip(body, targets, strict=True):
        assert torch.equal(row[row != 0], target)  # the data tokens, in order, among blanks
    positions = (body != 0).float().mean(dim=0)
    assert (positions > 0).sum() > length // 2  # positions vary across the batch


def test_selective_copying_edge_cases_and_errors():
    inputs, targets = batch(0, length=4, num_tokens=4, vocab=2)
    assert (inputs[:, :4] == 1).all() and (targets == 1).all() and (inputs[:, 4:] == 2).all()
    with pytest.raises(ValueError, match="num_tokens=6 不能大于 length=5"):
        batch(0, length=5, num_tokens=6)
    with pytest.raises(ValueError, match="vocab 应为不小于 2 的整数，实际为 1"):
        batch(0, vocab=1)
    with pytest.raises(TypeError, match="generator 应为 Generator 的实例，实际为 int 类型的 0"):
        selective_copying_batch(2, length=5, num_tokens=2, vocab=4, generator=0)
