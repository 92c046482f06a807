"""The corpora of the book: a registry with pinned addresses and SHA-256, ``fetch`` to get
the files (``$SEQBOOK_DATA``, then the user cache, then a verified download) and loaders
that return plain Python objects; generators of synthetic data (numerals, the memory task)."""

from seqbook.data.download import Location, fetch, locate
from seqbook.data.errors import DataError
from seqbook.data.loaders import (
    EntityDict,
    load_chnsenticorp,
    load_peoples_daily,
    load_sanguo,
    load_sanguo_entities,
    load_tang_poems,
    load_tatoeba,
    split_dataset,
)
from seqbook.data.registry import CORPORA, Corpus, CorpusRow, corpus_table
from seqbook.data.synthetic import STYLES, NumeralData, load_numerals, memory_task, to_chinese

__all__ = [
    "CORPORA",
    "Corpus",
    "CorpusRow",
    "NumeralData",
    "STYLES",
    "DataError",
    "EntityDict",
    "Location",
    "corpus_table",
    "fetch",
    "load_chnsenticorp",
    "load_numerals",
    "load_peoples_daily",
    "load_sanguo",
    "load_sanguo_entities",
    "load_tang_poems",
    "load_tatoeba",
    "locate",
    "memory_task",
    "split_dataset",
    "to_chinese",
]
