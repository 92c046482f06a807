"""Synthetic tasks that test what a recurrent network can remember, and the experiment
that trains a recurrent classifier on one."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from seqbook._checks import check_int_at_least
from seqbook.classify import SequenceClassifier
from seqbook.metrics import accuracy
from seqbook.train import History, fit, seed_offset, set_seed


def memory_task(
    num_sequences: int,
    lag: int,
    *,
    num_symbols: int = 4,
    num_distractors: int = 8,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """The long-range memory task: remember the first token of a sequence for ``lag`` steps.

    Each sequence has ``lag + 1`` tokens: a signal token (one of ``num_symbols`` ids
    ``0 .. num_symbols-1``) at step 0, then ``lag`` distractors drawn uniformly from the
    ids ``num_symbols .. num_symbols+num_distractors-1``. The label is the signal, so the
    answer, asked after the last token, lies ``lag`` steps back; guessing gives an accuracy
    of 1/num_symbols. The vocabulary has ``num_symbols + num_distractors`` ids.

    Returns ``(x, y)``: x a LongTensor (num_sequences, lag + 1), y a LongTensor
    (num_sequences,). The same arguments always give the same tensors.
    """
    for name, value, least in (
        ("num_sequences", num_sequences, 1),
        ("lag", lag, 0),
        ("num_symbols", num_symbols, 2),
        ("num_distractors", num_distractors, 1),
    ):
        check_int_at_least(name, value, least)
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(num_symbols, (num_sequences,), generator=generator)
    noise = torch.randint(num_distractors, (num_sequences, lag), generator=generator)
    x = torch.cat([y[:, None], noise + num_symbols], dim=1)
    return x, y


def memory_experiment(
    rnn: type[nn.Module],
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
    """Train a small classifier (embedding 8 -> ``rnn`` -> linear) on :func:`memory_task`.

    ``rnn`` is a recurrent layer class such as ``torch.nn.LSTM``; ``init(layer)``, if given,
    changes the layer's initial weights (e.g. ``lambda layer: set_forget_bias(layer, 5.0)``).
    Training: Adam, gradient norm clipped at 1, ``num_train`` sequences (seed 1) seen
    ``epochs`` times. After each epoch the accuracy on 1,000 other sequences (seed 2) is
    recorded as "val_acc". Returns (model, history).
    """
    num_symbols, num_distractors = 4, 8
    x, y = memory_task(num_train, lag, num_symbols=num_symbols, num_distractors=num_distractors, seed=1)
    x_val, y_val = memory_task(1000, lag, num_symbols=num_symbols, num_distractors=num_distractors, seed=2)
    set_seed(seed)
    generator = torch.Generator().manual_seed(seed + seed_offset())
    model = SequenceClassifier(num_symbols + num_distractors, num_symbols, rnn=rnn, embedding_dim=8,
                               hidden_size=hidden_size, dropout=0.0)
    if init is not None:
        init(model.rnn)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=generator)

    def loss_fn(model, batch):
        inputs, labels = batch
        return F.cross_entropy(model(inputs), labels)

    @torch.no_grad()
    def val_acc(model):
        model.eval()
        dev = next(model.parameters()).device
        return {"val_acc": accuracy(model(x_val.to(dev)), y_val.to(dev))}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, loader, loss_fn, optimizer, epochs, metrics=val_acc, clip_grad_norm=1.0,
                  device=device, progress=False)
    return model, history
