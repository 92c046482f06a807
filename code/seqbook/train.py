"""Reproducibility and the compute device."""

import os
import random

import numpy as np
import torch


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch so that a notebook gives the same numbers every run."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"随机种子必须是非负整数，收到的是 {seed!r}。请传入例如 set_seed(0)。")
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
