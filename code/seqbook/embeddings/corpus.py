"""训练词嵌入用的语料：借助人名表分词，只留词（去掉标点），去掉罕见词。"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from seqbook.checks import check_positive_int, check_token_lists
from seqbook.text import Vocab, names_tokenizer


@dataclass(frozen=True)
class WordCorpus:
    """分好词的语料的词元 id。

    ``ids[i]`` 是第 i 个保留的词元（所有文档首尾相接）的词表 id，``doc[i]`` 是它所在文档的编号，
    上下文窗口据此在文档边界处停下。``vocab`` 收录至少出现 ``min_count`` 次的词；
    ``vocab.token_freqs`` 仍列出每个词（包括罕见词）及其次数。
    """

    vocab: Vocab
    ids: torch.Tensor
    doc: torch.Tensor

    @classmethod
    def from_documents(cls, documents: list[list[str]], min_count: int = 1) -> "WordCorpus":
        """由已分好词的 ``documents`` 建立语料，只保留至少出现 ``min_count`` 次的词。"""
        check_token_lists("documents", documents, "每篇文档是分好词的词元列表。")
        check_positive_int("min_count", min_count, "min_count=5 表示只保留至少出现 5 次的词。")
        vocab = Vocab(documents, min_freq=min_count)
        ids, doc = [], []
        for number, document in enumerate(documents):
            kept = [vocab[token] for token in document if token in vocab]
            ids += kept
            doc += [number] * len(kept)
        if not ids:
            raise ValueError(
                f"没有任何词出现至少 min_count={min_count} 次，语料为空；"
                "请检查 texts 是否只有标点和空白，或调小 min_count。"
            )
        return cls(vocab, torch.tensor(ids), torch.tensor(doc))

    def __len__(self) -> int:
        return len(self.ids)

    def counts(self) -> torch.Tensor:
        """每个 id 在 ``ids`` 中出现的次数（保留的 ``<pad>`` 与 ``<unk>`` 为 0）。"""
        return torch.bincount(self.ids, minlength=len(self.vocab))


def is_word(token: str) -> bool:
    """词元只由标点、符号、空白或控制字符组成时为 False。"""
    return any(unicodedata.category(char)[0] not in "PSZC" for char in token)


def prepare_corpus(texts: Iterable[str], names: Iterable[str] = (), min_count: int = 5) -> WordCorpus:
    """用 :func:`seqbook.text.names_tokenizer`（jieba 精确模式，开启 HMM）给 ``texts`` 分词，去掉
    标点和空白，保留至少出现 ``min_count`` 次的词。

    罕见词被删掉而不是换成 ``<unk>``：与 word2vec 一样，上下文窗口越过它们，延伸到下一个保留的词。
    """
    if isinstance(texts, str):
        raise TypeError(
            "texts 应是文档（字符串）的列表，收到的是一个字符串；"
            "只有一篇文本时请写成 prepare_corpus([text])。"
        )
    check_positive_int("min_count", min_count, "min_count=5 表示只保留至少出现 5 次的词。")
    tokenizer = names_tokenizer(names)
    documents = []
    for number, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"第 {number} 篇文档应是字符串，收到的是 {type(text).__name__}。")
        documents.append([token for token in tokenizer.lcut(text) if is_word(token)])
    return WordCorpus.from_documents(documents, min_count)
