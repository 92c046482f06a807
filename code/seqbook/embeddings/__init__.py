"""Word embeddings: a corpus of word ids, count-based vectors (PPMI + truncated SVD),
skip-gram with negative sampling, cosine neighbours, and evaluation with the 三国演义
entity dictionary (alias@k, type agreement)."""

from seqbook.embeddings.corpus import WordCorpus, is_word, prepare_corpus
from seqbook.embeddings.count import cooccurrence, ppmi, ppmi_svd, truncated_svd
from seqbook.embeddings.evaluate import (
    alias_at_k,
    alias_hits,
    alias_queries,
    cosine_similarity,
    names_of_type,
    nearest,
    pca,
    persons_with_aliases,
    split_persons,
    top_neighbours,
    type_agreement,
)
from seqbook.embeddings.skipgram import (
    SkipGram,
    keep_probabilities,
    skipgram_pairs,
    train_skipgram,
)

__all__ = [
    "SkipGram",
    "WordCorpus",
    "alias_at_k",
    "alias_hits",
    "alias_queries",
    "cooccurrence",
    "cosine_similarity",
    "is_word",
    "keep_probabilities",
    "names_of_type",
    "nearest",
    "pca",
    "persons_with_aliases",
    "ppmi",
    "ppmi_svd",
    "prepare_corpus",
    "skipgram_pairs",
    "split_persons",
    "top_neighbours",
    "train_skipgram",
    "truncated_svd",
    "type_agreement",
]
