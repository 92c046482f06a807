"""Tokenizers: characters, jieba words and n-grams."""

import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)  # hide "Building prefix dict ..." on stderr in notebooks

UserDict = str | Path | Iterable[str] | None


def char_tokenize(text: str) -> list[str]:
    """The characters of ``text``, whitespace dropped: "我爱 北京" -> ["我", "爱", "北", "京"]."""
    _check_text(text)
    return [char for char in text if not char.isspace()]


def word_tokenize(text: str, user_dict: UserDict = None, *, hmm: bool = True) -> list[str]:
    """The words of ``text`` by jieba's accurate mode, whitespace dropped.

    ``user_dict`` adds words: the path of a jieba dictionary file (one word per line, optionally
    followed by a frequency and a part of speech) or an iterable of words. ``hmm=False`` turns
    off jieba's HMM guess for words not in the dictionary.
    """
    _check_text(text)
    return [word for word in jieba_tokenizer(user_dict).lcut(text, HMM=hmm) if not word.isspace()]


def jieba_tokenizer(user_dict: UserDict = None) -> jieba.Tokenizer:
    """A private ``jieba.Tokenizer`` with ``user_dict`` loaded, so that jieba's global state
    never changes. Tokenizers are cached: the first one costs about a second."""
    if user_dict is None:
        return _tokenizer_for(None)
    if isinstance(user_dict, (str, Path)):
        path = Path(user_dict)
        if not path.is_file():
            raise ValueError(
                f"用户词典文件 {str(path)!r} 不存在。user_dict 可以是词典文件的路径（每行一个词），"
                "也可以是词语的列表，例如 ['诸葛亮', '孔明']。"
            )
        return _tokenizer_for((path.resolve(), path.stat().st_mtime_ns))
    words = tuple(sorted(set(user_dict)))
    not_words = [word for word in words if not isinstance(word, str) or not word.strip()]
    if not_words:
        raise TypeError(f"用户词典里的词必须是非空字符串，发现了 {not_words[0]!r}。")
    return _tokenizer_for(words)


@lru_cache(maxsize=8)
def _tokenizer_for(key: tuple | None) -> jieba.Tokenizer:
    """A tokenizer for a dictionary file ``(path, mtime)``, a tuple of words, or none."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if key and isinstance(key[0], Path):
        tokenizer.load_userdict(str(key[0]))
    else:
        for word in key or ():
            tokenizer.add_word(word)
    return tokenizer


def ngrams(tokens: Sequence, n: int) -> list[tuple]:
    """All runs of ``n`` consecutive tokens: ngrams(["我", "爱", "你"], 2) -> [("我", "爱"), ("爱", "你")]."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n-gram 的长度 n 必须是正整数，收到的是 {n!r}；例如 n=2 得到二元组。")
    tokens = list(tokens)
    # zip stops at the shortest slice, so the last n-gram ends at the last token
    return list(zip(*(tokens[start:] for start in range(n)), strict=False))


def _check_text(text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"需要一个字符串，收到的是 {type(text).__name__}：{text!r:.50}。")
    if not text:
        raise ValueError("文本是空字符串，没有可以切分的内容；请检查读入的数据。")
