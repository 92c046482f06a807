"""A corpus ready for word embeddings: segmented with a list of names, words only
(no punctuation), rare words dropped."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from seqbook.checks import check_positive_int, check_token_lists
from seqbook.text import Vocab, names_tokenizer


@dataclass(frozen=True)
class WordCorpus:
    """Token ids of a segmented corpus.

    ``ids[i]`` is the vocabulary id of the i-th kept token (all documents one after the
    other) and ``doc[i]`` the number of the document it comes from, so that context windows
    can stop at document boundaries. ``vocab`` holds the words seen at least ``min_count``
    times; ``vocab.token_freqs`` still lists every word with its count, rare ones included.
    """

    vocab: Vocab
    ids: torch.Tensor
    doc: torch.Tensor

    @classmethod
    def from_documents(cls, documents: list[list[str]], min_count: int = 1) -> "WordCorpus":
        """A corpus of already segmented ``documents``, keeping the words seen at least
        ``min_count`` times."""
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
        """How often each id occurs in ``ids`` (0 for the reserved ids ``<pad>`` and ``<unk>``)."""
        return torch.bincount(self.ids, minlength=len(self.vocab))


def is_word(token: str) -> bool:
    """False for tokens made only of punctuation, symbols, spaces or control characters."""
    return any(unicodedata.category(char)[0] not in "PSZC" for char in token)


def prepare_corpus(texts: Iterable[str], names: Iterable[str] = (), min_count: int = 5) -> WordCorpus:
    """Segment ``texts`` with :func:`seqbook.text.names_tokenizer` (jieba's accurate mode, HMM on), drop
    punctuation and whitespace, and keep the words that occur at least ``min_count`` times.

    Rare words are removed, not replaced by ``<unk>``: a context window then reaches past
    them to the next kept word, as in word2vec.
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
