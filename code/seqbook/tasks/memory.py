"""第 4-5 章的记忆实验配方：在 ``seqbook.data.memory_task`` 上训练一个小的循环分类器，
测量它能记住多远以前的信息。"""

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
    """在 ``memory_task`` 上训练一个小分类器（8 维嵌入 -> ``rnn_cls`` -> 线性层）。

    ``rnn_cls`` 是循环层的类，例如 ``torch.nn.LSTM``；给了 ``init(layer)`` 时用它改循环层的初始权重
    （例如 ``lambda layer: set_forget_bias(layer, 5.0)``）。训练：Adam，梯度范数裁剪到 1，
    ``num_train`` 条序列（种子 1）看 ``epochs`` 遍。每轮之后把另外 1,000 条序列（种子 2）上的
    准确率记为 "val_acc"。返回 (model, history)。
    """
    _check_arguments(rnn_cls, init, lr, batch_size)
    num_symbols, num_distractors = 4, 8  # 要记住的符号有 4 种，干扰符号 8 种
    x, y = memory_task(num_train, lag, num_symbols=num_symbols, num_distractors=num_distractors, seed=1)
    x_val, y_val = memory_task(1000, lag, num_symbols=num_symbols, num_distractors=num_distractors, seed=2)
    set_seed(seed)
    generator = torch.Generator().manual_seed(offset_seed(seed))
    model = SequenceClassifier(num_symbols + num_distractors, num_symbols, rnn_cls=rnn_cls, embedding_dim=8,
                               hidden_size=hidden_size, dropout=0.0)
    if init is not None:  # 例如把遗忘门的偏置设大
        init(model.rnn)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=generator)

    def loss_fn(model, batch):  # 所有序列一样长，不需要 lengths
        inputs, labels = batch
        return F.cross_entropy(model(inputs), labels)

    def val_acc(model):  # fit 在评估模式下、不计算梯度时调用它
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
