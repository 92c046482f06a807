"""Find a corpus on disk or download it: ``$SEQBOOK_DATA`` first, then the user cache,
then the network (primary address, then the mirror), always verifying SHA-256."""

import hashlib
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from seqbook.data.errors import DataError
from seqbook.data.registry import Corpus, get_corpus

DATA_ENV = "SEQBOOK_DATA"
CACHE_ENV = "SEQBOOK_CACHE"
TIMEOUT_S = 30
RETRY_DELAYS_S = (1.0, 3.0)  # pauses between the three attempts at one address


@dataclass(frozen=True)
class Location:
    """Where a corpus is: ``where`` is "SEQBOOK_DATA", "cache" or "missing"; ``folder`` holds
    its files, or is the cache folder that :func:`fetch` would download them to."""

    name: str
    where: str
    folder: Path


def data_folder(name: str) -> Path | None:
    """``$SEQBOOK_DATA/<name>``, or None when the variable is not set."""
    root = os.environ.get(DATA_ENV)
    return Path(root).expanduser() / name if root else None


def cache_folder(name: str) -> Path:
    """``$SEQBOOK_CACHE/<name>``, by default ``~/.cache/seqbook/<name>``."""
    root = os.environ.get(CACHE_ENV)
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "seqbook") / name


def locate(name: str) -> Location:
    """Say where the corpus ``name`` is, without downloading or verifying anything."""
    corpus = get_corpus(name)
    data = data_folder(name)
    if data is not None and _has_all_files(corpus, data):
        return Location(name, "SEQBOOK_DATA", data)
    cache = cache_folder(name)
    return Location(name, "cache" if _has_all_files(corpus, cache) else "missing", cache)


def fetch(name: str) -> Path:
    """The folder that holds the verified files of the corpus ``name``, downloading if needed.

    A corpus counts as present in ``$SEQBOOK_DATA/<name>/`` only when all its files are there;
    those files are verified and never changed. Otherwise the missing or corrupted files of the
    user cache are downloaded, each to a temporary file that replaces the target only once its
    SHA-256 is right.
    """
    corpus = get_corpus(name)
    data = data_folder(name)
    if data is not None and _has_all_files(corpus, data):
        for file in corpus.files:
            _check_placed_file(corpus, data / file)
        return data
    cache = cache_folder(name)
    cache.mkdir(parents=True, exist_ok=True)
    for file, sha256 in corpus.files.items():
        if not (cache / file).is_file() or sha256_of(cache / file) != sha256:
            _download(corpus, file, cache / file)
    return cache


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _has_all_files(corpus: Corpus, folder: Path) -> bool:
    return all((folder / file).is_file() for file in corpus.files)


def _check_placed_file(corpus: Corpus, path: Path) -> None:
    """Raise if a file the user placed in SEQBOOK_DATA is corrupted; never delete it."""
    expected, found = corpus.files[path.name], sha256_of(path)
    if found != expected:
        raise DataError(
            f"文件 {path} 的 SHA-256 与登记的不符：\n  期望 {expected}\n  实际 {found}\n"
            f"它在 {DATA_ENV} 里，seqbook 不会删除它。请从 {corpus.urls(path.name)[0]} "
            f"重新下载并替换它，或把它移走，让 fetch({corpus.name!r}) 下载到缓存。"
        )


def _download(corpus: Corpus, file: str, target: Path) -> None:
    """Download one file from the primary address, else from the mirror."""
    failures = []
    for url in corpus.urls(file):
        print(f"下载 {corpus.name}/{file} ← {url}", file=sys.stderr)
        try:
            _download_with_retries(url, target, corpus.files[file])
            return
        except _AttemptFailed as err:
            failures.append(f"  - {url}：{err}")
    where = os.environ.get(DATA_ENV) or "<数据文件夹>"
    raise DataError(
        f"无法下载语料 {corpus.name} 的文件 {file}：\n" + "\n".join(failures) + "\n"
        f"请检查网络，或手动下载：用浏览器打开上面任一地址，把这个语料的全部文件"
        f"（{'、'.join(corpus.files)}）保存到 {Path(where) / corpus.name}/ 下，"
        f"再把环境变量 {DATA_ENV} 设为 {where}。"
    )


class _AttemptFailed(Exception):
    """One attempt at one address failed; ``retry`` says whether trying again may help."""

    def __init__(self, reason: str, retry: bool):
        super().__init__(reason)
        self.retry = retry


def _download_with_retries(url: str, target: Path, sha256: str) -> None:
    for delay in (*RETRY_DELAYS_S, None):
        try:
            return _download_once(url, target, sha256)
        except _AttemptFailed as err:
            if not err.retry or delay is None:
                raise
            time.sleep(delay)


def _download_once(url: str, target: Path, sha256: str) -> None:
    """Stream ``url`` into a temporary file beside ``target``; keep it only if the hash is right."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            received, expected_size, digest = _stream(url, out)
        if expected_size is not None and received != expected_size:
            raise _AttemptFailed(f"连接中断：只收到 {received} / {expected_size} 字节", retry=True)
        if digest != sha256:
            raise _AttemptFailed(f"SHA-256 不符：期望 {sha256}，实际 {digest}", retry=False)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _stream(url: str, out: BinaryIO) -> tuple[int, int | None, str]:
    """Copy the body of ``url`` to ``out``: (bytes received, Content-Length or None, SHA-256)."""
    request = urllib.request.Request(url, headers={"User-Agent": "seqbook"})
    digest, received = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            length = response.headers.get("Content-Length")
            while chunk := response.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as err:
        raise _AttemptFailed(f"HTTP {err.code}", retry=err.code >= 500 or err.code == 429) from err
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        raise _AttemptFailed(
            f"{type(err).__name__}: {getattr(err, 'reason', err)}", retry=True
        ) from err
    return received, int(length) if length is not None else None, digest.hexdigest()
