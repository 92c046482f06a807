"""Training curves: the columns of a ``seqbook.train.History`` against the epoch."""

from collections.abc import Iterable

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from seqbook.checks import check_strings

LABELS = {"train_loss": "训练集损失", "val_loss": "验证集损失"}


def plot_history(history, names: Iterable[str] | None = None, ax=None):
    """Draw the given columns of ``history`` (default: every loss) against the epoch, with
    the restored best epoch as a dotted line; returns the Axes."""
    if not (hasattr(history, "records") and hasattr(history, "epochs")):
        raise TypeError(f"history 应为 seqbook.train.fit 返回的 History，实际为 {type(history).__name__}。")
    if names is not None:
        check_strings("names", names, "例如 names=['train_loss', 'val_loss']。")
    if len(history) == 0:
        raise ValueError("history 为空：还没有训练过任何一轮，没有可画的曲线。")
    names = list(names or [n for n in history.records[0] if n.endswith("loss")])
    ax = ax or plt.subplots(figsize=(5, 3))[1]
    for name in names:
        ax.plot(history.epochs, history[name], marker="o", label=LABELS.get(name, name))
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch, color="gray", linestyle=":", label="最佳轮次")
    ax.set_xlabel("轮次（epoch）")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return ax
