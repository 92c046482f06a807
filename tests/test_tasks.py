import pytest
import torch

from seqbook.data import memory_task


def test_memory_task_shapes_and_label_is_the_first_token():
    x, y = memory_task(50, 7, num_symbols=3, num_distractors=5, seed=1)
    assert x.shape == (50, 8) and y.shape == (50,)
    assert x.dtype == torch.long and y.dtype == torch.long
    assert torch.equal(x[:, 0], y)
    assert int(y.min()) >= 0 and int(y.max()) < 3
    distractors = x[:, 1:]
    assert int(distractors.min()) >= 3 and int(distractors.max()) < 8


def test_memory_task_is_deterministic_and_seed_matters():
    a = memory_task(100, 10, seed=3)
    b = memory_task(100, 10, seed=3)
    c = memory_task(100, 10, seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_memory_task_does_not_touch_the_global_random_state():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    memory_task(10, 5, seed=9)
    assert torch.equal(torch.rand(3), expected)


def test_memory_task_uses_every_symbol_roughly_equally():
    _, y = memory_task(4000, 1, num_symbols=4, seed=0)
    counts = torch.bincount(y, minlength=4).float() / 4000
    assert torch.allclose(counts, torch.full((4,), 0.25), atol=0.03)


def test_memory_task_lag_zero_is_just_the_signal():
    x, y = memory_task(5, 0)
    assert x.shape == (5, 1) and torch.equal(x[:, 0], y)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_sequences": 0, "lag": 3},
        {"num_sequences": 5, "lag": -1},
        {"num_sequences": 5, "lag": 2.5},
        {"num_sequences": 5, "lag": 3, "num_symbols": 1},
        {"num_sequences": 5, "lag": 3, "num_distractors": 0},
        {"num_sequences": True, "lag": 3},
    ],
)
def test_memory_task_rejects_bad_arguments(kwargs):
    # a float or a bool is the wrong type, an int out of range the wrong value
    expected = TypeError if any(type(v) is not int for v in kwargs.values()) else ValueError
    with pytest.raises(expected, match="应为不小于"):
        memory_task(**kwargs)


def test_memory_experiment_learns_a_short_lag_and_records_accuracy():
    from torch import nn

    from seqbook.nn import set_forget_bias
    from seqbook.tasks.memory import memory_experiment

    model, history = memory_experiment(nn.LSTM, 3, init=lambda layer: set_forget_bias(layer, 5.0),
                                       num_train=2560, epochs=2, device="cpu")
    assert len(history) == 2 and history["val_acc"][-1] > 0.9
    assert model.rnn.hidden_size == 32
    assert model.training  # the evaluation after each epoch leaves the model as training left it
    again = memory_experiment(nn.LSTM, 3, init=lambda layer: set_forget_bias(layer, 5.0),
                              num_train=2560, epochs=2, device="cpu")[1]
    assert again["val_acc"] == history["val_acc"]  # the same seed gives the same run
