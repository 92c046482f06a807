"""Vocab: a two-way map between tokens and integer ids."""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain
from pathlib import Path

from seqbook.checks import check_bool, check_positive_int, check_strings

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
BOS, EOS = "<bos>", "<eos>"  # begin and end of a sequence, reserved where a model generates
_FORMAT = "seqbook.Vocab"


class Vocab:
    """Token <-> id map with deterministic ids.

    ``<pad>`` is 0, ``<unk>`` is 1, then come the extra ``reserved_tokens`` (e.g. ``<bos>``,
    ``<eos>``), then every token seen at least ``min_freq`` times, most frequent first, ties
    in the order of the token strings. ``tokens`` is a flat iterable of tokens, an iterable of
    token lists (sentences), or a mapping token -> count.
    """

    pad_id, unk_id = PAD_ID, UNK_ID

    def __init__(
        self, tokens: Iterable = (), min_freq: int = 1, reserved_tokens: Iterable[str] = ()
    ):
        check_positive_int("min_freq", min_freq, "min_freq=2 表示至少出现两次。")
        check_strings("reserved_tokens", reserved_tokens, "例如 reserved_tokens=['<bos>', '<eos>']。")
        self.min_freq = min_freq
        self.reserved_tokens = tuple(dict.fromkeys([PAD, UNK, *reserved_tokens]))
        # Every counted token with its count, most frequent first, also those below min_freq.
        self.token_freqs = sorted(_count(tokens).items(), key=lambda item: (-item[1], item[0]))
        reserved = set(self.reserved_tokens)
        frequent = [
            tok for tok, count in self.token_freqs if count >= min_freq and tok not in reserved
        ]
        # All tokens in id order: vocab.tokens[i] has the id i.
        self.tokens = self.reserved_tokens + tuple(frequent)
        self._ids = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, token: str) -> int:
        """The id of ``token``; ``unk_id`` for a token the vocabulary doesn't know."""
        return self._ids.get(token, UNK_ID)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, min_freq={self.min_freq}, reserved_tokens={list(self.reserved_tokens)})"

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """The ids of a list of tokens; unknown tokens get ``unk_id``."""
        if isinstance(tokens, str):
            raise TypeError(
                f"encode 需要词元的列表，收到的是字符串 {tokens!r:.30}；请先分词，"
                "例如 vocab.encode(char_tokenize(text))。"
            )
        return [self[token] for token in tokens]

    def decode(self, ids: Iterable[int], skip_special: bool = False) -> list[str]:
        """The tokens of a sequence of ids (a list or a 1-D tensor).

        ``skip_special=True`` drops ``<pad>`` and the extra reserved tokens such as ``<bos>``,
        but keeps ``<unk>`` so that unknown words stay visible.
        """
        check_bool("skip_special", skip_special)
        ids = ids.tolist() if hasattr(ids, "tolist") else list(ids)
        for i in ids:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self):
                raise ValueError(
                    f"id {i!r} 不在词表中：词表大小为 {len(self)}，合法的 id 是 0 到 {len(self) - 1} 的整数；"
                    "一次只能解码一个序列（一维）。"
                )
        skipped = (
            {self._ids[t] for t in self.reserved_tokens if t != UNK} if skip_special else set()
        )
        return [self.tokens[i] for i in ids if i not in skipped]

    def save(self, path: str | Path) -> None:
        """Save as UTF-8 JSON; :meth:`load` gives back the same ids."""
        state = {
            "format": _FORMAT,
            "min_freq": self.min_freq,
            "reserved_tokens": list(self.reserved_tokens),
            "token_freqs": self.token_freqs,
        }
        Path(path).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Vocab":
        """A vocabulary saved by :meth:`save`."""
        if not Path(path).is_file():
            raise FileNotFoundError(f"词表文件 {str(path)!r} 不存在；请传入 vocab.save(path) 写出的文件的路径。")
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            state = None
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError(
                f"{str(path)!r} 不是用 Vocab.save 保存的词表文件；请传入 vocab.save(path) 写出的文件。"
            )
        return cls(dict(state["token_freqs"]), state["min_freq"], state["reserved_tokens"])


def _count(tokens: Iterable) -> Counter:
    """Token counts of a flat iterable of tokens, of an iterable of token lists, or of a mapping."""
    if isinstance(tokens, str):
        raise TypeError(
            f"Vocab 需要词元，收到的是一整个字符串 {tokens!r:.30}；请先分词，例如 Vocab(char_tokenize(text))。"
        )
    if isinstance(tokens, Mapping):
        counts = Counter(dict(tokens))
    else:
        items = iter(tokens)
        first = next(items, None)
        if first is None:
            counts = Counter()
        elif isinstance(first, str) or not isinstance(first, Iterable):
            counts = Counter(chain([first], items))  # a flat sequence of tokens
        else:
            counts = Counter(first)  # sentences: lists of tokens
            for sentence in items:
                counts.update(sentence)
    not_str = next((token for token in counts if not isinstance(token, str)), None)
    if not_str is not None:
        raise TypeError(
            f"词元必须是字符串，发现了 {type(not_str).__name__} {not_str!r}；"
            "Vocab 接受词元的列表、词元列表的列表（句子），或 {词元: 次数} 的字典。"
        )
    return counts
