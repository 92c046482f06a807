"""第 8 章的验证码（CAPTCHA）：用 ``captcha`` 包（BSD-3，自带 DroidSansMono 字体）画图。

- 字母表：数字和大写字母，共 36 类（``CAPTCHA_ALPHABET``）；标签不分大小写，一律写成大写，
  画出来的字母则随机取大写或小写。
- 确定性：``captcha`` 0.7.1 用标准库的 ``secrets`` 取随机数（无法设种子）；这里在画每张图时
  把它换成一个由 (seed, 划分, 序号) 设种子的 ``random.Random``，所以同一张图随时可以重画
  （``captcha_image``）。
- 字符串在训练/验证/测试集之间互不相交：每个字符串属于哪一部分由它的 SHA-256 决定，与种子无关。
- 生成：每个 CPU 核一个进程同时画（一张约 2.4 毫秒）。
- 缓存：整套数据存成一个 .npz（在 ``seqbook`` 的缓存文件夹 ``$SEQBOOK_CACHE/captcha/``，
  默认 ``~/.cache/seqbook/captcha/``），文件名包含全部参数，先写临时文件再改名，重跑时不再生成。
"""

import contextlib
import hashlib
import os
import random
import string
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from seqbook.checks import (
    check_bool,
    check_int_at_least,
    check_int_between,
    check_positive_int,
    check_string,
)
from seqbook.data.download import cache_folder

CAPTCHA_ALPHABET = string.digits + string.ascii_uppercase  # 36 类：0-9 A-Z
SPLITS = ("train", "val", "test")
_FORMAT = 1  # 生成方式改变时加 1，旧的缓存文件就不再被读取
_DRAW_SIZE = (60, 160)  # captcha 包的默认画布（高, 宽）；画好后缩小到要求的尺寸


class _SeededSecrets:
    """``secrets`` 模块里 captcha 用到的三个函数，换成可设种子的版本。"""

    def __init__(self, seed: str):
        self._rng = random.Random(seed)

    def randbelow(self, n: int) -> int:
        return self._rng.randrange(n)

    def randbits(self, k: int) -> int:
        return self._rng.getrandbits(k)

    def choice(self, seq):
        return self._rng.choice(seq)


@contextlib.contextmanager
def _seeded_captcha(seed: str):
    import captcha.image as captcha_image

    original = captcha_image.secrets
    captcha_image.secrets = _SeededSecrets(seed)
    try:
        yield captcha_image
    finally:
        captcha_image.secrets = original


_GENERATOR = None


def _generator():
    global _GENERATOR
    if _GENERATOR is None:
        from captcha.image import ImageCaptcha

        _GENERATOR = ImageCaptcha(width=_DRAW_SIZE[1], height=_DRAW_SIZE[0])
    return _GENERATOR


def captcha_image(text: str, *, key: str = "0", height: int = 32, width: int = 80, mixed_case: bool = True) -> np.ndarray:
    """画一张验证码：返回 (height, width) 的 uint8 灰度数组（0 黑 255 白）。

    ``text`` 是标签（数字和字母）；``mixed_case=True`` 时每个字母随机画成大写或小写。
    ``key`` 决定全部随机性（字体大小、旋转、噪点、颜色、大小写），同一个 ``key`` 总是画出同一张图。
    图先按 captcha 包的默认尺寸 160×60 画，再转灰度、缩小到 ``width``×``height``。
    """
    _check_text(text)
    check_string("key", key, hint="key 决定这张图的随机性，例如 key='0-train-17'。")
    _check_size(height, width)
    check_bool("mixed_case", mixed_case)
    from PIL import Image

    with _seeded_captcha(key) as module:
        rng = module.secrets._rng
        drawn = "".join(c.lower() if mixed_case and c.isalpha() and rng.random() < 0.5 else c for c in text.upper())
        image = _generator().generate_image(drawn).convert("L")
    if (height, width) != _DRAW_SIZE:
        image = image.resize((width, height), Image.BILINEAR)
    return np.array(image, dtype=np.uint8)  # a writable copy


@dataclass
class CaptchaData:
    """三部分验证码：图像是 (N, 1, H, W) 的 uint8 张量，标签是大写字符串。"""

    train_images: Tensor
    train_labels: list[str]
    val_images: Tensor
    val_labels: list[str]
    test_images: Tensor
    test_labels: list[str]

    def part(self, split: str) -> tuple[Tensor, list[str]]:
        """("train"/"val"/"test") 的 (图像, 标签)。"""
        if split not in SPLITS:
            raise ValueError(f"split 只能是 'train'、'val'、'test' 之一，实际为 {split!r}。")
        return getattr(self, f"{split}_images"), getattr(self, f"{split}_labels")


def split_of(text: str) -> str:
    """字符串属于哪一部分：由它（大写后）的 SHA-256 决定，约 90% 训练、5% 验证、5% 测试。

    与种子、长度范围、图像尺寸都无关，所以任何两套数据里，测试串都不会出现在训练串里。
    """
    _check_text(text)
    bucket = int.from_bytes(hashlib.sha256(text.upper().encode()).digest()[:4], "big") % 20
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def captcha_strings(
    sizes: Sequence[int] = (16000, 1000, 2000), *, lengths: tuple[int, int] = (4, 4), seed: int = 0
) -> dict[str, list[str]]:
    """按 ``split_of`` 分好的、互不相同的随机标签串：{"train": [...], "val": [...], "test": [...]}。

    长度在 ``lengths``（含两端）里均匀地取，字符在 36 类里均匀地取。
    """
    sizes = _check_sizes(sizes)
    low, high = _check_lengths(lengths)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    possible = sum(36**n for n in range(low, high + 1))
    if sizes[1] + sizes[2] > possible // 40 or sizes[0] > possible // 2:
        raise ValueError(
            f"sizes={tuple(sizes)!r} 对长度 {low}-{high} 的字符串太多了：请减小 sizes 或加长 lengths。"
        )
    rng = random.Random(f"captcha-strings-{seed}-{low}-{high}")
    wanted = dict(zip(SPLITS, sizes, strict=True))
    parts: dict[str, dict[str, None]] = {split: {} for split in SPLITS}
    while any(len(parts[s]) < wanted[s] for s in SPLITS):
        text = "".join(rng.choices(CAPTCHA_ALPHABET, k=rng.randint(low, high)))
        split = split_of(text)
        if len(parts[split]) < wanted[split]:
            parts[split].setdefault(text)
    return {split: list(parts[split]) for split in SPLITS}


def load_captchas(
    sizes: Sequence[int] = (16000, 1000, 2000),
    *,
    lengths: tuple[int, int] = (4, 4),
    height: int = 32,
    width: int = 80,
    seed: int = 0,
    cache: bool = True,
) -> CaptchaData:
    """生成（或从缓存读出）训练、验证、测试三部分验证码，大小为 ``sizes``。

    ``lengths=(4, 4)`` 是定长 4 字符的一套（笔记里的设定），``(4, 6)`` 是 4 到 6 个字符的变长的一套。
    第 i 张 ``split`` 图用 ``key=f"{seed}-{split}-{i}"`` 画，可用 ``captcha_image`` 单独重画。
    ``cache=True`` 时结果存在 ``$SEQBOOK_CACHE/captcha/`` 下（文件名含全部参数和 captcha 包的版本），
    同样的参数第二次调用直接读文件。
    """
    sizes = _check_sizes(sizes)
    low, high = _check_lengths(lengths)
    _check_size(height, width)
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    check_bool("cache", cache)
    name = f"captcha-v{_FORMAT}-{version('captcha')}-{'-'.join(map(str, sizes))}-len{low}-{high}-{height}x{width}-seed{seed}.npz"
    path = cache_folder("captcha") / name
    if cache and path.is_file():
        with np.load(path) as saved:
            arrays = {key: saved[key] for key in saved.files}
    else:
        strings = captcha_strings(sizes, lengths=(low, high), seed=seed)
        arrays = {}
        for split in SPLITS:
            labels = strings[split]
            keys = [f"{seed}-{split}-{i}" for i in range(len(labels))]
            arrays[f"{split}_images"] = _draw_all(labels, keys, height, width)
            arrays[f"{split}_labels"] = np.array(labels)
        if cache:
            _save_atomically(path, arrays)
    return CaptchaData(
        *(
            value
            for split in SPLITS
            for value in (torch.from_numpy(arrays[f"{split}_images"]), [str(s) for s in arrays[f"{split}_labels"]])
        )
    )


def _draw_chunk(texts: list[str], keys: list[str], height: int, width: int) -> np.ndarray:
    return np.stack([captcha_image(t, key=k, height=height, width=width) for t, k in zip(texts, keys, strict=True)])


def _draw_all(texts: list[str], keys: list[str], height: int, width: int, chunk: int = 500) -> np.ndarray:
    """画 (N, 1, H, W) 的一批图：每个 CPU 核一个进程（每张图只由它的 key 决定，所以结果与进程数无关）。"""
    starts = range(0, len(texts), chunk)
    jobs = [(texts[i : i + chunk], keys[i : i + chunk], height, width) for i in starts]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        parts = [_draw_chunk(*job) for job in jobs]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_draw_chunk, *zip(*jobs, strict=True)))
    return np.concatenate(parts)[:, None]


def _save_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.part")
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_text(text) -> None:
    check_string("text", text, hint="text 是验证码上的字符，例如 'A3K9'。")
    bad = [c for c in text.upper() if c not in CAPTCHA_ALPHABET]
    if bad:
        raise ValueError(f"text={text!r} 含有字母表以外的字符 {bad[0]!r}：只能用数字 0-9 和英文字母。")


def _check_size(height, width) -> None:
    check_int_between("height", height, 16, 120, "例如 height=32。")
    check_int_between("width", width, 32, 320, "例如 width=80。")


def _check_sizes(sizes) -> tuple[int, int, int]:
    if isinstance(sizes, str) or not isinstance(sizes, Sequence) or len(sizes) != 3:
        raise ValueError(f"sizes 应为三个正整数 (训练, 验证, 测试)，实际为 {sizes!r}。例如 sizes=(16000, 1000, 2000)。")
    for index, size in enumerate(sizes):
        check_positive_int(f"sizes[{index}]", size, "sizes 是 (训练, 验证, 测试) 的图片张数。")
    return tuple(sizes)


def _check_lengths(lengths) -> tuple[int, int]:
    if isinstance(lengths, str) or not isinstance(lengths, Sequence) or len(lengths) != 2:
        raise ValueError(f"lengths 应为 (最短, 最长) 两个整数，实际为 {lengths!r}。例如定长 (4, 4)、变长 (4, 6)。")
    low, high = lengths
    check_int_between("lengths[0]", low, 1, 8, "lengths 是 (最短, 最长) 字符数。")
    check_int_between("lengths[1]", high, low, 8, "lengths[1] 是最长字符数，不能小于 lengths[0]。")
    return low, high
