"""The memory recipe of chapters 4-5: train a small recurrent classifier on
``seqbook.data.memory_task`` and measure how far back it remembers."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seqbook.checks import check_callable, check_layer_class, check_positive, check_positive_int
from seqbook.data import memory_task
from seqbook.metrics import accuracy
from seqbook.runtime import offset_seed, set_seed
from seqbook.tasks.classification import SequenceClassifier
from seqbook.train import History, fit


def memory_experiment(
    rnn_cls: type[nn.Module],
    lag: int,
    *,
    init: Callable[[nn.Module], None] | None = None,
    hidden_size: int = 32,
    num_train: int = 6400,
    epochs: int = 4,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    device=None,
) -> tuple[SequenceClassifier, History]:
    """Train a small classifier (embedding 8 -> ``rnn_cls`` -> linear) on ``memory_task``.

    ``rnn_cls`` is a recurrent layer class such as ``torch.nn.LSTM``; ``init(layer)``, if given,
    changes the layer's initial weights (e.g. ``lambda layer: set_forget_bias(layer, 5.0)``).
    Training: Adam, gradient norm clipped at 1, ``num_train`` sequences (seed 1) seen
    ``epochs`` times. After each epoch the accuracy on 1,000 other sequences (seed 2) is
    recorded as "val_acc". Returns (model, history).
    """
    _check_arguments(rnn_cls, init, lr, batch_size)
    num_symbols, num_distractors = 4, 8
    x, y = memory_task(num_train, lag, num_symbols=num_symbols, num_distractors=num_distractors, seed=1)
    x_val, y_val = memory_task(1000, lag, num_symbols=num_symbols, num_distractors=num_distractors, seed=2)
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model = SequenceClassifier(num_symbols + num_distractors, num_symbols, rnn_cls=rnn_cls, embedding_dim=8,
                               hidden_size=hidden_size, dropout=0.0)
    if init is not None:
        init(model.rnn)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=generator)

    def loss_fn(model, batch):
        inputs, labels = batch
        return F.cross_entropy(model(inputs), labels)

    def val_acc(model):  # fit calls it in evaluation mode, without gradients
        dev = next(model.parameters()).device
        return {"val_acc": accuracy(model(x_val.to(dev)), y_val.to(dev))}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, loader, loss_fn, optimizer, epochs, metrics=val_acc, clip_grad_norm=1.0,
                  device=device, progress=False)
    return model, history


def _check_arguments(rnn_cls, init, lr, batch_size) -> None:
    check_layer_class("rnn_cls", rnn_cls)
    if init is not None:
        check_callable("init", init, "例如 init=lambda layer: set_forget_bias(layer, 5.0)。")
    check_positive("lr", lr, "例如 lr=3e-3。")
    check_positive_int("batch_size", batch_size)
