"""词嵌入：词 id 组成的语料，基于计数的词向量（PPMI + 截断 SVD），带负采样的跳元模型与 CBOW，
GloVe，余弦近邻，以及用三国演义实体词典的评价（alias@k、类型一致率、按人物重抽样的自助法）。"""

from seqbook.embeddings.cbow import CBOW, cbow_examples, context_mean, train_cbow
from seqbook.embeddings.corpus import WordCorpus, is_word, prepare_corpus
from seqbook.embeddings.count import cooccurrence, ppmi, ppmi_svd, truncated_svd
from seqbook.embeddings.evaluate import (
    GroupBootstrap,
    alias_at_k,
    alias_hits,
    alias_queries,
    bootstrap_by_group,
    cosine_similarity,
    names_of_type,
    nearest,
    pca,
    persons_with_aliases,
    query_persons,
    split_persons,
    top_neighbours,
    type_agreement,
)
from seqbook.embeddings.glove import GloVe, glove_weight, train_glove
from seqbook.embeddings.skipgram import (
    SkipGram,
    keep_probabilities,
    negative_sampling_loss,
    skipgram_pairs,
    train_skipgram,
)

__all__ = [
    "CBOW",
    "GloVe",
    "GroupBootstrap",
    "SkipGram",
    "WordCorpus",
    "alias_at_k",
    "alias_hits",
    "alias_queries",
    "bootstrap_by_group",
    "cbow_examples",
    "context_mean",
    "cooccurrence",
    "cosine_similarity",
    "glove_weight",
    "is_word",
    "keep_probabilities",
    "names_of_type",
    "nearest",
    "negative_sampling_loss",
    "pca",
    "persons_with_aliases",
    "ppmi",
    "ppmi_svd",
    "prepare_corpus",
    "query_persons",
    "skipgram_pairs",
    "split_persons",
    "top_neighbours",
    "train_cbow",
    "train_glove",
    "train_skipgram",
    "truncated_svd",
    "type_agreement",
]
