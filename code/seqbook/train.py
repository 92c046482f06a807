"""The one training loop of the book, and evaluation.

``fit`` trains any model whose loss a function ``loss_fn(model, batch)`` can compute, so
the same loop serves language models, classifiers, taggers and seq2seq models.
``evaluating(model)`` switches a model to evaluation mode for a ``with`` block and back.
"""

import contextlib
import copy
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from seqbook.checks import (
    check_bool,
    check_callable,
    check_choice,
    check_module,
    check_positive,
    check_positive_int,
    check_string,
)
from seqbook.runtime import device as best_device

# A loss function gets the model and one batch (already on the device) and returns the mean
# loss of the batch, or (mean loss, number of items it averages over) for exact averages.
LossFn = Callable[[nn.Module, object], torch.Tensor | tuple[torch.Tensor, int]]


def to_device(batch, dev: torch.device):
    """Move every tensor in a (nested) tuple, list or dict to ``dev``; leave the rest alone."""
    if hasattr(batch, "to") and callable(batch.to):  # tensors, PackedSequence, modules
        return batch.to(dev)
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(to_device(item, dev) for item in batch))
    if isinstance(batch, tuple | list):
        return type(batch)(to_device(item, dev) for item in batch)
    if isinstance(batch, dict):
        return {key: to_device(value, dev) for key, value in batch.items()}
    return batch


def _loss_and_count(loss_fn: LossFn, model: nn.Module, batch) -> tuple[torch.Tensor, int]:
    """Call ``loss_fn``; without an explicit count, a batch counts its number of examples."""
    result = loss_fn(model, batch)
    if isinstance(result, tuple):
        loss, count = result
    else:
        loss, count = result, _batch_size(batch)
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        raise TypeError(
            "loss_fn(model, batch) 应返回一个标量张量（批次的平均损失），"
            f"或 (平均损失, 计数) 二元组；实际得到 {type(loss).__name__}"
            f"{tuple(loss.shape) if isinstance(loss, torch.Tensor) else ''}。"
            "常见原因：交叉熵用了 reduction='none'，请先 .mean()。"
        )
    return loss, int(count)


def _batch_size(batch) -> int:
    """The number of examples in a batch: the length of its first tensor."""
    while isinstance(batch, tuple | list) and batch:
        batch = batch[0]
    return len(batch) if isinstance(batch, torch.Tensor) and batch.dim() > 0 else 1


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Evaluation mode and no gradients inside the block; the model's mode is restored after.

    ``with evaluating(model): predictions = model(x)`` turns dropout off without leaving
    the model in evaluation mode for the training that may follow.
    """
    check_module("model", model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


class _Mean:
    """A weighted mean of batch losses that stays on the device until it is read: calling
    ``loss.item()`` per batch would wait for the accelerator at every step."""

    def __init__(self):
        self.losses, self.counts = [], []

    def add(self, loss: torch.Tensor, count: int) -> None:
        self.losses.append(loss.detach())
        self.counts.append(count)

    def value(self) -> float:
        losses = torch.stack(self.losses).cpu().double()
        return float((losses * torch.tensor(self.counts, dtype=torch.float64)).sum()) / sum(self.counts)


def evaluate(model: nn.Module, loader: Iterable, loss_fn: LossFn, *, device=None) -> float:
    """The mean loss over every batch of ``loader``, in evaluation mode, without gradients.

    Each batch is weighted by its count (see ``fit``), so with a count of target tokens the
    result is the exact mean loss per token, whatever the batch sizes.
    """
    check_module("model", model)
    check_callable("loss_fn", loss_fn, "loss_fn(model, batch) 返回批次的平均损失。")
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    mean = _Mean()
    with evaluating(model):
        for batch in loader:
            mean.add(*_loss_and_count(loss_fn, model, to_device(batch, dev)))
    if not mean.counts:
        raise ValueError("evaluate 收到的数据为空：loader 没有产生任何批次，请检查数据集。")
    return mean.value()


@dataclass
class History:
    """What ``fit`` records: one dict per epoch, e.g. {"epoch": 1, "train_loss": 2.3, "val_loss": 2.5}.

    ``history["val_loss"]`` is a column (one value per epoch), ready for plotting with
    ``seqbook.plot.plot_history``; ``best_epoch`` is the epoch with the best monitored
    value (None when nothing was monitored), ``restored`` says whether the model ended
    with that epoch's weights.
    """

    records: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    restored: bool = False

    def __getitem__(self, name: str) -> list[float]:
        if not self.records or name not in self.records[-1]:
            known = list(self.records[-1]) if self.records else []
            raise KeyError(f"History 中没有 {name!r}；可用的列有 {known}。")
        return [record[name] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def epochs(self) -> list[int]:
        return [int(record["epoch"]) for record in self.records]


def _show_progress(progress: bool | None) -> bool:
    """None means: print only in Jupyter or a terminal, and never when CI is set."""
    if progress is not None:
        return progress
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return "ipykernel" in sys.modules or sys.stdout.isatty()


class _Best:
    """The best value of the monitored quantity so far, its epoch and (if wanted) its weights."""

    def __init__(self, monitor: str, mode: str, keep_weights: bool):
        self.monitor, self.sign, self.keep_weights = monitor, 1 if mode == "min" else -1, keep_weights
        self.value, self.epoch, self.state, self.waited = None, None, None, 0

    def update(self, record: dict[str, float], model: nn.Module) -> None:
        if self.monitor not in record:
            raise KeyError(f"monitor={self.monitor!r} 不在记录中；可用的有 {list(record)}。")
        value = self.sign * record[self.monitor]
        if self.value is None or value < self.value:
            self.value, self.epoch, self.waited = value, int(record["epoch"]), 0
            if self.keep_weights:
                self.state = copy.deepcopy(model.state_dict())
        else:
            self.waited += 1


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    *,
    val_loader: Iterable | None = None,
    metrics: Callable[[nn.Module], dict[str, float]] | None = None,
    clip_grad_norm: float | None = None,
    device=None,
    monitor: str | None = None,
    mode: str = "min",
    restore_best: bool = False,
    early_stop_patience: int | None = None,
    progress: bool | None = None,
    print_every: int = 1,
) -> History:
    """Train ``model`` for up to ``epochs`` passes over ``train_loader``; return the History.

    - ``loss_fn(model, batch)`` returns the batch's mean loss, or ``(mean loss, count)``
      so that averages over batches of different sizes are exact (e.g. count the target
      tokens of a language model). Batches may be any nesting of tuples, lists and dicts;
      their tensors are moved to the device first. A batch sampler with ``set_epoch``
      (``seqbook.text.BucketSampler``) is told the epoch before each pass.
    - ``val_loader``: after each epoch the mean loss on it is recorded as "val_loss";
      ``metrics(model)`` may add more numbers (e.g. {"val_acc": 0.9}); it is called in
      evaluation mode without gradients.
    - ``clip_grad_norm``: rescale the gradient when its norm exceeds this value; the
      largest norm of the epoch, before clipping, is recorded as "max_grad_norm"
      (``float("inf")`` records it without clipping).
    - ``monitor``: the recorded value that decides the best epoch (default "val_loss" with
      a ``val_loader``), ``mode`` whether "min" or "max" is best. ``restore_best=True``
      ends with the best epoch's weights; ``early_stop_patience=k`` stops after k epochs
      without a new best.
    - ``progress``: print one line every ``print_every`` epochs; None prints only in
      Jupyter or a terminal and never when the environment variable CI is set.
    - ``device``: default ``seqbook.device()``; the model is moved there.
    """
    check_module("model", model)
    check_callable("loss_fn", loss_fn, "loss_fn(model, batch) 返回批次的平均损失。")
    if not callable(getattr(optimizer, "step", None)) or not callable(getattr(optimizer, "zero_grad", None)):
        raise TypeError(
            f"optimizer 应为优化器，例如 torch.optim.Adam(model.parameters())，实际为 {type(optimizer).__name__}。"
        )
    check_positive_int("epochs", epochs, "例如 epochs=10。")
    check_positive_int("print_every", print_every)
    if metrics is not None:
        check_callable("metrics", metrics, "metrics(model) 返回一个字典，例如 {'val_acc': 0.9}。")
    if monitor is not None:
        check_string("monitor", monitor, hint="例如 monitor='val_loss'。")
    if progress is not None:
        check_bool("progress", progress)
    if clip_grad_norm is not None:
        check_positive("clip_grad_norm", clip_grad_norm, "它是梯度范数的上限；不裁剪请用 None。")
    if early_stop_patience is not None:
        check_positive_int("early_stop_patience", early_stop_patience, "不提前停止请用 None。")
    check_choice("mode", mode, ("min", "max"))
    check_bool("restore_best", restore_best)
    tracking = restore_best or early_stop_patience is not None or monitor is not None
    monitor = monitor or "val_loss"
    if tracking and monitor == "val_loss" and val_loader is None:
        raise ValueError(
            "要按 val_loss 选出最佳轮次，需要验证集：请传入 val_loader，或用 monitor 指定 metrics 里的一项（并设 mode）。"
        )
    dev = torch.device(device) if device is not None else best_device()
    model.to(dev)
    show = _show_progress(progress)
    history = History()
    best = _Best(monitor, mode, keep_weights=restore_best) if tracking else None
    sampler = getattr(train_loader, "batch_sampler", None)
    for epoch in range(1, epochs + 1):
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch - 1)
        model.train()
        mean, norms = _Mean(), []
        for batch in train_loader:
            loss, n = _loss_and_count(loss_fn, model, to_device(batch, dev))
            optimizer.zero_grad()
            loss.backward()
            if clip_grad_norm is not None:
                norms.append(nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm))
            optimizer.step()
            mean.add(loss, n)
        if not mean.counts:
            raise ValueError("train_loader 没有产生任何批次：请检查训练集是否为空。")
        record = {"epoch": epoch, "train_loss": mean.value()}
        if norms:
            record["max_grad_norm"] = float(torch.stack(norms).max())
        if val_loader is not None:
            record["val_loss"] = evaluate(model, val_loader, loss_fn, device=dev)
        if metrics is not None:
            with evaluating(model):
                record |= metrics(model)
        history.records.append(record)
        if show and (epoch % print_every == 0 or epoch == epochs):
            print(_progress_line(record, epochs), flush=True)
        if best is None:
            continue
        best.update(record, model)
        history.best_epoch = best.epoch
        if early_stop_patience is not None and best.waited >= early_stop_patience:
            history.stopped_early = True
            if show:
                print(f"连续 {best.waited} 轮没有改进，提前停止。")
            break
    if restore_best and best.state is not None:
        model.load_state_dict(best.state)
        history.restored = True
        if show:
            print(f"恢复第 {best.epoch} 轮（{monitor} 最佳）的参数。")
    return history


def _progress_line(record: dict[str, float], epochs: int) -> str:
    parts = [f"第 {record['epoch']:>{len(str(epochs))}}/{epochs} 轮"]
    for name, value in record.items():
        if name != "epoch":
            parts.append(f"{name} {value:.4f}" if math.isfinite(value) else f"{name} {value}")
    return "  ".join(parts)
