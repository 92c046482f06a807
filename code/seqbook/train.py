"""Reproducibility, the compute device, and the one training loop of the book.

``fit`` trains any model whose loss a function ``loss_fn(model, batch)`` can compute, so
the same loop serves language models, classifiers, taggers and seq2seq models.
"""

import copy
import math
import os
import random
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from seqbook._checks import check_positive_int

SEED_OFFSET_ENV = "SEQBOOK_SEED_OFFSET"


def seed_offset() -> int:
    """The number added to every seed: ``$SEQBOOK_SEED_OFFSET``, 0 when unset.

    ``make variability`` and ``make test-robust`` set it to train every model of the book
    from other random starting points, so the text can't rest on one lucky run.
    """
    text = os.environ.get(SEED_OFFSET_ENV, "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError(
            f"环境变量 {SEED_OFFSET_ENV}={text!r} 应为非负整数（加到每个随机种子上），"
            f"例如 {SEED_OFFSET_ENV}=1；删除它则使用书中的种子。"
        )
    return int(text)


def set_seed(seed: int = 0, *, threads: int | None = None) -> None:
    """Seed Python, NumPy and PyTorch with ``seed`` plus ``seed_offset()``.

    The same seed repeats a run on the same machine with the same number of threads. On
    another CPU, with another vector unit or thread count, floating-point sums are added in
    another order and a trained model ends up slightly different, like another seed; the
    book's hidden checks therefore assert ranges measured over such runs (``make
    variability``). ``threads`` optionally fixes PyTorch's number of CPU threads; by default
    PyTorch uses every core.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"随机种子必须是非负整数，收到的是 {seed!r}。请传入例如 set_seed(0)。")
    if threads is not None:
        check_positive_int("threads", threads, "不传 threads 则不改变 PyTorch 的线程数。")
        torch.set_num_threads(threads)
    seed += seed_offset()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU.

    Set the environment variable ``SEQBOOK_DEVICE`` (e.g. ``cpu``) to choose one yourself.
    """
    wanted = os.environ.get("SEQBOOK_DEVICE")
    if wanted:
        try:
            return torch.device(wanted)
        except RuntimeError:
            raise ValueError(
                f"环境变量 SEQBOOK_DEVICE={wanted!r} 不是 PyTorch 认识的设备名；"
                "请设为 cpu、cuda 或 mps，或删除这个变量让 seqbook 自动选择。"
            ) from None
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


_best_device = device  # ``fit`` and ``evaluate`` have an argument named device


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


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, loss_fn: LossFn, *, device=None) -> float:
    """The mean loss over every batch of ``loader``, in evaluation mode, without gradients.

    Each batch is weighted by its count (see ``fit``), so with a count of target tokens the
    result is the exact mean loss per token, whatever the batch sizes.
    """
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for batch in loader:
            loss, n = _loss_and_count(loss_fn, model, to_device(batch, dev))
            total += loss.item() * n
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate 收到的数据为空：loader 没有产生任何批次，请检查数据集。")
    return total / count


@dataclass
class History:
    """What ``fit`` records: one dict per epoch, e.g. {"epoch": 1, "train_loss": 2.3, "val_loss": 2.5}.

    ``history["val_loss"]`` is a column (one value per epoch), ready for plotting;
    ``best_epoch`` is the epoch whose weights the model has at the end when early stopping
    restored them (else None).
    """

    records: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

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

    def plot(self, names: Iterable[str] | None = None, ax=None):
        """Draw the given columns (default: every loss) against the epoch; returns the Axes."""
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        names = list(names or [n for n in self.records[0] if n.endswith("loss")])
        ax = ax or plt.subplots(figsize=(5, 3))[1]
        labels = {"train_loss": "训练集损失", "val_loss": "验证集损失"}
        for name in names:
            ax.plot(self.epochs, self[name], marker="o", label=labels.get(name, name))
        if self.best_epoch is not None:
            ax.axvline(self.best_epoch, color="gray", linestyle=":", label="最佳轮次")
        ax.set_xlabel("轮次（epoch）")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        return ax


def _show_progress(progress: bool | None) -> bool:
    """None means: print only in Jupyter or a terminal, and never when CI is set."""
    if progress is not None:
        return progress
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return "ipykernel" in sys.modules or sys.stdout.isatty()


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
    early_stop_patience: int | None = None,
    monitor: str = "val_loss",
    progress: bool | None = None,
    print_every: int = 1,
) -> History:
    """Train ``model`` for up to ``epochs`` passes over ``train_loader``; return the History.

    - ``loss_fn(model, batch)`` returns the batch's mean loss, or ``(mean loss, count)``
      so that averages over batches of different sizes are exact (e.g. count the target
      tokens of a language model). Batches may be any nesting of tuples, lists and dicts;
      their tensors are moved to the device first.
    - ``val_loader``: after each epoch the mean loss on it is recorded as "val_loss";
      ``metrics(model)`` may add more numbers (e.g. {"val_acc": 0.9}).
    - ``clip_grad_norm``: rescale the gradient when its norm exceeds this value; the
      largest norm of the epoch, before clipping, is recorded as "max_grad_norm"
      (``float("inf")`` records it without clipping).
    - ``early_stop_patience``: stop after that many epochs without a new best ``monitor``
      (a "loss" is minimised, anything else maximised), then restore the best weights.
    - ``progress``: print one line every ``print_every`` epochs; None prints only in
      Jupyter or a terminal and never when the environment variable CI is set.
    - ``device``: default ``seqbook.device()``; the model is moved there.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs 应为正整数，实际为 {epochs!r}。例如 epochs=10。")
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ValueError(f"clip_grad_norm 应为正数（梯度范数的上限）或 None，实际为 {clip_grad_norm!r}。")
    if early_stop_patience is not None:
        if not isinstance(early_stop_patience, int) or early_stop_patience < 1:
            raise ValueError(f"early_stop_patience 应为正整数或 None，实际为 {early_stop_patience!r}。")
        if monitor == "val_loss" and val_loader is None:
            raise ValueError("提前停止要看验证集上的表现：请同时传入 val_loader（或用 monitor 指定 metrics 里的一项）。")
    dev = torch.device(device) if device is not None else _best_device()
    model.to(dev)
    show = _show_progress(progress)
    history = History()
    best, best_state, waited = None, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        total, count, max_norm = 0.0, 0, None
        for batch in train_loader:
            loss, n = _loss_and_count(loss_fn, model, to_device(batch, dev))
            optimizer.zero_grad()
            loss.backward()
            if clip_grad_norm is not None:
                norm = float(nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm))
                max_norm = norm if max_norm is None else max(max_norm, norm)
            optimizer.step()
            total += loss.item() * n
            count += n
        if count == 0:
            raise ValueError("train_loader 没有产生任何批次：请检查训练集是否为空。")
        record = {"epoch": epoch, "train_loss": total / count}
        if max_norm is not None:
            record["max_grad_norm"] = max_norm
        if val_loader is not None:
            record["val_loss"] = evaluate(model, val_loader, loss_fn, device=dev)
        if metrics is not None:
            record |= metrics(model)
        history.records.append(record)
        if show and (epoch % print_every == 0 or epoch == epochs):
            print(_progress_line(record, epochs), flush=True)
        if early_stop_patience is None:
            continue
        if monitor not in record:
            raise KeyError(f"monitor={monitor!r} 不在记录中；可用的有 {list(record)}。")
        value = record[monitor] if "loss" in monitor else -record[monitor]
        if best is None or value < best:
            best, waited = value, 0
            history.best_epoch = epoch
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= early_stop_patience:
                history.stopped_early = True
                if show:
                    print(f"连续 {waited} 轮没有改进，提前停止；恢复第 {history.best_epoch} 轮的参数。")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def _progress_line(record: dict[str, float], epochs: int) -> str:
    parts = [f"第 {record['epoch']:>{len(str(epochs))}}/{epochs} 轮"]
    for name, value in record.items():
        if name != "epoch":
            parts.append(f"{name} {value:.4f}" if math.isfinite(value) else f"{name} {value}")
    return "  ".join(parts)
