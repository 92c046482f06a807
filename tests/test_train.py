import random
import sys
from collections import namedtuple

import numpy as np
import pytest
import torch

from seqbook import device, set_seed
from seqbook.runtime import seed_offset
from seqbook.train import evaluate, fit, to_device


def draw():
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


def test_set_seed_makes_python_numpy_and_torch_repeatable():
    set_seed(7)
    first = draw()
    set_seed(7)
    assert draw() == first
    set_seed(8)
    assert draw() != first


def test_set_seed_leaves_the_thread_count_unless_told():
    before = torch.get_num_threads()
    try:
        set_seed(0, threads=2)
        assert torch.get_num_threads() == 2
        set_seed(0)
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError, match="threads"):
            set_seed(0, threads=0)
    finally:
        torch.set_num_threads(before)


def test_seed_offset_is_added_to_every_seed(monkeypatch):
    monkeypatch.setenv("SEQBOOK_SEED_OFFSET", "3")
    assert seed_offset() == 3
    set_seed(4)
    shifted = torch.rand(3)
    monkeypatch.delenv("SEQBOOK_SEED_OFFSET")
    assert seed_offset() == 0
    set_seed(7)
    assert torch.equal(torch.rand(3), shifted)


@pytest.mark.parametrize("bad", ["-1", "1.5", "one"])
def test_seed_offset_explains_bad_values(monkeypatch, bad):
    monkeypatch.setenv("SEQBOOK_SEED_OFFSET", bad)
    with pytest.raises(ValueError, match="SEQBOOK_SEED_OFFSET"):
        set_seed(0)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), ("0", TypeError),
                                        (None, TypeError), (True, TypeError)])
def test_set_seed_rejects_bad_values(bad, error):
    with pytest.raises(error, match="seed.*随机种子"):
        set_seed(bad)


def test_device_is_usable(monkeypatch):
    monkeypatch.delenv("SEQBOOK_DEVICE", raising=False)
    dev = device()
    assert dev.type in {"cpu", "cuda", "mps"}
    assert torch.ones(2, device=dev).sum().item() == 2


def test_device_can_be_chosen_and_bad_names_explained(monkeypatch):
    monkeypatch.setenv("SEQBOOK_DEVICE", "cpu")
    assert device() == torch.device("cpu")
    monkeypatch.setenv("SEQBOOK_DEVICE", "gpu0")
    with pytest.raises(ValueError, match="gpu0"):
        device()


# ---- the training loop ----

def regression_data(n=64, seed=0):
    """y = 3x - 1 plus a little noise, as a list of (x, y) batches of 16."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, generator=g)
    y = 3 * x - 1 + 0.01 * torch.randn(n, 1, generator=g)
    return [(x[i : i + 16], y[i : i + 16]) for i in range(0, n, 16)]


def mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def train_regression(**kwargs):
    set_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = regression_data()
    history = fit(model, data, mse, optimizer, kwargs.pop("epochs", 20), device="cpu", **kwargs)
    return model, history


def test_fit_learns_and_records_one_row_per_epoch():
    model, history = train_regression(val_loader=regression_data(seed=1))
    assert history.epochs == list(range(1, 21))
    assert history["train_loss"][-1] < 0.01 < history["train_loss"][0]
    assert history["val_loss"][-1] < 0.01
    assert abs(model.weight.item() - 3) < 0.05 and abs(model.bias.item() + 1) < 0.05
    assert history.best_epoch is None and not history.stopped_early
    with pytest.raises(KeyError, match="val_acc"):
        history["val_acc"]


def test_fit_is_deterministic_given_the_seed():
    assert train_regression(epochs=3)[1].records == train_regression(epochs=3)[1].records


def test_fit_adds_metrics_and_can_plot():
    calls = []

    def metrics(model):
        calls.append(model.training)
        return {"w": model.weight.item()}

    _, history = train_regression(epochs=3, metrics=metrics)
    assert len(history["w"]) == 3 and calls == [False] * 3  # metrics run in evaluation mode
    import matplotlib

    matplotlib.use("Agg")
    from seqbook import plot

    ax = plot.plot_history(history)
    assert len(ax.lines) == 1  # only losses by default: train_loss


def test_evaluate_weights_batches_by_their_count():
    model = torch.nn.Linear(1, 1)
    batches = [(torch.tensor(1.0), 1), (torch.tensor(4.0), 3)]  # (mean loss, count)

    def given(model, batch):
        return batch[0], int(batch[1])

    assert evaluate(model, batches, given) == pytest.approx((1 * 1 + 4 * 3) / 4)
    # without a count, a batch counts its examples (the length of its first tensor)
    sized = [(torch.zeros(2, 1), torch.zeros(2, 1)), (torch.ones(6, 1), torch.zeros(6, 1))]
    model.weight.data.fill_(1.0)
    model.bias.data.fill_(0.0)
    assert evaluate(model, sized, mse) == pytest.approx(6 / 8)
    assert model.training  # evaluate restores the mode


def test_clipping_bounds_every_step_and_records_the_norm():
    set_seed(0)
    model = torch.nn.Linear(1, 1)
    model.weight.data.fill_(100.0)  # a huge loss and gradient
    before = [p.detach().clone() for p in model.parameters()]
    history = fit(model, regression_data()[:1], mse, torch.optim.SGD(model.parameters(), lr=0.1),
                  1, clip_grad_norm=0.5, device="cpu")
    step = torch.cat([(p.detach() - b).flatten() for p, b in zip(model.parameters(), before, strict=True)])
    assert step.norm().item() == pytest.approx(0.1 * 0.5, rel=1e-4)  # lr * max_norm
    assert history["max_grad_norm"][0] > 100


def test_early_stopping_restores_the_best_weights():
    scores = iter([1.0, 3.0, 2.0, 2.5, 2.9, 5.0])  # best at epoch 2, then no new best
    weights = {}

    def metrics(model):
        weights[len(weights) + 1] = model.weight.item()
        return {"val_score": next(scores)}

    model, history = train_regression(epochs=6, metrics=metrics, early_stop_patience=3,
                                      monitor="val_score", mode="max", restore_best=True)
    assert history.stopped_early and history.best_epoch == 2 and len(history) == 5
    assert history.restored and model.weight.item() == weights[2]


def test_restore_best_without_early_stopping_trains_every_epoch():
    scores = iter([1.0, 0.5, 2.0, 0.1])  # lowest at epoch 4 with mode="min", highest at 3 with "max"
    weights = {}

    def metrics(model):
        weights[len(weights) + 1] = model.weight.item()
        return {"val_score": next(scores)}

    model, history = train_regression(epochs=4, metrics=metrics, monitor="val_score", mode="max",
                                      restore_best=True)
    assert len(history) == 4 and not history.stopped_early
    assert history.best_epoch == 3 and model.weight.item() == weights[3]


def test_monitoring_without_restore_keeps_the_last_weights():
    scores = iter([3.0, 1.0, 2.0])
    model, history = train_regression(epochs=3, metrics=lambda m: {"val_score": next(scores)},
                                      monitor="val_score", mode="min")
    assert history.best_epoch == 2 and not history.restored


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "lowest"}, "mode 只能是 'min'、'max' 之一"),
    ({"restore_best": 1}, "restore_best"),
    ({"epochs": True}, "epochs"),
    ({"restore_best": True}, "val_loader"),
])
def test_fit_rejects_loose_arguments(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        train_regression(**({"epochs": 2} | kwargs))


def test_evaluating_restores_the_mode_and_turns_off_gradients():
    from seqbook.train import evaluating

    model = torch.nn.Linear(1, 1)
    with evaluating(model):
        assert not model.training and not torch.is_grad_enabled()
    assert model.training
    model.eval()
    with evaluating(model):
        pass
    assert not model.training


def test_to_device_moves_nested_tensors_only():
    batch = {"x": (torch.ones(2), [torch.zeros(1), "text"]), "n": 3}
    moved = to_device(batch, torch.device("cpu"))
    assert moved["x"][1][1] == "text" and moved["n"] == 3
    assert isinstance(moved["x"], tuple) and torch.equal(moved["x"][0], torch.ones(2))
    Batch = namedtuple("Batch", "ids labels")
    moved = to_device(Batch(torch.ones(2), [torch.zeros(1)]), torch.device("cpu"))
    assert isinstance(moved, Batch) and torch.equal(moved.ids, torch.ones(2))


def test_progress_lines_show_in_jupyter_but_not_in_ci(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", sys)  # pretend to run in a notebook
    monkeypatch.delenv("CI", raising=False)
    train_regression(epochs=2)
    assert len(capsys.readouterr().out.splitlines()) == 2
    monkeypatch.setenv("CI", "true")
    train_regression(epochs=4)
    assert capsys.readouterr().out == ""
    train_regression(epochs=4, progress=True, print_every=3)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("轮")[0] for line in lines] == ["第 3/4 ", "第 4/4 "]
    assert "train_loss" in lines[0]


def test_fit_explains_bad_arguments():
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = regression_data()
    with pytest.raises(ValueError, match="epochs"):
        fit(model, data, mse, opt, 0)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, data, mse, opt, 1, clip_grad_norm=0)
    with pytest.raises(ValueError, match="val_loader"):
        fit(model, data, mse, opt, 1, early_stop_patience=2)
    with pytest.raises(TypeError, match="标量"):
        fit(model, data, lambda m, b: (m(b[0]) - b[1]) ** 2, opt, 1, device="cpu")
    with pytest.raises(ValueError, match="为空"):
        evaluate(model, [], mse)


def test_an_infinite_threshold_records_the_norm_without_clipping():
    clipped, history = train_regression(epochs=2, clip_grad_norm=float("inf"))
    plain, plain_history = train_regression(epochs=2)
    assert torch.equal(clipped.weight, plain.weight)
    assert len(history["max_grad_norm"]) == 2 and "max_grad_norm" not in plain_history.records[0]
