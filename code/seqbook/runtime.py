"""Where and how reproducibly the book runs: seeds (with the variability offset) and the
compute device."""

import os
import random

import numpy as np
import torch

from seqbook.checks import check_int_at_least, check_positive_int

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


def offset_seed(seed: int) -> int:
    """``seed + seed_offset()``: the seed a random stream of the book actually uses.

    Every seeded stream (``set_seed``, the batch samplers, data shuffling) goes through
    here, so ``$SEQBOOK_SEED_OFFSET`` moves all of them together.
    """
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    return seed + seed_offset()


def set_seed(seed: int = 0, *, threads: int | None = None) -> None:
    """Seed Python, NumPy and PyTorch with ``seed`` plus ``seed_offset()``.

    The same seed repeats a run on the same machine with the same number of threads. On
    another CPU, with another vector unit or thread count, floating-point sums are added in
    another order and a trained model ends up slightly different, like another seed; the
    book's hidden checks therefore assert ranges measured over such runs (``make
    variability``). ``threads`` optionally fixes PyTorch's number of CPU threads; by default
    PyTorch uses every core.
    """
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 set_seed(0)。")
    if threads is not None:
        check_positive_int("threads", threads, "不传 threads 则不改变 PyTorch 的线程数。")
        torch.set_num_threads(threads)
    seed = offset_seed(seed)
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
