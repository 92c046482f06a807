import random

import numpy as np
import pytest
import torch

from seqbook import device, set_seed


def draw():
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


def test_set_seed_makes_python_numpy_and_torch_repeatable():
    set_seed(7)
    first = draw()
    set_seed(7)
    assert draw() == first
    set_seed(8)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None])
def test_set_seed_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="随机种子"):
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
