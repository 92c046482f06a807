"""The corpora of the book: a registry with pinned addresses and SHA-256, ``fetch`` to get
the files (``$SEQBOOK_DATA``, then the user cache, then a verified download) and loaders
that return plain Python objects."""

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

__all__ = [
    "CORPORA",
    "Corpus",
    "CorpusRow",
    "DataError",
    "EntityDict",
    "Location",
    "corpus_table",
    "fetch",
    "load_chnsenticorp",
    "load_peoples_daily",
    "load_sanguo",
    "load_sanguo_entities",
    "load_tang_poems",
    "load_tatoeba",
    "locate",
    "split_dataset",
]
