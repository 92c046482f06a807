"""Tokenizers: characters, jieba words, n-grams, and English words (with detokenization)."""

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import jieba

from seqbook.checks import check_bool, check_positive_int, check_string, check_strings

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
    check_bool("hmm", hmm)
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
    check_strings("user_dict", user_dict, "user_dict 是词典文件的路径，或词语的列表，例如 ['诸葛亮', '孔明']。")
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


def glued_name_entries(names: Iterable[str]) -> list[str]:
    """The entries of jieba's own dictionary that glue one of ``names`` to one more character
    and are tagged as person names (nr), such as 玄德曰 and 孔明笑, sorted.

    While they are in the dictionary jieba prefers the one-word reading, so adding 玄德 as a
    user word changes nothing; :func:`names_tokenizer` deletes them. An entry that is itself
    one of ``names`` stays.
    """
    known = set(_check_names(names))
    with _tokenizer_for(None).get_dict_file() as dict_file:  # lines "word frequency tag"
        entries = [line.split() for line in dict_file.read().decode("utf-8").splitlines()]
    return sorted(
        word
        for word, _frequency, tag in entries
        if tag == "nr" and len(word) >= 3 and word[:-1] in known and word not in known
    )


def names_tokenizer(names: Iterable[str] | Mapping[str, str]) -> jieba.Tokenizer:
    """A private jieba tokenizer that knows ``names`` and has lost :func:`glued_name_entries`.

    ``names`` is a list of names, or a mapping from each name to its part-of-speech tag
    (e.g. ``{"玄德": "nr", "荆州": "ns"}``) for ``jieba.posseg``. Every call builds a new
    tokenizer (about a second), so changing one, e.g. with ``add_word`` or by handing it to
    ``jieba.posseg.POSTokenizer``, never affects another; jieba's global one is untouched.
    """
    tags = dict(names) if isinstance(names, Mapping) else dict.fromkeys(_check_names(names))
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in glued_name_entries(tags):
        tokenizer.del_word(word)
    for name, tag in sorted(tags.items()):
        tokenizer.add_word(name, tag=tag)
    return tokenizer


def _check_names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        raise TypeError(
            f"names 应是名字的列表，例如 ['玄德', '孔明']，收到的是字符串 {names!r:.30}。"
        )
    names = list(names)
    bad = next((name for name in names if not isinstance(name, str) or not name.strip()), None)
    if bad is not None:
        raise TypeError(f"names 里的名字必须是非空字符串，发现了 {bad!r}。")
    return names


def ngrams(tokens: Sequence, n: int) -> list[tuple]:
    """All runs of ``n`` consecutive tokens: ngrams(["我", "爱", "你"], 2) -> [("我", "爱"), ("爱", "你")]."""
    check_positive_int("n", n, "n 是 n 元组的长度，例如 n=2 得到二元组。")
    tokens = list(tokens)
    # zip stops at the shortest slice, so the last n-gram ends at the last token
    return list(zip(*(tokens[start:] for start in range(n)), strict=False))


_ENGLISH_TOKEN = re.compile(r"\w+(?:[-.:,’]\w+)*|'\w+|[^\w\s]")
_NO_SPACE_BEFORE = {".", ",", "!", "?", ";", ":", "%", ")", "]", "…"}
_NO_SPACE_AFTER = {"(", "[", "$", "#"}


def english_tokenize(text: str) -> list[str]:
    """Words, numbers and punctuation; clitics split off: "Tom's here." -> Tom 's here ."""
    check_string("text", text, allow_empty=True, hint="english_tokenize 切分一段英文文本。")
    return _ENGLISH_TOKEN.findall(text)


def english_detokenize(tokens: Sequence[str]) -> str:
    """Join tokens into text: no space before punctuation and clitics, quotes attached inside."""
    check_strings("tokens", tokens, "例如 english_detokenize(['Hi', '!'])。")
    text, quote_open, glue_next = "", False, True
    for token in tokens:
        glue = glue_next or token in _NO_SPACE_BEFORE or token.startswith("'")
        if token == '"':
            glue = glue_next or quote_open  # a closing quote sticks to the word before it
            glue_next = not quote_open  # an opening quote sticks to the word after it
            quote_open = not quote_open
        else:
            glue_next = token in _NO_SPACE_AFTER
        text += token if glue else " " + token
    return text


def _check_text(text: str) -> None:
    check_string("text", text, hint="空字符串没有可以切分的内容；请检查读入的数据。")
